// Issue 10, the rest of item 1: each county approves its own side of a
// transfer (Art. 11), the parent or guardian applies (Art. 11, 12, 14, 17:
// 由父母或者其他监护人提出申请), and the term's verification (Art. 17 ¶3).
// Given a registry and earlier requests, when a request, then its events and
// the record after. Each test names the article it serves.
#include <catch2/catch.hpp>

#include "absl/strings/ascii.h"
#include "ledger/decide/decide_test_util.h"
#include "ledger/decide/decider.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness

// A child of QZ-A (county 350502) transferred out to `to`, approved by the
// sending county: returns its number.
std::string TransferredOut(TestLedger& ledger, const std::string& to) {
  std::string no = ledger.Enroll(Boy());
  xueji::v1::Request out = ledger.TransferOutReq(no, to);
  REQUIRE(ledger.Submit(out).status == xueji::v1::PENDING_APPROVAL);
  REQUIRE(ledger.Approve(out.request_id(), "appr-a").status ==
          xueji::v1::APPLIED);
  REQUIRE(ledger.Record(no).transferred_out());
  return no;
}

xueji::v1::Request TransferIn(TestLedger& ledger, const std::string& no,
                              const std::string& registrar) {
  xueji::v1::Request in = ledger.Req(registrar);
  in.mutable_transfer_in()->set_student_no(no);
  return in;
}

// --- Art. 11: each side's county approves its side ---------------------------

SCENARIO(
    "Art. 11: a transfer-in from another county awaits the receiving "
    "county's approval",
    "[decider][issue10][transfer][sides]") {
  GIVEN("a child of QZ-A (350502) transferred out to QZ-C (350503)") {
    TestLedger ledger;
    std::string no = TransferredOut(ledger, "QZ-C");
    WHEN("QZ-C's registrar takes it in") {
      xueji::v1::Request in = TransferIn(ledger, no, "reg-c");
      Decision asked = ledger.Submit(in);
      THEN("the transfer-in waits for county 350503, the child in transfer") {
        INFO(asked.message);
        CheckDecided(asked, xueji::v1::PENDING_APPROVAL,
                     V{"transfer_in_requested"});
        CHECK(asked.events[0].transfer_in_requested().from_kindergarten() ==
              "QZ-A");
        CHECK(asked.events[0].transfer_in_requested().to_kindergarten() ==
              "QZ-C");
        xueji::v1::RecordState record = ledger.Record(no);
        CHECK(record.status() == xueji::v1::TRANSFERRING);
        CHECK(record.kindergarten() == "QZ-A");
        CHECK(record.pending().request_id() == in.request_id());
        CHECK(record.pending().request().has_transfer_in());
        AND_THEN("a second transfer-in is refused while it waits") {
          CHECK(ledger.Submit(TransferIn(ledger, no, "reg-c")).code ==
                xueji::v1::INVALID_TRANSITION);
        }
        AND_THEN("the sending county may not approve it; the receiving does") {
          CHECK(ledger.Approve(in.request_id(), "appr-a").code ==
                xueji::v1::NOT_AUTHORIZED);
          Decision done = ledger.Approve(in.request_id(), "appr-c");
          INFO(done.message);
          CheckDecided(done, xueji::v1::APPLIED, V{"transferred_in"});
          CHECK(done.events[0].transferred_in().from_kindergarten() == "QZ-A");
          CHECK(done.events[0].transferred_in().to_kindergarten() == "QZ-C");
          xueji::v1::RecordState after = ledger.Record(no);
          CHECK(after.status() == xueji::v1::ENROLLED);
          CHECK(after.kindergarten() == "QZ-C");
          CHECK(after.pending().request_id().empty());
          CHECK(after.transfer_to().empty());
          CHECK(ledger.LiveAt("QZ-C") == V{no});
          CHECK(ledger.LiveAt("QZ-A").empty());
        }
      }
    }
  }
}

