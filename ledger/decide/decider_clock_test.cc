// The ledger's clock is the only clock (docs/accountability.md): occurredOn's
// default, the future, dates before the events a request follows, late
// entries. Given/when/then over the MemoryState harness; dormancy (Art. 22)
// is in decider_rejections_test.cc.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/base/dates.h"
#include "ledger/decide/decide_test_util.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/calendar.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness

// The day `n` working days after `day` (the Chinese calendar).
std::string WorkingDaysAfter(std::string_view day, int n) {
  return FormatDate(
      WorkingCalendar::Default().AddWorkingDays(*ParseDate(day), n));
}

xueji::v1::Request AdmitRequest(TestLedger& ledger,
                                const xueji::v1::Child& child,
                                std::string day = "") {
  xueji::v1::Request request = ledger.Req("reg-a", std::move(day));
  request.mutable_admit()->set_kindergarten("QZ-A");
  *request.mutable_admit()->mutable_child() = child;
  return request;
}

void CheckInvalidDate(const Decision& decision, std::string_view words) {
  INFO("message: " << decision.message);
  CHECK(decision.status == xueji::v1::REJECTED);
  CHECK(decision.code == xueji::v1::INVALID_DATE);
  REQUIRE(Kinds(decision) == V{"request_rejected"});
  CHECK(decision.message.find(words) != std::string::npos);
}

SCENARIO("occurredOn defaults to today in Beijing time", "[decider][clock]") {
  GIVEN(
      "the ledger's clock at 17:00 UTC on 1 September (2 September, 01:00 "
      "in Beijing)") {
    TestLedger ledger;
    ledger.SetNow("2025-09-01T17:00:00Z");
    WHEN("an admission comes without occurredOn") {
      xueji::v1::Request request = AdmitRequest(ledger, Boy());
      request.clear_occurred_on();
      Decision decision = ledger.Submit(request);
      THEN("its business date and entry date are 2 September") {
        REQUIRE(decision.status == xueji::v1::PENDING_APPROVAL);
        CHECK(decision.events[0].business_date() == "2025-09-02");
        CHECK(decision.events[0].record_requested().entry_date() ==
              "2025-09-02");
        CHECK(decision.events[0].recorded_at() == "2025-09-01T17:00:00Z");
      }
    }
  }
}

SCENARIO("a date in the future is refused", "[decider][clock]") {
  GIVEN("the clock at 23:00 on 1 September in Beijing") {
    TestLedger ledger;
    ledger.SetNow("2025-09-01T15:00:00Z");
    WHEN("an admission is dated 2 September") {
      Decision decision =
          ledger.Submit(AdmitRequest(ledger, Boy(), "2025-09-02"));
      THEN("INVALID_DATE on req:, and no record") {
        CheckInvalidDate(decision, "in the future");
        CHECK(decision.events[0].subject().rfind("req:", 0) == 0);
        CHECK(decision.events[0].business_date() == "2025-09-02");
        auto record = ledger.state().RecordByNumber("G" + Boy().id_number());
        REQUIRE(record.ok());
        CHECK_FALSE(record->has_value());
      }
    }
    WHEN("an hour later (midnight in Beijing) the same is sent again") {
      ledger.SetNow("2025-09-01T16:00:00Z");
      THEN("it is taken") {
        CHECK(ledger.Submit(AdmitRequest(ledger, Boy(), "2025-09-02")).status ==
              xueji::v1::PENDING_APPROVAL);
      }
    }
    WHEN("a request is dated in 2099 by an approver") {
      xueji::v1::Request future =
          ledger.VerifyReq("QZ-A", "2025-autumn", "appr-a");
      future.set_occurred_on("2099-01-01");
      Decision decision = ledger.Submit(future);
      THEN("it is refused and seals nobody") {
        CheckInvalidDate(decision, "2099-01-01");
        CHECK_FALSE(ledger.Operator("appr-a").sealed());
      }
    }
  }
}

