// Issue 10 item 2: problem records (问题学籍) worked to closure — Art. 17 ¶3,
// 24 (二), and the 2016 norms' 佐证/变更/删除 with county arbitration
// (2016-13, 2016-26(三)). Given a registry and earlier requests, when a case
// request, then its events and the record after. docs/design.md, "Problem
// records (cases)".
#include <catch2/catch.hpp>

#include "ledger/decide/decide_test_util.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/subjects.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness
using xueji::v1::ResolveCase;

Decision Open(TestLedger& ledger, const std::string& actor,
              const std::string& kind, const std::string& no,
              const V& related = {}, const std::string& since = "2025-08-29") {
  xueji::v1::Request request = ledger.Req(actor);
  auto* open = request.mutable_open_case();
  open->set_kind(kind);
  open->set_student_no(no);
  for (const std::string& r : related) open->add_related(r);
  open->set_since(since);
  open->set_detail("not confirmed present at the 2025-spring verification");
  return ledger.Submit(request);
}

Decision Resolve(TestLedger& ledger, const std::string& actor,
                 const std::string& case_id, ResolveCase::Resolution r,
                 const std::string& evidence = "园长签字的在园证明") {
  xueji::v1::Request request = ledger.Req(actor);
  request.mutable_resolve_case()->set_case_id(case_id);
  request.mutable_resolve_case()->set_resolution(r);
  request.mutable_resolve_case()->set_evidence(evidence);
  return ledger.Submit(request);
}

Decision DecideCase(TestLedger& ledger, const std::string& actor,
                    const std::string& case_id, bool accept,
                    const std::string& reason = "") {
  xueji::v1::Request request = ledger.Req(actor);
  request.mutable_decide_case()->set_case_id(case_id);
  request.mutable_decide_case()->set_accept(accept);
  request.mutable_decide_case()->set_reason(reason);
  return ledger.Submit(request);
}

Decision Merge(TestLedger& ledger, const std::string& actor,
               const std::string& keep, const std::string& retire) {
  xueji::v1::Request request = ledger.Req(actor);
  request.mutable_merge_records()->set_keep(keep);
  request.mutable_merge_records()->set_retire(retire);
  return ledger.Submit(request);
}

std::string CaseIdOf(const Decision& opened) {
  REQUIRE(opened.status == xueji::v1::APPLIED);
  REQUIRE(opened.events.size() == 1);
  return opened.events[0].case_opened().case_id();
}

xueji::v1::CaseState CaseOf(const xueji::v1::RecordState& record,
                            const std::string& id) {
  for (const auto& c : record.cases()) {
    if (c.case_id() == id) return c;
  }
  FAIL("no case " << id);
  return {};
}

// A refusal appends nothing but the refusal.
void CheckRefused(const Decision& d, xueji::v1::ReasonCode code) {
  INFO(d.message);
  CHECK(d.status == xueji::v1::REJECTED);
  CHECK(d.code == code);
  CHECK(Kinds(d) == V{"request_rejected"});
}

// Two live records of one child with the same resident ID, one at QZ-A and
// one at QZ-C (another county): as an older register's import leaves them.
// Returns {first no, second no}.
std::pair<std::string, std::string> GivenCrossCountyDuplicate(
    TestLedger& ledger) {
  std::string first = ledger.Enroll(Boy(131));
  const xueji::v1::Child child = ledger.Record(first).child();
  const std::string second =
      "J3505032021050600"
      "1X";
  std::vector<xueji::v1::Event> given;
  xueji::v1::Event requested;
  requested.set_subject(RecordSubject(second));
  requested.set_student_no(second);
  requested.set_business_date(ledger.Today());
  requested.set_request_id("import-1");
  requested.mutable_record_requested()->set_kindergarten("QZ-C");
  *requested.mutable_record_requested()->mutable_child() = child;
  requested.mutable_record_requested()->set_entry_date("2024-09-01");
  given.push_back(requested);
  xueji::v1::Event established = requested;
  established.mutable_record_established()->set_kindergarten("QZ-C");
  established.mutable_record_established()->set_approved_request_id("import-1");
  given.push_back(established);
  ledger.ApplyAll(given);
  REQUIRE(ledger.Record(second).status() == xueji::v1::ENROLLED);
  return {first, second};
}

