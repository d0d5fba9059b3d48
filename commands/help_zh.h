// Chinese help (issue 13): with --lang zh (or a zh_* locale) `ledger --help`,
// `ledger COMMAND --help` and `ledger help COMMAND` describe every command
// and option in Chinese. The subcommand files keep their English
// descriptions; TranslateHelp walks the finished CLI11 tree once, before
// parsing, and replaces each description (of the app, every subcommand and
// every option, help flags included), the footer, the group headings and
// CLI11's labels ("Usage", "OPTIONS", ...) by the Chinese the table in
// help_zh_table.cc gives for that exact English text. Option names, environment
// variable names, type names and choices stay as they are (they are typed).
//
// An English description the table does not know stays English, and
// tests/e2e_lang_test.cc, which walks every --help in Chinese, fails on it:
// changing a description means changing its translation too.
//
// Thread-safety: single-threaded CLI set-up.
#ifndef XUEJI_COMMANDS_HELP_ZH_H_
#define XUEJI_COMMANDS_HELP_ZH_H_

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "CLI/CLI.hpp"

namespace xueji {

// The language the command line asks for, before CLI11 parses it: the
// value of --lang (--lang zh, --lang=ZH) if given, else the locale's.
bool HelpInChinese(int argc, char** argv);

// Translates the help of `app` and everything under it (see above).
void TranslateHelp(CLI::App& app);

// The table (help_zh_table.cc): English description -> Chinese.
const std::map<std::string_view, std::string_view, std::less<>>&
ChineseHelpTable();

}  // namespace xueji

#endif  // XUEJI_COMMANDS_HELP_ZH_H_
