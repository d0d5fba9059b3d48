// The ledger's clock is the only clock, and the policy is the log's
// (docs/accountability.md, issue 9), through the real binary: a policy flag,
// variable or file no longer changes a decision; a future date is refused and
// seals nobody; a late entry needs a reason and is reported; a setPolicy
// request changes decisions from its effective date, and the events say
// which versions they were decided under.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

using xueji::v1::Result;

// An admission to 350203001 by its registrar; `extra` goes into the request
// object (e.g. a lateReason).
std::string AdmitLine(const std::string& id, const std::string& day,
                      const std::string& birth, int seq,
                      const std::string& extra = "") {
  const std::string dashed =
      birth.substr(0, 4) + "-" + birth.substr(4, 2) + "-" + birth.substr(6, 2);
  return R"({"requestId":")" + id + R"(","actor":"reg-sm1",)" +
         (day.empty() ? "" : R"("occurredOn":")" + day + R"(",)") + extra +
         R"("admit":{"kindergarten":"350203001","child":{"name":"测试儿童",)"
         R"("gender":"MALE","birthDate":")" +
         dashed + R"(","idType":"RESIDENT_ID","idNumber":")" +
         SyntheticResidentId(birth, seq) + R"("}}})";
}

std::string ApproveLine(const std::string& id, const std::string& day,
                        const std::string& pending,
                        const std::string& extra = "") {
  return R"({"requestId":")" + id +
         R"(","actor":"appr-siming","occurredOn":")" + day + R"(",)" + extra +
         R"("approve":{"requestId":")" + pending + R"("}})";
}

// "N events checked" of `ledger verify`.
int64_t EventsInLog(const TestLedger& ledger) {
  RunResult verify = ledger.Run({"verify"});
  REQUIRE(verify.exit_code == 0);
  std::smatch m;
  REQUIRE(
      std::regex_search(verify.out, m, std::regex("(\\d+) events checked")));
  return std::stoll(m[1].str());
}

// A policy file as the ledger used to read it: anyone's 10-year-old admitted,
// no account ever sealed.
constexpr char kLax[] =
    R"({"national": {"admissionMinAgeYears": 0, "primaryEntryAge": 12,)"
    R"( "sealAfterMonths": 1200}})";

TEST_CASE("a policy flag, variable or file no longer changes a decision",
          "[e2e][policy]") {
  TestLedger ledger;
  ledger.set_now("2025-09-01T17:00:00+08:00");
  ledger.LoadDemoRegistry();
  WriteFile(ledger.tmp().path() / "lax.json", kLax);
  const std::string ten_year_old =
      AdmitLine("p-1", "2025-09-01", "20150506", 123);
  WriteFile(ledger.tmp().path() / "admit.jsonl", ten_year_old + "\n");
  const std::string admit = ledger.tmp().Sub("admit.jsonl");
  const int64_t before = EventsInLog(ledger);

  SECTION("--policy is no option any more: a usage error, nothing appended") {
    RunResult r =
        ledger.Run({"--policy", ledger.tmp().Sub("lax.json"), "submit", admit});
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(EventsInLog(ledger) == before);
  }
  SECTION("$LEDGER_POLICY and DATA/policy.json are ignored") {
    WriteFile(std::filesystem::path(ledger.data_dir()) / "policy.json", kLax);
    RunOptions options;
    options.env = {{"LEDGER_NOW", ledger.now()},
                   {"LEDGER_POLICY", ledger.tmp().Sub("lax.json")}};
    options.unset_env = {"LEDGER_DATA"};
    RunResult r =
        RunLedger({"--data", ledger.data_dir(), "submit", admit}, options);
    CHECK(r.exit_code == 1);
    std::vector<Result> results = ResultsOf(r);
    REQUIRE(results.size() == 1);
    CHECK(results[0].code() == xueji::v1::AGE_OUT_OF_RANGE);
    // And the policy the log records is the built-in one.
    RunResult policy = ledger.Run({"policy", "--json"});
    REQUIRE(policy.exit_code == 0);
    CHECK(policy.out.find("\"region\"") == std::string::npos);
  }
}

