// Reading the reference tables compiled into the binary (tools/embed.cmake):
// tab-separated "key<TAB>value" lines, '#' comment lines, the first comment
// naming the source ("... from <package> <version> (...)").
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_RULES_EMBEDDED_DATA_H_
#define XUEJI_LEDGER_RULES_EMBEDDED_DATA_H_

#include <functional>
#include <string>
#include <string_view>

namespace xueji {

// Calls `row(key, value)` for each data line of `tsv` (trailing whitespace
// trimmed; lines without a tab skipped) and returns the source version named
// by the first comment line ("" if none).
std::string ForEachTsvRow(
    std::string_view tsv,
    const std::function<void(std::string_view key, std::string_view value)>&
        row);

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_EMBEDDED_DATA_H_
