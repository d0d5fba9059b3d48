// The life-cycle table of docs/design.md, row by row: given the events of
// earlier requests (decided and applied), when a request, then the events and
// the answer.
#include "ledger/decide/decider.h"

#include <catch2/catch.hpp>

#include "ledger/base/sha256.h"
#include "ledger/decide/decide_test_util.h"
#include "ledger/rules/student_number.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness

TEST_CASE("admit then approve establishes the record", "[decider]") {
  TestLedger ledger;
  xueji::v1::Child child = Boy();
  Decision admitted = ledger.Admit(child);
  CHECK(admitted.status == xueji::v1::PENDING_APPROVAL);
  CHECK(admitted.student_no == "G" + child.id_number());
  REQUIRE(Kinds(admitted) == V{"record_requested"});
  const xueji::v1::Event& requested = admitted.events[0];
  CHECK(requested.subject() == "stu:G" + child.id_number());
  CHECK(requested.record_requested().kindergarten() == "QZ-A");
  CHECK(requested.record_requested().entry_date() == "2025-09-01");
  CHECK_FALSE(requested.record_requested().readmission());
  // The envelope.
  CHECK(requested.event_id() ==
        HexEncode(Sha256("xueji:" + requested.request_id() + ":0"))
            .substr(0, 32));
  CHECK(requested.recorded_at() == "2025-09-01T08:00:00Z");
  CHECK(requested.business_date() == "2025-09-01");
  CHECK(requested.actor().operator_id() == "reg-a");
  CHECK(requested.actor().role() == xueji::v1::REGISTRAR);
  CHECK(requested.actor().org() == "QZ-A");
  CHECK(requested.correlation_id() == requested.request_id());
  CHECK(requested.outcome() == xueji::v1::PENDING_APPROVAL);
  CHECK(requested.partition() == 0);
  CHECK(requested.hash().empty());
  CHECK(ledger.Record(admitted.student_no).status() == xueji::v1::PENDING);

  Decision approved = ledger.Approve(requested.request_id());
  CHECK(approved.status == xueji::v1::APPLIED);
  CHECK(approved.student_no == admitted.student_no);
  REQUIRE(Kinds(approved) == V{"record_established"});
  CHECK(approved.events[0].record_established().approved_request_id() ==
        requested.request_id());
  CHECK(approved.events[0].correlation_id() == requested.request_id());
  CHECK(approved.events[0].actor().operator_id() == "appr-a");
  xueji::v1::RecordState record = ledger.Record(admitted.student_no);
  CHECK(record.status() == xueji::v1::ENROLLED);
  CHECK(record.established_on() == "2025-09-01");
  CHECK(record.pending().request_id().empty());
  CHECK(ledger.LiveAt("QZ-A") == V{admitted.student_no});
}

TEST_CASE("admit then reject cancels, the child can be admitted again",
          "[decider]") {
  TestLedger ledger;
  Decision admitted = ledger.Admit(Boy());
  Decision rejected = ledger.Reject(admitted.events[0].request_id());
  CheckDecided(rejected, xueji::v1::APPLIED, V{"record_rejected"});
  CHECK(rejected.events[0].record_rejected().reason() == "材料不全");
  xueji::v1::RecordState record = ledger.Record(admitted.student_no);
  CHECK(record.status() == xueji::v1::CANCELLED);
  CHECK(record.admission_rejected());
  CHECK(ledger.LiveAt("QZ-A").empty());

  Decision again = ledger.Admit(Boy(), "QZ-B", "reg-b");
  CHECK(again.status == xueji::v1::PENDING_APPROVAL);
  CHECK(again.student_no == admitted.student_no);
  CHECK(again.events[0].subject() == admitted.events[0].subject());
  CHECK(again.events[0].record_requested().readmission());
}

TEST_CASE("a child without a document gets a temporary L number", "[decider]") {
  TestLedger ledger;
  xueji::v1::Child child = MakeChild("无证女孩", xueji::v1::FEMALE,
                                     "2021-05-06", xueji::v1::NONE, "");
  Decision first = ledger.Admit(child);
  CHECK(first.status == xueji::v1::PENDING_APPROVAL);
  CHECK(first.student_no == "L350502202105060001");
  REQUIRE(Kinds(first) == V{"record_requested", "temporary_number_assigned"});
  CHECK(first.events[1].temporary_number_assigned().student_no() ==
        first.student_no);
  CHECK(first.events[1].temporary_number_assigned().area() == "350502");
  CHECK(first.events[1].event_id() != first.events[0].event_id());
  // A second such child of the same county and birth date: the next number,
  // even though the first admission is then rejected (never reused).
  ledger.Reject(first.events[0].request_id());
  child.set_name("另一个女孩");
  Decision second = ledger.Admit(child);
  CHECK(second.student_no == "L350502202105060002");
  CHECK(ValidateStudentNumber(second.student_no).ok());
}

