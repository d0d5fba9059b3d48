// Issue 10: every life-cycle path of the 2025 regulation resolvable. Each
// test names the article it serves. Given a registry and earlier requests,
// when a request, then its events and the record after.
#include <catch2/catch.hpp>

#include "google/protobuf/util/json_util.h"
#include "ledger/decide/decide_test_util.h"
#include "ledger/decide/decider.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness

// A transfer of `no` to `to`, requested by `registrar` (PENDING_APPROVAL).
xueji::v1::Request TransferOut(TestLedger& ledger, const std::string& no,
                               const std::string& to,
                               const std::string& registrar = "reg-a") {
  xueji::v1::Request out = ledger.TransferOutReq(no, to, registrar);
  Decision requested = ledger.Submit(out);
  INFO(requested.message);
  REQUIRE(requested.status == xueji::v1::PENDING_APPROVAL);
  return out;
}

Decision Withdraw(TestLedger& ledger, const std::string& no,
                  const std::string& actor,
                  std::string reason = "家长改变主意") {
  xueji::v1::Request request = ledger.Req(actor);
  request.mutable_withdraw_transfer()->set_student_no(no);
  request.mutable_withdraw_transfer()->set_reason(std::move(reason));
  return ledger.Submit(request);
}

Decision RefuseIn(TestLedger& ledger, const std::string& no,
                  const std::string& actor, std::string reason = "学位已满") {
  xueji::v1::Request request = ledger.Req(actor);
  request.mutable_refuse_transfer()->set_student_no(no);
  request.mutable_refuse_transfer()->set_reason(std::move(reason));
  return ledger.Submit(request);
}

// The record takes requests again: a leave is accepted.
void CheckUsable(TestLedger& ledger, const std::string& no) {
  xueji::v1::Request leave = ledger.LeaveReq(no, "随父母迁居");
  Decision left = ledger.Submit(leave);
  INFO(left.message);
  CHECK(left.status == xueji::v1::APPLIED);
}

// --- a. stuck transfers (Art. 11, 16) ----------------------------------------

SCENARIO(
    "Art. 11: the sending kindergarten withdraws a transfer awaiting "
    "the county",
    "[decider][issue10][transfer]") {
  GIVEN("a child of QZ-A whose transfer to QZ-C awaits the sending county") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    xueji::v1::Request out = TransferOut(ledger, no, "QZ-C");
    WHEN("QZ-A's registrar withdraws it") {
      Decision withdrawn = Withdraw(ledger, no, "reg-a");
      THEN("the child stays at QZ-A, ENROLLED, nothing pending") {
        INFO(withdrawn.message);
        CheckDecided(withdrawn, xueji::v1::APPLIED, V{"transfer_withdrawn"});
        const auto& payload = withdrawn.events[0].transfer_withdrawn();
        CHECK(payload.from_kindergarten() == "QZ-A");
        CHECK(payload.to_kindergarten() == "QZ-C");
        CHECK(payload.reason() == "家长改变主意");
        CHECK(payload.cancelled_request_id() == out.request_id());
        xueji::v1::RecordState record = ledger.Record(no);
        CHECK(record.status() == xueji::v1::ENROLLED);
        CHECK(record.kindergarten() == "QZ-A");
        CHECK(record.transfer_to().empty());
        CHECK(record.pending().request_id().empty());
        CHECK(ledger.LiveAt("QZ-A") == V{no});
        AND_THEN("the county has nothing left to approve") {
          CHECK(ledger.Approve(out.request_id()).code ==
                xueji::v1::UNKNOWN_REQUEST);
        }
        AND_THEN("a new transfer may be asked") {
          TransferOut(ledger, no, "QZ-B");
        }
      }
    }
  }
}

