// Verification (DecideVerify): pins the present / missing / unknown lists for
// a kindergarten with every kind of child (present, missing, pending,
// converted and listed by its former number, transferring, transferred away,
// left, at another kindergarten, never known), and checks that the event is
// byte-identical whichever way the state answers: the LedgerState indexes,
// a StateView that only has the record lookups (the StateView defaults), and
// a LedgerState whose live index carries no numbers (a store written before
// the index did).
#include <catch2/catch.hpp>

#include "ledger/decide/decider.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/processor/ledger_state_test_util.h"
#include "ledger/storage/kv.h"

namespace xueji {
namespace {

using testing::Boy;
using testing::MakeChild;
using testing::ResidentId;
// The decider harness over the durable, indexed state (a MemoryKv here).
using TestLedger = testing::KvTestLedger;
using testing::V;

// Forwards only the record lookups, so the StateView defaults answer the rest.
class RecordsOnlyView : public StateView {
 public:
  explicit RecordsOnlyView(const StateView& inner) : inner_(inner) {}
  absl::StatusOr<std::optional<xueji::v1::OperatorState>> Operator(
      std::string_view id) const override {
    return inner_.Operator(id);
  }
  absl::StatusOr<std::optional<xueji::v1::KindergartenState>> Kindergarten(
      std::string_view code) const override {
    return inner_.Kindergarten(code);
  }
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByNumber(
      std::string_view student_no) const override {
    return inner_.RecordByNumber(student_no);
  }
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByIdentity(
      std::string_view identity_key) const override {
    return inner_.RecordByIdentity(identity_key);
  }
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByPendingRequest(
      std::string_view request_id) const override {
    return inner_.RecordByPendingRequest(request_id);
  }
  absl::StatusOr<std::vector<xueji::v1::RecordState>> LiveRecordsAt(
      std::string_view kindergarten) const override {
    return inner_.LiveRecordsAt(kindergarten);
  }
  absl::StatusOr<int> NextSequence(std::string_view prefix) const override {
    return inner_.NextSequence(prefix);
  }
  absl::StatusOr<std::vector<xueji::v1::PolicySet>> PolicyVersions()
      const override {
    return inner_.PolicyVersions();
  }
  absl::StatusOr<std::optional<xueji::v1::LedgerSettings>> Ledger()
      const override {
    return inner_.Ledger();
  }
  absl::StatusOr<std::optional<std::string>> OperatorByKey(
      std::string_view key_id) const override {
    return inner_.OperatorByKey(key_id);
  }

