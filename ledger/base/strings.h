// String helpers for Debian's abseil, whose absl::string_view is its own type,
// distinct from std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0):
// absl::StrCat and friends take absl::string_view, the ledger passes
// std::string_view. Av() converts; Cat() is absl::StrCat taking both.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_BASE_STRINGS_H_
#define XUEJI_LEDGER_BASE_STRINGS_H_

#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace xueji {

inline absl::string_view Av(std::string_view s) { return {s.data(), s.size()}; }

template <typename T>
decltype(auto) AsPiece(const T& value) {
  if constexpr (std::is_convertible_v<const T&, std::string_view> &&
                !std::is_convertible_v<const T&, absl::string_view>) {
    return Av(value);
  } else {
    return (value);
  }
}

// absl::StrCat that also takes std::string_view.
template <typename... Args>
std::string Cat(const Args&... args) {
  return absl::StrCat(AsPiece(args)...);
}

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_STRINGS_H_
