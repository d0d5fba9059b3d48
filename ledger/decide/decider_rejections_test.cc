// Refusals: every ReasonCode of common.proto, the authorization matrix,
// operator sealing, determinism, and the registry decider.
#include <catch2/catch.hpp>

#include "ledger/decide/decide_test_util.h"
#include "ledger/decide/decider.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness

// A refusal: REJECTED, one RequestRejected last, its code and action, a
// message free of identity numbers.
void CheckRefused(const Decision& decision, xueji::v1::ReasonCode code,
                  std::string_view action) {
  INFO("message: " << decision.message);
  CHECK(decision.status == xueji::v1::REJECTED);
  CHECK(decision.code == code);
  REQUIRE_FALSE(decision.events.empty());
  const xueji::v1::Event& last = decision.events.back();
  REQUIRE(last.has_request_rejected());
  CHECK(last.request_rejected().code() == code);
  CHECK(last.request_rejected().action() == action);
  CHECK(last.request_rejected().message() == decision.message);
  CHECK(last.outcome() == xueji::v1::REJECTED);
  CHECK_FALSE(decision.message.empty());
  for (int seq : {123, 124, 125, 127}) {
    CHECK(decision.message.find(Boy(seq).id_number()) == std::string::npos);
  }
}

TEST_CASE("common refusals: malformed, occurredOn, unknown operator",
          "[decider][refusal]") {
  TestLedger ledger;
  xueji::v1::Request no_action = ledger.Req("reg-a");
  Decision malformed = ledger.Submit(no_action);
  CheckRefused(malformed, xueji::v1::MALFORMED_REQUEST, "");
  CHECK(malformed.events[0].subject() == "req:" + no_action.request_id());
  CHECK(malformed.events[0].actor().operator_id() == "reg-a");

  xueji::v1::Request bad_day = ledger.Req("reg-a", "2025-02-30");
  bad_day.mutable_admit()->set_kindergarten("QZ-A");
  *bad_day.mutable_admit()->mutable_child() = Boy();
  Decision invalid = ledger.Submit(bad_day);
  CheckRefused(invalid, xueji::v1::INVALID_FIELD, "admit");
  CHECK(invalid.events[0].business_date().empty());

  xueji::v1::Request stranger = ledger.Req("nobody");
  stranger.mutable_admit()->set_kindergarten("QZ-A");
  Decision unknown = ledger.Submit(stranger);
  CheckRefused(unknown, xueji::v1::UNKNOWN_OPERATOR, "admit");
  CHECK(unknown.events[0].actor().operator_id() == "nobody");
  CHECK(unknown.events[0].actor().role() == xueji::v1::ROLE_UNSPECIFIED);
}