SCENARIO(
    "Art. 17 ¶3 / 2016-26(三) 佐证: a phantom case answered with evidence and "
    "accepted by the county is closed",
    "[decider][issue10][cases]") {
  GIVEN("an enrolled child of QZ-A and its county's approver") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    WHEN("the county opens a PHANTOM case on it") {
      Decision opened = Open(ledger, "appr-a", "PHANTOM", no);
      std::string id = CaseIdOf(opened);
      THEN("the case has the id derived from kind|subject|since, no ID in it") {
        CHECK(id == CaseId("PHANTOM", RecordSubject(no), "2025-08-29"));
        CHECK(id.find(no) == std::string::npos);
        CHECK(id.size() == 21);
        const xueji::v1::CaseState c = CaseOf(ledger.Record(no), id);
        CHECK(c.status() == xueji::v1::CASE_STATUS_OPEN);
        CHECK(c.decider_region() == "350502");
        CHECK(c.kindergarten() == "QZ-A");
      }
      AND_WHEN("QZ-A answers with evidence and the county accepts") {
        Decision answered = Resolve(ledger, "reg-a", id, ResolveCase::EVIDENCE);
        INFO(answered.message);
        REQUIRE(answered.status == xueji::v1::APPLIED);
        CHECK(Kinds(answered) == V{"case_answered"});
        CHECK(CaseOf(ledger.Record(no), id).status() ==
              xueji::v1::CASE_STATUS_ANSWERED);
        Decision decided = DecideCase(ledger, "appr-a", id, true, "证明属实");
        THEN("the case is closed and the record is untouched") {
          INFO(decided.message);
          CheckDecided(decided, xueji::v1::APPLIED, V{"case_decided"});
          xueji::v1::RecordState record = ledger.Record(no);
          CHECK(CaseOf(record, id).status() == xueji::v1::CASE_STATUS_CLOSED);
          CHECK(CaseOf(record, id).accepted());
          CHECK(record.status() == xueji::v1::ENROLLED);
        }
        AND_THEN("a second close is refused (CASE_CLOSED), nothing appended") {
          CheckRefused(DecideCase(ledger, "appr-a", id, true),
                       xueji::v1::CASE_CLOSED);
          CheckRefused(Open(ledger, "appr-a", "PHANTOM", no),
                       xueji::v1::CASE_CLOSED);
        }
      }
    }
  }
}

SCENARIO(
    "2016-26(三) 删除 / Art. 24 (二) 空挂: a phantom record answered DELETE "
    "and accepted is deleted, stays in history, and its document is admitted "
    "again",
    "[decider][issue10][cases]") {
  GIVEN("a phantom case on a child of QZ-A answered DELETE") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    std::string id = CaseIdOf(Open(ledger, "appr-a", "PHANTOM", no));
    REQUIRE(Resolve(ledger, "reg-a", id, ResolveCase::DELETE, "幼儿从未入园")
                .status == xueji::v1::APPLIED);
    WHEN("the county accepts") {
      Decision decided = DecideCase(ledger, "appr-a", id, true);
      THEN(
          "the record is CANCELLED and marked deleted; the child is admitted "
          "again on the same record") {
        INFO(decided.message);
        CheckDecided(decided, xueji::v1::APPLIED,
                     V{"case_decided", "record_deleted"});
        xueji::v1::RecordState record = ledger.Record(no);
        CHECK(record.status() == xueji::v1::CANCELLED);
        CHECK(record.deleted());
        CHECK(record.deleted_by_case() == id);
        CHECK(ledger.LiveAt("QZ-A").empty());
        Decision again = ledger.Admit(Boy(), "QZ-B", "reg-b");
        INFO(again.message);
        CHECK(again.status == xueji::v1::PENDING_APPROVAL);
        CHECK(again.student_no == no);
        CHECK(again.events[0].record_requested().readmission());
        CHECK_FALSE(ledger.Record(no).deleted());
      }
    }
  }
}

SCENARIO(
    "2016-26(三) 修改: a CORRECTED answer needs a change of the record made "
    "by the ordinary requests since the case was opened",
    "[decider][issue10][cases]") {
  GIVEN("an AGE_OUT_OF_RANGE case on a child of QZ-A") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    std::string id = CaseIdOf(Open(ledger, "appr-a", "AGE_OUT_OF_RANGE", no));
    WHEN("QZ-A answers CORRECTED before changing anything") {
      Decision early = Resolve(ledger, "reg-a", id, ResolveCase::CORRECTED);
      THEN("it is refused (INVALID_TRANSITION), nothing appended") {
        CheckRefused(early, xueji::v1::INVALID_TRANSITION);
      }
    }
    WHEN("QZ-A answers DELETE") {
      THEN("it is refused: only duplicates and phantoms are deleted") {
        CheckRefused(Resolve(ledger, "reg-a", id, ResolveCase::DELETE),
                     xueji::v1::INVALID_FIELD);
      }
    }
    WHEN("QZ-A corrects the record (a key-info edit) and answers CORRECTED") {
      xueji::v1::Request edit = ledger.Req("reg-a");
      edit.mutable_edit_key_info()->set_student_no(no);
      edit.mutable_edit_key_info()->mutable_child()->set_name("更正后的名字");
      edit.mutable_edit_key_info()->set_evidence("户口本");
      *edit.mutable_edit_key_info()->mutable_applicant() = testing::Mother();
      REQUIRE(ledger.Submit(edit).status == xueji::v1::PENDING_APPROVAL);
      Decision answered = Resolve(ledger, "reg-a", id, ResolveCase::CORRECTED,
                                  "姓名已按户口本更正");
      THEN("the answer is taken and awaits the county") {
        INFO(answered.message);
        CHECK(answered.status == xueji::v1::APPLIED);
        CHECK(CaseOf(ledger.Record(no), id).resolution() ==
              ResolveCase::CORRECTED);
      }
    }
  }
}

