// The anomaly rules on hand-made facts: no store, no events log.
#include "projections/anomaly_rules.h"

#include <catch2/catch.hpp>

#include "ledger/base/dates.h"
#include "ledger/rules/identity.h"

namespace xueji {
namespace {

using xueji::v1::Anomaly;

AnomalyRules On(const char* day) {
  return AnomalyRules{*ParseDate(day), &WorkingCalendar::Default(), {}};
}

LiveRecordFacts Enrolled(const Policy& policy) {
  LiveRecordFacts facts;
  facts.policy = &policy;
  facts.county = "350502";
  xueji::v1::RecordState& r = facts.record;
  r.set_subject("stu:G350502202105061234");
  r.set_student_no("G350502202105061234");
  r.set_status(xueji::v1::ENROLLED);
  r.set_kindergarten("QZ-A");
  r.set_requested_on("2025-09-01");
  r.set_entry_date("2025-09-01");
  r.set_established_on("2025-09-03");
  xueji::v1::Child& child = *r.mutable_child();
  child.set_name("测试男孩");
  child.set_gender(xueji::v1::MALE);
  child.set_birth_date("2021-05-06");
  child.set_id_type(xueji::v1::RESIDENT_ID);
  const std::string first17 = "35050220210506123";  // synthetic
  child.set_id_number(first17 + Mod112CheckChar(first17));
  return facts;
}

std::vector<Anomaly::Kind> Kinds(const std::vector<Anomaly>& found) {
  std::vector<Anomaly::Kind> kinds;
  for (const Anomaly& a : found) kinds.push_back(a.kind());
  return kinds;
}

TEST_CASE("a healthy enrolled record has no anomaly") {
  Policy policy;
  CHECK(RecordAnomalies(Enrolled(policy), On("2025-12-01")).empty());
}

TEST_CASE("the same document in another live record is a DUPLICATE") {
  Policy policy;
  LiveRecordFacts facts = Enrolled(policy);
  facts.same_document = {"G2", "G1"};
  std::vector<Anomaly> found = RecordAnomalies(facts, On("2025-12-01"));
  REQUIRE(Kinds(found) == std::vector<Anomaly::Kind>{Anomaly::DUPLICATE});
  CHECK(found[0].related(0) == "G1");  // sorted
  CHECK(found[0].since() == "2025-09-01");
}

TEST_CASE("a record missing from its kindergarten's verification is PHANTOM") {
  Policy policy;
  LiveRecordFacts facts = Enrolled(policy);
  facts.arrived_on = "2025-09-03";
  xueji::v1::Event verification;
  verification.set_business_date("2025-11-10");
  verification.mutable_verification_recorded()->set_term("2025-autumn");
  verification.mutable_verification_recorded()->add_present_student_nos("G9");
  facts.verification = &verification;
  std::vector<Anomaly> found = RecordAnomalies(facts, On("2025-12-01"));
  REQUIRE(Kinds(found) == std::vector<Anomaly::Kind>{Anomaly::PHANTOM});
  CHECK(found[0].since() == "2025-11-10");
  // Listed: no anomaly. Arrived after the verification: not judged by it.
  verification.mutable_verification_recorded()->add_present_student_nos(
      facts.record.student_no());
  CHECK(RecordAnomalies(facts, On("2025-12-01")).empty());
}

TEST_CASE("a temporary number is stale after the policy's months") {
  Policy policy;
  policy.temporary_number_months = 3;
  LiveRecordFacts facts = Enrolled(policy);
  facts.record.set_student_no("L350502202105060001");
  facts.temp_assigned_on = "2025-09-01";
  CHECK(RecordAnomalies(facts, On("2025-12-01")).empty());
  std::vector<Anomaly> found = RecordAnomalies(facts, On("2025-12-02"));
  REQUIRE(Kinds(found) ==
          std::vector<Anomaly::Kind>{Anomaly::STALE_TEMPORARY_NUMBER});
  CHECK(found[0].detail() ==
        "temporary number assigned 2025-09-01, not converted within 3 months");
}

TEST_CASE("a child past primary entry without a deferral is AGE_OUT_OF_RANGE") {
  Policy policy;
  LiveRecordFacts facts = Enrolled(policy);
  xueji::v1::Child& child = *facts.record.mutable_child();
  const std::string first17 = "35050220190506123";  // synthetic
  child.set_birth_date("2019-05-06");
  child.set_id_number(first17 + Mod112CheckChar(first17));
  CHECK(Kinds(RecordAnomalies(facts, On("2025-09-02"))) ==
        std::vector<Anomaly::Kind>{Anomaly::AGE_OUT_OF_RANGE});
  facts.record.set_deferred_until("2026-08-31");
  CHECK(RecordAnomalies(facts, On("2025-09-02")).empty());
  AnomalyRules only_phantom = On("2025-09-02");
  only_phantom.only = Anomaly::PHANTOM;
  facts.record.clear_deferred_until();
  CHECK(RecordAnomalies(facts, only_phantom).empty());
}

TEST_CASE(
    "an unused account past sealAfterMonths is DORMANT, an officer never") {
  Policy policy;
  policy.seal_after_months = 6;
  AccountFacts facts;
  facts.policy = &policy;
  facts.account.set_id("reg-a");
  facts.account.set_role(xueji::v1::REGISTRAR);
  facts.last_active = "2025-03-01";
  facts.kindergarten = "QZ-A";
  facts.county = "350502";
  CHECK_FALSE(AccountAnomaly(facts, On("2025-09-01")).has_value());
  std::optional<Anomaly> a = AccountAnomaly(facts, On("2025-09-02"));
  REQUIRE(a.has_value());
  CHECK(a->operator_() == "reg-a");
  CHECK(a->student_no().empty());
  CHECK(a->since() == "2025-09-01");
  CHECK(a->detail() ==
        "REGISTRAR account last active 2025-03-01, unused for more than 6 "
        "months and not sealed");
  facts.account.set_sealed(true);
  CHECK_FALSE(AccountAnomaly(facts, On("2025-09-02")).has_value());
  facts.account.set_sealed(false);
  facts.account.set_role(xueji::v1::OFFICER);
  CHECK_FALSE(AccountAnomaly(facts, On("2026-09-02")).has_value());
}

TEST_CASE("a late entry with a reason is LATE_ENTRY once recorded", "[clock]") {
  xueji::v1::Event event;
  event.set_request_id("r-9");
  event.set_business_date("2025-09-01");
  event.set_recorded_at("2025-09-09T01:00:00Z");  // 6 working days later
  event.mutable_actor()->set_operator_id("appr-a");
  event.set_outcome(xueji::v1::APPLIED);
  event.set_late_reason("停电");
  event.mutable_record_established()->set_kindergarten("QZ-A");
  LateEntryFacts facts;
  facts.event = &event;
  facts.student_no = "G350502202105061234";
  facts.kindergarten = "QZ-A";
  facts.county = "350502";
  std::optional<Anomaly> a = LateEntryAnomaly(facts, On("2025-09-09"));
  REQUIRE(a.has_value());
  CHECK(a->kind() == Anomaly::LATE_ENTRY);
  CHECK(a->student_no() == facts.student_no);
  CHECK(a->since() == "2025-09-01");
  CHECK(a->detail() ==
        "record_established for 2025-09-01 entered on 2025-09-09, 6 working "
        "days later, by appr-a (request r-9); reason: 停电");
  // Not yet recorded as of the day before; not when only another kind is
  // wanted; not when refused; not without a reason.
  CHECK_FALSE(LateEntryAnomaly(facts, On("2025-09-08")).has_value());
  AnomalyRules other = On("2025-09-09");
  other.only = Anomaly::PHANTOM;
  CHECK_FALSE(LateEntryAnomaly(facts, other).has_value());
  event.set_outcome(xueji::v1::REJECTED);
  CHECK_FALSE(LateEntryAnomaly(facts, On("2025-09-09")).has_value());
  event.set_outcome(xueji::v1::APPLIED);
  event.clear_late_reason();
  CHECK_FALSE(LateEntryAnomaly(facts, On("2025-09-09")).has_value());
}

TEST_CASE(
    "Art. 17 ¶3: a child confirmed present at another kindergarten's latest "
    "verification is PRESENT_ELSEWHERE (人籍分离)") {
  Policy policy;
  LiveRecordFacts facts = Enrolled(policy);
  facts.arrived_on = "2025-09-03";
  facts.sightings = {{"QZ-B", "2025-11-10", "2025-autumn"}};
  std::vector<Anomaly> found = RecordAnomalies(facts, On("2025-12-01"));
  REQUIRE(Kinds(found) ==
          std::vector<Anomaly::Kind>{Anomaly::PRESENT_ELSEWHERE});
  CHECK(found[0].since() == "2025-11-10");
  CHECK(found[0].kindergarten() == "QZ-A");
  CHECK(found[0].detail() ==
        "registered at QZ-A but confirmed present at QZ-B (verification "
        "2025-autumn on 2025-11-10)");
  // Its own kindergarten, or a sighting from before it arrived: nothing.
  facts.sightings = {{"QZ-A", "2025-11-10", "2025-autumn"},
                     {"QZ-B", "2025-09-01", "2025-autumn"}};
  CHECK(RecordAnomalies(facts, On("2025-12-01")).empty());
}

TEST_CASE(
    "Art. 17 ¶3: a kindergarten with live records and no verification in the "
    "term past verificationDeadlineDays is UNVERIFIED_KINDERGARTEN") {
  Policy policy;  // 50 days: by 20 October and 20 April
  KindergartenFacts facts;
  facts.kindergarten.set_code("QZ-A");
  facts.kindergarten.set_county("350502");
  facts.policy = &policy;
  facts.live_records = 3;
  facts.verified_on = {"2025-04-02"};  // the spring term's
  CHECK_FALSE(KindergartenAnomaly(facts, On("2025-10-21")).has_value());
  std::optional<Anomaly> a = KindergartenAnomaly(facts, On("2025-10-22"));
  REQUIRE(a.has_value());
  CHECK(a->kind() == Anomaly::UNVERIFIED_KINDERGARTEN);
  CHECK(a->student_no().empty());
  CHECK(a->kindergarten() == "QZ-A");
  CHECK(a->county() == "350502");
  CHECK(a->since() == "2025-10-21");
  CHECK(a->detail() ==
        "3 live record(s), no verification since the term began on "
        "2025-09-01 (due within 50 days, by 2025-10-21); last verified "
        "2025-04-02");
  // Still so in January (the spring deadline has not passed); a late
  // verification ends it; no live records, closed: nothing.
  CHECK(KindergartenAnomaly(facts, On("2026-01-15")).has_value());
  facts.verified_on.push_back("2025-11-30");
  CHECK_FALSE(KindergartenAnomaly(facts, On("2025-12-01")).has_value());
  CHECK(KindergartenAnomaly(facts, On("2026-04-21")).has_value());
  facts.verified_on.clear();
  facts.live_records = 0;
  CHECK_FALSE(KindergartenAnomaly(facts, On("2025-12-01")).has_value());
  facts.live_records = 1;
  facts.kindergarten.set_closed(true);
  CHECK_FALSE(KindergartenAnomaly(facts, On("2025-12-01")).has_value());
  facts.kindergarten.set_closed(false);
  // Children who all came after the deadline: not this term's.
  facts.earliest_arrival = "2025-11-01";
  CHECK_FALSE(KindergartenAnomaly(facts, On("2025-12-01")).has_value());
  facts.earliest_arrival = "2025-10-21";
  CHECK(KindergartenAnomaly(facts, On("2025-12-01")).has_value());
  // The policy's deadline: 10 days.
  policy.verification_deadline_days = 10;
  facts.earliest_arrival.clear();
  std::optional<Anomaly> early = KindergartenAnomaly(facts, On("2025-09-12"));
  REQUIRE(early.has_value());
  CHECK(early->since() == "2025-09-11");
}

TEST_CASE(
    "Art. 8: one child under an HK permit and an HK residence permit is "
    "CROSS_DOCUMENT_DUPLICATE") {
  using xueji::v1::Child;
  Child permit;
  permit.set_name("陈小明");
  permit.set_gender(xueji::v1::MALE);
  permit.set_birth_date("2021-03-15");
  permit.set_id_type(xueji::v1::HK_MO_PERMIT);
  permit.set_id_number("H12345678");
  Child residence = permit;
  residence.set_name("陈 小明");  // normalised alike
  residence.set_id_type(xueji::v1::HK_MO_TW_RESIDENCE_PERMIT);
  residence.set_id_number("810000202103150017");  // born 2021-03-15
  CHECK(SameChildOtherDocument(permit, residence));
  CHECK(SameChildOtherDocument(residence, permit));
  // Macao permit vs a Hong Kong residence permit; another birth date;
  // another gender; two permits: not the same child.
  Child macao = permit;
  macao.set_id_number("M12345678");
  CHECK_FALSE(SameChildOtherDocument(macao, residence));
  Child born = permit;
  born.set_birth_date("2021-03-16");
  CHECK_FALSE(SameChildOtherDocument(born, residence));
  Child girl = permit;
  girl.set_gender(xueji::v1::FEMALE);
  CHECK_FALSE(SameChildOtherDocument(girl, residence));
  CHECK_FALSE(SameChildOtherDocument(permit, permit));

  Policy policy;
  LiveRecordFacts facts = Enrolled(policy);
  *facts.record.mutable_child() = residence;
  facts.same_child_other_document = {"J8100002021031500019"};
  std::vector<Anomaly> found = RecordAnomalies(facts, On("2025-12-01"));
  REQUIRE(Kinds(found) ==
          std::vector<Anomaly::Kind>{Anomaly::CROSS_DOCUMENT_DUPLICATE});
  CHECK(found[0].related(0) == "J8100002021031500019");
  CHECK(found[0].detail().find("810000202103150017") == std::string::npos);
  CHECK(found[0].detail().find("H12345678") == std::string::npos);
}

}  // namespace
}  // namespace xueji
