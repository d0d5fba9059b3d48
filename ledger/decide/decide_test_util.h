// Test fixture for the deciders: a MemoryState with a small
// registry (two counties of Quanzhou, three kindergartens, one operator per
// role, registered at kNow) and "submit(request) -> Decision, applying its
// events", with the ledger's clock at kNow until a test moves it (SetToday).
// No policy version is recorded unless a test sets one (setPolicy), so the
// built-in defaults apply. Synthetic identities only. Test-only; included by
// the decide_tests sources, which take its names whole (`using namespace
// xueji::testing`).
#ifndef XUEJI_LEDGER_DECIDE_DECIDE_TEST_UTIL_H_
#define XUEJI_LEDGER_DECIDE_DECIDE_TEST_UTIL_H_

#include <catch2/catch.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "absl/time/time.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decider.h"
#include "ledger/decide/memory_state.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/policy.h"
#include "tests/support/requests.h"  // ResidentId, OperatorLine

namespace xueji::testing {

// Counties: 350502 (鲤城区) and 350503 (丰泽区), both in Quanzhou (3505).
inline constexpr char kCountyA[] = "350502";
inline constexpr char kCountyC[] = "350503";
inline constexpr char kNow[] = "2025-09-01T08:00:00Z";
inline constexpr char kDay[] = "2025-09-01";

inline xueji::v1::Child MakeChild(std::string name, xueji::v1::Gender gender,
                                  std::string birth, xueji::v1::IdType type,
                                  std::string number) {
  xueji::v1::Child child;
  child.set_name(std::move(name));
  child.set_gender(gender);
  child.set_birth_date(std::move(birth));
  child.set_id_type(type);
  child.set_id_number(std::move(number));
  return child;
}

// Boy born 2021-05-06 with resident ID 350502 20210506 `seq` (odd).
inline xueji::v1::Child Boy(int seq = 123) {
  return MakeChild("测试男孩", xueji::v1::MALE, "2021-05-06",
                   xueji::v1::RESIDENT_ID,
                   ResidentId(kCountyA, "20210506", seq));
}

// A boy born 2020-05-06 (5 on kDay; primary entry 2026-09-01),
// resident ID 350502 20200506 `seq` (odd).
inline xueji::v1::Child FiveYearOld(int seq = 123) {
  return MakeChild("测试大班男孩", xueji::v1::MALE, "2020-05-06",
                   xueji::v1::RESIDENT_ID,
                   ResidentId(kCountyA, "20200506", seq));
}

// Issue 10: the mother applying for a transfer, leave, deferral or key-info
// edit (synthetic resident ID, born 1990-01-01, female).
inline xueji::v1::Applicant Mother() {
  xueji::v1::Applicant applicant;
  applicant.set_name("测试妈妈");
  applicant.set_relation(xueji::v1::MOTHER);
  applicant.set_id_type(xueji::v1::RESIDENT_ID);
  applicant.set_id_number(ResidentId(kCountyA, "19900101", 124));
  return applicant;
}

// The decider harness over a StateView with Apply(event): MemoryState here;
// the processor's tests run the same requests over LedgerState.
template <typename State>
class BasicTestLedger {
 public:
  BasicTestLedger() {
    ctx_.now = *ParseRfc3339(kNow);
    ctx_.calendar = &WorkingCalendar::Default();
    ctx_.areas = &AreaTable::Default();
    RegisterKindergarten("QZ-A", "鲤城实验幼儿园", kCountyA);
    RegisterKindergarten("QZ-B", "鲤城第二幼儿园", kCountyA);
    RegisterKindergarten("QZ-C", "丰泽实验幼儿园", kCountyC);
    RegisterOperator("reg-a", xueji::v1::REGISTRAR, "QZ-A");
    RegisterOperator("reg-b", xueji::v1::REGISTRAR, "QZ-B");
    RegisterOperator("reg-c", xueji::v1::REGISTRAR, "QZ-C");
    RegisterOperator("appr-a", xueji::v1::APPROVER, kCountyA);
    RegisterOperator("appr-c", xueji::v1::APPROVER, kCountyC);
    RegisterOperator("officer", xueji::v1::OFFICER, "35");
    RegisterOperator("auditor", xueji::v1::AUDITOR, "3505");
  }

