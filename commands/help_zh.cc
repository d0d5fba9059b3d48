#include "commands/help_zh.h"

#include <cstring>
#include <functional>
#include <map>
#include <string_view>

#include "commands/output/lang.h"

namespace xueji {
namespace {

using Table = std::map<std::string_view, std::string_view, std::less<>>;

const Table& Descriptions() { return ChineseHelpTable(); }

// CLI11's own words in the help it formats.
const Table& Labels() {
  static const auto* table = new Table{
      {"Usage", "用法"},           {"OPTIONS", "选项"},
      {"SUBCOMMAND", "子命令"},    {"SUBCOMMANDS", "子命令"},
      {"Positionals", "位置参数"}, {"REQUIRED", "必填"},
      {"Env", "环境变量"},         {"Needs", "需要"},
      {"Excludes", "不可同用"},
  };
  return *table;
}

// Calls `visit` with every description of `app` and below, and a function
// that replaces it.
void Walk(
    CLI::App& app,
    const std::function<void(const std::string&,
                             const std::function<void(std::string)>&)>& visit) {
  visit(app.get_description(),
        [&app](std::string text) { app.description(std::move(text)); });
  if (!app.get_footer().empty()) {
    visit(app.get_footer(),
          [&app](std::string text) { app.footer(std::move(text)); });
  }
  for (CLI::Option* option : app.get_options({})) {
    visit(option->get_description(),
          [option](std::string text) { option->description(std::move(text)); });
  }
  for (CLI::App* sub : app.get_subcommands({})) Walk(*sub, visit);
}

std::string_view Lookup(const Table& table, std::string_view english) {
  auto it = table.find(english);
  return it == table.end() ? std::string_view() : it->second;
}

}  // namespace

bool HelpInChinese(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    std::optional<Lang> lang;
    if (arg == "--lang" && i + 1 < argc) {
      lang = ParseLang(argv[i + 1]);
    } else if (arg.starts_with("--lang=")) {
      lang = ParseLang(arg.substr(std::strlen("--lang=")));
    } else {
      continue;
    }
    if (lang.has_value()) return *lang == Lang::kZh;
  }
  return LangFromLocale() == Lang::kZh;
}

void TranslateHelp(CLI::App& app) {
  Walk(app, [](const std::string& english,
               const std::function<void(std::string)>& set) {
    if (std::string_view zh = Lookup(Descriptions(), english); !zh.empty()) {
      set(std::string(zh));
    }
  });
  // Group headings: every option's and subcommand's.
  std::function<void(CLI::App&)> groups = [&groups](CLI::App& at) {
    for (CLI::Option* option : at.get_options({})) {
      if (option->get_group() == "Options") option->group("选项");
    }
    for (CLI::App* sub : at.get_subcommands({})) {
      if (sub->get_group() == "Subcommands") sub->group("子命令");
      groups(*sub);
    }
  };
  groups(app);
  // One formatter is shared by the whole tree (subcommands take their
  // parent's).
  auto formatter = app.get_formatter();
  for (const auto& [english, zh] : Labels()) {
    formatter->label(std::string(english), std::string(zh));
  }
}

}  // namespace xueji