TEST_CASE("a future date is refused and seals nobody", "[e2e][clock]") {
  TestLedger ledger;
  ledger.set_now("2025-09-01T17:00:00+08:00");
  ledger.LoadDemoRegistry();
  RunResult r = ledger.SubmitLines(
      {AdmitLine("f-1", "2025-09-02", "20210314", 117),
       R"({"requestId":"f-2","actor":"appr-siming","occurredOn":"2099-01-01",)"
       R"("approve":{"requestId":"f-1"}})",
       AdmitLine("f-3", "", "20210314", 117)});
  CHECK(r.exit_code == 1);
  std::vector<Result> results = ResultsOf(r);
  REQUIRE(results.size() == 3);
  CHECK(results[0].code() == xueji::v1::INVALID_DATE);
  CHECK(results[0].message().find("in the future") != std::string::npos);
  CHECK(results[1].code() == xueji::v1::INVALID_DATE);
  CHECK(results[2].status() == xueji::v1::PENDING_APPROVAL);  // dated today
  // The approver is not sealed: it approves the next day.
  ledger.set_now("2025-09-02T17:00:00+08:00");
  RunResult approved =
      ledger.SubmitLines({ApproveLine("f-4", "2025-09-02", "f-3")}, "b.jsonl");
  CHECK(approved.exit_code == 0);
  RunResult anomalies = ledger.Run({"anomalies", "--json"});
  REQUIRE(anomalies.exit_code == 0);
  CHECK(anomalies.out.find("DORMANT_ACCOUNT") == std::string::npos);
}

TEST_CASE("a late entry needs a reason, has a bound, and is reported",
          "[e2e][clock]") {
  TestLedger ledger;
  ledger.set_now("2025-09-01T17:00:00+08:00");
  ledger.LoadDemoRegistry();
  REQUIRE(ledger.SubmitLines({AdmitLine("l-1", "2025-09-01", "20210314", 117)})
              .exit_code == 0);
  // On 12 September (9 working days after the 1st) the county enters its
  // approval of the 1st.
  ledger.set_now("2025-09-12T17:00:00+08:00");
  RunResult r =
      ledger.SubmitLines({ApproveLine("l-2", "2025-09-01", "l-1"),
                          ApproveLine("l-3", "2025-09-01", "l-1",
                                      R"("lateReason":"审核当日系统停机",)")},
                         "late.jsonl");
  std::vector<Result> results = ResultsOf(r);
  REQUIRE(results.size() == 2);
  CHECK(results[0].code() == xueji::v1::INVALID_DATE);
  CHECK(results[0].message().find("lateReason") != std::string::npos);
  CHECK(results[1].status() == xueji::v1::APPLIED);

  RunResult report =
      ledger.Run({"anomalies", "--kind", "LATE_ENTRY", "--json"});
  REQUIRE(report.exit_code == 0);
  xueji::v1::AnomalyReport anomalies;
  REQUIRE(ParseJson(report.out, &anomalies) == "");
  REQUIRE(anomalies.anomalies_size() == 1);
  const xueji::v1::Anomaly& a = anomalies.anomalies(0);
  CHECK(a.kind() == xueji::v1::Anomaly::LATE_ENTRY);
  CHECK(a.student_no() == "G" + SyntheticResidentId("20210314", 117));
  CHECK(a.since() == "2025-09-01");
  CHECK(a.detail().find("9 working days later, by appr-siming") !=
        std::string::npos);
  CHECK(a.detail().find("审核当日系统停机") != std::string::npos);
  CHECK_FALSE(ContainsBareIdNumber(a.detail()));
  // The history keeps the reason with the event.
  RunResult history = ledger.Run({"history", a.student_no(), "--json"});
  REQUIRE(history.exit_code == 0);
  CHECK((history.out.find("\"lateReason\": \"审核当日系统停机\"") !=
             std::string::npos ||
         history.out.find("\"lateReason\":\"审核当日系统停机\"") !=
             std::string::npos));

  // Beyond 30 working days even a reason does not do.
  ledger.set_now("2025-11-28T17:00:00+08:00");
  RunResult too_late =
      ledger.SubmitLines({AdmitLine("l-4", "2025-09-15", "20210314", 119,
                                    R"("lateReason":"补录",)")},
                         "too-late.jsonl");
  std::vector<Result> refused = ResultsOf(too_late);
  REQUIRE(refused.size() == 1);
  CHECK(refused[0].code() == xueji::v1::INVALID_DATE);
  CHECK(refused[0].message().find("at most 30 working days") !=
        std::string::npos);
}

