// End-to-end tests of the CLI's language (issue 13): `--lang zh|en`, by
// default Chinese for a zh_* locale (LC_ALL, then LC_MESSAGES, then LANG);
// table headers, statuses, genders, document types, anomaly and pending
// kinds and reason codes in Chinese; JSON and CSV the same in every language.
#include <catch2/catch.hpp>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

// The demo term, entered day by day.
struct Term {
  TestLedger ledger;
  Term() { ledger.EnterDemoTerm(); }
  // `ledger ARGS` with the locale variables `env` (and the usual clock).
  RunResult WithLocale(
      const std::vector<std::pair<std::string, std::string>>& env,
      std::vector<std::string> args) const {
    args.insert(args.begin(), {"--data", ledger.data_dir()});
    RunOptions options;
    options.env = env;
    options.env.emplace_back("LEDGER_NOW", ledger.now());
    options.unset_env = {"LEDGER_DATA"};
    return RunLedger(args, options);
  }
};

constexpr char kSimingChild[] = "G350203202011020222";  // 林若溪, enrolled

TEST_CASE("lang: --lang zh prints tables in Chinese", "[e2e][lang]") {
  Term term;
  RunResult zh =
      term.ledger.Run({"--lang", "zh", "list", "--kindergarten", "350203001"});
  INFO(zh.err);
  REQUIRE(zh.exit_code == 0);
  CHECK(zh.out.find("学籍号") != std::string::npos);
  CHECK(zh.out.find("在籍") != std::string::npos);
  CHECK(zh.out.find("ENROLLED") == std::string::npos);
  CHECK(zh.out.find("条记录") != std::string::npos);
  RunResult en =
      term.ledger.Run({"--lang", "en", "list", "--kindergarten", "350203001"});
  CHECK(en.out.find("student no") != std::string::npos);
  CHECK(en.out.find("ENROLLED") != std::string::npos);
  CHECK(en.out.find("学籍号") == std::string::npos);

  // A record: field names, status, gender and document type.
  RunResult show = term.ledger.Run({"show", kSimingChild, "--lang", "ZH"});
  REQUIRE(show.exit_code == 0);
  for (const char* word :
       {"出生日期", "在籍", "女", "居民身份证", "建籍日期"}) {
    CHECK(show.out.find(word) != std::string::npos);
  }
  CHECK(show.out.find("FEMALE") == std::string::npos);

  // Anomaly kinds, with their codes beside them.
  RunResult anomalies = term.ledger.Run({"--lang", "zh", "anomalies"});
  REQUIRE(anomalies.exit_code == 0);
  INFO(anomalies.out);
  CHECK(anomalies.out.find("空挂学籍 (PHANTOM)") != std::string::npos);
  CHECK(anomalies.out.find("问题学籍，截至") != std::string::npos);
  // Reason codes in the history of a refused approval (r-021, appr-huli).
  const auto records = ExpectedDemoRecords();
  RunResult history =
      term.ledger.Run({"--lang", "zh", "history", records.at("c1").student_no});
  REQUIRE(history.exit_code == 0);
  CHECK(history.out.find("被拒绝：无权限 (NOT_AUTHORIZED)") !=
        std::string::npos);
  CHECK(history.out.find("记录时间") != std::string::npos);
  // Statistics and verify.
  RunResult stats = term.ledger.Run({"--lang", "zh", "stats"});
  CHECK(stats.out.find("按区县") != std::string::npos);
  CHECK(stats.out.find("在籍") != std::string::npos);
  RunResult verify = term.ledger.Run({"--lang", "zh", "verify"});
  CHECK(verify.exit_code == 0);
  CHECK(verify.out.find("哈希链完整") != std::string::npos);

  CHECK(term.ledger.Run({"--lang", "fr", "stats"}).exit_code == 2);
}

TEST_CASE("lang: the default follows LC_ALL, LC_MESSAGES, LANG",
          "[e2e][lang]") {
  Term term;
  const std::vector<std::string> args = {"show", kSimingChild};
  auto chinese = [](const RunResult& r) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out.find("学籍号") != std::string::npos;
  };
  CHECK(chinese(term.WithLocale({{"LANG", "zh_CN.UTF-8"}}, args)));
  CHECK(chinese(term.WithLocale({{"LC_MESSAGES", "zh_CN.UTF-8"}}, args)));
  CHECK_FALSE(chinese(term.WithLocale({{"LANG", "en_US.UTF-8"}}, args)));
  CHECK_FALSE(chinese(term.WithLocale({}, args)));  // no locale: English
  // LC_ALL first: C overrides a Chinese LANG, and the other way round.
  CHECK_FALSE(chinese(
      term.WithLocale({{"LC_ALL", "C"}, {"LANG", "zh_CN.UTF-8"}}, args)));
  CHECK(chinese(term.WithLocale(
      {{"LC_ALL", "zh_CN.GB18030"}, {"LANG", "en_US.UTF-8"}}, args)));
  // --lang wins over the locale.
  std::vector<std::string> en = args;
  en.insert(en.begin(), {"--lang", "en"});
  CHECK_FALSE(chinese(term.WithLocale({{"LANG", "zh_CN.UTF-8"}}, en)));
}

TEST_CASE("lang: JSON and CSV are the same in every language", "[e2e][lang]") {
  Term term;
  const std::vector<std::vector<std::string>> reads = {
      {"show", kSimingChild, "--json"},
      {"list", "--kindergarten", "350203001", "--json"},
      {"list", "--kindergarten", "350203001", "--csv"},
      {"anomalies", "--json"},
      {"anomalies", "--csv"},
      {"stats", "--json"},
      {"stats", "--csv"},
      {"pending", "--json"},
      {"verify", "--json"},
      {"history", kSimingChild, "--json"}};
  for (const auto& args : reads) {
    std::vector<std::string> zh = args, en = args;
    zh.insert(zh.begin(), {"--lang", "zh"});
    en.insert(en.begin(), {"--lang", "en"});
    RunResult a = term.ledger.Run(zh);
    RunResult b = term.ledger.Run(en);
    INFO(args[0] << " " << args.back() << "\n" << a.err << b.err);
    CHECK(a.exit_code == 0);
    CHECK(b.exit_code == 0);
    CHECK(!a.out.empty());
    CHECK(a.out == b.out);
  }
  // Results of a submit stay JSON with their codes.
  RunResult submitted = term.WithLocale(
      {{"LANG", "zh_CN.UTF-8"}},
      {"submit", term.ledger.WriteLines(
                     {R"({"requestId":"zh-1","actor":"reg-sm1","graduate":)"
                      R"({"studentNo":"NO-SUCH"}})"},
                     "zh.jsonl")});
  CHECK(submitted.exit_code == 1);
  CHECK(submitted.out.find("\"code\":\"UNKNOWN_STUDENT\"") !=
        std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