SCENARIO(
    "Art. 11: a transfer approved out but never taken in is withdrawn "
    "or refused",
    "[decider][issue10][transfer]") {
  GIVEN("a child of QZ-A transferred out to QZ-C, not yet taken in") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    xueji::v1::Request out = TransferOut(ledger, no, "QZ-C");
    REQUIRE(ledger.Approve(out.request_id()).status == xueji::v1::APPLIED);
    REQUIRE(ledger.Record(no).transferred_out());
    WHEN("the receiving kindergarten QZ-C refuses it") {
      Decision refused = RefuseIn(ledger, no, "reg-c");
      THEN("the child stays at QZ-A and the record takes requests again") {
        INFO(refused.message);
        CheckDecided(refused, xueji::v1::APPLIED, V{"transfer_refused"});
        const auto& refusal = refused.events[0].transfer_refused();
        CHECK(refusal.to_kindergarten() == "QZ-C");
        CHECK(refusal.cancelled_request_id() == "");
        CHECK(ledger.Record(no).status() == xueji::v1::ENROLLED);
        CHECK(ledger.Record(no).kindergarten() == "QZ-A");
        xueji::v1::Request in = ledger.Req("reg-c");
        in.mutable_transfer_in()->set_student_no(no);
        CHECK(ledger.Submit(in).code == xueji::v1::NOT_AUTHORIZED);
        CheckUsable(ledger, no);
      }
    }
    WHEN("the sending kindergarten QZ-A withdraws it") {
      Decision withdrawn = Withdraw(ledger, no, "reg-a");
      THEN("the child stays at QZ-A") {
        CheckDecided(withdrawn, xueji::v1::APPLIED, V{"transfer_withdrawn"});
        CHECK(ledger.Record(no).status() == xueji::v1::ENROLLED);
        CheckUsable(ledger, no);
      }
    }
  }
}

SCENARIO(
    "Art. 11: only the sending side withdraws, only the receiving side "
    "refuses",
    "[decider][issue10][transfer]") {
  GIVEN("a child of QZ-A transferring to QZ-C") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    TransferOut(ledger, no, "QZ-C");
    THEN("the receiving side may not withdraw, the sending side not refuse") {
      CHECK(Withdraw(ledger, no, "reg-c").code == xueji::v1::NOT_AUTHORIZED);
      CHECK(RefuseIn(ledger, no, "reg-a").code == xueji::v1::NOT_AUTHORIZED);
      CHECK(Withdraw(ledger, no, "reg-b").code == xueji::v1::NOT_AUTHORIZED);
      CHECK(RefuseIn(ledger, no, "appr-a").code == xueji::v1::NOT_AUTHORIZED);
    }
    THEN("a reason is required") {
      CHECK(Withdraw(ledger, no, "reg-a", "").code == xueji::v1::INVALID_FIELD);
      CHECK(RefuseIn(ledger, no, "reg-c", "").code == xueji::v1::INVALID_FIELD);
    }
    THEN("the record is TRANSFERRING until then") {
      CHECK(ledger.Record(no).status() == xueji::v1::TRANSFERRING);
    }
  }
  GIVEN("a child not in transfer") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    THEN("there is nothing to withdraw") {
      Decision refused = Withdraw(ledger, no, "reg-a");
      CHECK(refused.code == xueji::v1::INVALID_TRANSITION);
      CHECK(refused.events.back().request_rejected().action() ==
            "withdrawTransfer");
    }
  }
}

SCENARIO(
    "Art. 16: closing the receiving kindergarten first refuses the "
    "transfers into it",
    "[decider][issue10][transfer]") {
  GIVEN("a child of QZ-A approved out to QZ-C, and one awaiting approval") {
    TestLedger ledger;
    std::string approved = ledger.Enroll(Boy(123));
    std::string waiting = ledger.Enroll(Boy(125));
    xueji::v1::Request out = TransferOut(ledger, approved, "QZ-C");
    REQUIRE(ledger.Approve(out.request_id()).status == xueji::v1::APPLIED);
    TransferOut(ledger, waiting, "QZ-C");
    WHEN("county 350503 closes QZ-C") {
      xueji::v1::Request close = ledger.Req("appr-c");
      close.mutable_close_kindergarten()->set_kindergarten("QZ-C");
      Decision closed = ledger.Submit(close);
      THEN("both transfers are refused first, the children stay at QZ-A") {
        INFO(closed.message);
        CheckDecided(
            closed, xueji::v1::APPLIED,
            V{"transfer_refused", "transfer_refused", "kindergarten_closed"});
        for (const std::string& no : {approved, waiting}) {
          xueji::v1::RecordState record = ledger.Record(no);
          CHECK(record.status() == xueji::v1::ENROLLED);
          CHECK(record.kindergarten() == "QZ-A");
          CHECK(record.transfer_to().empty());
          CHECK(record.pending().request_id().empty());
          CheckUsable(ledger, no);
        }
      }
    }
  }
}

