// 升学 hand-over (Art. 10, 13): recordPromotion, given/when/then. Given a
// child enrolled at QZ-A (county 350502) and graduated, when the primary
// school's confirmation is recorded, then a Promoted event or a refusal.
#include <catch2/catch.hpp>

#include "ledger/decide/decide_test_util.h"
#include "ledger/decide/decider.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness

// Born 2020-05-06: six before 31 August 2026, so of primary-entry age in the
// summer of 2026.
xueji::v1::Child Graduand(int seq = 131) {
  return MakeChild("测试毕业生", xueji::v1::MALE, "2020-05-06",
                   xueji::v1::RESIDENT_ID,
                   ResidentId(testing::kCountyA, "20200506", seq));
}

// The harness's operators filed again on `day`, so that none is dormant
// (sealAfterMonths) when the test's clock jumps ahead.
void RefileOperators(TestLedger& ledger, std::string_view day) {
  ledger.SetToday(day);
  ledger.RegisterOperator("reg-a", xueji::v1::REGISTRAR, "QZ-A");
  ledger.RegisterOperator("appr-a", xueji::v1::APPROVER, testing::kCountyA);
  ledger.RegisterOperator("appr-c", xueji::v1::APPROVER, testing::kCountyC);
  ledger.RegisterOperator("officer", xueji::v1::OFFICER, "35");
  ledger.RegisterOperator("auditor", xueji::v1::AUDITOR, "3505");
}

// Enrolled on 2025-09-01, graduated on 2026-07-10; the clock then moves to
// 2026-09-07 (the child reported to school on 2026-09-01).
std::string EnrollAndGraduate(TestLedger& ledger, int seq = 131) {
  std::string no = ledger.Enroll(Graduand(seq));
  RefileOperators(ledger, "2026-07-10");
  xueji::v1::Request grad = ledger.Req("reg-a");
  grad.mutable_graduate()->set_student_no(no);
  REQUIRE(ledger.Submit(grad).status == xueji::v1::APPLIED);
  ledger.SetToday("2026-09-07");
  return no;
}

xueji::v1::Request Promotion(TestLedger& ledger, std::string actor,
                             std::string no,
                             std::string school = "泉州实验小学",
                             std::string reported_on = "2026-09-01") {
  xueji::v1::Request request = ledger.Req(std::move(actor));
  auto* promotion = request.mutable_record_promotion();
  promotion->set_student_no(std::move(no));
  promotion->set_school(std::move(school));
  promotion->set_reported_on(std::move(reported_on));
  return request;
}

TEST_CASE("Art. 13: graduating keeps the record and notes the graduation date",
          "[decider][promotion]") {
  TestLedger ledger;
  std::string no = EnrollAndGraduate(ledger);
  xueji::v1::RecordState record = ledger.Record(no);
  CHECK(record.status() == xueji::v1::GRADUATED);
  CHECK(record.graduated_on() == "2026-07-10");
  CHECK(record.promoted_school().empty());
}

TEST_CASE(
    "Art. 13: the county approver records a graduate's promotion, the record "
    "stays GRADUATED, and a second promotion is refused",
    "[decider][promotion]") {
  TestLedger ledger;
  std::string no = EnrollAndGraduate(ledger);
  Decision promoted = ledger.Submit(Promotion(ledger, "appr-a", no));
  REQUIRE(promoted.status == xueji::v1::APPLIED);
  REQUIRE(Kinds(promoted) == V{"promoted"});
  const xueji::v1::Event& event = promoted.events[0];
  CHECK(event.student_no() == no);
  CHECK(event.subject() == ledger.Record(no).subject());
  CHECK(event.promoted().kindergarten() == "QZ-A");
  CHECK(event.promoted().school() == "泉州实验小学");
  CHECK(event.promoted().reported_on() == "2026-09-01");
  CHECK(event.business_date() == "2026-09-07");
  xueji::v1::RecordState record = ledger.Record(no);
  CHECK(record.status() == xueji::v1::GRADUATED);
  CHECK(record.promoted_school() == "泉州实验小学");
  CHECK(record.promoted_on() == "2026-09-01");

  Decision again =
      ledger.Submit(Promotion(ledger, "appr-a", no, "泉州第二小学"));
  CHECK(again.status == xueji::v1::REJECTED);
  CHECK(again.code == xueji::v1::INVALID_TRANSITION);
  CHECK_THAT(again.message, Catch::Contains("already promoted"));
  REQUIRE(Kinds(again) == V{"request_rejected"});
  CHECK(again.events[0].request_rejected().action() == "recordPromotion");
  CHECK(ledger.Record(no).promoted_school() == "泉州实验小学");
}

