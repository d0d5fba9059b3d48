// The compiled-in GB/T 2260 table (ledger/data/areas.tsv), parsed once.
#include "ledger/rules/areas.h"

#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "ledger/rules/embedded_data.h"

namespace xueji::data {
extern const char kAreasTsv[];
extern const unsigned long kAreasTsvSize;
}  // namespace xueji::data

namespace xueji {

struct AreaTable::Impl {
  std::map<std::string, std::string, std::less<>> names;  // code -> name
  size_t counties = 0;
  std::string version;
};

namespace {

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return !text.empty();
}

const AreaTable::Impl* Parse(std::string_view tsv) {
  auto* impl = new AreaTable::Impl;
  impl->version =
      ForEachTsvRow(tsv, [impl](std::string_view code, std::string_view name) {
        if (!AllDigits(code) || name.empty()) return;
        if (code.size() == 6) ++impl->counties;
        impl->names.emplace(code, name);
      });
  return impl;
}

// Prefecture rows that are placeholders, not names ("市辖区" of a
// municipality, "省直辖县级行政区划"): left out of full names.
bool IsPlaceholder(std::string_view name) {
  return name == "市辖区" || name == "县" || name.ends_with("直辖县级行政区划");
}

}  // namespace

const AreaTable& AreaTable::Default() {
  static const AreaTable* table = new AreaTable(Parse(
      std::string_view(xueji::data::kAreasTsv, xueji::data::kAreasTsvSize)));
  return *table;
}

bool AreaTable::IsCounty(std::string_view code6) const {
  return code6.size() == 6 && impl_->names.find(code6) != impl_->names.end();
}

bool AreaTable::IsProvince(std::string_view code2) const {
  return code2.size() == 2 && impl_->names.find(code2) != impl_->names.end();
}

std::string AreaTable::Name(std::string_view code) const {
  if (code.size() != 2 && code.size() != 4 && code.size() != 6) return "";
  auto own = impl_->names.find(code);
  if (own == impl_->names.end()) return "";
  std::string full;
  std::string_view last;
  for (size_t width = 2; width < code.size(); width += 2) {
    auto it = impl_->names.find(code.substr(0, width));
    if (it == impl_->names.end() || IsPlaceholder(it->second)) continue;
    if (!full.empty()) full += ' ';
    full += it->second;
    last = it->second;
  }
  if (own->second != last) {  // 东莞市 441900 repeats its prefecture's name
    if (!full.empty()) full += ' ';
    full += own->second;
  }
  return full;
}

std::string AreaTable::CanonicalRegion(std::string_view code) {
  if (code.size() != 6 || !AllDigits(code)) return std::string(code);
  if (code == "000000") return "00";
  if (code.substr(2) == "0000") return std::string(code.substr(0, 2));
  if (code.substr(4) == "00") return std::string(code.substr(0, 4));
  return std::string(code);
}

bool AreaTable::InRegion(std::string_view county, std::string_view given) {
  const std::string region = CanonicalRegion(given);
  if (region.empty() || region == "00") return true;
  if (region.size() != 2 && region.size() != 4 && region.size() != 6) {
    return false;
  }
  if (!AllDigits(region)) return false;
  return county.starts_with(region);
}

std::string_view AreaTable::version() const { return impl_->version; }

size_t AreaTable::county_count() const { return impl_->counties; }

std::vector<std::string> AreaTable::CountyCodes() const {
  std::vector<std::string> codes;
  codes.reserve(impl_->counties);
  for (const auto& [code, name] : impl_->names) {
    if (code.size() == 6) codes.push_back(code);
  }
  return codes;
}

}  // namespace xueji