SCENARIO(
    "Art. 16: a merge settles the transfers between the merged "
    "kindergartens (no A -> A transfer)",
    "[decider][issue10][transfer]") {
  GIVEN("QZ-A -> QZ-B and QZ-B -> QZ-A transfers, and QZ-A -> QZ-C") {
    TestLedger ledger;
    std::string a_to_b = ledger.Enroll(Boy(123));
    std::string b_to_a = ledger.Enroll(Boy(125), "QZ-B", "reg-b");
    std::string a_to_c = ledger.Enroll(Boy(127));
    TransferOut(ledger, a_to_b, "QZ-B");
    xueji::v1::Request out = TransferOut(ledger, b_to_a, "QZ-A", "reg-b");
    REQUIRE(ledger.Approve(out.request_id()).status == xueji::v1::APPLIED);
    TransferOut(ledger, a_to_c, "QZ-C");
    WHEN("county 350502 merges QZ-A into QZ-B") {
      xueji::v1::Request merge = ledger.Req("appr-a");
      merge.mutable_merge_kindergarten()->set_from("QZ-A");
      merge.mutable_merge_kindergarten()->set_into("QZ-B");
      Decision merged = ledger.Submit(merge);
      THEN("the transfers between them are withdrawn, the other continues") {
        INFO(merged.message);
        CheckDecided(merged, xueji::v1::APPLIED,
                     V{"kindergarten_merged", "transfer_withdrawn",
                       "transfer_withdrawn", "record_moved", "record_moved"});
        for (const std::string& no : {a_to_b, b_to_a}) {
          xueji::v1::RecordState record = ledger.Record(no);
          CHECK(record.status() == xueji::v1::ENROLLED);
          CHECK(record.kindergarten() == "QZ-B");
          CHECK(record.transfer_to().empty());
          CHECK(record.pending().request_id().empty());
        }
        xueji::v1::RecordState moving = ledger.Record(a_to_c);
        CHECK(moving.status() == xueji::v1::TRANSFERRING);
        CHECK(moving.kindergarten() == "QZ-B");
        CHECK(moving.transfer_to() == "QZ-C");
      }
    }
  }
}

// --- b. cancel is death only (Art. 15)
// ----------------------------------------

SCENARIO(
    "Art. 15: a record is cancelled only on the child's death, with its "
    "date and proof, by the county",
    "[decider][issue10][cancel]") {
  GIVEN("an enrolled child") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    WHEN("a cancellation gives another reason") {
      Decision refused =
          ledger.Submit(ledger.CancelReq(no, "转学", "2025-08-30", "证明"));
      THEN("CANCEL_NOT_DEATH, and the record is untouched") {
        CHECK(refused.code == xueji::v1::CANCEL_NOT_DEATH);
        CHECK(Kinds(refused) == V{"request_rejected"});
        CHECK(ledger.Record(no).status() == xueji::v1::ENROLLED);
        CHECK(ledger.Record(no).pending().request_id().empty());
      }
    }
    WHEN("the date of death or the proof is missing or wrong") {
      THEN("INVALID_FIELD / INVALID_DATE") {
        CHECK(ledger.Submit(ledger.CancelReq(no, "DEATH", "", "证明")).code ==
              xueji::v1::INVALID_FIELD);
        CHECK(ledger.Submit(ledger.CancelReq(no, "DEATH", "2025-09-02", "证明"))
                  .code == xueji::v1::INVALID_DATE);
        CHECK(ledger.Submit(ledger.CancelReq(no, "DEATH", "2025-08-30", " "))
                  .code == xueji::v1::INVALID_FIELD);
        CHECK(ledger.Submit(ledger.CancelReq(no, "DEATH", "2021-05-05",
                                             "证明"))
                  .code == xueji::v1::INVALID_FIELD);  // before birth
      }
    }
    WHEN("the death is reported with date and proof") {
      xueji::v1::Request cancel =
          ledger.CancelReq(no, "DEATH", "2025-08-30", "居民死亡医学证明");
      Decision requested = ledger.Submit(cancel);
      THEN("the county cancels; the registrar may not") {
        CheckDecided(requested, xueji::v1::PENDING_APPROVAL,
                     V{"cancellation_requested"});
        const auto& asked = requested.events[0].cancellation_requested();
        CHECK(asked.date_of_death() == "2025-08-30");
        CHECK(asked.evidence() == "居民死亡医学证明");
        CHECK(ledger.Approve(cancel.request_id(), "reg-a").code ==
              xueji::v1::NOT_AUTHORIZED);
        Decision approved = ledger.Approve(cancel.request_id());
        REQUIRE(Kinds(approved) == V{"cancelled"});
        const auto& cancelled = approved.events[0].cancelled();
        CHECK(cancelled.reason() == "DEATH");
        CHECK(cancelled.date_of_death() == "2025-08-30");
        CHECK(ledger.Record(no).status() == xueji::v1::CANCELLED);
      }
    }
  }
}

