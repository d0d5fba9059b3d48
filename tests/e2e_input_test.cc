// End-to-end tests of the real `ledger` binary: bad input files, exit codes
// and the command-line surface (--help on every subcommand, usage errors).
#include <catch2/catch.hpp>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

using xueji::v1::Result;

// Two valid lines around the bad ones: the admission of c1 and its approval.
std::string Admit(const std::string& id, const std::string& name) {
  return R"({"requestId":")" + id +
         R"(","actor":"reg-sm1","occurredOn":"2025-09-01","admit":{)"
         R"("kindergarten":"350203001","child":{"name":")" +
         name +
         R"(","gender":"MALE","birthDate":"2021-03-14","idType":"RESIDENT_ID",)"
         R"("idNumber":"350203202103140117"},"entryDate":"2025-09-01"}})";
}
const char kApprove[] =
    R"({"requestId":"t-ok-2","actor":"appr-siming","occurredOn":"2025-09-03",)"
    R"("approve":{"requestId":"t-ok-1"}})";

std::vector<Result> Submit(const TestLedger& ledger, const std::string& text,
                           int* exit_code) {
  WriteFile(ledger.tmp().path() / "in.jsonl", text);
  RunResult r = ledger.Run({"submit", ledger.tmp().Sub("in.jsonl")});
  *exit_code = r.exit_code;
  std::vector<std::string> errors;
  auto results = ParseResults(r.out, &errors);
  INFO("stderr: " << r.err);
  for (const auto& e : errors) FAIL_CHECK("bad result line: " << e);
  return results;
}

