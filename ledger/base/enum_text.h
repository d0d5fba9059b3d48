// Enum → text tables: a constexpr array of {value, text} pairs and TextOf(),
// the one lookup over it, where a switch ladder would map each enum value to
// a name, a word or a letter and send every other value to one default.
//
//   constexpr EnumText<Colour, const char*> kNames[] = {{kRed, "red"}, ...};
//   const char* name = TextOf(kNames, colour).value_or("other");
//
// The tables are the caller's (immutable data). Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_BASE_ENUM_TEXT_H_
#define XUEJI_LEDGER_BASE_ENUM_TEXT_H_

#include <cstddef>
#include <optional>

namespace xueji {

template <typename Enum, typename Text>
struct EnumText {
  Enum value;
  Text text;
};

// The text of `value`'s first entry in `table`; nullopt where it has none.
template <typename Enum, typename Text, std::size_t N>
constexpr std::optional<Text> TextOf(const EnumText<Enum, Text> (&table)[N],
                                     Enum value) {
  for (const EnumText<Enum, Text>& entry : table) {
    if (entry.value == value) return entry.text;
  }
  return std::nullopt;
}

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_ENUM_TEXT_H_
