// End-to-end tests of the CLI's language (issue 13): `--lang zh|en`, by
// default Chinese for a zh_* locale (LC_ALL, then LC_MESSAGES, then LANG);
// table headers, statuses, genders, document types, anomaly and pending
// kinds and reason codes in Chinese; JSON and CSV the same in every language;
// the help of every command in Chinese, and unchanged in English.
#include <catch2/catch.hpp>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
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

// True when `text` holds a CJK ideograph (U+4E00..U+9FFF: three UTF-8
// bytes, the first 0xE4..0xE9).
bool HasChinese(std::string_view text) {
  for (size_t i = 0; i + 2 < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0xE4 && c <= 0xE9) return true;
  }
  return false;
}

// One entry of a help's lists (an option, positional or subcommand): its
// lines, the first starting "  NAME", the rest its description's further
// lines (indented deeper).
struct HelpEntry {
  std::string section;  // the heading above it ("Options", "子命令", ...)
  std::string name;     // "--data", "registry", "COMMAND"
  std::string text;     // all its lines
};

struct Help {
  std::string description;  // what comes before "Usage:" / "用法:"
  std::vector<HelpEntry> entries;
};

Help ParseHelp(const std::string& out) {
  Help help;
  std::string section;
  bool before_usage = true;
  const std::vector<std::string> lines = absl::StrSplit(out, '\n');
  for (const std::string& line : lines) {
    if (line.starts_with("Usage:") || line.starts_with("用法:")) {
      before_usage = false;
      continue;
    }
    if (before_usage) {
      help.description += line + "\n";
      continue;
    }
    if (line.empty()) {
      section.clear();
      continue;
    }
    if (line.back() == ':' && line[0] != ' ') {
      section = line.substr(0, line.size() - 1);
      continue;
    }
    if (section.empty()) continue;  // the footer
    if (line.size() > 2 && line.starts_with("  ") && line[2] != ' ') {
      HelpEntry entry;
      entry.section = section;
      entry.name = line.substr(2, line.find_first_of(" ,=", 2) - 2);
      entry.text = line;
      help.entries.push_back(entry);
    } else if (!help.entries.empty()) {
      help.entries.back().text += "\n" + line;
    }
  }
  return help;
}

// Every command path under `ledger`: {}, {"init"}, {"registry"},
// {"registry", "load"}, ..., from the subcommand lists of the English help.
std::vector<std::vector<std::string>> AllCommands() {
  std::vector<std::vector<std::string>> all = {{}};
  for (size_t i = 0; i < all.size(); ++i) {
    std::vector<std::string> args = {"--lang", "en"};
    args.insert(args.end(), all[i].begin(), all[i].end());
    args.push_back("--help");
    RunResult r = RunLedger(args);
    REQUIRE(r.exit_code == 0);
    for (const HelpEntry& e : ParseHelp(r.out).entries) {
      if (e.section != "Subcommands") continue;
      std::vector<std::string> sub = all[i];
      sub.push_back(e.name);
      all.push_back(sub);
    }
  }
  return all;
}

// The labels CLI11 prints beside an option's name (not descriptions), in
// Chinese and English.
constexpr std::pair<std::string_view, std::string_view> kLabels[] = {
    {"必填", "REQUIRED"},
    {"环境变量", "Env"},
    {"需要", "Needs"},
    {"不可同用", "Excludes"}};

// The words of `text` (the columns' padding differs with the labels).
std::vector<std::string> Words(const std::string& text) {
  return absl::StrSplit(text, absl::ByAnyChar(" \n"), absl::SkipEmpty());
}

// `text` with the Chinese labels replaced by `english ? English : nothing`.
std::string Relabel(std::string text, bool english) {
  for (const auto& [zh, en] : kLabels) {
    for (size_t at; (at = text.find(zh)) != std::string::npos;) {
      text.replace(at, zh.size(), english ? en : std::string_view());
    }
  }
  return text;
}

