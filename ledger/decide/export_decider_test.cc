// De-identified export (Art. 22 数据使用权限; issue 10, item 5),
// given/when/then. Given the harness's registry (counties 350502 and 350503
// of Quanzhou 3505, province 35) plus a national officer, a Quanzhou city
// officer and a second province's officer, when an export is requested and
// decided, then ExportRequested / ExportApproved / ExportRejected or a
// refusal.
#include <catch2/catch.hpp>

#include "ledger/decide/decide_test_util.h"
#include "ledger/decide/decider.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness

// The harness, with the levels above its counties: "officer" is province
// 35's; "nation" the national officer; "city" Quanzhou's (3505); "officer-44"
// Guangdong's.
void AddLevels(TestLedger& ledger) {
  ledger.RegisterOperator("nation", xueji::v1::OFFICER, "00");
  ledger.RegisterOperator("city", xueji::v1::OFFICER, "3505");
  ledger.RegisterOperator("officer-44", xueji::v1::OFFICER, "44");
}

xueji::v1::Request Export(TestLedger& ledger, std::string actor,
                          std::string region = testing::kCountyA,
                          V fields = {"birthMonth", "gender"},
                          std::string purpose = "学前教育资源规划研究") {
  xueji::v1::Request request = ledger.Req(std::move(actor));
  auto* ask = request.mutable_export_();
  ask->set_purpose(std::move(purpose));
  ask->set_region(std::move(region));
  for (std::string& field : fields) ask->add_fields(std::move(field));
  return request;
}

// The levels added, and appr-a's export request, awaiting its province.
Decision AskExport(TestLedger& ledger) {
  AddLevels(ledger);
  Decision asked = ledger.Submit(Export(ledger, "appr-a"));
  REQUIRE(asked.status == xueji::v1::PENDING_APPROVAL);
  return asked;
}

xueji::v1::ExportState ExportOf(TestLedger& ledger, const std::string& id) {
  auto found = ledger.state().ExportRequest(id);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  return **found;
}

TEST_CASE(
    "Art. 22: a county's export request awaits its province — the province's "
    "officer approves it and is on record",
    "[decider][export]") {
  TestLedger ledger;
  Decision asked = AskExport(ledger);
  REQUIRE(Kinds(asked) == V{"export_requested"});
  const xueji::v1::Event& event = asked.events[0];
  const std::string id = event.request_id();
  CHECK(event.subject() == "exp:" + id);
  CHECK(event.student_no().empty());
  CHECK(event.export_requested().region() == "350502");
  CHECK(event.export_requested().approver_region() == "35");
  CHECK(event.export_requested().fields().size() == 2);
  CHECK_THAT(asked.message, Catch::Contains("province 35"));
  xueji::v1::ExportState state = ExportOf(ledger, id);
  CHECK(state.decision() == xueji::v1::ExportState::AWAITING);
  CHECK(state.requested_by().operator_id() == "appr-a");
  CHECK(state.purpose() == "学前教育资源规划研究");

  Decision approved = ledger.Approve(id, "officer");
  REQUIRE(approved.status == xueji::v1::APPLIED);
  REQUIRE(Kinds(approved) == V{"export_approved"});
  CHECK(approved.events[0].subject() == "exp:" + id);
  CHECK(approved.events[0].correlation_id() == id);
  CHECK(approved.events[0].export_approved().approved_request_id() == id);
  state = ExportOf(ledger, id);
  CHECK(state.decision() == xueji::v1::ExportState::APPROVED);
  CHECK(state.decided_by().operator_id() == "officer");  // 谁批准、谁负责
  CHECK(state.decided_on() == testing::kDay);

  // Decided once: a second approval or a rejection is INVALID_TRANSITION.
  Decision again = ledger.Approve(id, "officer");
  CHECK(again.code == xueji::v1::INVALID_TRANSITION);
  CHECK_THAT(again.message, Catch::Contains("already approved"));
  CHECK(ledger.Reject(id, "officer").code == xueji::v1::INVALID_TRANSITION);
}

TEST_CASE(
    "Art. 22: an export is approved by the level above only: not by the same "
    "level, the requester, a lower level, another province or the nation",
    "[decider][export]") {
  TestLedger ledger;
  const std::string id = AskExport(ledger).events[0].request_id();
  for (const char* who : {"appr-a", "appr-c", "reg-a", "auditor", "city",
                          "officer-44", "nation"}) {
    INFO(who);
    Decision refused = ledger.Approve(id, who);
    CHECK(refused.status == xueji::v1::REJECTED);
    CHECK(refused.code == xueji::v1::NOT_AUTHORIZED);
    CHECK_THAT(refused.message, Catch::Contains("province 35"));
    CHECK(refused.events[0].subject() == "exp:" + id);
  }
  CHECK(ExportOf(ledger, id).decision() == xueji::v1::ExportState::AWAITING);

  // A province's own export goes to the national level; the province itself
  // cannot approve it.
  Decision provincial = ledger.Submit(Export(ledger, "officer", "35"));
  REQUIRE(provincial.status == xueji::v1::PENDING_APPROVAL);
  const std::string pid = provincial.events[0].request_id();
  CHECK(provincial.events[0].export_requested().approver_region() == "00");
  CHECK(ledger.Approve(pid, "officer").code == xueji::v1::NOT_AUTHORIZED);
  CHECK(ledger.Approve(pid, "nation").status == xueji::v1::APPLIED);

  // A city's export goes to its province.
  Decision city = ledger.Submit(Export(ledger, "city", "3505"));
  REQUIRE(city.status == xueji::v1::PENDING_APPROVAL);
  CHECK(city.events[0].export_requested().approver_region() == "35");
}

