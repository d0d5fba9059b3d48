// String helpers for Debian's abseil, whose absl::string_view is its own type,
// distinct from std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW is 0):
// absl::StrCat and friends take absl::string_view, the ledger passes
// std::string_view. Av() converts; Cat() is absl::StrCat taking both.
// AppendUtf8() encodes one code point.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_BASE_STRINGS_H_
#define XUEJI_LEDGER_BASE_STRINGS_H_

#include <cstdint>
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

// Appends code point `cp` (at most 0x10FFFF; surrogates are the caller's
// business) as UTF-8.
inline void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_STRINGS_H_