 private:
  const StateView& inner_;
};

// "G" + the resident ID (appended: `"G" + s` trips GCC 12's -Wrestrict).
std::string GOf(std::string_view id) { return std::string("G").append(id); }
std::string G(int seq) { return GOf(Boy(seq).id_number()); }
std::string GConverted(int seq) {
  return GOf(ResidentId("350502", "20210506", seq));
}

// Enrolls a child without an ID (an L number) and converts it to the resident
// ID of sequence `seq` (approved by the county); returns the L number.
std::string EnrollConverted(TestLedger& ledger, std::string name, int seq) {
  std::string temporary = ledger.Enroll(MakeChild(
      std::move(name), xueji::v1::MALE, "2021-05-06", xueji::v1::NONE, ""));
  xueji::v1::Request convert = ledger.Req("reg-a");
  convert.mutable_convert_number()->set_student_no(temporary);
  convert.mutable_convert_number()->set_id_type(xueji::v1::RESIDENT_ID);
  convert.mutable_convert_number()->set_id_number(
      ResidentId("350502", "20210506", seq));
  REQUIRE(ledger.Submit(convert).status == xueji::v1::PENDING_APPROVAL);
  REQUIRE(ledger.Approve(convert.request_id()).status ==
          xueji::v1::APPLIED);  // issue 10: the county approves
  return temporary;
}

// Requests a transfer of `no` from QZ-A to QZ-C; returns the request id.
std::string RequestTransfer(TestLedger& ledger, const std::string& no) {
  xueji::v1::Request out = ledger.TransferOutReq(no, "QZ-C");
  REQUIRE(ledger.Submit(out).status == xueji::v1::PENDING_APPROVAL);
  return out.request_id();
}

struct Fixture {
  TestLedger ledger;
  std::string converted_l;  // listed by its former L number
  std::string missing_l;    // converted, not listed
  xueji::v1::Request verify;
};

void Build(Fixture& f) {
  TestLedger& ledger = f.ledger;
  ledger.Enroll(Boy(123));  // present
  ledger.Enroll(Boy(125));  // missing
  f.converted_l = EnrollConverted(ledger, "无证男孩", 77);
  f.missing_l = EnrollConverted(ledger, "无证男孩二", 79);
  RequestTransfer(ledger, ledger.Enroll(Boy(129)));  // transferring: missing
  std::string out = RequestTransfer(ledger, ledger.Enroll(Boy(131)));
  REQUIRE(ledger.Approve(out, "appr-a").status ==
          xueji::v1::APPLIED);  // out, not yet in: present
  REQUIRE(ledger.Admit(Boy(133)).status ==
          xueji::v1::PENDING_APPROVAL);      // pending: missing
  ledger.Enroll(Boy(135), "QZ-B", "reg-b");  // elsewhere: unknown
  std::string away = RequestTransfer(ledger, ledger.Enroll(Boy(127)));
  REQUIRE(ledger.Approve(away, "appr-a").status == xueji::v1::APPLIED);
  xueji::v1::Request in = ledger.Req("reg-c");
  in.mutable_transfer_in()->set_student_no(G(127));
  // Across counties the receiving county approves its side (Art. 11).
  REQUIRE(ledger.Submit(in).status == xueji::v1::PENDING_APPROVAL);
  REQUIRE(ledger.Approve(in.request_id(), "appr-c").status ==
          xueji::v1::APPLIED);  // away: unknown
  ledger.Enroll(Boy(137));
  xueji::v1::Request leave = ledger.LeaveReq(G(137), "随父母迁居");
  REQUIRE(ledger.Submit(leave).status == xueji::v1::APPLIED);  // left: unknown

  f.verify = ledger.Req("reg-a");
  f.verify.mutable_verify()->set_kindergarten("QZ-A");
  f.verify.mutable_verify()->set_term("2025-autumn");
  for (const std::string& no :
       {G(127), G(123), f.converted_l, G(135), G(131), G(123), G(137),
        std::string("G350502202105069999"), GConverted(77), G(999)}) {
    f.verify.mutable_verify()->add_present_student_nos(no);
  }
}

TEST_CASE("verification lists are pinned for every kind of child", "[verify]") {
  Fixture f;
  Build(f);
  Decision decided = f.ledger.DecideOnly(f.verify);
  REQUIRE(decided.status == xueji::v1::APPLIED);
  REQUIRE(decided.events.size() == 1);
  const auto& payload = decided.events[0].verification_recorded();
  std::string converted_g = GConverted(77);
  std::string missing_g = GConverted(79);
  // Listed order; the converted child under its current number, once.
  CHECK(V(payload.present_student_nos().begin(),
          payload.present_student_nos().end()) ==
        V{G(123), converted_g, G(131)});
  // Subject order ("stu:G..." before "stu:L..."), current numbers.
  CHECK(V(payload.missing_student_nos().begin(),
          payload.missing_student_nos().end()) ==
        V{G(125), G(129), G(133), missing_g});
  // Listed order, as listed.
  CHECK(V(payload.unknown_student_nos().begin(),
          payload.unknown_student_nos().end()) ==
        V{G(127), G(135), G(137), "G350502202105069999", G(999)});
  CHECK(decided.message ==
        "verification recorded: 3 present, 4 missing, 5 unknown");
  CHECK(decided.events[0].subject() == "kg:QZ-A");
}

TEST_CASE("verification events are byte-identical across state views",
          "[verify]") {
  Fixture f;
  Build(f);
  Decision indexed = f.ledger.DecideOnly(f.verify);
  REQUIRE(indexed.events.size() == 1);
  std::string expected = indexed.events[0].SerializeAsString();

  RecordsOnlyView records_only(f.ledger.state());
  absl::StatusOr<Decision> by_records =
      Decide(f.verify, records_only, f.ledger.ctx());
  REQUIRE(by_records.ok());
  REQUIRE(by_records->events.size() == 1);
  CHECK(by_records->events[0].SerializeAsString() == expected);
  CHECK(by_records->message == indexed.message);

  // The same log folded into a fresh store, then the live index emptied of
  // numbers as a store written before it carried them.
  MemoryKv kv;
  LedgerState state(&kv);
  for (const xueji::v1::Event& event : f.ledger.log()) {
    REQUIRE(state.Apply(event).ok());
  }
  std::vector<std::string> live_keys;
  for (const auto& [key, value] : kv.contents()) {
    if (key.rfind("l/", 0) == 0) live_keys.push_back(key);
  }
  REQUIRE(live_keys.size() == 9);  // 7 at QZ-A, 1 at QZ-B, 1 at QZ-C
  for (const std::string& key : live_keys) kv.Put(key, "");
  absl::StatusOr<Decision> blank = Decide(f.verify, state, f.ledger.ctx());
  REQUIRE(blank.ok());
  REQUIRE(blank->events.size() == 1);
  CHECK(blank->events[0].SerializeAsString() == expected);
}

}  // namespace
}  // namespace xueji