TEST_CASE(
    "a setPolicy request changes decisions from its effective date, "
    "and the events name the version",
    "[e2e][policy]") {
  TestLedger ledger;
  ledger.set_now("2026-06-01T17:00:00+08:00");
  // Registered today, so nobody is dormant.
  REQUIRE(
      ledger.Run({"registry", "load", DemoFile("registry.jsonl")}).exit_code ==
      0);
  REQUIRE(ledger
              .Run({"registry", "load", "-"},
                   R"({"operator":{"id":"officer-fujian","role":"OFFICER",)"
                   R"("org":"35"}})"
                   "\n")
              .exit_code == 0);
  // The shipped example: Fujian's transfers get 15 working days from
  // 1 September 2026.
  RunResult example = ledger.Run(
      {"submit", (SourceDir() / "deploy" / "policy.example.json").string()});
  INFO("stderr: " << example.err);
  CHECK(example.exit_code == 0);
  // A minimum age of 4 from today; a three-year-old is refused under it.
  RunResult set = ledger.SubmitLines(
      {R"({"requestId":"pol-2","actor":"officer-fujian","setPolicy":{)"
       R"("region":"35","effectiveFrom":"2026-06-01",)"
       R"("policy":{"admissionMinAgeYears":4}}})",
       AdmitLine("pol-3", "", "20230314", 117),
       R"({"requestId":"pol-4","actor":"officer-xiamen","setPolicy":{)"
       R"("region":"35","effectiveFrom":"2026-06-01","policy":{}}})"},
      "policy.jsonl");
  std::vector<Result> results = ResultsOf(set);
  REQUIRE(results.size() == 3);
  CHECK(results[0].status() == xueji::v1::APPLIED);
  CHECK(results[1].code() == xueji::v1::AGE_OUT_OF_RANGE);
  CHECK(results[2].code() == xueji::v1::NOT_AUTHORIZED);  // a city's officer

  RunResult now = ledger.Run({"policy", "--json"});
  REQUIRE(now.exit_code == 0);
  xueji::v1::PolicyVersions in_force;  // one message (issue 13)
  REQUIRE(ParseJson(now.out, &in_force) == "");
  REQUIRE(in_force.versions_size() == 1);
  CHECK(in_force.versions(0).version() == 2);
  CHECK(in_force.versions(0).policy().admission_min_age_years() == 4);
  CHECK_FALSE(in_force.all());
  RunResult september = ledger.Run({"policy", "--as-of", "2026-09-01"});
  REQUIRE(september.exit_code == 0);
  CHECK(september.out.find("transferWorkingDays") != std::string::npos);
  RunResult all = ledger.Run({"policy", "--all", "--json"});
  xueji::v1::PolicyVersions versions;
  REQUIRE(ParseJson(all.out, &versions) == "");
  CHECK(versions.versions_size() == 2);
  CHECK(versions.all());

  // A four-year-old is admitted under 35:2, and the event says so.
  RunResult admitted = ledger.SubmitLines(
      {AdmitLine("pol-5", "", "20220314", 117)}, "admit.jsonl");
  REQUIRE(ResultsOf(admitted).size() == 1);
  CHECK(ResultsOf(admitted)[0].status() == xueji::v1::PENDING_APPROVAL);
  RunResult history = ledger.Run(
      {"history", "G" + SyntheticResidentId("20220314", 117), "--json"});
  REQUIRE(history.exit_code == 0);
  CHECK((history.out.find("\"policyVersion\": \"35:2\"") != std::string::npos ||
         history.out.find("\"policyVersion\":\"35:2\"") != std::string::npos));
}

}  // namespace
}  // namespace xueji::e2e