  Decision Registry(const xueji::v1::RegistryLine& line) {
    absl::StatusOr<Decision> decision = DecideRegistry(line, state_, ctx_);
    REQUIRE(decision.ok());
    ApplyAll(decision->events);
    return *decision;
  }
  Decision RegisterKindergarten(std::string code, std::string name,
                                std::string county) {
    xueji::v1::RegistryLine line;
    line.mutable_kindergarten()->set_code(code);
    line.mutable_kindergarten()->set_name(name);
    line.mutable_kindergarten()->set_county(county);
    return Registry(line);
  }
  Decision RegisterOperator(std::string id, xueji::v1::Role role,
                            std::string org) {
    return Registry(OperatorLine(id, role, org));
  }

  // A policy of province 35 from today on that seals accounts only after 36
  // months (set by the province officer of "35"), so that a test may move the
  // clock a school year on without its operators falling dormant.
  void LongSeal() {
    xueji::v1::Request request = Req("officer");
    request.mutable_set_policy()->set_region("35");
    request.mutable_set_policy()->set_effective_from(Today());
    request.mutable_set_policy()->mutable_policy()->set_seal_after_months(36);
    REQUIRE(Submit(request).status == xueji::v1::APPLIED);
  }

  // The ledger's clock: an instant, or a day (08:00 UTC, 16:00 in Beijing).
  void SetNow(std::string_view rfc3339) {
    absl::StatusOr<absl::Time> now = ParseRfc3339(rfc3339);
    REQUIRE(now.ok());
    ctx_.now = *now;
  }
  void SetToday(std::string_view day) {
    SetNow(std::string(day) + "T08:00:00Z");
  }
  // Today by the ledger's clock (its Beijing day), YYYY-MM-DD.
  std::string Today() const { return FormatDate(BeijingDay(ctx_.now)); }

  // A request skeleton with a fresh request id ("r1", "r2", ...), dated
  // `day` (default: today by the ledger's clock).
  xueji::v1::Request Req(std::string actor, std::string day = "") {
    xueji::v1::Request request;
    request.set_request_id("r" + std::to_string(++next_request_));
    request.set_actor(std::move(actor));
    request.set_occurred_on(day.empty() ? Today() : std::move(day));
    return request;
  }

  // Request skeletons of the record's changes, by QZ-A's registrar unless
  // `actor` says otherwise, the mother applying where the request takes an
  // applicant (Art. 11-17). Not submitted.
  xueji::v1::Request TransferOutReq(const std::string& no, std::string to,
                                    std::string actor = "reg-a") {
    xueji::v1::Request request = Req(std::move(actor));
    request.mutable_transfer_out()->set_student_no(no);
    *request.mutable_transfer_out()->mutable_applicant() = Mother();
    request.mutable_transfer_out()->set_to_kindergarten(std::move(to));
    return request;
  }
  xueji::v1::Request LeaveReq(const std::string& no, std::string reason = "",
                              std::string actor = "reg-a") {
    xueji::v1::Request request = Req(std::move(actor));
    request.mutable_leave()->set_student_no(no);
    *request.mutable_leave()->mutable_applicant() = Mother();
    request.mutable_leave()->set_reason(std::move(reason));
    return request;
  }
  xueji::v1::Request DeferReq(const std::string& no, std::string until,
                              std::string evidence,
                              std::string actor = "reg-a") {
    xueji::v1::Request request = Req(std::move(actor));
    request.mutable_defer()->set_student_no(no);
    *request.mutable_defer()->mutable_applicant() = Mother();
    request.mutable_defer()->set_until_date(std::move(until));
    request.mutable_defer()->set_evidence(std::move(evidence));
    return request;
  }
  // Kindergarten `kg`'s verification of `term` by `actor`, listing the
  // children `present` (Art. 17 ¶3).
  xueji::v1::Request VerifyReq(std::string kg, std::string term,
                               std::string actor,
                               const std::vector<std::string>& present = {}) {
    xueji::v1::Request request = Req(std::move(actor));
    request.mutable_verify()->set_kindergarten(std::move(kg));
    request.mutable_verify()->set_term(std::move(term));
    for (const std::string& no : present) {
      request.mutable_verify()->add_present_student_nos(no);
    }
    return request;
  }
  xueji::v1::Request CancelReq(const std::string& no, std::string reason,
                               std::string died, std::string evidence) {
    xueji::v1::Request request = Req("reg-a");
    request.mutable_cancel()->set_student_no(no);
    request.mutable_cancel()->set_reason(std::move(reason));
    request.mutable_cancel()->set_date_of_death(std::move(died));
    request.mutable_cancel()->set_evidence(std::move(evidence));
    return request;
  }

