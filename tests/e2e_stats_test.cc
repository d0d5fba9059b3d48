// End-to-end tests of `ledger stats` (issue 10 item 4, Art. 4 and 23) on the
// demo term, through the binary: counts as of past days (what was true then),
// the flows of a period, --by groups, approval timeliness, problem records,
// --json, --csv, --lang zh, and the reader's region. The expected numbers are
// read off tools/demo/requests.jsonl and expected_results.jsonl by hand:
//   09-03  r-001..r-008 approved (r-022..r-029)          8 admissions
//   09-04  r-009..r-015 approved, r-016 rejected         7 + 1 rejected
//   09-17  r-040 (r-016's child again) approved          1 admission
//   09-28  transfer of G350203202103140117 out of 350203001 (r-044)
//   10-13  ... and in at 350206001 (r-046)
//   10-31  G350203202112081024 leaves 350203003 (r-050)
//   11-12  deferral approved (r-052); 11-18 cancellation approved (r-054)
//   12-31  G350203202003250917 graduates (r-061)
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>

#include "commands/input/csv.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

using xueji::v1::Stats;

Stats StatsJson(const TestLedger& ledger, std::vector<std::string> args) {
  args.insert(args.begin(), "stats");
  args.push_back("--json");
  RunResult r = ledger.Run(args);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  Stats stats;
  REQUIRE(ParseJson(r.out, &stats) == "");
  return stats;
}

std::map<std::string, int64_t> Rows(
    const google::protobuf::RepeatedPtrField<xueji::v1::CountRow>& rows) {
  std::map<std::string, int64_t> out;
  for (const auto& row : rows) out[row.key()] = row.count();
  return out;
}