TEST_CASE("HK/Macao/Taiwan and foreign documents get J numbers", "[decider]") {
  TestLedger ledger;
  xueji::v1::Child permit =
      MakeChild("港澳台男孩", xueji::v1::MALE, "2021-05-06",
                xueji::v1::HK_MO_TW_RESIDENCE_PERMIT,
                ResidentId("810000", "20210506", 11));
  Decision first = ledger.Admit(permit);
  CHECK(first.status == xueji::v1::PENDING_APPROVAL);
  CHECK(first.student_no.substr(0, 18) == "J35050220210506001");
  CHECK(ValidateStudentNumber(first.student_no).ok());
  CHECK(Kinds(first) == V{"record_requested"});

  xueji::v1::Child passport =
      MakeChild("Foreign Girl", xueji::v1::FEMALE, "2021-05-06",
                xueji::v1::PASSPORT, "E12345678");
  passport.set_issuing_country("GBR");
  Decision second = ledger.Admit(passport, "QZ-C", "reg-c");
  // The area is the admitting kindergarten's county.
  CHECK(second.student_no.substr(0, 18) == "J35050320210506001");
  Decision third =
      ledger.Admit(MakeChild("Another", xueji::v1::MALE, "2021-05-06",
                             xueji::v1::HK_MO_PERMIT, "H12345678"));
  CHECK(third.student_no.substr(0, 18) == "J35050220210506002");
}

TEST_CASE("convertNumber turns L into G and keeps the old number as alias",
          "[decider]") {
  TestLedger ledger;
  xueji::v1::Child child =
      MakeChild("无证男孩", xueji::v1::MALE, "2021-05-06", xueji::v1::NONE, "");
  std::string temporary = ledger.Enroll(child);
  std::string id = ResidentId("350502", "20210506", 77);

  xueji::v1::Request convert = ledger.Req("reg-a");
  convert.mutable_convert_number()->set_student_no(temporary);
  convert.mutable_convert_number()->set_id_type(xueji::v1::RESIDENT_ID);
  convert.mutable_convert_number()->set_id_number(id);
  Decision requested = ledger.Submit(convert);
  CheckDecided(requested, xueji::v1::PENDING_APPROVAL,
               V{"number_conversion_requested"});
  Decision converted = ledger.Approve(convert.request_id());
  CHECK(converted.status == xueji::v1::APPLIED);
  CHECK(converted.student_no == "G" + id);
  REQUIRE(Kinds(converted) == V{"number_converted"});
  const auto& payload = converted.events[0].number_converted();
  CHECK(payload.from_student_no() == temporary);
  CHECK(payload.to_student_no() == "G" + id);
  CHECK(converted.events[0].subject() == "stu:" + temporary);

  xueji::v1::RecordState by_old = ledger.Record(temporary);
  xueji::v1::RecordState by_new = ledger.Record("G" + id);
  CHECK(by_old.subject() == by_new.subject());
  CHECK(by_new.student_no() == "G" + id);
  CHECK(by_new.former_numbers_size() == 1);
  CHECK(by_new.former_numbers(0) == temporary);
  CHECK(by_new.child().id_type() == xueji::v1::RESIDENT_ID);

  // Now formal: converting again is an invalid transition.
  xueji::v1::Request again = ledger.Req("reg-a");
  *again.mutable_convert_number() = convert.convert_number();
  again.mutable_convert_number()->set_student_no("G" + id);
  Decision refused = ledger.Submit(again);
  CHECK(refused.code == xueji::v1::INVALID_TRANSITION);

  // A resident ID disagreeing with the record's gender: ID_MISMATCH.
  std::string other = ledger.Enroll(MakeChild(
      "无证男孩二", xueji::v1::MALE, "2021-05-06", xueji::v1::NONE, ""));
  xueji::v1::Request mismatch = ledger.Req("reg-a");
  mismatch.mutable_convert_number()->set_student_no(other);
  mismatch.mutable_convert_number()->set_id_type(xueji::v1::RESIDENT_ID);
  mismatch.mutable_convert_number()->set_id_number(
      ResidentId("350502", "20210506", 78));  // even: female
  Decision wrong = ledger.Submit(mismatch);
  CHECK(wrong.code == xueji::v1::ID_MISMATCH);
  CHECK(wrong.events.back().subject() == ledger.Record(other).subject());
}

