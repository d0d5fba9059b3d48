// End-to-end tests of the real `ledger` binary on the demonstration term
// (tools/demo/): the answer to every request, idempotent resubmission, the
// query commands, replay and verify. Bad input files: e2e_input_test.cc.
#include <algorithm>
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "tests/e2e_support.h"
#include "tests/log_tamper.h"

namespace xueji::e2e {
namespace {

using xueji::v1::Result;

// A ledger with the demo registry loaded and the whole term submitted.
struct DemoTerm {
  TestLedger ledger;
  RunResult submit;
  std::vector<Result> results;

  DemoTerm() {
    ledger.LoadDemoRegistry();
    submit = ledger.SubmitDemoTerm();
    results = ResultsOf(submit);
  }
};

xueji::v1::RecordState Show(const TestLedger& ledger, const std::string& no) {
  RunResult r = ledger.Run({"show", no, "--json"});
  INFO("show " << no << " stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  xueji::v1::RecordState record;
  REQUIRE(ParseJson(r.out, &record) == "");
  return record;
}

std::vector<xueji::v1::RecordState> List(const TestLedger& ledger,
                                         const std::string& kg, bool all) {
  std::vector<std::string> args = {"list", "--kindergarten", kg, "--json"};
  if (all) args.push_back("--all");
  RunResult r = ledger.Run(args);
  INFO("list " << kg << " stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<xueji::v1::RecordState> records;
  REQUIRE(ParseJsonList(r.out, &records) == "");
  return records;
}

xueji::v1::AnomalyReport Anomalies(const TestLedger& ledger,
                                   std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"anomalies", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = ledger.Run(args);
  INFO("anomalies stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  xueji::v1::AnomalyReport report;
  REQUIRE(ParseJson(r.out, &report) == "");
  return report;
}

std::set<std::string> PhantomNumbers(const xueji::v1::AnomalyReport& report) {
  std::set<std::string> out;
  for (const auto& a : report.anomalies()) {
    if (a.kind() == xueji::v1::Anomaly::PHANTOM) out.insert(a.student_no());
  }
  return out;
}

TEST_CASE("demo term: every request gets its expected answer", "[e2e]") {
  DemoTerm term;
  const auto expected = ExpectedDemoResults();
  // Rejected requests in the file: exit 1.
  CHECK(term.submit.exit_code == 1);
  REQUIRE(term.results.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    const Result& want = expected[i];
    const Result& got = term.results[i];
    INFO("line " << i + 1 << " " << want.request_id() << ": got "
                 << got.ShortDebugString());
    CHECK(got.status() == want.status());
    CHECK(got.code() == want.code());
    if (!want.student_no().empty())
      CHECK(got.student_no() == want.student_no());
    if (want.code() == xueji::v1::MALFORMED_REQUEST) {
      // Recovering the id of a line that is not JSON is best effort.
      CHECK(
          (got.request_id().empty() || got.request_id() == want.request_id()));
    } else {
      CHECK(got.request_id() == want.request_id());
    }
    if (got.status() == xueji::v1::REJECTED) CHECK(!got.message().empty());
    CHECK_FALSE(ContainsBareIdNumber(got.message()));
  }
  // Progress and diagnostics go to stderr, never identity numbers.
  CHECK_FALSE(ContainsBareIdNumber(term.submit.err));
}

TEST_CASE(
    "demo term: resubmitting the file answers DUPLICATE_REQUEST and "
    "appends nothing",
    "[e2e][idempotency]") {
  DemoTerm term;
  RunResult verify_before = term.ledger.Run({"verify"});
  REQUIRE(verify_before.exit_code == 0);
  RunResult stats_before = term.ledger.Run({"stats", "--json"});
  REQUIRE(stats_before.exit_code == 0);

  RunResult again = term.ledger.Run({"submit", DemoFile("requests.jsonl")});
  auto second = ResultsOf(again);
  REQUIRE(second.size() == term.results.size());
  for (size_t i = 0; i < second.size(); ++i) {
    const Result& first = term.results[i];
    INFO("line " << i + 1 << ": " << second[i].ShortDebugString());
    if (first.code() == xueji::v1::MALFORMED_REQUEST) {
      // Never accepted, so never recorded: malformed again.
      CHECK(second[i].status() == xueji::v1::REJECTED);
      CHECK(second[i].code() == xueji::v1::MALFORMED_REQUEST);
      continue;
    }
    CHECK(second[i].status() == xueji::v1::DUPLICATE_REQUEST);
    CHECK(second[i].original_status() == first.status());
    CHECK(second[i].request_id() == first.request_id());
    CHECK(second[i].student_no() == first.student_no());
    CHECK(second[i].code() == first.code());
  }
  // The malformed line is rejected again (and duplicates of rejected ones).
  CHECK(again.exit_code == 1);
  RunResult verify_after = term.ledger.Run({"verify"});
  CHECK(verify_after.exit_code == 0);
  CHECK(verify_after.out == verify_before.out);  // same events, same heads
  CHECK(term.ledger.Run({"stats", "--json"}).out == stats_before.out);
}

TEST_CASE("demo term: show, find and list report each child's record",
          "[e2e][queries]") {
  DemoTerm term;
  const auto records = ExpectedDemoRecords();
  for (const auto& [key, want] : records) {
    INFO("child " << key);
    auto got = Show(term.ledger, want.student_no);
    CHECK(got.student_no() == want.student_no);
    CHECK(xueji::v1::RecordStatus_Name(got.status()) == want.status);
    CHECK(got.kindergarten() == want.kindergarten);
    CHECK(got.child().name() == want.name);
  }
  SECTION("the converted child is found by its former L number") {
    const auto& cl = records.at("cL");
    auto got = Show(term.ledger, cl.former_student_no);
    CHECK(got.student_no() == cl.student_no);
    CHECK(std::count(got.former_numbers().begin(), got.former_numbers().end(),
                     cl.former_student_no) == 1);
  }
  SECTION("find by identity document") {
    for (const char* key : {"c2", "cJ", "cL"}) {
      const auto& want = records.at(key);
      RunResult r = term.ledger.Run({"find", "--id-type", want.id_type,
                                     "--id-number", want.id_number, "--json"});
      INFO(key << " stdout: " << r.out << " stderr: " << r.err);
      REQUIRE(r.exit_code == 0);
      std::vector<xueji::v1::RecordState> found;
      REQUIRE(ParseJsonList(r.out, &found) == "");
      REQUIRE(found.size() == 1);
      CHECK(found[0].student_no() == want.student_no);
      CHECK(found[0].kindergarten() == want.kindergarten);
    }
  }
  SECTION("list: live records by default, every record with --all") {
    for (const auto& kg : DemoKindergartens()) {
      std::set<std::string> live, all;
      for (const auto& [key, want] : records) {
        if (want.kindergarten != kg) continue;
        all.insert(want.student_no);
        if (want.status == "ENROLLED") live.insert(want.student_no);
      }
      std::set<std::string> got_live, got_all;
      for (const auto& r : List(term.ledger, kg, false)) {
        got_live.insert(r.student_no());
      }
      // c1 left 350203001 for 350206001: it is listed only at the new one.
      for (const auto& r : List(term.ledger, kg, true)) {
        got_all.insert(r.student_no());
      }
      INFO("kindergarten " << kg);
      CHECK(got_live == live);
      CHECK(got_all == all);
    }
  }
  SECTION("an unknown student number is an input error") {
    RunResult r = term.ledger.Run({"show", "G110105194912310021", "--json"});
    CHECK(r.exit_code == 2);
    CHECK(!r.err.empty());
  }
}

TEST_CASE("demo term: the transferred child's history shows who did what",
          "[e2e][audit]") {
  DemoTerm term;
  const auto c1 = ExpectedDemoRecords().at("c1");
  RunResult r = term.ledger.Run({"history", c1.student_no, "--json"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  // One message (xueji.v1.History), hashes in hex beside each event.
  xueji::v1::History history;
  REQUIRE(ParseJson(r.out, &history) == "");
  CHECK(history.student_no() == c1.student_no);
  std::vector<xueji::v1::Event> events;
  const std::regex hex("[0-9a-f]{64}");
  for (const auto& entry : history.events()) {
    events.push_back(entry.event());
    CHECK(std::regex_match(entry.hash(), hex));
    CHECK((entry.prev_hash().empty() ||
           std::regex_match(entry.prev_hash(), hex)));
    CHECK(entry.event().hash().empty());  // not also as base64
  }
  REQUIRE(!events.empty());
  CHECK(r.out.find("\"hash\": \"" + history.events(0).hash() + "\"") !=
        std::string::npos);
  std::vector<std::string> kinds;  // payload names, in order
  for (const auto& e : events) {
    CHECK(e.student_no() == c1.student_no);
    if (e.payload_case() == xueji::v1::Event::PAYLOAD_NOT_SET) continue;
    kinds.push_back(
        e.GetDescriptor()->FindFieldByNumber(e.payload_case())->name());
  }
  auto position = [&](const std::string& kind) {
    return std::find(kinds.begin(), kinds.end(), kind) - kinds.begin();
  };
  const std::vector<std::string> life = {
      "record_requested", "record_established", "transfer_requested",
      "transferred_out", "transferred_in"};
  for (size_t i = 0; i < life.size(); ++i) {
    INFO(life[i]);
    REQUIRE(position(life[i]) < static_cast<long>(kinds.size()));
    if (i > 0) CHECK(position(life[i - 1]) < position(life[i]));
  }
  // Who did it: the sending county approved the transfer out, the receiving
  // kindergarten's registrar took the child in, on the business dates.
  for (const auto& e : events) {
    if (e.has_transferred_out()) {
      CHECK(e.actor().operator_id() == "appr-siming");
      CHECK(e.business_date() == "2025-09-28");
      CHECK(e.correlation_id() == "r-043");
    }
    if (e.has_transferred_in()) {
      CHECK(e.actor().operator_id() == "appr-huli");  // issue 10: its county
      CHECK(e.business_date() == "2025-10-14");
      CHECK(e.transferred_in().to_kindergarten() == "350206001");
    }
  }
}

TEST_CASE("demo term: anomalies report the planted phantom and only it",
          "[e2e][anomalies]") {
  DemoTerm term;
  const auto records = ExpectedDemoRecords();
  const std::string phantom = records.at("c11").student_no;
  auto report = Anomalies(term.ledger);
  CHECK(PhantomNumbers(report) == std::set<std::string>{phantom});
  for (const auto& a : report.anomalies()) {
    INFO(a.ShortDebugString());
    CHECK_FALSE(ContainsBareIdNumber(a.detail()));
    if (a.kind() == xueji::v1::Anomaly::PHANTOM) {
      CHECK(a.kindergarten() == "350206001");
      CHECK(a.county() == kHuli);
    }
  }
  SECTION("filtered by region and kind") {
    CHECK(
        PhantomNumbers(Anomalies(term.ledger, {"--region", kSiming})).empty());
    auto huli =
        Anomalies(term.ledger, {"--region", kHuli, "--kind", "PHANTOM"});
    REQUIRE(huli.anomalies_size() == 1);
    CHECK(huli.anomalies(0).student_no() == phantom);
  }
  SECTION("before the verification (15-16 December) there was no phantom") {
    auto early = Anomalies(term.ledger, {"--as-of", "2025-12-01"});
    CHECK(early.as_of() == "2025-12-01");
    CHECK(PhantomNumbers(early).count(phantom) == 0);
    for (const auto& a : early.anomalies()) {
      INFO(a.ShortDebugString());
      CHECK(a.since() <= early.as_of());  // no problem starts in the future
    }
  }
}

TEST_CASE("demo term: stats count the live records by county", "[e2e][stats]") {
  DemoTerm term;
  RunResult r = term.ledger.Run({"stats", "--json"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  xueji::v1::Stats stats;
  REQUIRE(ParseJson(r.out, &stats) == "");
  std::map<std::string, int64_t> by_county, by_status;
  for (const auto& row : stats.by_county()) by_county[row.key()] = row.count();
  for (const auto& row : stats.by_status()) by_status[row.key()] = row.count();
  // (issue 10: c8's graduation in December is refused, out of season)
  CHECK(stats.live_records() == 14);
  CHECK(by_county == std::map<std::string, int64_t>{{kSiming, 9}, {kHuli, 5}});
  CHECK(by_status["ENROLLED"] == 14);
  CHECK(by_status["GRADUATED"] == 0);
  CHECK(by_status["LEFT"] == 1);
  CHECK(by_status["CANCELLED"] == 1);

  RunResult huli = term.ledger.Run({"stats", "--region", kHuli, "--json"});
  REQUIRE(huli.exit_code == 0);
  xueji::v1::Stats huli_stats;
  REQUIRE(ParseJson(huli.out, &huli_stats) == "");
  CHECK(huli_stats.live_records() == 5);
}

TEST_CASE("demo term: replay rebuilds the same views", "[e2e][replay]") {
  DemoTerm term;
  auto snapshot = [&] {
    std::vector<std::string> out;
    for (std::vector<std::string> args :
         {std::vector<std::string>{"stats", "--json"},
          {"anomalies", "--json"},
          {"history", ExpectedDemoRecords().at("c1").student_no, "--json"},
          {"list", "--kindergarten", "350206001", "--all", "--json"}}) {
      RunResult r = term.ledger.Run(args);
      REQUIRE(r.exit_code == 0);
      out.push_back(r.out);
    }
    return out;
  };
  const auto before = snapshot();
  RunResult replay = term.ledger.Run({"replay"});
  INFO("stderr: " << replay.err);
  REQUIRE(replay.exit_code == 0);
  const auto after = snapshot();
  for (size_t i = 0; i < before.size(); ++i) {
    INFO("query " << i);
    CHECK(after[i] == before[i]);
  }
}

TEST_CASE("demo term: verify passes, then detects a changed byte",
          "[e2e][verify]") {
  DemoTerm term;
  RunResult clean = term.ledger.Run({"verify"});
  INFO("verify stdout: " << clean.out << "\nstderr: " << clean.err);
  REQUIRE(clean.exit_code == 0);

  // Change one byte of r-002's admission event (its business date) in the
  // stored log, behind the ledger's back.
  TamperResult tamper =
      FlipByteOfEvent(term.ledger.data_dir() + "/log", "r-002");
  INFO("tamper: " << tamper.error);
  REQUIRE(tamper.changed);

  RunResult broken = term.ledger.Run({"verify"});
  INFO("verify stdout: " << broken.out << "\nstderr: " << broken.err);
  CHECK(broken.exit_code != 0);
  CHECK(broken.exit_code != 2);  // not a usage error
  if (tamper.partition >= 0) {
    // Names the broken event: "partition P ... offset O" in some wording.
    const std::regex names_it(
        "partition\\D{0,3}" + std::to_string(tamper.partition) +
        "\\D{1,12}offset\\D{0,3}" + std::to_string(tamper.offset) + "\\b");
    CHECK(std::regex_search(Lower(broken.out + broken.err), names_it));
  }
}

TEST_CASE(
    "a term submitted in two parts: the record in between and "
    "history as of then",
    "[e2e][audit]") {
  TestLedger ledger;
  ledger.LoadDemoRegistry();
  const auto lines = DemoRequestLines();
  const auto c1 = ExpectedDemoRecords().at("c1");
  // Up to and including r-044 (the transfer out approved on 28 September).
  auto split = std::find_if(lines.begin(), lines.end(), [](const auto& l) {
    return l.find("\"requestId\":\"r-044\"") != std::string::npos;
  });
  REQUIRE(split != lines.end());
  RunResult first = ledger.SubmitByDay({lines.begin(), split + 1});
  CHECK(first.exit_code == 1);  // bad requests among them

  auto during = Show(ledger, c1.student_no);
  CHECK(during.status() == xueji::v1::TRANSFERRING);
  CHECK(during.kindergarten() == "350203001");  // the sending kindergarten
  CHECK(during.transfer_to() == "350206001");

  RunResult second = ledger.SubmitByDay({split + 1, lines.end()});
  CHECK(second.exit_code == 1);
  auto after = Show(ledger, c1.student_no);
  CHECK(after.status() == xueji::v1::ENROLLED);
  CHECK(after.kindergarten() == "350206001");

  RunResult then = ledger.Run(
      {"history", c1.student_no, "--as-of", "2025-10-01T00:00:00Z", "--json"});
  INFO("stderr: " << then.err);
  REQUIRE(then.exit_code == 0);
  CHECK(then.out.find("transferredIn") == std::string::npos);
  CHECK((then.out.find("TRANSFERRING") != std::string::npos ||
         then.out.find("transferredOut") != std::string::npos));
}

}  // namespace
}  // namespace xueji::e2e