// --- c. deferral (Art. 14)
// ------------------------------------------------------

// A deferral of `no` until `until`, with a hospital's assessment as proof
// unless `evidence` says otherwise.
xueji::v1::Request DeferRequest(TestLedger& ledger, const std::string& no,
                                std::string until,
                                std::string evidence = "医院发育评估证明",
                                std::string actor = "reg-a") {
  return ledger.DeferReq(no, std::move(until), std::move(evidence),
                         std::move(actor));
}

// Enrolls a 5-year-old at QZ-A and defers it until 2027-08-31 (approved), on
// a ledger that seals accounts late (LongSeal); returns its student number.
std::string EnrollDeferred(TestLedger& ledger) {
  ledger.LongSeal();
  std::string no = ledger.Enroll(FiveYearOld());
  xueji::v1::Request defer = DeferRequest(ledger, no, "2027-08-31");
  REQUIRE(ledger.Submit(defer).status == xueji::v1::PENDING_APPROVAL);
  REQUIRE(ledger.Approve(defer.request_id()).status == xueji::v1::APPLIED);
  return no;
}

SCENARIO(
    "Art. 14: a deferral needs proof, is for a child of primary-entry "
    "age, and is bounded by deferralMaxYears",
    "[decider][issue10][defer]") {
  GIVEN("a 5-year-old (primary 2026-09-01) and a 4-year-old (2027-09-01)") {
    TestLedger ledger;
    std::string five = ledger.Enroll(FiveYearOld());
    std::string four = ledger.Enroll(Boy());
    THEN("the 4-year-old may not defer yet") {
      Decision refused =
          ledger.Submit(DeferRequest(ledger, four, "2028-08-31"));
      CHECK(refused.code == xueji::v1::AGE_OUT_OF_RANGE);
    }
    THEN("no proof, no deferral") {
      CHECK(ledger.Submit(DeferRequest(ledger, five, "2027-08-31", "")).code ==
            xueji::v1::INVALID_FIELD);
    }
    THEN("not to 2035: one year by default") {
      CHECK(ledger.Submit(DeferRequest(ledger, five, "2035-08-31")).code ==
            xueji::v1::INVALID_FIELD);
      CHECK(ledger.Submit(DeferRequest(ledger, five, "2027-09-02")).code ==
            xueji::v1::INVALID_FIELD);
      CHECK(ledger.Submit(DeferRequest(ledger, five, "2027-09-01")).status ==
            xueji::v1::PENDING_APPROVAL);
    }
    THEN("a province may allow two years") {
      xueji::v1::Request policy = ledger.Req("officer");
      policy.mutable_set_policy()->set_region("35");
      policy.mutable_set_policy()->set_effective_from(ledger.Today());
      policy.mutable_set_policy()->mutable_policy()->set_deferral_max_years(2);
      REQUIRE(ledger.Submit(policy).status == xueji::v1::APPLIED);
      CHECK(ledger.Submit(DeferRequest(ledger, five, "2028-08-31")).status ==
            xueji::v1::PENDING_APPROVAL);
    }
  }
}

SCENARIO(
    "Art. 14: a deferred child is kept or received by another "
    "kindergarten (保留或接收)",
    "[decider][issue10][defer]") {
  GIVEN("a 5-year-old of QZ-A deferred until 2027-08-31, in September 2026") {
    TestLedger ledger;
    const std::string no = EnrollDeferred(ledger);
    ledger.SetToday("2026-09-10");
    WHEN("the child transfers to QZ-B") {
      xueji::v1::Request out = TransferOut(ledger, no, "QZ-B");
      REQUIRE(ledger.Approve(out.request_id()).status == xueji::v1::APPLIED);
      xueji::v1::Request in = ledger.Req("reg-b");
      in.mutable_transfer_in()->set_student_no(no);
      THEN("QZ-B receives it, deferral and all") {
        CHECK(ledger.Submit(in).status == xueji::v1::APPLIED);
        CHECK(ledger.Record(no).kindergarten() == "QZ-B");
        CHECK(ledger.Record(no).deferred_until() == "2027-08-31");
      }
    }
    WHEN("the child left and QZ-C admits it past its primary entry date") {
      xueji::v1::Request leave = ledger.LeaveReq(no, "随父母迁居");
      REQUIRE(ledger.Submit(leave).status == xueji::v1::APPLIED);
      Decision again = ledger.Admit(FiveYearOld(), "QZ-C", "reg-c");
      THEN("the re-admission is taken and the deferral stays") {
        INFO(again.message);
        CHECK(again.status == xueji::v1::PENDING_APPROVAL);
        CHECK(ledger.Approve(again.events[0].request_id(), "appr-c").status ==
              xueji::v1::APPLIED);
        CHECK(ledger.Record(no).deferred_until() == "2027-08-31");
      }
    }
    WHEN("a child never deferred is admitted past its primary entry date") {
      Decision refused = ledger.Admit(FiveYearOld(127), "QZ-C", "reg-c");
      THEN("AGE_OUT_OF_RANGE as before") {
        CHECK(refused.code == xueji::v1::AGE_OUT_OF_RANGE);
      }
    }
  }
}