// Enrolls a boy at QZ-A and requests a transfer to QZ-C (another county).
struct Transfer {
  std::string student_no;
  std::string request_id;
};
Transfer StartTransfer(TestLedger& ledger) {
  std::string no = ledger.Enroll(Boy());
  ledger.SetToday("2025-09-25");
  xueji::v1::Request out = ledger.TransferOutReq(no, "QZ-C");
  Decision requested = ledger.Submit(out);
  REQUIRE(requested.status == xueji::v1::PENDING_APPROVAL);
  REQUIRE(Kinds(requested) == V{"transfer_requested"});
  CHECK(requested.events[0].transfer_requested().from_kindergarten() == "QZ-A");
  CHECK(requested.events[0].transfer_requested().to_kindergarten() == "QZ-C");
  CHECK(ledger.Record(no).status() == xueji::v1::TRANSFERRING);
  return {no, out.request_id()};
}

TEST_CASE(
    "transfer out, approval by the sending county, transfer in approved by "
    "the receiving county",
    "[decider]") {
  TestLedger ledger;
  Transfer transfer = StartTransfer(ledger);
  // Not in before the sending side is done.
  xueji::v1::Request early = ledger.Req("reg-c");
  early.mutable_transfer_in()->set_student_no(transfer.student_no);
  CHECK(ledger.Submit(early).code == xueji::v1::INVALID_TRANSITION);
  // The receiving county may not approve; the sending county does.
  CHECK(ledger.Approve(transfer.request_id, "appr-c").code ==
        xueji::v1::NOT_AUTHORIZED);
  ledger.SetToday("2025-09-26");
  Decision out = ledger.Approve(transfer.request_id, "appr-a");
  CheckDecided(out, xueji::v1::APPLIED, V{"transferred_out"});
  CHECK(out.events[0].transferred_out().to_kindergarten() == "QZ-C");
  xueji::v1::RecordState record = ledger.Record(transfer.student_no);
  CHECK(record.status() == xueji::v1::TRANSFERRING);
  CHECK(record.transferred_out());
  CHECK(ledger.LiveAt("QZ-A") == V{transfer.student_no});
  // Only the receiving registrar completes it.
  xueji::v1::Request wrong = ledger.Req("reg-b");
  wrong.mutable_transfer_in()->set_student_no(transfer.student_no);
  CHECK(ledger.Submit(wrong).code == xueji::v1::NOT_AUTHORIZED);
  ledger.SetToday("2025-10-15");
  xueji::v1::Request in = ledger.Req("reg-c");
  in.mutable_transfer_in()->set_student_no(transfer.student_no);
  // Issue 10, Art. 11: from another county, the receiving county approves
  // the receiving side.
  Decision asked = ledger.Submit(in);
  CheckDecided(asked, xueji::v1::PENDING_APPROVAL, V{"transfer_in_requested"});
  CHECK(ledger.Approve(in.request_id(), "appr-a").code ==
        xueji::v1::NOT_AUTHORIZED);
  Decision done = ledger.Approve(in.request_id(), "appr-c");
  CheckDecided(done, xueji::v1::APPLIED, V{"transferred_in"});
  CHECK(done.events[0].transferred_in().from_kindergarten() == "QZ-A");
  CHECK(done.events[0].transferred_in().to_kindergarten() == "QZ-C");
  record = ledger.Record(transfer.student_no);
  CHECK(record.status() == xueji::v1::ENROLLED);
  CHECK(record.kindergarten() == "QZ-C");
  CHECK(record.transfer_to().empty());
  CHECK(ledger.LiveAt("QZ-A").empty());
  CHECK(ledger.LiveAt("QZ-C") == V{transfer.student_no});
}

