// End-to-end tests of the command line's traps (issue 13): a mistyped
// subcommand, `ledger help`, `--version`, enum options in any case,
// environment defaults shown in --help, files that must exist, and the
// ledger's Beijing-time day whatever the host's time zone.
#include <catch2/catch.hpp>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

TEST_CASE("cli: a mistyped command says which one was meant", "[e2e][cli]") {
  TestLedger ledger;
  RunResult r = ledger.Run({"shwo", "G1"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown command 'shwo'; did you mean 'show'?") !=
        std::string::npos);
  CHECK(r.err.find("A subcommand is required") == std::string::npos);
  CHECK(r.out.empty());

  r = ledger.Run({"registry", "lod", "x.jsonl"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("ledger registry: unknown command 'lod'; did you mean "
                   "'load'?") != std::string::npos);

  r = ledger.Run({"anom"});  // a prefix
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("did you mean 'anomalies'?") != std::string::npos);

  r = ledger.Run({"zzzzzzzz"});  // nothing close: the list of commands
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown command 'zzzzzzzz'") != std::string::npos);
  CHECK(r.err.find("did you mean") == std::string::npos);
  CHECK(r.err.find("Commands: ") != std::string::npos);
}

TEST_CASE("cli: ledger help prints the help", "[e2e][cli]") {
  TestLedger ledger;
  RunResult r = ledger.Run({"help"});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Usage: ledger [OPTIONS] SUBCOMMAND") != std::string::npos);
  CHECK(r.out.find("anomalies") != std::string::npos);
  CHECK(r.out == ledger.Run({"--help"}).out);

  r = ledger.Run({"help", "registry", "load"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Usage: ledger registry load") != std::string::npos);
  CHECK(r.out == ledger.Run({"registry", "load", "--help"}).out);

  r = ledger.Run({"help", "nosuch"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("no command 'nosuch'") != std::string::npos);
}

TEST_CASE("cli: ledger --version prints the project version", "[e2e][cli]") {
  TestLedger ledger;
  RunResult r = ledger.Run({"--version"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == std::string("ledger ") + XUEJI_VERSION + "\n");
  CHECK(r.err.empty());
}

TEST_CASE("cli: --id-type and --kind take any case", "[e2e][cli]") {
  DemoLedger demo;
  const TestLedger& ledger = demo.ledger;
  const auto c1 = ExpectedDemoRecords().at("c1");
  RunResult upper = ledger.Run(
      {"find", "--id-type", c1.id_type, "--id-number", c1.id_number, "--json"});
  RunResult lower = ledger.Run({"find", "--id-type", Lower(c1.id_type),
                                "--id-number", c1.id_number, "--json"});
  INFO("stderr: " << lower.err);
  REQUIRE(upper.exit_code == 0);
  CHECK(lower.exit_code == 0);
  CHECK(lower.out == upper.out);
  CHECK(lower.out.find(c1.student_no) != std::string::npos);

  RunResult kind = ledger.Run({"anomalies", "--kind", "Phantom", "--json"});
  RunResult canonical =
      ledger.Run({"anomalies", "--kind", "PHANTOM", "--json"});
  CHECK(kind.exit_code == 0);
  CHECK(kind.out == canonical.out);
  CHECK(kind.out.find("PHANTOM") != std::string::npos);

  RunResult bad = ledger.Run({"anomalies", "--kind", "phantomx"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("PROBABLE_DUPLICATE") != std::string::npos);  // listed
  bad = ledger.Run({"find", "--id-type", "ID_CARD", "--id-number", "1"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("RESIDENT_ID") != std::string::npos);
}

TEST_CASE("cli: environment defaults are options, shown in --help",
          "[e2e][cli]") {
  TestLedger ledger;
  RunResult help = ledger.Run({"--help"});
  for (const char* env : {"LEDGER_DATA", "LEDGER_KAFKA", "LEDGER_KAFKA_CONFIG",
                          "LEDGER_TOPIC_PREFIX", "LEDGER_NOW"}) {
    INFO(env);
    CHECK(help.out.find(env) != std::string::npos);
  }
  CHECK(help.out.find("Env:LEDGER_DATA") != std::string::npos);
  ledger.LoadDemoRegistry();
  // No --data: $LEDGER_DATA names the ledger.
  RunOptions options;
  options.env = {{"LEDGER_DATA", ledger.data_dir()},
                 {"LEDGER_NOW", kEndOfTerm}};
  options.cwd = ledger.tmp().path().string();
  RunResult list = RunLedger({"list", "--kindergarten", "350203001"}, options);
  INFO("stderr: " << list.err);
  CHECK(list.exit_code == 0);
  CHECK(list.out.find("350203001") != std::string::npos);
  // A config file named by the environment must exist.
  options.env = {{"LEDGER_KAFKA_CONFIG", ledger.tmp().Sub("none.properties")}};
  RunResult kafka = RunLedger({"status", "r-1"}, options);
  CHECK(kafka.exit_code == 2);
  CHECK(kafka.err.find("none.properties") != std::string::npos);
}

TEST_CASE("cli: a file that must exist is checked before anything runs",
          "[e2e][cli]") {
  TestLedger ledger;
  for (const std::vector<std::string>& args :
       FileReadingCommands("missing.jsonl")) {
    RunResult r = ledger.Run(args);
    INFO(args[0] << " stderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("File does not exist: missing.jsonl") !=
          std::string::npos);
  }
  // Nothing was written for it: the log holds the initialisation alone.
  RunResult verify = ledger.Run({"verify"});
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find("1 events checked") != std::string::npos);
  // "-" is standard input, not a file.
  RunResult r = ledger.Run({"registry", "load", "-"},
                           ReadFile(DemoFile("registry.jsonl")));
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("cli: the ledger's day is Beijing time whatever the host's zone",
          "[e2e][cli]") {
  DemoLedger demo;
  // 07:30 in Beijing on 5 January is still 4 January in UTC and in
  // Los Angeles.
  for (const char* tz : {"UTC", "America/Los_Angeles", "Asia/Shanghai"}) {
    RunOptions options;
    options.env = {{"LEDGER_NOW", "2026-01-05T07:30:00+08:00"}, {"TZ", tz}};
    RunResult anomalies = RunLedger(
        {"--data", demo.ledger.data_dir(), "anomalies", "--json"}, options);
    INFO(tz << " stderr: " << anomalies.err);
    REQUIRE(anomalies.exit_code == 0);
    xueji::v1::AnomalyReport report;
    REQUIRE(ParseJson(anomalies.out, &report) == "");
    CHECK(report.as_of() == "2026-01-05");
    RunResult stats =
        RunLedger({"--data", demo.ledger.data_dir(), "stats"}, options);
    CHECK(stats.exit_code == 0);
    CHECK(stats.out.find("on 2026-01-05") != std::string::npos);
  }
  // 23:59 UTC on 4 January is already 5 January in Beijing.
  RunOptions late;
  late.env = {{"LEDGER_NOW", "2026-01-04T16:30:00Z"}};
  RunResult r = RunLedger(
      {"--data", demo.ledger.data_dir(), "anomalies", "--json"}, late);
  xueji::v1::AnomalyReport report;
  REQUIRE(ParseJson(r.out, &report) == "");
  CHECK(report.as_of() == "2026-01-05");
}

}  // namespace
}  // namespace xueji::e2e