TEST_CASE("stats --as-of a past day counts what was true then (Art. 23)",
          "[e2e][stats]") {
  DemoLedger demo;
  const TestLedger& ledger = demo.ledger;
  // LEFT: r-050 on 10-31 (r-042 was refused); GRADUATED: none (r-061's
  // graduation on 12-31 is refused: Art. 13, outside the graduation window);
  // CANCELLED: r-016 rejected on 09-04 (the record is CANCELLED), asked
  // again on 09-15 (r-040: the same record, PENDING), then r-054's
  // cancellation on 11-18.
  Stats rejected = StatsJson(ledger, {"--as-of", "2025-09-10"});
  CHECK(Rows(rejected.by_status())["CANCELLED"] == 1);
  Stats before = StatsJson(ledger, {"--as-of", "2025-10-30"});
  CHECK(before.as_of() == "2025-10-30");
  CHECK(Rows(before.by_status())["LEFT"] == 0);
  CHECK(Rows(before.by_status())["CANCELLED"] == 0);
  CHECK(Rows(before.by_status())["GRADUATED"] == 0);
  Stats after = StatsJson(ledger, {"--as-of", "2025-12-31"});
  CHECK(Rows(after.by_status())["LEFT"] == 1);
  CHECK(Rows(after.by_status())["CANCELLED"] == 1);
  CHECK(Rows(after.by_status())["GRADUATED"] == 0);
  // Live: the leave and the cancellation left the register.
  CHECK(before.live_records() - after.live_records() == 2);
  // The transfer: counted at 350203001 (TRANSFERRING) until 10-13, then at
  // 350206001.
  Stats moving = StatsJson(ledger, {"--as-of", "2025-10-12"});
  Stats moving_period = StatsJson(ledger, {"--as-of", "2025-10-12", "--from",
                                           "2025-09-01", "--to", "2025-10-12"});
  // Issue 10: 湖里区 approves the transfer-in on 10-14.
  Stats moved = StatsJson(ledger, {"--as-of", "2025-10-14"});
  CHECK(Rows(moving.by_status())["TRANSFERRING"] == 1);
  CHECK(Rows(moved.by_status())["TRANSFERRING"] == 0);
  CHECK(Rows(moved.by_kindergarten())["350206001"] ==
        Rows(moving.by_kindergarten())["350206001"] + 1);
  CHECK(Rows(moved.by_kindergarten())["350203001"] ==
        Rows(moving.by_kindergarten())["350203001"] - 1);
  // Today (after the term) agrees with the last day of the term.
  Stats today = StatsJson(ledger, {});
  CHECK(today.live_records() == after.live_records());
  CHECK(Rows(today.by_status()) == Rows(after.by_status()));
  // Before the term: nothing.
  CHECK(StatsJson(ledger, {"--as-of", "2025-08-31"}).live_records() == 0);
  // The rows are views: `verify --views` rebuilds and compares them, and a
  // replay gives the same answers.
  RunResult verify = ledger.Run({"verify", "--views"});
  INFO("verify: " << verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  REQUIRE(ledger.Run({"replay"}).exit_code == 0);
  CHECK(google::protobuf::util::MessageDifferencer::Equals(
      StatsJson(ledger, {"--as-of", "2025-10-12", "--from", "2025-09-01",
                         "--to", "2025-10-12"}),
      moving_period));
}

TEST_CASE("stats --from --to: the flows of a period (Art. 23)",
          "[e2e][stats]") {
  DemoLedger demo;
  const TestLedger& ledger = demo.ledger;
  Stats september =
      StatsJson(ledger, {"--from", "2025-09-01", "--to", "2025-09-30"});
  CHECK(september.from() == "2025-09-01");
  CHECK(september.to() == "2025-09-30");
  CHECK(september.flows().admissions() == 16);
  CHECK(september.flows().rejected_admissions() == 1);
  CHECK(september.flows().transfers_out() == 1);
  CHECK(september.flows().transfers_in() == 0);
  CHECK(september.flows().leaves() == 0);
  Stats rest =
      StatsJson(ledger, {"--from", "2025-10-01", "--to", "2025-12-31"});
  CHECK(rest.flows().admissions() == 0);
  CHECK(rest.flows().transfers_in() == 1);
  CHECK(rest.flows().leaves() == 1);
  CHECK(rest.flows().deferrals() == 1);
  CHECK(rest.flows().cancellations() == 1);
  CHECK(rest.flows().graduations() == 0);  // r-061 refused in December

  // --by county: the transfer leaves Siming and arrives in Huli; Huli's
  // approvals of September (r-012..r-016 asked 09-02, decided 09-04; r-040
  // asked 09-15, decided 09-17): 6 decided, 1 rejected, 2 working days each.
  Stats by_county = StatsJson(
      ledger, {"--from", "2025-09-01", "--to", "2025-10-31", "--by", "county"});
  REQUIRE(by_county.groups_size() == 2);
  const auto& siming = by_county.groups(0);
  const auto& huli = by_county.groups(1);
  CHECK(siming.key() == "350203");
  CHECK(huli.key() == "350206");
  CHECK(siming.flows().transfers_out() == 1);
  CHECK(huli.flows().transfers_in() == 1);
  CHECK(siming.flows().leaves() == 1);
  CHECK(huli.flows().admissions() == 5);   // r-012..r-015, r-040
  CHECK(huli.approvals().decided() == 7);  // + the transfer-in (issue 10)
  CHECK(huli.approvals().rejected() == 1);
  CHECK(huli.approvals().decided_late() == 0);
  CHECK(huli.approvals().mean_working_days() == Approx(13.0 / 7));
  CHECK(huli.approvals().max_working_days() == 2);

  // --by gender and age cover every live record.
  for (const std::string by : {"gender", "age", "kindergarten"}) {
    Stats s = StatsJson(ledger, {"--as-of", "2025-12-31", "--by", by});
    CHECK(s.by() == by);
    int64_t live = 0;
    for (const auto& g : s.groups()) live += g.live_records();
    CHECK(live == s.live_records());
  }

  // A period needs both ends, in order; --by only the four.
  CHECK(ledger.Run({"stats", "--from", "2025-09-01"}).exit_code == 2);
  CHECK(ledger.Run({"stats", "--from", "2025-10-01", "--to", "2025-09-01"})
            .exit_code == 2);
  CHECK(ledger.Run({"stats", "--by", "school"}).exit_code == 2);
  CHECK(ledger.Run({"stats", "--as-of", "2025-13-01"}).exit_code == 2);
}

TEST_CASE("stats: problem records agree with anomalies, --csv, --lang zh",
          "[e2e][stats]") {
  DemoLedger demo;
  const TestLedger& ledger = demo.ledger;
  Stats stats = StatsJson(ledger, {"--as-of", "2025-12-31"});
  xueji::v1::AnomalyReport anomalies;
  REQUIRE(ParseJson(
              ledger.Run({"anomalies", "--json", "--as-of", "2025-12-31"}).out,
              &anomalies) == "");
  std::set<std::string> problems;
  for (const auto& a : anomalies.anomalies()) {
    if (!a.student_no().empty()) problems.insert(a.student_no());
  }
  CHECK(stats.problem_records() == static_cast<int64_t>(problems.size()));
  CHECK(stats.problem_rate() ==
        Approx(static_cast<double>(problems.size()) / stats.live_records()));

  // CSV: the same numbers, one per row.
  RunResult csv = ledger.Run({"stats", "--csv", "--as-of", "2025-12-31",
                              "--from", "2025-09-01", "--to", "2025-09-30"});
  REQUIRE(csv.exit_code == 0);
  std::map<std::string, std::string> totals;
  for (auto& row : ReadCsvOutput(csv, {"group", "key", "count"})) {
    if (row["key"].empty()) totals[row["group"]] = row["count"];
  }
  CHECK(totals["liveRecords"] == std::to_string(stats.live_records()));
  CHECK(totals["admissions"] == "16");
  CHECK(totals["transfersOut"] == "1");
  CHECK(totals["problemRecords"] == std::to_string(problems.size()));
  RunResult by_kg = ledger.Run({"stats", "--csv", "--by", "kindergarten"});
  bool hl1 = false;
  for (auto& row : ReadCsvOutput(by_kg, {"group", "key", "count"})) {
    if (row["group"] == "by_kindergarten.liveRecords" &&
        row["key"] == "350206001") {
      hl1 = true;
      CHECK(row["count"] ==
            std::to_string(Rows(stats.by_kindergarten())["350206001"]));
    }
  }
  CHECK(hl1);

  // The table, in Chinese.
  RunResult zh = ledger.Run({"--lang", "zh", "stats", "--from", "2025-10-01",
                             "--to", "2025-12-31", "--by", "county"});
  REQUIRE(zh.exit_code == 0);
  CHECK(zh.out.find("按区县") != std::string::npos);
  CHECK(zh.out.find("转入") != std::string::npos);
  CHECK(zh.out.find("问题学籍") != std::string::npos);
  RunResult en =
      ledger.Run({"stats", "--from", "2025-10-01", "--to", "2025-12-31"});
  REQUIRE(en.exit_code == 0);
  CHECK(en.out.find("graduations") != std::string::npos);
  CHECK(en.out.find("approvals decided in the period") != std::string::npos);
}

TEST_CASE("stats reads only the reader's region (Art. 22)", "[e2e][stats]") {
  DemoLedger demo;
  const TestLedger& ledger = demo.ledger;
  Stats all = StatsJson(ledger, {"--as-of", "2025-12-31"});
  // Huli's approver: its county only, as of any day.
  Stats huli =
      StatsJson(ledger, {"--as", "appr-huli", "--as-of", "2025-12-31"});
  CHECK(huli.region() == "350206");
  CHECK(Rows(huli.by_county()) ==
        std::map<std::string, int64_t>{
            {"350206", Rows(all.by_county())["350206"]}});
  Stats huli_flows = StatsJson(ledger, {"--as", "appr-huli", "--from",
                                        "2025-09-01", "--to", "2025-12-31"});
  CHECK(huli_flows.flows().transfers_in() == 1);
  CHECK(huli_flows.flows().transfers_out() == 0);
  CHECK(huli_flows.flows().leaves() == 0);         // Siming's
  CHECK(huli_flows.flows().cancellations() == 1);  // r-054, at 350206001
  // Not Siming's.
  RunResult other =
      ledger.Run({"--as", "appr-huli", "stats", "--region", "350203"});
  CHECK(other.exit_code != 0);
  // A registrar: its kindergarten only.
  Stats hl1 = StatsJson(ledger, {"--as", "reg-hl1", "--as-of", "2025-12-31"});
  CHECK(hl1.kindergarten() == "350206001");
  CHECK(Rows(hl1.by_kindergarten()) ==
        std::map<std::string, int64_t>{
            {"350206001", Rows(all.by_kindergarten())["350206001"]}});
}

}  // namespace
}  // namespace xueji::e2e