TEST_CASE("a rejected transfer leaves the child enrolled at the sending kg",
          "[decider]") {
  TestLedger ledger;
  Transfer transfer = StartTransfer(ledger);
  Decision rejected = ledger.Reject(transfer.request_id);
  CheckDecided(rejected, xueji::v1::APPLIED, V{"change_rejected"});
  CHECK(rejected.events[0].change_rejected().rejected_request_id() ==
        transfer.request_id);
  xueji::v1::RecordState record = ledger.Record(transfer.student_no);
  CHECK(record.status() == xueji::v1::ENROLLED);
  CHECK(record.kindergarten() == "QZ-A");
  CHECK(record.pending().request_id().empty());
  // The rejected request is no longer pending.
  CHECK(ledger.Approve(transfer.request_id).code == xueji::v1::UNKNOWN_REQUEST);
}

TEST_CASE("leave and graduate end the record but keep it", "[decider]") {
  TestLedger ledger;
  std::string leaver = ledger.Enroll(Boy(123));
  std::string graduate = ledger.Enroll(FiveYearOld(125));
  xueji::v1::Request leave = ledger.LeaveReq(leaver, "随父母迁居");
  Decision left = ledger.Submit(leave);
  CheckDecided(left, xueji::v1::APPLIED, V{"left"});
  CHECK(left.events[0].left().kindergarten() == "QZ-A");
  CHECK(ledger.Record(leaver).status() == xueji::v1::LEFT);

  ledger.LongSeal();
  ledger.SetToday("2026-06-15");  // in the graduation season of 2026
  xueji::v1::Request grad = ledger.Req("reg-a");
  grad.mutable_graduate()->set_student_no(graduate);
  Decision graduated = ledger.Submit(grad);
  CheckDecided(graduated, xueji::v1::APPLIED, V{"graduated"});
  CHECK(ledger.Record(graduate).status() == xueji::v1::GRADUATED);
  CHECK(ledger.LiveAt("QZ-A").empty());
  // Leaving twice is not a transition.
  xueji::v1::Request twice = ledger.LeaveReq(leaver);
  CHECK(ledger.Submit(twice).code == xueji::v1::INVALID_TRANSITION);
}

TEST_CASE("re-admission after leave reuses the record and its number",
          "[decider]") {
  TestLedger ledger;
  std::string no = ledger.Enroll(Boy());
  xueji::v1::Request leave = ledger.LeaveReq(no);
  ledger.Submit(leave);
  std::string subject = ledger.Record(no).subject();
  ledger.SetToday("2025-10-08");
  Decision again = ledger.Admit(Boy(), "QZ-C", "reg-c");
  CHECK(again.status == xueji::v1::PENDING_APPROVAL);
  CHECK(again.student_no == no);
  CHECK(again.events[0].subject() == subject);
  CHECK(again.events[0].record_requested().readmission());
  CHECK(ledger.Approve(again.events[0].request_id(), "appr-c").status ==
        xueji::v1::APPLIED);
  xueji::v1::RecordState record = ledger.Record(no);
  CHECK(record.status() == xueji::v1::ENROLLED);
  CHECK(record.kindergarten() == "QZ-C");
  CHECK(record.closed_reason().empty());
}

TEST_CASE("defer past primary entry, approved by the county", "[decider]") {
  TestLedger ledger;
  // born 2020-05-06: primary 2026-09-01, a year after today (2025-09-01)
  std::string no = ledger.Enroll(FiveYearOld());
  xueji::v1::Request early = ledger.DeferReq(no, "2026-09-01", "医院证明");
  CHECK(ledger.Submit(early).code == xueji::v1::INVALID_FIELD);

  xueji::v1::Request defer = ledger.DeferReq(no, "2027-08-31", "医院证明");
  Decision requested = ledger.Submit(defer);
  CheckDecided(requested, xueji::v1::PENDING_APPROVAL, V{"deferral_requested"});
  Decision approved = ledger.Approve(defer.request_id());
  CheckDecided(approved, xueji::v1::APPLIED, V{"deferral_approved"});
  CHECK(approved.events[0].deferral_approved().until_date() == "2027-08-31");
  xueji::v1::RecordState record = ledger.Record(no);
  CHECK(record.status() == xueji::v1::ENROLLED);
  CHECK(record.deferred_until() == "2027-08-31");
}