SCENARIO("a late entry needs a reason, and has a bound", "[decider][clock]") {
  const std::string day = "2025-09-01";
  GIVEN("the built-in policy: 5 working days, at most 30 with a reason") {
    TestLedger ledger;
    WHEN("an admission for 1 September is entered 5 working days later") {
      ledger.SetToday(WorkingDaysAfter(day, 5));
      Decision decision = ledger.Submit(AdmitRequest(ledger, Boy(), day));
      THEN("it is taken as timely, without a late reason") {
        REQUIRE(decision.status == xueji::v1::PENDING_APPROVAL);
        CHECK(decision.events[0].business_date() == day);
        CHECK(decision.events[0].late_reason().empty());
      }
    }
    WHEN("it is entered 6 working days later without lateReason") {
      ledger.SetToday(WorkingDaysAfter(day, 6));
      Decision decision = ledger.Submit(AdmitRequest(ledger, Boy(), day));
      THEN("INVALID_DATE asks for lateReason") {
        CheckInvalidDate(decision, "lateReason");
        CHECK(decision.message.find("6 working days") != std::string::npos);
      }
    }
    WHEN("it is entered 6 working days later with lateReason") {
      ledger.SetToday(WorkingDaysAfter(day, 6));
      xueji::v1::Request request =
          AdmitRequest(ledger,
                       MakeChild("无证男孩", xueji::v1::MALE, "2021-05-06",
                                 xueji::v1::NONE, ""),
                       day);
      request.set_late_reason("系统停机，补录");
      Decision decision = ledger.Submit(request);
      THEN("it is taken and every event carries the reason") {
        REQUIRE(decision.status == xueji::v1::PENDING_APPROVAL);
        REQUIRE(decision.events.size() == 2);
        for (const xueji::v1::Event& event : decision.events) {
          CHECK(event.late_reason() == "系统停机，补录");
          CHECK(event.business_date() == day);
        }
      }
    }
    WHEN("it is entered 30 working days later with lateReason") {
      ledger.SetToday(WorkingDaysAfter(day, 30));
      xueji::v1::Request request = AdmitRequest(ledger, Boy(), day);
      request.set_late_reason("补录");
      THEN("it is taken") {
        CHECK(ledger.Submit(request).status == xueji::v1::PENDING_APPROVAL);
      }
    }
    WHEN("it is entered 31 working days later, even with lateReason") {
      ledger.SetToday(WorkingDaysAfter(day, 31));
      xueji::v1::Request request = AdmitRequest(ledger, Boy(), day);
      request.set_late_reason("补录");
      THEN("INVALID_DATE names the bound") {
        CheckInvalidDate(ledger.Submit(request), "at most 30");
      }
    }
    WHEN("a timely request gives a lateReason") {
      xueji::v1::Request request = AdmitRequest(ledger, Boy());
      request.set_late_reason("不需要");
      Decision decision = ledger.Submit(request);
      THEN("the reason is not recorded") {
        REQUIRE(decision.status == xueji::v1::PENDING_APPROVAL);
        CHECK(decision.events[0].late_reason().empty());
      }
    }
  }
}

SCENARIO("a late approval is recorded with its reason", "[decider][clock]") {
  GIVEN("an admission requested on 1 September") {
    TestLedger ledger;
    Decision admitted = ledger.Admit(Boy());
    const std::string id = admitted.events[0].request_id();
    WHEN(
        "the county approves it on 2 September but enters it 10 working days "
        "later with a reason") {
      ledger.SetToday(WorkingDaysAfter("2025-09-02", 10));
      xueji::v1::Request approve = ledger.Req("appr-a", "2025-09-02");
      approve.mutable_approve()->set_request_id(id);
      approve.set_late_reason("审核当日网络中断");
      Decision decision = ledger.Submit(approve);
      THEN(
          "the record is established on the claimed date, the event says "
          "why it came late and when it was recorded") {
        REQUIRE(decision.status == xueji::v1::APPLIED);
        CHECK(decision.events[0].business_date() == "2025-09-02");
        CHECK(decision.events[0].late_reason() == "审核当日网络中断");
        CHECK(decision.events[0].recorded_at().substr(0, 10) ==
              WorkingDaysAfter("2025-09-02", 10));
        CHECK(ledger.Record(admitted.student_no).established_on() ==
              "2025-09-02");
        AND_THEN("the approver's last activity is the day it was entered") {
          CHECK(ledger.Operator("appr-a").last_active() ==
                WorkingDaysAfter("2025-09-02", 10));
        }
      }
    }
  }
}