TEST_CASE("Art. 13: a promotion needs a known, GRADUATED record",
          "[decider][promotion]") {
  TestLedger ledger;
  std::string enrolled = ledger.Enroll(Graduand(133));
  Decision unknown = ledger.Submit(
      Promotion(ledger, "appr-a", "G" + ResidentId("350502", "20200506", 135)));
  CHECK(unknown.code == xueji::v1::UNKNOWN_STUDENT);
  Decision not_graduated = ledger.Submit(
      Promotion(ledger, "appr-a", enrolled, "泉州实验小学", testing::kDay));
  CHECK(not_graduated.code == xueji::v1::INVALID_TRANSITION);
  CHECK_THAT(not_graduated.message, Catch::Contains("needs GRADUATED"));

  // A child who left (Art. 12) is not handed over either.
  xueji::v1::Request leave = ledger.LeaveReq(enrolled, "随父母迁居");
  REQUIRE(ledger.Submit(leave).status == xueji::v1::APPLIED);
  CHECK(ledger
            .Submit(Promotion(ledger, "appr-a", enrolled, "泉州实验小学",
                              testing::kDay))
            .code == xueji::v1::INVALID_TRANSITION);
}

TEST_CASE(
    "Art. 13: reportedOn before the graduation or after the business date is "
    "INVALID_DATE",
    "[decider][promotion]") {
  TestLedger ledger;
  std::string no = EnrollAndGraduate(ledger);
  Decision before = ledger.Submit(
      Promotion(ledger, "appr-a", no, "泉州实验小学", "2026-07-09"));
  CHECK(before.code == xueji::v1::INVALID_DATE);
  CHECK_THAT(before.message, Catch::Contains("before the graduation"));
  Decision future = ledger.Submit(
      Promotion(ledger, "appr-a", no, "泉州实验小学", "2026-09-08"));
  CHECK(future.code == xueji::v1::INVALID_DATE);
  CHECK_THAT(future.message, Catch::Contains("in the future"));
  // The day of the graduation and the business date itself are fine.
  CHECK(
      ledger
          .Submit(Promotion(ledger, "appr-a", no, "泉州实验小学", "2026-07-10"))
          .status == xueji::v1::APPLIED);
}

TEST_CASE(
    "Art. 5, 13: only the approver of the graduating kindergarten's county "
    "records a promotion",
    "[decider][promotion]") {
  TestLedger ledger;
  std::string no = EnrollAndGraduate(ledger);
  for (const char* who : {"reg-a", "appr-c", "officer", "auditor"}) {
    INFO(who);
    Decision refused = ledger.Submit(Promotion(ledger, who, no));
    CHECK(refused.code == xueji::v1::NOT_AUTHORIZED);
  }
  CHECK(ledger.Record(no).promoted_school().empty());
}

TEST_CASE("Art. 13: recordPromotion needs a school and a real reportedOn",
          "[decider][promotion]") {
  TestLedger ledger;
  std::string no = EnrollAndGraduate(ledger);
  CHECK(ledger.Submit(Promotion(ledger, "appr-a", no, "  ")).code ==
        xueji::v1::INVALID_FIELD);
  CHECK(
      ledger
          .Submit(Promotion(ledger, "appr-a", no, "泉州实验小学", "2026-02-30"))
          .code == xueji::v1::INVALID_FIELD);
  CHECK(ledger.Submit(Promotion(ledger, "appr-a", "")).code ==
        xueji::v1::INVALID_FIELD);
}

}  // namespace
}  // namespace xueji