TEST_CASE("cancel on death, approved, no re-admission after", "[decider]") {
  TestLedger ledger;
  std::string no = ledger.Enroll(Boy());
  xueji::v1::Request cancel =
      ledger.CancelReq(no, "DEATH", "2025-08-30", "死亡医学证明");
  Decision requested = ledger.Submit(cancel);
  CheckDecided(requested, xueji::v1::PENDING_APPROVAL,
               V{"cancellation_requested"});
  Decision approved = ledger.Approve(cancel.request_id());
  CheckDecided(approved, xueji::v1::APPLIED, V{"cancelled"});
  xueji::v1::RecordState record = ledger.Record(no);
  CHECK(record.status() == xueji::v1::CANCELLED);
  CHECK_FALSE(record.admission_rejected());
  CHECK(ledger.LiveAt("QZ-A").empty());
  Decision again = ledger.Admit(Boy());
  CHECK(again.code == xueji::v1::INVALID_TRANSITION);
  CHECK(again.events.back().subject() == record.subject());
}

TEST_CASE("key-information edit, approved, the number is unchanged",
          "[decider]") {
  TestLedger ledger;
  xueji::v1::Child child = Boy(123);
  std::string no = ledger.Enroll(child);
  xueji::v1::Child corrected = Boy(125);  // the number was mistyped
  corrected.set_name("测试男孩更正");
  xueji::v1::Request edit = ledger.Req("reg-a");
  edit.mutable_edit_key_info()->set_student_no(no);
  *edit.mutable_edit_key_info()->mutable_applicant() = testing::Mother();
  *edit.mutable_edit_key_info()->mutable_child() = corrected;
  edit.mutable_edit_key_info()->set_evidence("户口本");
  Decision requested = ledger.Submit(edit);
  CheckDecided(requested, xueji::v1::PENDING_APPROVAL,
               V{"key_info_edit_requested"});
  // Still the old identity until approved.
  CHECK(ledger.Record(no).child().id_number() == child.id_number());
  Decision approved = ledger.Approve(edit.request_id());
  CheckDecided(approved, xueji::v1::APPLIED, V{"key_info_edit_approved"});
  xueji::v1::RecordState record = ledger.Record(no);
  CHECK(record.student_no() == no);
  CHECK(record.child().id_number() == corrected.id_number());
  CHECK(record.child().name() == "测试男孩更正");
  // The corrected document now has a live record.
  CHECK(ledger.Admit(Boy(125), "QZ-B", "reg-b").code ==
        xueji::v1::DUPLICATE_REGISTRATION);
}

TEST_CASE("a key-information edit to a document of another live record",
          "[decider]") {
  TestLedger ledger;
  std::string first = ledger.Enroll(Boy(123));
  ledger.Enroll(Boy(125));
  xueji::v1::Request edit = ledger.Req("reg-a");
  edit.mutable_edit_key_info()->set_student_no(first);
  *edit.mutable_edit_key_info()->mutable_applicant() = testing::Mother();
  *edit.mutable_edit_key_info()->mutable_child() = Boy(125);
  edit.mutable_edit_key_info()->set_evidence("户口本");
  Decision refused = ledger.Submit(edit);
  CHECK(refused.code == xueji::v1::DUPLICATE_REGISTRATION);
  CHECK(refused.message.find(Boy(125).id_number()) == std::string::npos);
}

TEST_CASE("verification lists present, missing and unknown numbers",
          "[decider]") {
  TestLedger ledger;
  std::string here = ledger.Enroll(Boy(123));
  std::string away = ledger.Enroll(Boy(125));
  std::string elsewhere = ledger.Enroll(Boy(127), "QZ-B", "reg-b");
  xueji::v1::Request verify = ledger.VerifyReq(
      "QZ-A", "2025-autumn", "reg-a", {here, elsewhere, here});  // here twice
  Decision verified = ledger.Submit(verify);
  CheckDecided(verified, xueji::v1::APPLIED, V{"verification_recorded"});
  const auto& payload = verified.events[0].verification_recorded();
  CHECK(verified.events[0].subject() == "kg:QZ-A");
  CHECK(V(payload.present_student_nos().begin(),
          payload.present_student_nos().end()) == V{here});
  CHECK(V(payload.missing_student_nos().begin(),
          payload.missing_student_nos().end()) == V{away});
  CHECK(V(payload.unknown_student_nos().begin(),
          payload.unknown_student_nos().end()) == V{elsewhere});
  auto kg = ledger.state().Kindergarten("QZ-A");
  REQUIRE(kg.ok());
  CHECK((*kg)->last_verification_term() == "2025-autumn");
  // The county's approver may verify too; a bad term is refused.
  xueji::v1::Request county =
      ledger.VerifyReq("QZ-A", "2025 autumn!", "appr-a");
  CHECK(ledger.Submit(county).code == xueji::v1::INVALID_FIELD);
  county.mutable_verify()->set_term("2026-spring");
  CHECK(ledger.Submit(county).status == xueji::v1::APPLIED);
}

