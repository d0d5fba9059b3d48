// TextOf over a constexpr enum → text table.
#include "ledger/base/enum_text.h"

#include <catch2/catch.hpp>
#include <string_view>

namespace xueji {
namespace {

enum class Colour { kRed, kGreen, kBlue };

constexpr EnumText<Colour, std::string_view> kNames[] = {
    {Colour::kRed, "red"},
    {Colour::kGreen, "green"},
    {Colour::kRed, "crimson"},  // a later entry for the same value is unused
};

TEST_CASE("TextOf: the value's first entry, nullopt for a value without one") {
  STATIC_REQUIRE(*TextOf(kNames, Colour::kRed) == "red");
  CHECK(TextOf(kNames, Colour::kGreen) == "green");
  CHECK_FALSE(TextOf(kNames, Colour::kBlue).has_value());
  CHECK(TextOf(kNames, Colour::kBlue).value_or("other") == "other");
}

}  // namespace
}  // namespace xueji