SCENARIO(
    "2016-13 仲裁: the county does not accept an answer — the case is open "
    "again for a new answer",
    "[decider][issue10][cases]") {
  GIVEN("a phantom case answered with evidence") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    std::string id = CaseIdOf(Open(ledger, "appr-a", "PHANTOM", no));
    REQUIRE(Resolve(ledger, "reg-a", id, ResolveCase::EVIDENCE).status ==
            xueji::v1::APPLIED);
    WHEN("the county sends it back without a reason") {
      THEN("it is refused (INVALID_FIELD)") {
        CheckRefused(DecideCase(ledger, "appr-a", id, false),
                     xueji::v1::INVALID_FIELD);
      }
    }
    WHEN("the county sends it back with a reason") {
      Decision back = DecideCase(ledger, "appr-a", id, false, "证明无公章");
      THEN("the case is open again; the kindergarten may answer again") {
        INFO(back.message);
        CHECK(back.status == xueji::v1::APPLIED);
        const xueji::v1::CaseState c = CaseOf(ledger.Record(no), id);
        CHECK(c.status() == xueji::v1::CASE_STATUS_OPEN);
        CHECK(c.reason() == "证明无公章");
        CHECK(Resolve(ledger, "reg-a", id, ResolveCase::EVIDENCE, "补盖公章")
                  .status == xueji::v1::APPLIED);
        CHECK(CaseOf(ledger.Record(no), id).answers() == 2);
      }
    }
  }
}

SCENARIO(
    "Art. 17 ¶3: who answers and who decides a case — refusals carry stable "
    "codes and append nothing but the refusal",
    "[decider][issue10][cases]") {
  GIVEN("an open phantom case on a child of QZ-A (county 350502)") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    std::string id = CaseIdOf(Open(ledger, "appr-a", "PHANTOM", no));
    THEN("another county may not open one (NOT_AUTHORIZED)") {
      CheckRefused(Open(ledger, "appr-c", "PHANTOM", no, {}, "2025-08-30"),
                   xueji::v1::NOT_AUTHORIZED);
    }
    THEN("opening it again is refused (CASE_ALREADY_OPEN)") {
      CheckRefused(Open(ledger, "appr-a", "PHANTOM", no),
                   xueji::v1::CASE_ALREADY_OPEN);
    }
    THEN("another kindergarten may not answer it (NOT_AUTHORIZED)") {
      CheckRefused(Resolve(ledger, "reg-b", id, ResolveCase::EVIDENCE),
                   xueji::v1::NOT_AUTHORIZED);
    }
    THEN("no decision before the answer (CASE_NOT_ANSWERED)") {
      CheckRefused(DecideCase(ledger, "appr-a", id, true),
                   xueji::v1::CASE_NOT_ANSWERED);
    }
    THEN("an unknown case id is refused (UNKNOWN_CASE)") {
      CheckRefused(Resolve(ledger, "reg-a", "case-0000000000000000",
                           ResolveCase::EVIDENCE),
                   xueji::v1::UNKNOWN_CASE);
      CheckRefused(DecideCase(ledger, "appr-a", "case-0000000000000000", true),
                   xueji::v1::UNKNOWN_CASE);
    }
    AND_WHEN("it is answered") {
      REQUIRE(Resolve(ledger, "reg-a", id, ResolveCase::EVIDENCE).status ==
              xueji::v1::APPLIED);
      THEN("another county's approver may not decide it (NOT_AUTHORIZED)") {
        CheckRefused(DecideCase(ledger, "appr-c", id, true),
                     xueji::v1::NOT_AUTHORIZED);
      }
      THEN("the kindergarten may not decide it (NOT_AUTHORIZED)") {
        CheckRefused(DecideCase(ledger, "reg-a", id, true),
                     xueji::v1::NOT_AUTHORIZED);
      }
      THEN("a second answer waits for the decision (INVALID_TRANSITION)") {
        CheckRefused(Resolve(ledger, "reg-a", id, ResolveCase::EVIDENCE),
                     xueji::v1::INVALID_TRANSITION);
      }
      THEN("the province officer above the county may decide it") {
        CHECK(DecideCase(ledger, "officer", id, true).status ==
              xueji::v1::APPLIED);
      }
    }
  }
}