TEST_CASE("a clean file exits 0 and reads from stdin with -", "[e2e][input]") {
  TestLedger ledger;
  ledger.LoadDemoRegistry();
  RunResult r = ledger.Run({"submit", "-"},
                           Admit("t-ok-1", "陈一鸣") + "\n" + kApprove + "\n");
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  std::vector<std::string> errors;
  auto results = ParseResults(r.out, &errors);
  REQUIRE(errors.empty());
  REQUIRE(results.size() == 2);
  CHECK(results[0].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(results[0].student_no() == "G350203202103140117");
  CHECK(results[1].status() == xueji::v1::APPLIED);
}

TEST_CASE("bad lines get result lines and the other lines still count",
          "[e2e][input]") {
  TestLedger ledger;
  ledger.LoadDemoRegistry();
  int exit_code = -1;

  SECTION("a truncated last line") {
    std::string approve(kApprove);
    std::string text = Admit("t-ok-1", "陈一鸣") + "\n" + kApprove + "\n" +
                       approve.substr(0, approve.size() / 2);  // no newline
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(results.size() == 3);
    CHECK(results[0].status() == xueji::v1::PENDING_APPROVAL);
    CHECK(results[1].status() == xueji::v1::APPLIED);
    CHECK(results[2].status() == xueji::v1::REJECTED);
    CHECK(results[2].code() == xueji::v1::MALFORMED_REQUEST);
  }
  SECTION("a name that is not UTF-8") {
    std::string bad_name = "\xff\xfe\xe9\x99";  // not UTF-8
    std::string text = Admit("t-bad", bad_name) + "\n" +
                       Admit("t-ok-1", "陈一鸣") + "\n" + kApprove + "\n";
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(results.size() == 3);
    CHECK(results[0].status() == xueji::v1::REJECTED);
    CHECK((results[0].code() == xueji::v1::MALFORMED_REQUEST ||
           results[0].code() == xueji::v1::INVALID_FIELD));
    // The same child under a good name is admitted: nothing half-applied.
    CHECK(results[1].status() == xueji::v1::PENDING_APPROVAL);
    CHECK(results[2].status() == xueji::v1::APPLIED);
  }
  SECTION("an oversized name") {
    std::string long_name;
    for (int i = 0; i < 60; ++i) long_name += "王";
    std::string text = Admit("t-bad", long_name) + "\n" +
                       Admit("t-ok-1", "陈一鸣") + "\n";
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(results.size() == 2);
    CHECK(results[0].status() == xueji::v1::REJECTED);
    CHECK(results[0].code() == xueji::v1::INVALID_FIELD);
    CHECK(results[1].status() == xueji::v1::PENDING_APPROVAL);
  }
  SECTION("an unknown enum value and an unknown field") {
    std::string boy = Admit("t-bad-1", "陈一鸣");
    boy.replace(boy.find("\"MALE\""), 6, "\"BOY\"");
    std::string extra = Admit("t-bad-2", "陈一鸣");
    extra.insert(1, R"("priority":"high",)");
    std::string text = boy + "\n" + extra + "\n" + Admit("t-ok-1", "陈一鸣") + "\n";
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(results.size() == 3);
    for (int i = 0; i < 2; ++i) {
      INFO("line " << i + 1);
      CHECK(results[i].status() == xueji::v1::REJECTED);
      CHECK(results[i].code() == xueji::v1::MALFORMED_REQUEST);
      CHECK(results[i].request_id() == (i == 0 ? "t-bad-1" : "t-bad-2"));
    }
    CHECK(results[2].status() == xueji::v1::PENDING_APPROVAL);
  }
  SECTION("a request without an action or a business date") {
    std::string text =
        R"({"requestId":"t-bad-1","actor":"reg-sm1","occurredOn":"2025-09-01"})"
        "\n" +
        std::string(R"({"requestId":"t-bad-2","actor":"reg-sm1",)"
                    R"("graduate":{"studentNo":"G350203202103140117"}})") +
        "\n";
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(results.size() == 2);
    CHECK(results[0].code() == xueji::v1::MALFORMED_REQUEST);
    CHECK(results[1].code() == xueji::v1::INVALID_FIELD);
  }
  // Refused lines appended refusals only: the hash chains are intact.
  if (exit_code == 1) {
    RunResult verify = ledger.Run({"verify"});
    CHECK(verify.exit_code == 0);
  }
}

TEST_CASE("unusable input is exit 2 with a message", "[e2e][input]") {
  TestLedger ledger;
  ledger.LoadDemoRegistry();
  SECTION("a missing input file") {
    RunResult r = ledger.Run({"submit", ledger.tmp().Sub("no-such.jsonl")});
    CHECK(r.exit_code == 2);
    CHECK(!r.err.empty());
    CHECK(r.out.empty());
  }
  SECTION("a missing registry file") {
    RunResult r = ledger.Run({"registry", "load", ledger.tmp().Sub("none")});
    CHECK(r.exit_code == 2);
    CHECK(!r.err.empty());
  }
  SECTION("an unknown subcommand, a missing argument, a bad option value") {
    CHECK(ledger.Run({"enroll"}).exit_code == 2);
    CHECK(ledger.Run({"show"}).exit_code == 2);
    CHECK(ledger.Run({"list"}).exit_code == 2);  // --kindergarten required
    CHECK(ledger.Run({"anomalies", "--kind", "NO_SUCH_KIND"}).exit_code == 2);
    CHECK(ledger.Run({"anomalies", "--as-of", "2025-13-45"}).exit_code == 2);
  }
}

TEST_CASE("every subcommand has --help", "[e2e][cli]") {
  TestLedger ledger;
  const std::vector<std::vector<std::string>> commands = {
      {},           {"registry"}, {"registry", "load"}, {"submit"},
      {"show"},     {"find"},     {"list"},             {"history"},
      {"anomalies"}, {"stats"},   {"replay"},           {"verify"}};
  for (auto args : commands) {
    std::string name = args.empty() ? "ledger" : args.back();
    args.push_back("--help");
    RunResult r = ledger.Run(args);
    INFO("ledger " << name << " --help; stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(name == "ledger" ? "submit" : name) != std::string::npos);
  }
}

TEST_CASE("registry load: an unknown county and an unknown role are refused "
          "line by line", "[e2e][input]") {
  TestLedger ledger;
  std::string text =
      R"({"kindergarten":{"code":"350203001","name":"思明区鹭岛幼儿园","county":"350203"}})"
      "\n"
      R"({"kindergarten":{"code":"999999001","name":"无此县幼儿园","county":"999999"}})"
      "\n"
      R"({"operator":{"id":"op-x","role":"JANITOR","org":"350203"}})"
      "\n"
      R"({"operator":{"id":"reg-sm1","role":"REGISTRAR","org":"350203001"}})"
      "\n";
  WriteFile(ledger.tmp().path() / "registry.jsonl", text);
  RunResult r = ledger.Run({"registry", "load", ledger.tmp().Sub("registry.jsonl")});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 1);
  // The good lines took effect: the registrar can admit at the kindergarten.
  RunResult admit = ledger.Run({"submit", "-"}, Admit("t-ok-1", "陈一鸣") + "\n");
  INFO("admit: " << admit.out << admit.err);
  CHECK(admit.exit_code == 0);
}

}  // namespace
}  // namespace xueji::e2e

namespace xueji::e2e {
namespace {

TEST_CASE("the runner feeds stdin and drains both pipes without deadlock",
          "[e2e][runner]") {
  std::string big(1 << 20, 'x');  // more than any pipe buffer
  RunOptions options;
  options.stdin_text = big;
  options.env = {{"RUNNER_PROBE", "42"}};
  RunResult r = RunProgram(
      "/bin/sh",
      {"-c", "cat; cat /dev/null >&2; printf '%s' \"$RUNNER_PROBE\" >&2; "
             "head -c 200000 /dev/zero >&2; exit 3"},
      options);
  CHECK(r.exit_code == 3);
  CHECK(r.out == big);
  REQUIRE(r.err.size() == 2 + 200000);
  CHECK(r.err.substr(0, 2) == "42");
  CHECK(RunProgram("/nonexistent/program", {}).exit_code == 127);
}

}  // namespace
}  // namespace xueji::e2e