SCENARIO(
    "Art. 11: the receiving county rejects the transfer-in, the child stays "
    "at the sending kindergarten",
    "[decider][issue10][transfer][sides]") {
  GIVEN("a transfer-in to QZ-C awaiting county 350503") {
    TestLedger ledger;
    std::string no = TransferredOut(ledger, "QZ-C");
    xueji::v1::Request in = TransferIn(ledger, no, "reg-c");
    REQUIRE(ledger.Submit(in).status == xueji::v1::PENDING_APPROVAL);
    WHEN("county 350503 rejects it") {
      Decision rejected = ledger.Reject(in.request_id(), "appr-c");
      THEN("the transfer ends; the child is ENROLLED at QZ-A and usable") {
        INFO(rejected.message);
        CheckDecided(rejected, xueji::v1::APPLIED, V{"change_rejected"});
        CHECK(rejected.events[0].change_rejected().rejected_request_id() ==
              in.request_id());
        xueji::v1::RecordState record = ledger.Record(no);
        CHECK(record.status() == xueji::v1::ENROLLED);
        CHECK(record.kindergarten() == "QZ-A");
        CHECK(record.transfer_to().empty());
        CHECK(!record.transferred_out());
        CHECK(record.pending().request_id().empty());
        xueji::v1::Request leave = ledger.LeaveReq(no, "随父母迁居");
        CHECK(ledger.Submit(leave).status == xueji::v1::APPLIED);
      }
    }
    WHEN("county 350502 (the sending one) tries to reject it") {
      THEN("it is not its side") {
        CHECK(ledger.Reject(in.request_id(), "appr-a").code ==
              xueji::v1::NOT_AUTHORIZED);
      }
    }
    WHEN("the sending kindergarten withdraws the transfer meanwhile") {
      xueji::v1::Request withdraw = ledger.Req("reg-a");
      withdraw.mutable_withdraw_transfer()->set_student_no(no);
      withdraw.mutable_withdraw_transfer()->set_reason("家长改变主意");
      Decision withdrawn = ledger.Submit(withdraw);
      THEN("the pending transfer-in is cancelled with it") {
        REQUIRE(Kinds(withdrawn) == V{"transfer_withdrawn"});
        CHECK(withdrawn.events[0].transfer_withdrawn().cancelled_request_id() ==
              in.request_id());
        CHECK(ledger.Record(no).pending().request_id().empty());
        CHECK(ledger.Approve(in.request_id(), "appr-c").code ==
              xueji::v1::UNKNOWN_REQUEST);
      }
    }
  }
}

SCENARIO(
    "Art. 11: within one county the county's approval of the transfer out "
    "serves both sides",
    "[decider][issue10][transfer][sides]") {
  GIVEN("a child of QZ-A transferred out to QZ-B, both in county 350502") {
    TestLedger ledger;
    std::string no = TransferredOut(ledger, "QZ-B");
    WHEN("QZ-B's registrar takes it in") {
      Decision done = ledger.Submit(TransferIn(ledger, no, "reg-b"));
      THEN("it is transferred in at once") {
        CheckDecided(done, xueji::v1::APPLIED, V{"transferred_in"});
        CHECK(ledger.Record(no).kindergarten() == "QZ-B");
        CHECK(ledger.Record(no).pending().request_id().empty());
      }
    }
  }
}

// --- Art. 11, 12, 14, 17: the parent or guardian applies ---------------------

// Each guardian's request of the regulation on an enrolled 5-year-old (a
// deferral needs primary-entry age), with `applicant` (or none).
struct GuardianRequests {
  TestLedger ledger;
  std::string no;
  GuardianRequests() {
    ledger.LongSeal();
    ledger.SetToday("2025-10-10");
    no = ledger.Enroll(FiveYearOld());
  }
  std::vector<xueji::v1::Request> All(
      const std::optional<xueji::v1::Applicant>& applicant) {
    std::vector<xueji::v1::Request> out;
    xueji::v1::Request transfer = ledger.Req("reg-a");
    transfer.mutable_transfer_out()->set_student_no(no);
    transfer.mutable_transfer_out()->set_to_kindergarten("QZ-B");
    if (applicant) {
      *transfer.mutable_transfer_out()->mutable_applicant() = *applicant;
    }
    out.push_back(transfer);
    xueji::v1::Request leave = ledger.Req("reg-a");
    leave.mutable_leave()->set_student_no(no);
    leave.mutable_leave()->set_reason("随父母迁居");
    if (applicant) *leave.mutable_leave()->mutable_applicant() = *applicant;
    out.push_back(leave);
    xueji::v1::Request defer = ledger.Req("reg-a");
    defer.mutable_defer()->set_student_no(no);
    defer.mutable_defer()->set_until_date("2027-08-31");
    defer.mutable_defer()->set_evidence("医院发育评估证明");
    if (applicant) *defer.mutable_defer()->mutable_applicant() = *applicant;
    out.push_back(defer);
    xueji::v1::Request edit = ledger.Req("reg-a");
    edit.mutable_edit_key_info()->set_student_no(no);
    edit.mutable_edit_key_info()->mutable_child()->set_name("测试新名");
    edit.mutable_edit_key_info()->set_evidence("户口簿");
    if (applicant) {
      *edit.mutable_edit_key_info()->mutable_applicant() = *applicant;
    }
    out.push_back(edit);
    return out;
  }
};

