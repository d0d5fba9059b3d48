// `ledger submit` projects the views on a second thread while it decides
// (commands/views_follower.h): the views it leaves are the views a rebuild
// from the log gives, and a submit SIGKILLed while both threads are at work
// leaves views that never got ahead of the log, which the next command
// catches up.
#include <catch2/catch.hpp>
#include <regex>
#include <string>
#include <vector>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

// A generated year (`ledger gen`), every request dated on its submitNow's
// day, and that day's clock: enough events for passes of the views' thread
// during the submit (one per 10,000 events).
struct Year {
  std::string now;
  std::string registry;
  std::string requests;
  size_t lines = 0;
};

// Generates the year of `children` children into `ledger`'s temp dir, sets
// its clock to submitNow and loads the registry.
Year LoadYear(TestLedger& ledger, int children) {
  const std::string out = ledger.tmp().Sub("gen");
  const std::vector<std::string> args = {
      "gen",   "--children", std::to_string(children), "--seed", "1",
      "--out", out};
  REQUIRE(RunLedger(args).exit_code == 0);
  Year year{JsonField(ReadFile(out + "/summary.json"), "submitNow"),
            out + "/registry.jsonl"};
  REQUIRE(year.now.size() > 10);
  const std::vector<std::string> lines =
      DatedOn(Lines(ReadFile(out + "/requests.jsonl")), year.now.substr(0, 10));
  year.lines = lines.size();
  year.requests = ledger.WriteLines(lines, "year.jsonl");
  ledger.set_now(year.now);
  REQUIRE(ledger.Run({"registry", "load", year.registry}).exit_code == 0);
  return year;
}

// The views digest a command prints: `digest --views` of the views as they
// are (read-only, no catch-up), or `replay` of a rebuild from the log.
std::string PrintedDigest(const RunResult& run) {
  INFO(run.out << run.err);
  REQUIRE(run.exit_code == 0);
  std::smatch m;
  REQUIRE(std::regex_search(run.out, m, std::regex("[0-9a-f]{64}")));
  return m[0].str();
}

TEST_CASE("submit projects the views while it decides: equivalent to a rebuild",
          "[e2e]") {
  TestLedger ledger;
  const Year year = LoadYear(ledger, 6000);
  RunResult submit = ledger.Run({"submit", year.requests});
  INFO(Tail(submit.err));
  REQUIRE(submit.exit_code == 1);  // the generated year has refusals
  REQUIRE(Lines(submit.out).size() == year.lines);
  RunResult verify = ledger.Run({"verify", "--views"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find("views identical to a rebuild") != std::string::npos);
  const std::string incremental =
      PrintedDigest(ledger.Run({"digest", "--views"}));
  CHECK(PrintedDigest(ledger.Run({"replay"})) == incremental);
}

TEST_CASE(
    "a submit killed (SIGKILL) while the views follow: the next command "
    "catches them up, the retry converges",
    "[e2e]") {
  TestLedger ledger;
  const Year year = LoadYear(ledger, 6000);
  RunOptions options;
  options.env = {{"LEDGER_NOW", year.now}};
  options.unset_env = {"LEDGER_DATA", "LEDGER_POLICY"};
  auto submit = BackgroundProcess::Start(
      "submit", LedgerBinary(),
      {"--data", ledger.data_dir(), "submit", year.requests}, options,
      ledger.tmp().path());
  REQUIRE(submit != nullptr);
  // Past the first pass of the views' thread (10,000 events), before the end.
  const bool midway =
      WaitFor([&] { return Lines(submit->Stdout()).size() >= 11000; },
              Millis(120000), Millis(5));
  submit->Kill();
  INFO("answered before the kill: " << Lines(submit->Stdout()).size());
  CHECK(midway);
  // The views as the kill left them: never ahead of the log (verify fails,
  // and every command refuses, if they were), equal to a rebuild up to their
  // own checkpoints.
  RunResult verify = ledger.Run({"verify", "--views"});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  // The retry answers every line (the decided ones from the ledger's
  // memory), and the views it leaves are the rebuild's.
  RunResult retry = ledger.Run({"submit", year.requests});
  INFO(Tail(retry.err));
  CHECK(retry.exit_code == 1);
  CHECK(Lines(retry.out).size() == year.lines);
  const std::string incremental =
      PrintedDigest(ledger.Run({"digest", "--views"}));
  CHECK(PrintedDigest(ledger.Run({"replay"})) == incremental);
}

}  // namespace
}  // namespace xueji::e2e