TEST_CASE("admission refusals", "[decider][refusal]") {
  TestLedger ledger;
  SECTION("INVALID_ID_NUMBER: wrong check character") {
    xueji::v1::Child child = Boy();
    child.set_id_number(child.id_number().substr(0, 17) +
                        (child.id_number()[17] == '1' ? "2" : "1"));
    CheckRefused(ledger.Admit(child), xueji::v1::INVALID_ID_NUMBER, "admit");
  }
  SECTION("ID_MISMATCH: gender disagrees with the number") {
    xueji::v1::Child child = Boy();
    child.set_gender(xueji::v1::FEMALE);
    CheckRefused(ledger.Admit(child), xueji::v1::ID_MISMATCH, "admit");
  }
  SECTION("INVALID_FIELD: empty name, checked before the kindergarten") {
    xueji::v1::Child child = Boy();
    child.set_name("");
    CheckRefused(ledger.Admit(child, "NO-SUCH-KG"), xueji::v1::INVALID_FIELD,
                 "admit");
  }
  SECTION("UNKNOWN_KINDERGARTEN") {
    CheckRefused(ledger.Admit(Boy(), "NO-SUCH-KG"),
                 xueji::v1::UNKNOWN_KINDERGARTEN, "admit");
  }
  SECTION("DUPLICATE_REGISTRATION, on the live record's subject") {
    std::string no = ledger.Enroll(Boy());
    Decision twice = ledger.Admit(Boy(), "QZ-C", "reg-c");
    CheckRefused(twice, xueji::v1::DUPLICATE_REGISTRATION, "admit");
    CHECK(twice.events[0].subject() == ledger.Record(no).subject());
    // A pending admission is live too.
    REQUIRE(ledger.Admit(Boy(125)).status == xueji::v1::PENDING_APPROVAL);
    CheckRefused(ledger.Admit(Boy(125)), xueji::v1::DUPLICATE_REGISTRATION,
                 "admit");
  }
  SECTION("AGE_OUT_OF_RANGE: too young") {
    xueji::v1::Child baby =
        MakeChild("婴儿", xueji::v1::MALE, "2024-01-01", xueji::v1::RESIDENT_ID,
                  ResidentId("350502", "20240101", 11));
    CheckRefused(ledger.Admit(baby), xueji::v1::AGE_OUT_OF_RANGE, "admit");
  }
  SECTION("AGE_OUT_OF_RANGE: entry on the primary entry date") {
    xueji::v1::Child old =
        MakeChild("大孩子", xueji::v1::MALE, "2019-05-06",
                  xueji::v1::RESIDENT_ID, ResidentId("350502", "20190506", 11));
    CheckRefused(ledger.Admit(old), xueji::v1::AGE_OUT_OF_RANGE, "admit");
    // The day before is still in range.
    xueji::v1::Request admit = ledger.Req("reg-a", "2025-08-31");
    admit.mutable_admit()->set_kindergarten("QZ-A");
    *admit.mutable_admit()->mutable_child() = old;
    CHECK(ledger.Submit(admit).status == xueji::v1::PENDING_APPROVAL);
  }
  SECTION("INVALID_FIELD: entryDate not a date") {
    xueji::v1::Request admit = ledger.Req("reg-a");
    admit.mutable_admit()->set_kindergarten("QZ-A");
    admit.mutable_admit()->set_entry_date("2025-13-01");
    *admit.mutable_admit()->mutable_child() = Boy();
    CheckRefused(ledger.Submit(admit), xueji::v1::INVALID_FIELD, "admit");
  }
}

TEST_CASE("record refusals: unknown student, unknown request, transitions",
          "[decider][refusal]") {
  TestLedger ledger;
  std::string no = ledger.Enroll(Boy());
  SECTION("UNKNOWN_STUDENT") {
    xueji::v1::Request leave = ledger.LeaveReq("G" + Boy(999).id_number());
    Decision refused = ledger.Submit(leave);
    CheckRefused(refused, xueji::v1::UNKNOWN_STUDENT, "leave");
    CHECK(refused.events[0].subject() == "req:" + leave.request_id());
  }
  SECTION("UNKNOWN_REQUEST") {
    Decision refused = ledger.Approve("no-such-request");
    CheckRefused(refused, xueji::v1::UNKNOWN_REQUEST, "approve");
    CHECK(refused.events[0].correlation_id() == "no-such-request");
    CheckRefused(ledger.Reject("no-such-request"), xueji::v1::UNKNOWN_REQUEST,
                 "reject");
  }
  SECTION("INVALID_TRANSITION: one pending change at a time") {
    ledger.LongSeal();
    ledger.SetToday("2026-09-01");  // within a year of primary entry
    xueji::v1::Request defer = ledger.DeferReq(no, "2028-08-31", "医院证明");
    REQUIRE(ledger.Submit(defer).status == xueji::v1::PENDING_APPROVAL);
    xueji::v1::Request out = ledger.TransferOutReq(no, "QZ-B");
    Decision refused = ledger.Submit(out);
    CheckRefused(refused, xueji::v1::INVALID_TRANSITION, "transferOut");
    CHECK(refused.message.find(defer.request_id()) != std::string::npos);
    CHECK(refused.events[0].subject() == ledger.Record(no).subject());
    CHECK(refused.student_no == no);
  }
  SECTION("INVALID_TRANSITION: graduate a PENDING record") {
    Decision pending = ledger.Admit(Boy(125));
    xueji::v1::Request grad = ledger.Req("reg-a");
    grad.mutable_graduate()->set_student_no(pending.student_no);
    CheckRefused(ledger.Submit(grad), xueji::v1::INVALID_TRANSITION,
                 "graduate");
  }
  SECTION("INVALID_FIELD: transfer to the current kindergarten") {
    xueji::v1::Request out = ledger.TransferOutReq(no, "QZ-A");
    CheckRefused(ledger.Submit(out), xueji::v1::INVALID_FIELD, "transferOut");
  }
  SECTION("UNKNOWN_KINDERGARTEN as a transfer target") {
    xueji::v1::Request out = ledger.TransferOutReq(no, "NOWHERE");
    CheckRefused(ledger.Submit(out), xueji::v1::UNKNOWN_KINDERGARTEN,
                 "transferOut");
  }
}