TEST_CASE("lang: every command's --help is in Chinese with --lang zh",
          "[e2e][lang]") {
  const auto commands = AllCommands();
  INFO(commands.size() << " commands");
  REQUIRE(commands.size() > 20);  // ledger, its commands and theirs
  size_t entries = 0;
  for (const auto& command : commands) {
    std::vector<std::string> zh_args = {"--lang", "zh"};
    zh_args.insert(zh_args.end(), command.begin(), command.end());
    zh_args.push_back("--help");
    std::vector<std::string> en_args = zh_args;
    en_args[1] = "en";
    const RunResult zh = RunLedger(zh_args);
    const RunResult en = RunLedger(en_args);
    INFO("ledger " << absl::StrJoin(command, " ") << " --help\n" << zh.out);
    REQUIRE(zh.exit_code == 0);
    REQUIRE(en.exit_code == 0);
    const Help zh_help = ParseHelp(zh.out);
    const Help en_help = ParseHelp(en.out);
    CHECK(zh.out.find("用法:") != std::string::npos);
    CHECK(zh.out.find("Usage:") == std::string::npos);
    CHECK(zh.out.find("Options:") == std::string::npos);
    // The command's own description.
    CHECK(HasChinese(zh_help.description));
    CHECK(zh_help.description != en_help.description);
    // Every option, positional and subcommand: the same entries, each
    // described in Chinese.
    REQUIRE(zh_help.entries.size() == en_help.entries.size());
    for (size_t i = 0; i < zh_help.entries.size(); ++i) {
      const HelpEntry& e = zh_help.entries[i];
      INFO("entry: " << e.text);
      CHECK(e.name == en_help.entries[i].name);
      CHECK(HasChinese(Relabel(e.text, false)));
      // Not the English entry with only its labels translated (an English
      // description may hold Chinese: "student number (学籍号)").
      CHECK(Words(Relabel(e.text, true)) != Words(en_help.entries[i].text));
      ++entries;
    }
  }
  CHECK(entries > 100);
  // The locale chooses it too, and `ledger help COMMAND` is the same help.
  RunOptions chinese;
  chinese.env = {{"LANG", "zh_CN.UTF-8"}};
  const RunResult by_locale =
      RunLedger({"registry", "load", "--help"}, chinese);
  const RunResult by_flag =
      RunLedger({"--lang", "zh", "registry", "load", "--help"});
  CHECK(by_locale.out == by_flag.out);
  const RunResult help_command =
      RunLedger({"--lang=zh", "help", "registry", "load"});
  CHECK(help_command.exit_code == 0);
  CHECK(help_command.out.find("用法:") != std::string::npos);
  CHECK(HasChinese(ParseHelp(help_command.out).description));
}

TEST_CASE("lang: the English help is unchanged", "[e2e][lang]") {
  for (const auto& command : AllCommands()) {
    std::vector<std::string> args = command;
    args.push_back("--help");
    std::vector<std::string> en = args;
    en.insert(en.begin(), {"--lang", "en"});
    RunOptions english_locale;
    english_locale.env = {{"LANG", "en_US.UTF-8"}};
    const RunResult plain = RunLedger(args);  // no locale: English
    INFO("ledger " << absl::StrJoin(command, " ") << " --help\n" << plain.out);
    CHECK(plain.exit_code == 0);
    CHECK(RunLedger(en).out == plain.out);
    CHECK(RunLedger(args, english_locale).out == plain.out);
    CHECK(plain.out.find("Usage:") != std::string::npos);
    CHECK(plain.out.find("用法") == std::string::npos);
    CHECK(plain.out.find("选项") == std::string::npos);
    // Descriptions in English (Chinese appears only as examples inside).
    for (const HelpEntry& e : ParseHelp(plain.out).entries) {
      INFO(e.text);
      CHECK(std::count_if(e.text.begin(), e.text.end(), [](char c) {
              return absl::ascii_isalpha(static_cast<unsigned char>(c));
            }) > 3);
    }
  }
  const RunResult top = RunLedger({"--help"});
  CHECK(top.out.find("Print this help message and exit") != std::string::npos);
  CHECK(top.out.find("Kafka mode: run a request processor") !=
        std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