// --- d. graduation (Art. 13)
// -----------------------------------------------------

Decision GraduateOne(TestLedger& ledger, const std::string& no,
                     std::string actor = "reg-a") {
  xueji::v1::Request grad = ledger.Req(std::move(actor));
  grad.mutable_graduate()->set_student_no(no);
  return ledger.Submit(grad);
}

Decision GraduateCohort(TestLedger& ledger, std::string kg, std::string cohort,
                        std::string actor = "reg-a") {
  xueji::v1::Request grad = ledger.Req(std::move(actor));
  grad.mutable_graduate()->set_kindergarten(std::move(kg));
  grad.mutable_graduate()->set_cohort(std::move(cohort));
  return ledger.Submit(grad);
}

SCENARIO(
    "Art. 13: graduation is for children of primary-entry age, in the "
    "graduation season",
    "[decider][issue10][graduate]") {
  GIVEN("a 5-year-old (primary 2026-09-01) and a 4-year-old") {
    TestLedger ledger;
    ledger.LongSeal();
    std::string five = ledger.Enroll(FiveYearOld());
    std::string four = ledger.Enroll(Boy());
    WHEN("the kindergarten graduates the 5-year-old on 31 December") {
      ledger.SetToday("2025-12-31");
      Decision refused = GraduateOne(ledger, five);
      THEN("INVALID_DATE: out of season") {
        CHECK(refused.code == xueji::v1::INVALID_DATE);
        CHECK(refused.message.find("06-01 to 08-31") != std::string::npos);
        CHECK(ledger.Record(five).status() == xueji::v1::ENROLLED);
      }
    }
    WHEN("it graduates both in June 2026") {
      ledger.SetToday("2026-06-15");
      THEN("the 5-year-old graduates, the 4-year-old is too young") {
        CHECK(GraduateOne(ledger, five).status == xueji::v1::APPLIED);
        CHECK(ledger.Record(five).status() == xueji::v1::GRADUATED);
        Decision young = GraduateOne(ledger, four);
        CHECK(young.code == xueji::v1::AGE_OUT_OF_RANGE);
        CHECK(ledger.Record(four).status() == xueji::v1::ENROLLED);
      }
    }
    WHEN("the province narrows the season to August") {
      xueji::v1::Request policy = ledger.Req("officer");
      policy.mutable_set_policy()->set_region("35");
      policy.mutable_set_policy()->set_effective_from(ledger.Today());
      // (a version is the province's whole policy: LongSeal's value again)
      policy.mutable_set_policy()->mutable_policy()->set_seal_after_months(36);
      policy.mutable_set_policy()
          ->mutable_policy()
          ->set_graduation_window_months(1);
      REQUIRE(ledger.Submit(policy).status == xueji::v1::APPLIED);
      ledger.SetToday("2026-06-15");
      THEN("June is out of season, August is not") {
        CHECK(GraduateOne(ledger, five).code == xueji::v1::INVALID_DATE);
        ledger.SetToday("2026-08-03");
        CHECK(GraduateOne(ledger, five).status == xueji::v1::APPLIED);
      }
    }
  }
  GIVEN("a 5-year-old deferred until 2027-08-31") {
    TestLedger ledger;
    const std::string no = EnrollDeferred(ledger);
    THEN("it graduates in 2027, not 2026") {
      ledger.SetToday("2026-06-15");
      CHECK(GraduateOne(ledger, no).code == xueji::v1::AGE_OUT_OF_RANGE);
      ledger.SetToday("2027-06-15");
      CHECK(GraduateOne(ledger, no).status == xueji::v1::APPLIED);
    }
  }
}