TEST_CASE("KINDERGARTEN_CLOSED for admission into a closed kindergarten",
          "[decider][refusal]") {
  TestLedger ledger;
  xueji::v1::Request close = ledger.Req("appr-c");
  close.mutable_close_kindergarten()->set_kindergarten("QZ-C");
  REQUIRE(ledger.Submit(close).status == xueji::v1::APPLIED);
  CheckRefused(ledger.Admit(Boy(), "QZ-C", "reg-c"),
               xueji::v1::KINDERGARTEN_CLOSED, "admit");
}

// Requests of each kind the matrix tries, on a child enrolled at QZ-A
// (county 350502) with a pending admission of another child there.
struct Matrix {
  std::string enrolled;
  std::string pending_request;
};
Matrix SetUpMatrix(TestLedger& ledger) {
  Matrix m;
  m.enrolled = ledger.Enroll(Boy(123));
  m.pending_request = ledger.Admit(Boy(125)).events[0].request_id();
  return m;
}

TEST_CASE("authorization matrix: foreign kindergarten and county refused",
          "[decider][auth]") {
  for (std::string actor : {"reg-c", "reg-b", "appr-c", "officer", "auditor"}) {
    DYNAMIC_SECTION("actor " << actor) {
      TestLedger ledger;
      Matrix m = SetUpMatrix(ledger);
      xueji::v1::OperatorState op = ledger.Operator(actor);
      auto check = [&](const xueji::v1::Request& request) {
        Decision refused = ledger.Submit(request);
        CheckRefused(refused, xueji::v1::NOT_AUTHORIZED, ActionName(request));
        // Names the role and organisation.
        CHECK(refused.message.find(xueji::v1::Role_Name(op.role())) !=
              std::string::npos);
        CHECK(refused.message.find("\"" + op.org() + "\"") !=
              std::string::npos);
        CHECK(refused.message.find(m.enrolled) == std::string::npos);
      };
      xueji::v1::Request admit = ledger.Req(actor);
      admit.mutable_admit()->set_kindergarten("QZ-A");
      *admit.mutable_admit()->mutable_child() = Boy(127);
      check(admit);
      xueji::v1::Request leave = ledger.Req(actor);
      leave.mutable_leave()->set_student_no(m.enrolled);
      *leave.mutable_leave()->mutable_applicant() = testing::Mother();
      check(leave);
      xueji::v1::Request approve = ledger.Req(actor);
      approve.mutable_approve()->set_request_id(m.pending_request);
      check(approve);
      xueji::v1::Request close = ledger.Req(actor);
      close.mutable_close_kindergarten()->set_kindergarten("QZ-A");
      check(close);
      if (actor != "reg-b") {  // QZ-B's registrar is not QZ-A's either
        check(ledger.VerifyReq("QZ-A", "2025-autumn", actor));
      }
    }
  }
}

