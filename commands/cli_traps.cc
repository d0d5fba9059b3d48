// What keeps the `ledger` command line from trapping its user (issue 13):
// `ledger help [COMMAND...]`, "did you mean" for a mistyped subcommand, and
// the validators the subcommands share (cli.h).
#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/cli.h"

namespace xueji {
namespace {

// Optimal string alignment distance (Levenshtein with adjacent
// transpositions: "shwo" is one step from "show").
int EditDistance(const std::string& a, const std::string& b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] =
          std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[n][m];
}

// The command line's path of chosen subcommands: "ledger registry".
std::string PathOf(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* a = app; a != nullptr; a = a->get_parent()) {
    names.insert(names.begin(), a->get_name());
  }
  return absl::StrJoin(names, " ");
}

}  // namespace

std::string UnknownCommandHint(CLI::App& app) {
  // The deepest subcommand the user reached: its leftovers are what it did
  // not know.
  CLI::App* at = &app;
  for (bool deeper = true; deeper;) {
    deeper = false;
    for (CLI::App* sub : at->get_subcommands()) {
      at = sub;
      deeper = true;
      break;
    }
  }
  if (at->get_subcommands({}).empty()) return "";  // takes no subcommand
  // What it did not take (with fallthrough, a word may end up with a parent).
  std::vector<std::string> left;
  for (const CLI::App* a = at; a != nullptr && left.empty();
       a = a->get_parent()) {
    left = a->remaining();
  }
  auto word = std::find_if(left.begin(), left.end(), [](const std::string& s) {
    return !s.empty() && s[0] != '-';
  });
  if (word == left.end()) return "";
  const std::string given = absl::AsciiStrToLower(*word);
  std::vector<std::string> names, close;
  int best = 3;  // at most two edits away
  for (const CLI::App* sub : at->get_subcommands({})) {
    const std::string& name = sub->get_name();
    names.push_back(name);
    int d = EditDistance(given, name);
    if (name.size() > given.size() && given.size() >= 2 &&
        name.compare(0, given.size(), given) == 0) {
      d = std::min(d, 1);  // a prefix: "anom" for anomalies
    }
    if (d < best) {
      best = d;
      close = {name};
    } else if (d == best) {
      close.push_back(name);
    }
  }
  std::string hint =
      absl::StrCat(PathOf(at), ": unknown command '", *word, "'");
  if (!close.empty()) {
    absl::StrAppend(&hint, "; did you mean '", absl::StrJoin(close, "' or '"),
                    "'?");
  }
  absl::StrAppend(&hint, "\nCommands: ", absl::StrJoin(names, ", "), ". See '",
                  PathOf(at), " --help'.");
  return hint;
}

void AddHelpCommand(CLI::App& app, RunFn& run) {
  auto words = std::make_shared<std::vector<std::string>>();
  auto* help = app.add_subcommand(
      "help",
      "Print the help of ledger, or of COMMAND (ledger help registry load).");
  help->add_option("COMMAND", *words, "a command, and its subcommand");
  CLI::App* top = &app;
  help->callback([top, words, &run] {
    run = [top, words] {
      CLI::App* at = top;
      for (const std::string& word : *words) {
        CLI::App* sub = nullptr;
        try {
          sub = at->get_subcommand(word);
        } catch (const CLI::OptionNotFound&) {
        }
        if (sub == nullptr) {
          std::cerr << "ledger: help: " << PathOf(at) << " has no command '"
                    << word << "'\n";
          return static_cast<int>(kExitUsage);
        }
        at = sub;
      }
      // (App::help would print the help of the chosen subcommand: `help`.)
      std::cout << at->get_formatter()->make_help(at, PathOf(at),
                                                  CLI::AppFormatMode::Normal);
      return static_cast<int>(kExitOk);
    };
  });
}

CLI::Validator ExistingFileOrStdin() {
  return CLI::Validator(
      [](std::string& path) -> std::string {
        if (path == "-") return "";
        return CLI::ExistingFile(path);
      },
      "FILE|-");
}

std::vector<std::string> EnumNames(
    const google::protobuf::EnumDescriptor* type) {
  std::vector<std::string> names;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() != 0) names.push_back(type->value(i)->name());
  }
  return names;
}

}  // namespace xueji