SCENARIO(
    "Art. 11, 12, 14, 17: a transfer, leave, deferral or key-info edit needs "
    "its applicant (由父母或者其他监护人提出申请)",
    "[decider][issue10][applicant]") {
  GIVEN("an enrolled child") {
    GuardianRequests g;
    WHEN("each request names no applicant") {
      THEN("each is refused, naming the field, and nothing changes") {
        for (const xueji::v1::Request& request : g.All(std::nullopt)) {
          Decision refused = g.ledger.Submit(request);
          INFO(ActionName(request) << ": " << refused.message);
          CHECK(refused.code == xueji::v1::INVALID_FIELD);
          CHECK(refused.message.find("applicant is required") !=
                std::string::npos);
        }
        CHECK(g.ledger.Record(g.no).status() == xueji::v1::ENROLLED);
        CHECK(g.ledger.Record(g.no).pending().request_id().empty());
      }
    }
    WHEN("each names the mother") {
      THEN("each is taken and records her in its event") {
        xueji::v1::Applicant mother = Mother();
        mother.set_id_number(absl::AsciiStrToLower(mother.id_number()));
        int i = 0;
        for (const xueji::v1::Request& request : g.All(mother)) {
          // One at a time: each on a fresh ledger.
          GuardianRequests fresh;
          std::vector<xueji::v1::Request> mine = fresh.All(mother);
          Decision taken = fresh.ledger.Submit(mine[i++]);
          INFO(ActionName(request) << ": " << taken.message);
          REQUIRE(taken.status != xueji::v1::REJECTED);
          const xueji::v1::Event& event = taken.events[0];
          const xueji::v1::Applicant* recorded = nullptr;
          if (event.has_transfer_requested()) {
            recorded = &event.transfer_requested().applicant();
          } else if (event.has_left()) {
            recorded = &event.left().applicant();
          } else if (event.has_deferral_requested()) {
            recorded = &event.deferral_requested().applicant();
          } else if (event.has_key_info_edit_requested()) {
            recorded = &event.key_info_edit_requested().applicant();
          }
          REQUIRE(recorded != nullptr);
          CHECK(recorded->name() == "测试妈妈");
          CHECK(recorded->relation() == xueji::v1::MOTHER);
          CHECK(recorded->id_type() == xueji::v1::RESIDENT_ID);
          CHECK(recorded->id_number() == Mother().id_number());  // normalized
        }
      }
    }
  }
}

SCENARIO(
    "Art. 11, 12, 14, 17: the applicant is a parent or guardian with a valid "
    "document, never the child, never in a message",
    "[decider][issue10][applicant]") {
  GIVEN("an enrolled child") {
    GuardianRequests g;
    auto refused = [&](const xueji::v1::Applicant& applicant,
                       xueji::v1::ReasonCode code) {
      for (const xueji::v1::Request& request : g.All(applicant)) {
        Decision d = g.ledger.Submit(request);
        INFO(ActionName(request) << ": " << d.message);
        CHECK(d.code == code);
        CHECK(d.message.find(applicant.id_number().empty()
                                 ? "\x01"
                                 : applicant.id_number()) == std::string::npos);
      }
    };
    THEN("a relation outside FATHER, MOTHER, GUARDIAN is refused") {
      xueji::v1::Applicant a = Mother();
      a.clear_relation();
      refused(a, xueji::v1::INVALID_FIELD);
    }
    THEN("a bad check character is refused as for a child's document") {
      xueji::v1::Applicant a = Mother();
      std::string number = a.id_number();
      number.back() = number.back() == '1' ? '2' : '1';
      a.set_id_number(number);
      refused(a, xueji::v1::INVALID_ID_NUMBER);
    }
    THEN("no document (NONE) or no name is refused") {
      xueji::v1::Applicant a = Mother();
      a.set_id_type(xueji::v1::NONE);
      a.clear_id_number();
      refused(a, xueji::v1::INVALID_FIELD);
      xueji::v1::Applicant nameless = Mother();
      nameless.clear_name();
      refused(nameless, xueji::v1::INVALID_FIELD);
    }
    THEN("the child's own document is refused") {
      xueji::v1::Applicant a = Mother();
      a.set_relation(xueji::v1::GUARDIAN);
      a.set_id_number(FiveYearOld().id_number());
      refused(a, xueji::v1::INVALID_FIELD);
    }
    THEN("a father with a passport is taken") {
      xueji::v1::Applicant a;
      a.set_name("John Smith");
      a.set_relation(xueji::v1::FATHER);
      a.set_id_type(xueji::v1::PASSPORT);
      a.set_id_number("E12345678");
      CHECK(g.ledger.Submit(g.All(a)[1]).status == xueji::v1::APPLIED);
    }
  }
}