TEST_CASE("authorization matrix: the right role at home succeeds",
          "[decider][auth]") {
  TestLedger ledger;
  Matrix m = SetUpMatrix(ledger);
  // The registrar may not approve its own admission.
  Decision self = ledger.Approve(m.pending_request, "reg-a");
  CHECK(self.code == xueji::v1::NOT_AUTHORIZED);
  CHECK(ledger.Approve(m.pending_request, "appr-a").status ==
        xueji::v1::APPLIED);
  xueji::v1::Request leave = ledger.LeaveReq(m.enrolled);
  CHECK(ledger.Submit(leave).status == xueji::v1::APPLIED);
  CHECK(
      ledger.Submit(ledger.VerifyReq("QZ-A", "2025-autumn", "appr-a")).status ==
      xueji::v1::APPLIED);
}

TEST_CASE(
    "Art. 22: an operator idle past sealAfterMonths, by the ledger's "
    "clock, is sealed by its request",
    "[decider][refusal][clock]") {
  TestLedger ledger;  // operators registered on 2025-09-01
  // Six months to the day is still allowed.
  ledger.SetToday("2026-03-01");
  CHECK(
      ledger.Submit(ledger.VerifyReq("QZ-B", "2026-spring", "reg-b")).status ==
      xueji::v1::APPLIED);
  CHECK(ledger.Operator("reg-b").last_active() == "2026-03-01");

  // The next day reg-a is dormant: a back-dated request does not dodge it,
  // the clock's day is what counts.
  ledger.SetToday("2026-03-02");
  xueji::v1::Request late = ledger.Req("reg-a", "2026-02-27");
  late.mutable_admit()->set_kindergarten("QZ-A");
  *late.mutable_admit()->mutable_child() = Boy();
  Decision sealed = ledger.Submit(late);
  CheckRefused(sealed, xueji::v1::OPERATOR_SEALED, "admit");
  REQUIRE(Kinds(sealed) == V{"operator_sealed", "request_rejected"});
  CHECK(sealed.events[0].subject() == "op:reg-a");
  CHECK(sealed.events[0].operator_sealed().last_active() == "2025-09-01");
  CHECK(sealed.message.find("2026-03-02") != std::string::npos);
  CHECK(ledger.Operator("reg-a").sealed());
  // Sealed now: refused without a second OperatorSealed.
  xueji::v1::Request again = ledger.LeaveReq("G" + Boy().id_number());
  Decision refused = ledger.Submit(again);
  CheckRefused(refused, xueji::v1::OPERATOR_SEALED, "leave");
  CHECK(Kinds(refused) == V{"request_rejected"});
}

TEST_CASE(
    "Art. 22: last activity is the day an event was recorded, not the "
    "business date it claims",
    "[decider][clock]") {
  TestLedger ledger;  // operators registered on 2025-09-01
  ledger.SetToday("2025-10-09");
  // Entered on 9 October for 30 September: reg-a was active on 9 October.
  xueji::v1::Request verify = ledger.VerifyReq("QZ-A", "2025-autumn", "reg-a");
  verify.set_occurred_on("2025-09-30");
  Decision recorded = ledger.Submit(verify);
  REQUIRE(recorded.status == xueji::v1::APPLIED);
  CHECK(recorded.events[0].business_date() == "2025-09-30");
  CHECK(ledger.Operator("reg-a").last_active() == "2025-10-09");
  // So on 9 April 2026 (six months after 9 October) reg-a may still act,
  // while reg-b (last active on 1 September) is sealed.
  ledger.SetToday("2026-04-09");
  CHECK(
      ledger.Submit(ledger.VerifyReq("QZ-A", "2026-spring", "reg-a")).status ==
      xueji::v1::APPLIED);
  CHECK(ledger.Submit(ledger.VerifyReq("QZ-B", "2026-spring", "reg-b")).code ==
        xueji::v1::OPERATOR_SEALED);
}