TEST_CASE("Art. 22: the level above may reject an export, with its reason",
          "[decider][export]") {
  TestLedger ledger;
  AddLevels(ledger);
  Decision asked = ledger.Submit(Export(ledger, "appr-c", testing::kCountyC));
  const std::string id = asked.events[0].request_id();
  CHECK(ledger.Reject(id, "appr-c").code == xueji::v1::NOT_AUTHORIZED);
  Decision rejected = ledger.Reject(id, "officer");
  REQUIRE(rejected.status == xueji::v1::APPLIED);
  REQUIRE(Kinds(rejected) == V{"export_rejected"});
  CHECK(rejected.events[0].export_rejected().reason() == "材料不全");
  xueji::v1::ExportState state = ExportOf(ledger, id);
  CHECK(state.decision() == xueji::v1::ExportState::REJECTED);
  CHECK(state.reason() == "材料不全");
  CHECK(ledger.Approve(id, "officer").code == xueji::v1::INVALID_TRANSITION);
}

TEST_CASE(
    "Art. 22: each level exports only its own region — registrars, auditors "
    "and the national level (none above it) may not request one",
    "[decider][export]") {
  TestLedger ledger;
  AddLevels(ledger);
  Decision outside = ledger.Submit(Export(ledger, "appr-a", testing::kCountyC));
  CHECK(outside.code == xueji::v1::NOT_AUTHORIZED);
  CHECK_THAT(outside.message, Catch::Contains("outside its own"));
  CHECK(ledger.Submit(Export(ledger, "appr-a", "3505")).code ==
        xueji::v1::NOT_AUTHORIZED);  // the city is wider than the county
  CHECK(ledger.Submit(Export(ledger, "city", "44")).code ==
        xueji::v1::NOT_AUTHORIZED);
  for (const char* who : {"reg-a", "auditor", "nation"}) {
    INFO(who);
    Decision refused = ledger.Submit(Export(ledger, who, "350502"));
    CHECK(refused.code == xueji::v1::NOT_AUTHORIZED);
    REQUIRE(Kinds(refused) == V{"request_rejected"});
    CHECK(refused.events[0].request_rejected().action() == "export");
  }
  // Within: a county of the province, in GB/T 2260's six-digit form too.
  CHECK(ledger.Submit(Export(ledger, "officer", "350500")).status ==
        xueji::v1::PENDING_APPROVAL);
}

TEST_CASE(
    "Art. 22: an export states its purpose, a known region and known fields "
    "(never a name or number): else INVALID_FIELD",
    "[decider][export]") {
  TestLedger ledger;
  AddLevels(ledger);
  auto code = [&](xueji::v1::Request request) {
    return ledger.Submit(request).code;
  };
  CHECK(code(Export(ledger, "appr-a", "350502", {"gender"}, "  ")) ==
        xueji::v1::INVALID_FIELD);
  CHECK(code(Export(ledger, "appr-a", "350502", {"gender"},
                    std::string(501, 'x'))) == xueji::v1::INVALID_FIELD);
  CHECK(code(Export(ledger, "appr-a", "", {"gender"})) ==
        xueji::v1::INVALID_FIELD);
  CHECK(code(Export(ledger, "appr-a", "359999", {"gender"})) ==
        xueji::v1::INVALID_FIELD);
  CHECK(code(Export(ledger, "appr-a", "350502", {})) ==
        xueji::v1::INVALID_FIELD);
  for (const char* field : {"name", "idNumber", "studentNo", "birthDate"}) {
    INFO(field);
    Decision refused =
        ledger.Submit(Export(ledger, "appr-a", "350502", {"gender", field}));
    CHECK(refused.code == xueji::v1::INVALID_FIELD);
    CHECK_THAT(refused.message, Catch::Contains("unknown field"));
  }
  CHECK(code(Export(ledger, "appr-a", "350502", {"gender", "gender"})) ==
        xueji::v1::INVALID_FIELD);
  CHECK(ledger
            .Submit(Export(ledger, "appr-a", "350502",
                           {"birthMonth", "gender", "kindergarten", "county",
                            "status", "entryMonth"}))
            .status == xueji::v1::PENDING_APPROVAL);
}

TEST_CASE(
    "Art. 22: approve/reject of an unknown request id still answers "
    "UNKNOWN_REQUEST — a decision dated before the request is INVALID_DATE",
    "[decider][export]") {
  TestLedger ledger;
  AddLevels(ledger);
  CHECK(ledger.Approve("no-such", "officer").code ==
        xueji::v1::UNKNOWN_REQUEST);
  ledger.SetToday("2025-09-03");
  Decision asked = ledger.Submit(Export(ledger, "appr-a"));
  const std::string id = asked.events[0].request_id();
  Decision early = ledger.Approve(id, "officer", "2025-09-02");
  CHECK(early.code == xueji::v1::INVALID_DATE);
  CHECK(ExportOf(ledger, id).decision() == xueji::v1::ExportState::AWAITING);
}

}  // namespace
}  // namespace xueji