SCENARIO("Art. 13: a kindergarten's cohort graduates in one request",
         "[decider][issue10][graduate]") {
  GIVEN(
      "QZ-A with three children of cohort 2026 (one with a pending edit) "
      "and one of 2027") {
    TestLedger ledger;
    ledger.LongSeal();
    std::string a = ledger.Enroll(FiveYearOld(123));
    std::string b = ledger.Enroll(FiveYearOld(125));
    std::string busy = ledger.Enroll(FiveYearOld(127));
    std::string young = ledger.Enroll(Boy(129));
    std::string other = ledger.Enroll(FiveYearOld(131), "QZ-B", "reg-b");
    xueji::v1::Request edit = ledger.Req("reg-a");
    edit.mutable_edit_key_info()->set_student_no(busy);
    *edit.mutable_edit_key_info()->mutable_applicant() = testing::Mother();
    edit.mutable_edit_key_info()->mutable_child()->set_name("改名");
    edit.mutable_edit_key_info()->set_evidence("户口簿");
    REQUIRE(ledger.Submit(edit).status == xueji::v1::PENDING_APPROVAL);
    ledger.SetToday("2026-06-20");
    WHEN("QZ-A's registrar graduates cohort 2026") {
      Decision graduated = GraduateCohort(ledger, "QZ-A", "2026");
      THEN("the two ready children graduate, one event each") {
        INFO(graduated.message);
        CheckDecided(graduated, xueji::v1::APPLIED,
                     V{"graduated", "graduated"});
        CHECK(graduated.message.find("1 with a pending change") !=
              std::string::npos);
        CHECK(ledger.Record(a).status() == xueji::v1::GRADUATED);
        CHECK(ledger.Record(b).status() == xueji::v1::GRADUATED);
        CHECK(ledger.Record(busy).status() == xueji::v1::ENROLLED);
        CHECK(ledger.Record(young).status() == xueji::v1::ENROLLED);
        CHECK(ledger.Record(other).status() == xueji::v1::ENROLLED);
      }
    }
    THEN("the request is checked") {
      CHECK(GraduateCohort(ledger, "QZ-A", "2027").code ==
            xueji::v1::INVALID_DATE);
      CHECK(GraduateCohort(ledger, "QZ-A", "26").code ==
            xueji::v1::INVALID_FIELD);
      CHECK(GraduateCohort(ledger, "QZ-A", "2026", "reg-b").code ==
            xueji::v1::NOT_AUTHORIZED);
      CHECK(GraduateCohort(ledger, "NO-SUCH", "2026").code ==
            xueji::v1::UNKNOWN_KINDERGARTEN);
      CHECK(GraduateCohort(ledger, "QZ-C", "2026", "reg-c").code ==
            xueji::v1::INVALID_TRANSITION);  // nobody to graduate
      xueji::v1::Request both = ledger.Req("reg-a");
      both.mutable_graduate()->set_student_no(a);
      both.mutable_graduate()->set_kindergarten("QZ-A");
      both.mutable_graduate()->set_cohort("2026");
      CHECK(ledger.Submit(both).code == xueji::v1::INVALID_FIELD);
    }
  }
}

// --- e. convertNumber (Art. 7, 17)
// ----------------------------------------------

SCENARIO(
    "Art. 7, 17: converting a temporary number needs the county, and "
    "never on a PENDING record",
    "[decider][issue10][convert]") {
  GIVEN("a child without a document, admitted, awaiting the county") {
    TestLedger ledger;
    xueji::v1::Child child = MakeChild("无证男孩", xueji::v1::MALE,
                                       "2021-05-06", xueji::v1::NONE, "");
    Decision admitted = ledger.Admit(child);
    const std::string l_no = admitted.student_no;
    std::string id = ResidentId("350502", "20210506", 77);
    auto convert = [&] {
      xueji::v1::Request request = ledger.Req("reg-a");
      request.mutable_convert_number()->set_student_no(l_no);
      request.mutable_convert_number()->set_id_type(xueji::v1::RESIDENT_ID);
      request.mutable_convert_number()->set_id_number(id);
      return request;
    };
    THEN("conversion is refused while PENDING") {
      CHECK(ledger.Submit(convert()).code == xueji::v1::INVALID_TRANSITION);
    }
    WHEN("the record is established and a conversion asked") {
      REQUIRE(ledger.Approve(admitted.events[0].request_id()).status ==
              xueji::v1::APPLIED);
      xueji::v1::Request request = convert();
      Decision requested = ledger.Submit(request);
      THEN("it awaits the county; the number changes on approval only") {
        CheckDecided(requested, xueji::v1::PENDING_APPROVAL,
                     V{"number_conversion_requested"});
        CHECK(ledger.Record(l_no).student_no() == l_no);
        CHECK(ledger.Approve(request.request_id(), "appr-c").code ==
              xueji::v1::NOT_AUTHORIZED);
        Decision approved = ledger.Approve(request.request_id());
        CHECK(approved.status == xueji::v1::APPLIED);
        CHECK(approved.student_no == "G" + id);
        CHECK(ledger.Record(l_no).student_no() == "G" + id);
        CHECK(ledger.Record(l_no).pending().request_id().empty());
      }
      AND_WHEN("the county rejects it") {
        REQUIRE(ledger.Reject(request.request_id()).status ==
                xueji::v1::APPLIED);
        THEN("the record keeps its L number") {
          CHECK(ledger.Record(l_no).student_no() == l_no);
          CHECK(ledger.Record(l_no).child().id_type() == xueji::v1::NONE);
        }
      }
    }
  }
}