TEST_CASE("Art. 22: a future date no longer seals anyone", "[decider][clock]") {
  TestLedger ledger;
  xueji::v1::Request future = ledger.Req("appr-a", "2099-01-01");
  future.mutable_approve()->set_request_id("nothing");
  Decision refused = ledger.Submit(future);
  CheckRefused(refused, xueji::v1::INVALID_DATE, "approve");
  CHECK(Kinds(refused) == V{"request_rejected"});
  CHECK(refused.message.find("in the future") != std::string::npos);
  CHECK_FALSE(ledger.Operator("appr-a").sealed());
  CHECK(ledger.Operator("appr-a").last_active() == "2025-09-01");
  // And appr-a still works the next day.
  ledger.SetToday("2025-09-02");
  std::string no = ledger.Enroll(Boy());
  CHECK(ledger.Record(no).status() == xueji::v1::ENROLLED);
}

TEST_CASE("deciding is deterministic", "[decider]") {
  TestLedger ledger;
  ledger.Enroll(Boy(123));
  xueji::v1::Request request = ledger.Req("reg-a");
  request.mutable_admit()->set_kindergarten("QZ-A");
  *request.mutable_admit()->mutable_child() = MakeChild(
      "无证女孩", xueji::v1::FEMALE, "2021-05-06", xueji::v1::NONE, "");
  Decision first = ledger.DecideOnly(request);
  Decision second = ledger.DecideOnly(request);
  REQUIRE(first.events.size() == 2);
  REQUIRE(second.events.size() == first.events.size());
  for (size_t i = 0; i < first.events.size(); ++i) {
    CHECK(first.events[i].SerializeAsString() ==
          second.events[i].SerializeAsString());
  }
  // Another request id gives other event ids.
  request.set_request_id("other");
  Decision third = ledger.DecideOnly(request);
  CHECK(third.events[0].event_id() != first.events[0].event_id());
}

