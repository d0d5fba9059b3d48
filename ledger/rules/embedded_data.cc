#include "ledger/rules/embedded_data.h"

#include "absl/strings/ascii.h"

namespace xueji {
namespace {

// "chinese-days 1.5.7" from "# … from chinese-days 1.5.7 (MIT) …".
std::string VersionFromComment(std::string_view comment) {
  size_t from = comment.find("from ");
  if (from == std::string_view::npos) return std::string(comment);
  std::string_view rest = comment.substr(from + 5);
  return std::string(rest.substr(0, rest.find(" (")));
}

}  // namespace

std::string ForEachTsvRow(
    std::string_view tsv,
    const std::function<void(std::string_view, std::string_view)>& row) {
  std::string version;
  while (!tsv.empty()) {
    size_t eol = tsv.find('\n');
    std::string_view line = tsv.substr(0, eol);
    tsv.remove_prefix(eol == std::string_view::npos ? tsv.size() : eol + 1);
    while (!line.empty() &&
           absl::ascii_isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    if (line.starts_with('#')) {
      if (version.empty()) version = VersionFromComment(line);
      continue;
    }
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    row(line.substr(0, tab), line.substr(tab + 1));
  }
  return version;
}

}  // namespace xueji