SCENARIO("a request may not precede the events it follows",
         "[decider][clock]") {
  GIVEN(
      "a record admitted on 4 September and established on 5 September, "
      "the clock on 10 September") {
    TestLedger ledger;
    ledger.SetToday("2025-09-10");
    Decision admitted = ledger.Admit(Boy(), "QZ-A", "reg-a", "2025-09-04");
    REQUIRE(admitted.status == xueji::v1::PENDING_APPROVAL);
    const std::string no = admitted.student_no;
    const std::string admission = admitted.events[0].request_id();

    WHEN("the approval is dated 3 September, before the request") {
      Decision early = ledger.Approve(admission, "appr-a", "2025-09-03");
      THEN("INVALID_DATE on the record, naming the admission request") {
        CheckInvalidDate(early, "before the admission request on 2025-09-04");
        CHECK(early.events[0].subject() == ledger.Record(no).subject());
        CHECK(ledger.Record(no).status() == xueji::v1::PENDING);
      }
    }
    WHEN("the rejection is dated before the request") {
      xueji::v1::Request reject = ledger.Req("appr-a", "2025-09-03");
      reject.mutable_reject()->set_request_id(admission);
      THEN("INVALID_DATE") {
        CheckInvalidDate(ledger.Submit(reject), "2025-09-04");
      }
    }
    WHEN("the approval is dated on the request's day") {
      THEN("it is taken") {
        CHECK(ledger.Approve(admission, "appr-a", "2025-09-04").status ==
              xueji::v1::APPLIED);
      }
    }

    AND_WHEN("it is established on 5 September") {
      REQUIRE(ledger.Approve(admission, "appr-a", "2025-09-05").status ==
              xueji::v1::APPLIED);
      auto dated = [&](std::string day) { return ledger.Req("reg-a", day); };
      THEN("no change to the record may be dated before 5 September") {
        xueji::v1::Request out = dated("2025-09-04");
        out.mutable_transfer_out()->set_student_no(no);
        *out.mutable_transfer_out()->mutable_applicant() = testing::Mother();
        out.mutable_transfer_out()->set_to_kindergarten("QZ-C");
        CheckInvalidDate(ledger.Submit(out),
                         "before the record's establishment on 2025-09-05");
        xueji::v1::Request leave = dated("2025-09-04");
        leave.mutable_leave()->set_student_no(no);
        *leave.mutable_leave()->mutable_applicant() = testing::Mother();
        CheckInvalidDate(ledger.Submit(leave), "establishment");
        // (graduate and defer answer their season and age first, issue 10)
        xueji::v1::Request graduate = dated("2025-09-04");
        graduate.mutable_graduate()->set_student_no(no);
        CheckInvalidDate(ledger.Submit(graduate), "out of season");
        xueji::v1::Request cancel = dated("2025-09-04");
        cancel.mutable_cancel()->set_student_no(no);
        cancel.mutable_cancel()->set_reason("DEATH");
        cancel.mutable_cancel()->set_date_of_death("2025-09-03");
        cancel.mutable_cancel()->set_evidence("死亡医学证明");
        CheckInvalidDate(ledger.Submit(cancel), "establishment");
        xueji::v1::Request edit = dated("2025-09-04");
        edit.mutable_edit_key_info()->set_student_no(no);
        *edit.mutable_edit_key_info()->mutable_applicant() = testing::Mother();
        edit.mutable_edit_key_info()->mutable_child()->set_name("改名男孩");
        edit.mutable_edit_key_info()->set_evidence("户口本");
        CheckInvalidDate(ledger.Submit(edit), "establishment");
        CHECK(ledger.Record(no).status() == xueji::v1::ENROLLED);
      }
      AND_THEN(
          "a transfer approval may not precede the transfer request, "
          "nor the transfer-in the approval") {
        xueji::v1::Request out = dated("2025-09-08");
        out.mutable_transfer_out()->set_student_no(no);
        *out.mutable_transfer_out()->mutable_applicant() = testing::Mother();
        out.mutable_transfer_out()->set_to_kindergarten("QZ-C");
        REQUIRE(ledger.Submit(out).status == xueji::v1::PENDING_APPROVAL);
        CheckInvalidDate(
            ledger.Approve(out.request_id(), "appr-a", "2025-09-05"),
            "before the transfer request on 2025-09-08");
        REQUIRE(
            ledger.Approve(out.request_id(), "appr-a", "2025-09-09").status ==
            xueji::v1::APPLIED);
        xueji::v1::Request in = ledger.Req("reg-c", "2025-09-08");
        in.mutable_transfer_in()->set_student_no(no);
        CheckInvalidDate(ledger.Submit(in),
                         "before the transfer-out approval on 2025-09-09");
        in = ledger.Req("reg-c", "2025-09-09");
        in.mutable_transfer_in()->set_student_no(no);
        // From another county: the receiving county approves it (issue 10).
        CHECK(ledger.Submit(in).status == xueji::v1::PENDING_APPROVAL);
      }
    }
  }
}