// --- f. key-information edit (Art. 17)
// -------------------------------------------

SCENARIO("Art. 17: a key-information edit names only what changes",
         "[decider][issue10][edit]") {
  GIVEN("an enrolled child") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    WHEN("the edit gives only the new name, as JSON") {
      xueji::v1::Request request;
      REQUIRE(google::protobuf::util::JsonStringToMessage(
                  "{\"requestId\":\"e1\",\"actor\":\"reg-a\","
                  "\"editKeyInfo\":{\"studentNo\":\"" +
                      no +
                      "\",\"child\":{\"name\":\"新名\"},"
                      "\"evidence\":\"户口簿\",\"applicant\":{\"name\":"
                      "\"测试妈妈\",\"relation\":\"MOTHER\",\"idType\":"
                      "\"RESIDENT_ID\",\"idNumber\":\"350502199001011248\"}}}",
                  &request)
                  .ok());
      Decision requested = ledger.Submit(request);
      THEN("it is taken, and approved changes the name only") {
        INFO(requested.message);
        CHECK(requested.status == xueji::v1::PENDING_APPROVAL);
        REQUIRE(ledger.Approve("e1").status == xueji::v1::APPLIED);
        xueji::v1::Child after = ledger.Record(no).child();
        xueji::v1::Child expected = Boy();
        expected.set_name("新名");
        CHECK(after.SerializeAsString() == expected.SerializeAsString());
      }
    }
    THEN("an edit naming nothing, or without proof, is refused") {
      xueji::v1::Request empty = ledger.Req("reg-a");
      empty.mutable_edit_key_info()->set_student_no(no);
      *empty.mutable_edit_key_info()->mutable_applicant() = testing::Mother();
      empty.mutable_edit_key_info()->set_evidence("户口簿");
      CHECK(ledger.Submit(empty).code == xueji::v1::INVALID_FIELD);
      xueji::v1::Request unproven = ledger.Req("reg-a");
      unproven.mutable_edit_key_info()->set_student_no(no);
      *unproven.mutable_edit_key_info()->mutable_applicant() =
          testing::Mother();
      unproven.mutable_edit_key_info()->mutable_child()->set_name("新名");
      CHECK(ledger.Submit(unproven).code == xueji::v1::INVALID_FIELD);
    }
  }
}

SCENARIO(
    "Art. 10, 17: an edit may not take the document of another record, "
    "even one that left (一人一籍)",
    "[decider][issue10][edit]") {
  GIVEN("child A enrolled, child B left") {
    TestLedger ledger;
    std::string a = ledger.Enroll(Boy(123));
    std::string b = ledger.Enroll(Boy(125));
    xueji::v1::Request leave = ledger.LeaveReq(b, "随父母迁居");
    REQUIRE(ledger.Submit(leave).status == xueji::v1::APPLIED);
    WHEN("A's document is edited to B's number") {
      xueji::v1::Request edit = ledger.Req("reg-a");
      edit.mutable_edit_key_info()->set_student_no(a);
      *edit.mutable_edit_key_info()->mutable_applicant() = testing::Mother();
      edit.mutable_edit_key_info()->mutable_child()->set_id_number(
          Boy(125).id_number());
      edit.mutable_edit_key_info()->set_evidence("户口簿");
      Decision refused = ledger.Submit(edit);
      THEN("DUPLICATE_REGISTRATION; B can still come back") {
        CHECK(refused.code == xueji::v1::DUPLICATE_REGISTRATION);
        CHECK(refused.message.find(Boy(125).id_number()) == std::string::npos);
        Decision again = ledger.Admit(Boy(125), "QZ-C", "reg-c");
        CHECK(again.status == xueji::v1::PENDING_APPROVAL);
        CHECK(again.student_no == b);
      }
    }
  }
}

