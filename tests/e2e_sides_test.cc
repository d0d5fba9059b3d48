// End-to-end tests of the rest of issue 10's item 1 through the real binary:
// a transfer between two counties approved by each county on its own side
// (Art. 11), the receiving county's pending queue and anomaly report, the
// applicant a guardian's request must name (Art. 11, 12, 14, 17), and one
// verification a term (Art. 17) with closed kindergartens refusing
// verifications and new registrars. A development ledger, its clock set per
// command (LEDGER_NOW).
#include <catch2/catch.hpp>
#include <map>

#include "tests/e2e_support.h"
#include "xueji/v1/views.pb.h"

namespace xueji::e2e {
namespace {

std::string Admit(const std::string& id, const std::string& birth, int seq) {
  return RequestLine(
      id, "reg-sm", "2025-09-01",
      AdmitBody("350203001", BoyJson("测试", birth, seq), "2025-09-01"));
}

TEST_CASE(
    "e2e issue 10: Art. 11 each county approves its side of a transfer — "
    "Art. 11-17 applicants — Art. 17 one verification a term",
    "[e2e][issue10]") {
  TestLedger ledger;
  ledger.LoadRegistry(
      "2025-08-29T09:00:00+08:00",
      TwoCountiesRegistry({
          R"({"kindergarten":{"code":"350203002","name":"白鹭幼儿园","county":"350203"}})",
      }));
  const std::string a = "G" + SyntheticResidentId("20210506", 11);
  const std::string b = "G" + SyntheticResidentId("20210601", 13);
  RunResult term = ledger.SubmitByDay({
      Admit("a-1", "2021-05-06", 11),
      Admit("a-2", "2021-06-01", 13),
      RequestLine("p-1", "appr-sm", "2025-09-02", ApproveBody("a-1")),
      RequestLine("p-2", "appr-sm", "2025-09-02", ApproveBody("a-2")),
      // No applicant: refused, naming the field.
      RequestLine("t-0", "reg-sm", "2025-09-03",
                  "\"transferOut\":{\"studentNo\":\"" + a +
                      "\",\"toKindergarten\":\"350206001\"}"),
      RequestLine("t-1", "reg-sm", "2025-09-03",
                  TransferOutBody(a, "350206001")),
      RequestLine("t-2", "appr-sm", "2025-09-04", ApproveBody("t-1")),
      RequestLine("t-3", "reg-hl", "2025-09-05",
                  "\"transferIn\":{\"studentNo\":\"" + a + "\"}"),
      // b: approved out to 海湾 and never taken in.
      RequestLine("u-1", "reg-sm", "2025-09-05",
                  TransferOutBody(b, "350206001")),
      RequestLine("u-2", "appr-sm", "2025-09-08", ApproveBody("u-1")),
      RequestLine(
          "v-1", "reg-sm", "2025-09-08",
          R"("verify":{"kindergarten":"350203001","term":"2025-autumn"})"),
      RequestLine(
          "v-2", "appr-sm", "2025-09-09",
          R"("verify":{"kindergarten":"350203001","term":"2025-autumn"})"),
  });
  INFO("term: " << term.out << term.err);
  auto by_id = ResultsById(term);
  CHECK(by_id["t-0"].code() == xueji::v1::INVALID_FIELD);
  CHECK(by_id["t-0"].message().find("applicant is required") !=
        std::string::npos);
  CHECK(by_id["t-1"].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(by_id["t-3"].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(by_id["v-1"].status() == xueji::v1::APPLIED);
  CHECK(by_id["v-2"].code() == xueji::v1::TERM_ALREADY_VERIFIED);

  // Each county's queue shows its own side.
  const std::string day = "2025-09-09T17:00:00+08:00";
  auto pending = [&](const std::string& reader) {
    RunResult r = ledger.RunAt(day, {"--as", reader, "pending", "--json"});
    INFO(reader << " pending: " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    xueji::v1::PendingReport report;
    REQUIRE(ParseJson(r.out, &report) == "");
    std::map<std::string, xueji::v1::PendingItem> items;
    for (const auto& item : report.items()) items[item.request_id()] = item;
    return items;
  };
  auto huli = pending("appr-hl");
  REQUIRE(huli.count("t-3") == 1);
  CHECK(huli["t-3"].kind() == xueji::v1::PendingItem::TRANSFER);
  CHECK(huli["t-3"].kindergarten() == "350206001");
  CHECK(huli["t-3"].county() == "350206");
  CHECK(huli["t-3"].detail() == "in from 350203001");
  CHECK(pending("appr-sm").count("t-3") == 0);

  RunResult approvals = ledger.SubmitByDay({
      RequestLine("t-4", "appr-sm", "2025-09-09", ApproveBody("t-3")),
      RequestLine("t-5", "appr-hl", "2025-09-09", ApproveBody("t-3")),
  });
  INFO("approvals: " << approvals.out << approvals.err);
  auto decided = ResultsById(approvals);
  CHECK(decided["t-4"].code() == xueji::v1::NOT_AUTHORIZED);
  CHECK(decided["t-5"].status() == xueji::v1::APPLIED);
  xueji::v1::RecordState moved = ledger.ShowAt(day, a);
  CHECK(moved.status() == xueji::v1::ENROLLED);
  CHECK(moved.kindergarten() == "350206001");

  // b was approved out on 8 September and never taken in: by 20 October the
  // receiving side is overdue, in the receiving county's report.
  auto overdue = [&](const std::string& reader) {
    RunResult r = ledger.RunAt("2025-10-20T17:00:00+08:00",
                               {"--as", reader, "anomalies", "--json"});
    INFO(reader << " anomalies: " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    xueji::v1::AnomalyReport report;
    REQUIRE(ParseJson(r.out, &report) == "");
    std::vector<xueji::v1::Anomaly> found;
    for (const auto& an : report.anomalies()) {
      if (an.kind() == xueji::v1::Anomaly::OVERDUE_TRANSFER &&
          an.student_no() == b) {
        found.push_back(an);
      }
    }
    return found;
  };
  auto in_huli = overdue("appr-hl");
  REQUIRE(in_huli.size() == 1);
  CHECK(in_huli[0].kindergarten() == "350206001");
  CHECK(in_huli[0].county() == "350206");
  CHECK(overdue("appr-sm").size() == 1);  // the sending county sees it too

  // A closed kindergarten takes no verification and no new registrar.
  RunResult closed = ledger.SubmitByDay({
      RequestLine("k-1", "appr-sm", "2025-10-20",
                  R"("closeKindergarten":{"kindergarten":"350203002"})"),
      RequestLine(
          "k-2", "appr-sm", "2025-10-20",
          R"("verify":{"kindergarten":"350203002","term":"2025-autumn"})"),
  });
  auto after_close = ResultsById(closed);
  CHECK(after_close["k-1"].status() == xueji::v1::APPLIED);
  CHECK(after_close["k-2"].code() == xueji::v1::KINDERGARTEN_CLOSED);
  const std::string late = ledger.WriteLines(
      {R"({"operator":{"id":"reg-new","role":"REGISTRAR","org":"350203002"}})"},
      "late.jsonl");
  RunResult refused =
      ledger.RunAt("2025-10-21T09:00:00+08:00", {"registry", "load", late});
  INFO("registry: " << refused.out << refused.err);
  CHECK(refused.exit_code == 1);
  CHECK(refused.out.find("KINDERGARTEN_CLOSED") != std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