SCENARIO("convertNumber and re-admission may not precede the record's steps",
         "[decider][clock]") {
  GIVEN(
      "a child without a document admitted on 8 September and established "
      "on 9 September, the clock on 10 September") {
    TestLedger ledger;
    ledger.SetToday("2025-09-10");
    xueji::v1::Child child = MakeChild("无证男孩", xueji::v1::MALE,
                                       "2021-05-06", xueji::v1::NONE, "");
    Decision admitted = ledger.Admit(child, "QZ-A", "reg-a", "2025-09-08");
    REQUIRE(admitted.status == xueji::v1::PENDING_APPROVAL);
    REQUIRE(
        ledger.Approve(admitted.events[0].request_id(), "appr-a", "2025-09-09")
            .status == xueji::v1::APPLIED);
    WHEN("its number is converted with a date before its establishment") {
      xueji::v1::Request convert = ledger.Req("reg-a", "2025-09-05");
      convert.mutable_convert_number()->set_student_no(admitted.student_no);
      convert.mutable_convert_number()->set_id_type(xueji::v1::RESIDENT_ID);
      convert.mutable_convert_number()->set_id_number(Boy(77).id_number());
      THEN("INVALID_DATE names the establishment") {
        CheckInvalidDate(ledger.Submit(convert),
                         "before the record's establishment on 2025-09-09");
      }
    }
  }
  GIVEN("a child established on 9 September who left") {
    TestLedger ledger;
    ledger.SetToday("2025-09-10");
    Decision admitted = ledger.Admit(Boy(), "QZ-A", "reg-a", "2025-09-08");
    REQUIRE(
        ledger.Approve(admitted.events[0].request_id(), "appr-a", "2025-09-09")
            .status == xueji::v1::APPLIED);
    xueji::v1::Request leave = ledger.LeaveReq(admitted.student_no);
    REQUIRE(ledger.Submit(leave).status == xueji::v1::APPLIED);
    WHEN("a re-admission is dated before the establishment") {
      Decision again = ledger.Admit(Boy(), "QZ-C", "reg-c", "2025-09-05");
      THEN("INVALID_DATE on the old record") {
        CheckInvalidDate(again, "establishment on 2025-09-09");
        CHECK(again.events[0].subject() ==
              ledger.Record(admitted.student_no).subject());
      }
    }
  }
}

}  // namespace
}  // namespace xueji