SCENARIO(
    "Art. 11, 12: a change asked before applicants were required stays "
    "valid and is approved",
    "[decider][issue10][applicant]") {
  GIVEN("a transfer request recorded without an applicant (an older log)") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    xueji::v1::Event old;
    old.set_subject(ledger.Record(no).subject());
    old.set_student_no(no);
    old.set_request_id("old-transfer");
    old.set_business_date(ledger.Today());
    old.mutable_actor()->set_operator_id("reg-a");
    old.mutable_transfer_requested()->set_from_kindergarten("QZ-A");
    old.mutable_transfer_requested()->set_to_kindergarten("QZ-B");
    ledger.ApplyAll({old});
    WHEN("the county approves it") {
      Decision approved = ledger.Approve("old-transfer", "appr-a");
      THEN("it is transferred out as before") {
        CheckDecided(approved, xueji::v1::APPLIED, V{"transferred_out"});
      }
    }
  }
}

// --- Art. 17 ¶3: verification
// ---------------------------------------------------

SCENARIO(
    "Art. 17: a second verification of the same term is refused, the first "
    "kept",
    "[decider][issue10][verify]") {
  GIVEN("QZ-A verified for 2025-autumn with its child missing") {
    TestLedger ledger;
    std::string no = ledger.Enroll(Boy());
    REQUIRE(ledger.Submit(ledger.VerifyReq("QZ-A", "2025-autumn", "reg-a"))
                .status == xueji::v1::APPLIED);
    WHEN("the registrar or the county verifies 2025-autumn again") {
      THEN("both are refused TERM_ALREADY_VERIFIED; the first stands") {
        for (const char* actor : {"reg-a", "appr-a"}) {
          Decision again = ledger.Submit(
              ledger.VerifyReq("QZ-A", "2025-autumn", actor, {no}));
          INFO(again.message);
          CHECK(again.code == xueji::v1::TERM_ALREADY_VERIFIED);
          REQUIRE(Kinds(again) == V{"request_rejected"});
        }
        auto kg = ledger.state().Kindergarten("QZ-A");
        REQUIRE(kg.ok());
        CHECK((*kg)->last_verification_on() == testing::kDay);
      }
    }
    WHEN("the next term is verified, then the first term again") {
      REQUIRE(
          ledger.Submit(ledger.VerifyReq("QZ-A", "2026-spring", "reg-a", {no}))
              .status == xueji::v1::APPLIED);
      THEN("the first term is still refused") {
        CHECK(ledger.Submit(ledger.VerifyReq("QZ-A", "2025-autumn", "reg-a"))
                  .code == xueji::v1::TERM_ALREADY_VERIFIED);
      }
    }
  }
}

SCENARIO(
    "Art. 16, 17: a closed or merged-away kindergarten takes no "
    "verification and no new registrar",
    "[decider][issue10][verify]") {
  GIVEN("QZ-B closed, and QZ-D merged into QZ-C") {
    TestLedger ledger;
    xueji::v1::Request close = ledger.Req("appr-a");
    close.mutable_close_kindergarten()->set_kindergarten("QZ-B");
    REQUIRE(ledger.Submit(close).status == xueji::v1::APPLIED);
    ledger.RegisterKindergarten("QZ-D", "丰泽第二幼儿园", testing::kCountyC);
    xueji::v1::Request merge = ledger.Req("appr-c");
    merge.mutable_merge_kindergarten()->set_from("QZ-D");
    merge.mutable_merge_kindergarten()->set_into("QZ-C");
    REQUIRE(ledger.Submit(merge).status == xueji::v1::APPLIED);
    THEN("verifying either is refused KINDERGARTEN_CLOSED") {
      CHECK(ledger.Submit(ledger.VerifyReq("QZ-B", "2025-autumn", "appr-a"))
                .code == xueji::v1::KINDERGARTEN_CLOSED);
      CHECK(ledger.Submit(ledger.VerifyReq("QZ-D", "2025-autumn", "appr-c"))
                .code == xueji::v1::KINDERGARTEN_CLOSED);
    }
    THEN("a new registrar at either is refused KINDERGARTEN_CLOSED") {
      for (const char* kg : {"QZ-B", "QZ-D"}) {
        xueji::v1::RegistryLine line;
        line.mutable_operator_()->set_id(std::string("new-") + kg);
        line.mutable_operator_()->set_role(xueji::v1::REGISTRAR);
        line.mutable_operator_()->set_org(kg);
        Decision refused = ledger.Registry(line);
        INFO(refused.message);
        CHECK(refused.code == xueji::v1::KINDERGARTEN_CLOSED);
        CHECK(!ledger.state().Operator(std::string("new-") + kg)->has_value());
      }
    }
    THEN("the closed kindergarten's own registrar stays as filed") {
      xueji::v1::RegistryLine line;
      line.mutable_operator_()->set_id("reg-b");
      line.mutable_operator_()->set_role(xueji::v1::REGISTRAR);
      line.mutable_operator_()->set_org("QZ-B");
      CHECK(ledger.Registry(line).status != xueji::v1::REJECTED);
    }
  }
}

}  // namespace
}  // namespace xueji