  // Decides without applying.
  Decision DecideOnly(const xueji::v1::Request& request) {
    absl::StatusOr<Decision> decision = Decide(request, state_, ctx_);
    REQUIRE(decision.ok());
    return *decision;
  }
  // Decides and applies the events (the processor's job).
  Decision Submit(const xueji::v1::Request& request) {
    Decision decision = DecideOnly(request);
    ApplyAll(decision.events);
    return decision;
  }
  void ApplyAll(const std::vector<xueji::v1::Event>& events) {
    for (xueji::v1::Event event : events) {
      event.set_partition(0);
      event.set_offset(next_offset_++);
      REQUIRE(state_.Apply(event).ok());
      log_.push_back(event);
    }
  }

  // Convenience requests.
  Decision Admit(const xueji::v1::Child& child, std::string kg = "QZ-A",
                 std::string actor = "reg-a", std::string day = "") {
    xueji::v1::Request request = Req(std::move(actor), std::move(day));
    request.mutable_admit()->set_kindergarten(std::move(kg));
    *request.mutable_admit()->mutable_child() = child;
    return Submit(request);
  }
  Decision Approve(const std::string& request_id, std::string actor = "appr-a",
                   std::string day = "") {
    xueji::v1::Request request = Req(std::move(actor), std::move(day));
    request.mutable_approve()->set_request_id(request_id);
    return Submit(request);
  }
  Decision Reject(const std::string& request_id, std::string actor = "appr-a") {
    xueji::v1::Request request = Req(std::move(actor));
    request.mutable_reject()->set_request_id(request_id);
    request.mutable_reject()->set_reason("材料不全");
    return Submit(request);
  }
  // Admits and approves; returns the student number.
  std::string Enroll(const xueji::v1::Child& child, std::string kg = "QZ-A",
                     std::string registrar = "reg-a",
                     std::string approver = "appr-a") {
    Decision admitted = Admit(child, kg, registrar);
    REQUIRE(admitted.status == xueji::v1::PENDING_APPROVAL);
    Decision approved =
        Approve(admitted.events[0].request_id(), std::move(approver));
    REQUIRE(approved.status == xueji::v1::APPLIED);
    return admitted.student_no;
  }

  xueji::v1::RecordState Record(std::string_view student_no) {
    absl::StatusOr<std::optional<xueji::v1::RecordState>> record =
        state_.RecordByNumber(student_no);
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    return **record;
  }
  std::vector<std::string> LiveAt(std::string_view kg) {
    absl::StatusOr<std::vector<xueji::v1::RecordState>> live =
        state_.LiveRecordsAt(kg);
    REQUIRE(live.ok());
    std::vector<std::string> numbers;
    for (const auto& record : *live) numbers.push_back(record.student_no());
    return numbers;
  }
  xueji::v1::OperatorState Operator(std::string_view id) {
    auto op = state_.Operator(id);
    REQUIRE(op.ok());
    REQUIRE(op->has_value());
    return **op;
  }

  State& state() { return state_; }
  const DecideContext& ctx() const { return ctx_; }
  const std::vector<xueji::v1::Event>& log() const { return log_; }

 private:
  State state_;
  DecideContext ctx_;
  int next_request_ = 0;
  int64_t next_offset_ = 0;
  std::vector<xueji::v1::Event> log_;
};

using TestLedger = BasicTestLedger<MemoryState>;

// What Kinds returns, to compare with: Kinds(d) == V{"record_requested"}.
using V = std::vector<std::string>;

// Payload kinds of a decision's events, in order (e.g. "record_requested").
inline std::vector<std::string> Kinds(const Decision& decision) {
  std::vector<std::string> kinds;
  for (const xueji::v1::Event& event : decision.events) {
    const auto* field =
        xueji::v1::Event::descriptor()->FindFieldByNumber(event.payload_case());
    kinds.push_back(field == nullptr ? "?" : field->name());
  }
  return kinds;
}

// Checks that `decision` answered `status` with events of `kinds`, in order.
// The kinds are REQUIREd: the caller may read those events after it.
inline void CheckDecided(const Decision& decision,
                         xueji::v1::ResultStatus status, const V& kinds) {
  CHECK(decision.status == status);
  REQUIRE(Kinds(decision) == kinds);
}

}  // namespace xueji::testing

#endif  // XUEJI_LEDGER_DECIDE_DECIDE_TEST_UTIL_H_
