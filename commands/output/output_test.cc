// Terminal escaping and tables (output.h).
#include "commands/output/output.h"

#include <catch2/catch.hpp>
#include <sstream>

namespace xueji {
namespace {

TEST_CASE("TerminalSafe shows what a terminal would act on") {
  CHECK(TerminalSafe("陈一鸣 moved") == "陈一鸣 moved");
  CHECK(TerminalSafe("a\x1b[2Jb") == "a\\u{1b}[2Jb");
  CHECK(TerminalSafe(std::string("\0\a\t\n\r\x7f", 6)) ==
        "\\u{0}\\u{7}\\u{9}\\u{a}\\u{d}\\u{7f}");
  CHECK(TerminalSafe("\xc2\x9b"
                     "31m") == "\\u{9b}31m");
  CHECK(TerminalSafe("x\u2028y\u2029z") == "x\\u{2028}y\\u{2029}z");
  CHECK(TerminalSafe("\u202eevil\u2066\u200f") ==
        "\\u{202e}evil\\u{2066}\\u{200f}");
  CHECK(TerminalSafe("\ufeffbom") == "\\u{feff}bom");
  CHECK(TerminalSafe("bad\xff\xfe") == "bad\\x{ff}\\x{fe}");
  CHECK(TerminalSafe("\xe9\x99") == "\\x{e9}\\x{99}");  // a cut character
}

TEST_CASE("Table escapes every cell and aligns on the escaped text") {
  Table t({"request", "what"});
  t.Add({"t-1\x1b[1A", "ok"});
  t.Add({"王", "\u202eRLO"});
  std::ostringstream out;
  t.Print(out);
  CHECK(out.str() ==
        "request       what\n"
        "------------  -----------\n"
        "t-1\\u{1b}[1A  ok\n"
        "王            \\u{202e}RLO\n");
  CHECK(out.str().find('\x1b') == std::string::npos);
}

}  // namespace
}  // namespace xueji