SCENARIO(
    "Art. 24 (二) 重复建立: a cross-county duplicate is decided by the common "
    "superior — the deleted duplicate leaves the document with the other "
    "record",
    "[decider][issue10][cases]") {
  GIVEN("one child's two live records at QZ-A (350502) and QZ-C (350503)") {
    TestLedger ledger;
    auto [first, second] = GivenCrossCountyDuplicate(ledger);
    THEN("a duplicate case naming a record of another child is refused") {
      std::string other = ledger.Enroll(Boy(135));
      CheckRefused(Open(ledger, "appr-c", "DUPLICATE", second, {other}),
                   xueji::v1::NOT_SAME_CHILD);
    }
    WHEN("QZ-C's county opens a DUPLICATE case and QZ-C answers DELETE") {
      Decision opened = Open(ledger, "appr-c", "DUPLICATE", second, {first});
      std::string id = CaseIdOf(opened);
      CHECK(opened.events[0].case_opened().decider_region() == "3505");
      REQUIRE(Resolve(ledger, "reg-c", id, ResolveCase::DELETE, "重复建籍")
                  .status == xueji::v1::APPLIED);
      THEN("neither county decides it (NOT_AUTHORIZED)") {
        CheckRefused(DecideCase(ledger, "appr-c", id, true),
                     xueji::v1::NOT_AUTHORIZED);
        CheckRefused(DecideCase(ledger, "appr-a", id, true),
                     xueji::v1::NOT_AUTHORIZED);
      }
      AND_WHEN("the province officer (common superior) accepts") {
        Decision decided = DecideCase(ledger, "officer", id, true);
        THEN("the duplicate is deleted; the document stays with QZ-A's") {
          INFO(decided.message);
          CheckDecided(
              decided, xueji::v1::APPLIED,
              V{"case_decided", "record_deleted", "duplicate_removed"});
          CHECK(ledger.Record(second).deleted());
          CHECK(ledger.Record(first).status() == xueji::v1::ENROLLED);
          auto holder = ledger.state().RecordByIdentity(
              IdentityKey(ledger.Record(first).child()));
          REQUIRE(holder.ok());
          REQUIRE(holder->has_value());
          CHECK((*holder)->student_no() == first);
          Decision again = ledger.Admit(Boy(131), "QZ-B", "reg-b");
          CHECK(again.code == xueji::v1::DUPLICATE_REGISTRATION);
        }
      }
    }
  }
}

SCENARIO(
    "Art. 8 一人一籍: two records of one child are merged into one — the "
    "retired number stays on record as retired, its open cases settled",
    "[decider][issue10][cases]") {
  GIVEN("one child's two live records in two counties, a case open on one") {
    TestLedger ledger;
    auto [first, second] = GivenCrossCountyDuplicate(ledger);
    std::string id =
        CaseIdOf(Open(ledger, "appr-c", "DUPLICATE", second, {first}));
    THEN("a county approver may not merge across counties (NOT_AUTHORIZED)") {
      CheckRefused(Merge(ledger, "appr-a", first, second),
                   xueji::v1::NOT_AUTHORIZED);
    }
    THEN("records of two children are not merged (NOT_SAME_CHILD)") {
      std::string other = ledger.Enroll(Boy(135));
      CheckRefused(Merge(ledger, "appr-a", first, other),
                   xueji::v1::NOT_SAME_CHILD);
    }
    WHEN("the province officer merges them, keeping QZ-A's") {
      Decision merged = Merge(ledger, "officer", first, second);
      THEN("the second is retired into the first; its case is closed") {
        INFO(merged.message);
        CheckDecided(merged, xueji::v1::APPLIED,
                     V{"case_decided", "record_retired", "records_merged"});
        xueji::v1::RecordState retired = ledger.Record(second);
        CHECK(retired.status() == xueji::v1::CANCELLED);
        CHECK(retired.retired_into() == first);
        CHECK(CaseOf(retired, id).status() == xueji::v1::CASE_STATUS_CLOSED);
        xueji::v1::RecordState kept = ledger.Record(first);
        CHECK(kept.status() == xueji::v1::ENROLLED);
        CHECK(V(kept.merged_from().begin(), kept.merged_from().end()) ==
              V{second});
        CHECK(ledger.LiveAt("QZ-C").empty());
        CheckRefused(Merge(ledger, "officer", first, second),
                     xueji::v1::INVALID_TRANSITION);
      }
    }
  }
}

}  // namespace
}  // namespace xueji