TEST_CASE("registry lines: ids from content, updates, refusals",
          "[decider][registry]") {
  TestLedger ledger;
  xueji::v1::RegistryLine line;
  line.mutable_operator_()->set_id("reg-new");
  line.mutable_operator_()->set_role(xueji::v1::REGISTRAR);
  line.mutable_operator_()->set_org("QZ-A");
  Decision first = ledger.Registry(line);
  CheckDecided(first, xueji::v1::APPLIED, V{"operator_registered"});
  const xueji::v1::Event& event = first.events[0];
  CHECK(event.subject() == "op:reg-new");
  CHECK(event.request_id().size() == std::string("registry:").size() + 16);
  CHECK(event.request_id().rfind("registry:", 0) == 0);
  CHECK(event.actor().operator_id() == "registry");
  CHECK(event.actor().role() == xueji::v1::ROLE_UNSPECIFIED);
  CHECK(event.business_date() == "2025-09-01");
  CHECK(ledger.Operator("reg-new").last_active() == "2025-09-01");
  // The same line: the same request id (the processor answers DUPLICATE).
  absl::StatusOr<Decision> same =
      DecideRegistry(line, ledger.state(), ledger.ctx());
  REQUIRE(same.ok());
  CHECK(same->events[0].request_id() == event.request_id());
  // A changed line updates.
  line.mutable_operator_()->set_org("QZ-B");
  Decision updated = ledger.Registry(line);
  CHECK(updated.status == xueji::v1::APPLIED);
  CHECK(updated.events[0].request_id() != event.request_id());
  CHECK(ledger.Operator("reg-new").org() == "QZ-B");

  SECTION("unknown county names the county") {
    xueji::v1::RegistryLine kg;
    kg.mutable_kindergarten()->set_code("XX-1");
    kg.mutable_kindergarten()->set_name("无名幼儿园");
    kg.mutable_kindergarten()->set_county("359999");
    Decision refused = ledger.Registry(kg);
    CheckRefused(refused, xueji::v1::INVALID_FIELD, "kindergarten");
    CHECK(refused.message.find("359999") != std::string::npos);
  }
  SECTION("bad kindergarten code") {
    xueji::v1::RegistryLine kg;
    kg.mutable_kindergarten()->set_code("QZ/A");
    kg.mutable_kindergarten()->set_name("斜杠幼儿园");
    kg.mutable_kindergarten()->set_county("350502");
    CheckRefused(ledger.Registry(kg), xueji::v1::INVALID_FIELD, "kindergarten");
  }
  SECTION("registrar of an unknown kindergarten") {
    line.mutable_operator_()->set_org("NOWHERE");
    CheckRefused(ledger.Registry(line), xueji::v1::UNKNOWN_KINDERGARTEN,
                 "operator");
  }
  SECTION("approver of something that is not a county") {
    line.mutable_operator_()->set_role(xueji::v1::APPROVER);
    line.mutable_operator_()->set_org("3505");
    CheckRefused(ledger.Registry(line), xueji::v1::INVALID_FIELD, "operator");
  }
  SECTION("officer of an unknown region; national is fine") {
    line.mutable_operator_()->set_role(xueji::v1::OFFICER);
    line.mutable_operator_()->set_org("99");
    CheckRefused(ledger.Registry(line), xueji::v1::INVALID_FIELD, "operator");
    line.mutable_operator_()->set_org("");
    CHECK(ledger.Registry(line).status == xueji::v1::APPLIED);
  }
  SECTION("issue 10: GB/T 2260's six-digit province and city codes") {
    line.mutable_operator_()->set_role(xueji::v1::OFFICER);
    line.mutable_operator_()->set_org("350000");
    Decision province = ledger.Registry(line);
    CHECK(province.status == xueji::v1::APPLIED);
    CHECK(province.events[0].operator_registered().org() == "35");
    line.mutable_operator_()->set_role(xueji::v1::AUDITOR);
    line.mutable_operator_()->set_org("350500");
    Decision city = ledger.Registry(line);
    CHECK(city.status == xueji::v1::APPLIED);
    CHECK(city.events[0].operator_registered().org() == "3505");
    line.mutable_operator_()->set_role(xueji::v1::APPROVER);  // not a county
    CheckRefused(ledger.Registry(line), xueji::v1::INVALID_FIELD, "operator");
    // and a province officer sets its policy by the six-digit code
    xueji::v1::Request policy = ledger.Req("officer");
    policy.mutable_set_policy()->set_region("350000");
    policy.mutable_set_policy()->set_effective_from(ledger.Today());
    policy.mutable_set_policy()->mutable_policy()->set_transfer_working_days(8);
    Decision set = ledger.Submit(policy);
    CHECK(set.status == xueji::v1::APPLIED);
    CHECK(set.events[0].policy_set().region() == "35");
  }
  SECTION("no entry") {
    CheckRefused(ledger.Registry(xueji::v1::RegistryLine()),
                 xueji::v1::MALFORMED_REQUEST, "");
  }
}

TEST_CASE("ResultOf answers with the decision", "[decider]") {
  TestLedger ledger;
  xueji::v1::Request admit = ledger.Req("reg-a");
  admit.mutable_admit()->set_kindergarten("NOWHERE");
  *admit.mutable_admit()->mutable_child() = Boy();
  Decision refused = ledger.Submit(admit);
  xueji::v1::Result result = ResultOf(admit, refused);
  CHECK(result.request_id() == admit.request_id());
  CHECK(result.status() == xueji::v1::REJECTED);
  CHECK(result.code() == xueji::v1::UNKNOWN_KINDERGARTEN);
  CHECK(result.message() == refused.message);
  CHECK(ActionName(admit) == "admit");
  CHECK(ActionName(xueji::v1::Request()) == "");
  CHECK(IsLive(xueji::v1::TRANSFERRING));
  CHECK_FALSE(IsLive(xueji::v1::LEFT));
}

}  // namespace
}  // namespace xueji