// --- g. entryDate (Art. 6, 8)
// ----------------------------------------------------

SCENARIO(
    "Art. 6, 8: a future entryDate is bounded, and the record is not "
    "established before it (空挂)",
    "[decider][issue10][entry]") {
  GIVEN("a registrar admitting on 2025-09-01") {
    TestLedger ledger;
    auto admit = [&](std::string entry, int seq) {
      xueji::v1::Request request = ledger.Req("reg-a");
      request.mutable_admit()->set_kindergarten("QZ-A");
      *request.mutable_admit()->mutable_child() = Boy(seq);
      request.mutable_admit()->set_entry_date(std::move(entry));
      return ledger.Submit(request);
    };
    THEN("six months ahead is refused") {
      Decision refused = admit("2026-03-01", 123);
      CHECK(refused.code == xueji::v1::INVALID_DATE);
      CHECK(refused.message.find("entryMaxDaysAhead") != std::string::npos);
    }
    WHEN("a child enters on 2025-09-15") {
      Decision admitted = admit("2025-09-15", 125);
      REQUIRE(admitted.status == xueji::v1::PENDING_APPROVAL);
      THEN("the county establishes it from that day on, not before") {
        CHECK(ledger.Approve(admitted.events[0].request_id()).code ==
              xueji::v1::INVALID_DATE);
        CHECK(ledger.Record(admitted.student_no).status() ==
              xueji::v1::PENDING);
        ledger.SetToday("2025-09-15");
        CHECK(ledger.Approve(admitted.events[0].request_id()).status ==
              xueji::v1::APPLIED);
      }
    }
  }
}

// --- i. identity documents
// -------------------------------------------------------

SCENARIO(
    "Art. 9: passports are told apart by issuing country, and the old "
    "foreign permanent residence card is accepted",
    "[decider][issue10][identity]") {
  GIVEN("a Korean child with passport E12345678 at QZ-A") {
    TestLedger ledger;
    xueji::v1::Child korean =
        MakeChild("Kim Minjun", xueji::v1::MALE, "2021-05-06",
                  xueji::v1::PASSPORT, "E12345678");
    korean.set_issuing_country("KOR");
    REQUIRE(ledger.Admit(korean).status == xueji::v1::PENDING_APPROVAL);
    THEN("a British child with the same number is another child") {
      xueji::v1::Child british = korean;
      british.set_name("Oliver Smith");
      british.set_issuing_country("GBR");
      CHECK(ledger.Admit(british, "QZ-C", "reg-c").status ==
            xueji::v1::PENDING_APPROVAL);
    }
    THEN("the same Korean passport again is a duplicate") {
      CHECK(ledger.Admit(korean, "QZ-C", "reg-c").code ==
            xueji::v1::DUPLICATE_REGISTRATION);
    }
    THEN("a passport without its issuing country is refused") {
      xueji::v1::Child bare = korean;
      bare.clear_issuing_country();
      CHECK(ledger.Admit(bare, "QZ-C", "reg-c").code ==
            xueji::v1::INVALID_FIELD);
      xueji::v1::Child lower = korean;
      lower.set_issuing_country("kor");
      CHECK(ledger.Admit(lower, "QZ-C", "reg-c").code ==
            xueji::v1::INVALID_FIELD);
    }
  }
  GIVEN("a child with a 15-character foreign permanent residence card") {
    TestLedger ledger;
    // USA, issuing office 3502, born 21-05-06, 2 more digits.
    xueji::v1::Child card =
        MakeChild("Emma Brown", xueji::v1::FEMALE, "2021-05-06",
                  xueji::v1::FOREIGN_PERMANENT_RESIDENCE, "USA350221050601");
    THEN("it is admitted with a J number") {
      Decision admitted = ledger.Admit(card);
      INFO(admitted.message);
      CHECK(admitted.status == xueji::v1::PENDING_APPROVAL);
      CHECK(admitted.student_no.substr(0, 1) == "J");
    }
    THEN("its birth date must agree") {
      card.set_birth_date("2021-05-07");
      CHECK(ledger.Admit(card).code == xueji::v1::ID_MISMATCH);
    }
  }
}

}  // namespace
}  // namespace xueji