TEST_CASE("merging moves the live records to the merged kindergarten",
          "[decider]") {
  TestLedger ledger;
  std::string one = ledger.Enroll(Boy(123), "QZ-B", "reg-b");
  Decision pending = ledger.Admit(Boy(125), "QZ-B", "reg-b");
  xueji::v1::Request merge = ledger.Req("appr-a");
  merge.mutable_merge_kindergarten()->set_from("QZ-B");
  merge.mutable_merge_kindergarten()->set_into("QZ-A");
  Decision merged = ledger.Submit(merge);
  CheckDecided(merged, xueji::v1::APPLIED,
               V{"kindergarten_merged", "record_moved", "record_moved"});
  CHECK(merged.events[0].subject() == "kg:QZ-B");
  CHECK(merged.events[1].record_moved().to_kindergarten() == "QZ-A");
  CHECK(ledger.Record(one).kindergarten() == "QZ-A");
  CHECK(ledger.LiveAt("QZ-B").empty());
  CHECK(ledger.LiveAt("QZ-A").size() == 2);
  // The pending admission is still approvable, now by QZ-A's county.
  CHECK(ledger.Approve(pending.events[0].request_id()).status ==
        xueji::v1::APPLIED);
  // QZ-B takes no more children.
  CHECK(ledger.Admit(Boy(127), "QZ-B", "reg-b").code ==
        xueji::v1::KINDERGARTEN_CLOSED);
  // Kindergartens of two counties: no single approver may merge them.
  xueji::v1::Request across = ledger.Req("appr-a");
  across.mutable_merge_kindergarten()->set_from("QZ-A");
  across.mutable_merge_kindergarten()->set_into("QZ-C");
  CHECK(ledger.Submit(across).code == xueji::v1::NOT_AUTHORIZED);
}

TEST_CASE("closing needs no live records unless forced", "[decider]") {
  TestLedger ledger;
  std::string no = ledger.Enroll(Boy(), "QZ-B", "reg-b");
  xueji::v1::Request close = ledger.Req("appr-a");
  close.mutable_close_kindergarten()->set_kindergarten("QZ-B");
  Decision refused = ledger.Submit(close);
  CHECK(refused.code == xueji::v1::INVALID_TRANSITION);

  xueji::v1::Request forced = ledger.Req("appr-a");
  forced.mutable_close_kindergarten()->set_kindergarten("QZ-B");
  forced.mutable_close_kindergarten()->set_force(true);
  Decision closed = ledger.Submit(forced);
  CheckDecided(closed, xueji::v1::APPLIED, V{"kindergarten_closed"});
  CHECK(closed.events[0].kindergarten_closed().forced());
  CHECK(closed.events[0].kindergarten_closed().live_records() == 1);
  // The record stays live there (a phantom for the anomaly report).
  CHECK(ledger.LiveAt("QZ-B") == V{no});
  // An empty kindergarten closes without force.
  xueji::v1::Request empty = ledger.Req("appr-c");
  empty.mutable_close_kindergarten()->set_kindergarten("QZ-C");
  Decision done = ledger.Submit(empty);
  CHECK(done.status == xueji::v1::APPLIED);
  CHECK_FALSE(done.events[0].kindergarten_closed().forced());
  xueji::v1::Request twice = ledger.Req("appr-c");
  *twice.mutable_close_kindergarten() = empty.close_kindergarten();
  CHECK(ledger.Submit(twice).code == xueji::v1::KINDERGARTEN_CLOSED);
  // A closed kindergarten is no transfer target.
  std::string other = ledger.Enroll(Boy(125));
  xueji::v1::Request out = ledger.TransferOutReq(other, "QZ-C");
  CHECK(ledger.Submit(out).code == xueji::v1::KINDERGARTEN_CLOSED);
}

}  // namespace
}  // namespace xueji
