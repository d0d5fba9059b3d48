// CSV records and text decoding: RFC 4180 quoting, row numbers across quoted
// line breaks, blank rows, BOMs, UTF-8 validation and GB18030 through iconv.
#include "commands/input/csv.h"

#include <catch2/catch.hpp>

namespace xueji {
namespace {

std::vector<std::vector<std::string>> Cells(std::string_view text) {
  auto records = ParseCsv(text);
  REQUIRE(records.ok());
  std::vector<std::vector<std::string>> out;
  for (const auto& r : *records) out.push_back(r.cells);
  return out;
}

TEST_CASE("csv: fields, quotes, CRLF and rows") {
  CHECK(Cells("a,b,c\r\n1,2,3\r\n") == std::vector<std::vector<std::string>>{
                                           {"a", "b", "c"}, {"1", "2", "3"}});
  CHECK(Cells("a,\"b,c\",\"say \"\"hi\"\"\"\nx,,\n") ==
        std::vector<std::vector<std::string>>{{"a", "b,c", "say \"hi\""},
                                              {"x", "", ""}});
  // No newline at the end; a lone CR ends a record too.
  CHECK(Cells("a,b\rc,d") ==
        std::vector<std::vector<std::string>>{{"a", "b"}, {"c", "d"}});
  // A quoted line break stays in the field and does not start a row.
  auto records = ParseCsv("h1,h2\n\"two\nlines\",x\nlast,y\n");
  REQUIRE(records.ok());
  REQUIRE(records->size() == 3);
  CHECK((*records)[1].cells[0] == "two\nlines");
  CHECK((*records)[1].row == 2);
  CHECK((*records)[2].row == 3);
  // Spaces are kept; a quote inside an unquoted field is a character.
  CHECK(Cells(" a ,b\"c\n") ==
        std::vector<std::vector<std::string>>{{" a ", "b\"c"}});
}

TEST_CASE("csv: blank rows are marked, an open quote names its row") {
  auto records = ParseCsv("a,b\n\n,,\n1,2\n , \n");
  REQUIRE(records.ok());
  REQUIRE(records->size() == 5);
  CHECK_FALSE((*records)[0].blank);
  CHECK((*records)[1].blank);
  CHECK((*records)[2].blank);
  CHECK_FALSE((*records)[3].blank);
  CHECK((*records)[3].row == 4);
  CHECK((*records)[4].blank);
  auto open = ParseCsv("a,b\n1,\"never\n2,3\n");
  REQUIRE_FALSE(open.ok());
  CHECK(open.status().message().find("row 2") != std::string_view::npos);
}

TEST_CASE("csv: fields written are read back") {
  const std::vector<std::string> cells = {
      "plain", "a,b", "say \"x\"", "two\r\nlines", " padded", ""};
  const std::string line = CsvLine(cells);
  CHECK(line.ends_with("\r\n"));
  auto back = ParseCsv(line);
  REQUIRE(back.ok());
  REQUIRE(back->size() == 1);
  CHECK((*back)[0].cells == cells);
  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("a\"b") == "\"a\"\"b\"");
}

TEST_CASE("text: UTF-8 as it is, a BOM dropped, GB18030 converted") {
  std::string used;
  auto utf8 =
      DecodeText("\xEF\xBB\xBF姓名,性别\n", TextEncoding::kAuto, "f", &used);
  REQUIRE(utf8.ok());
  CHECK(*utf8 == "姓名,性别\n");
  CHECK(used == "UTF-8");
  // 姓名,性别 in GB18030 (GBK's two-byte forms) and an emoji (four bytes).
  const std::string gb = "\xD0\xD5\xC3\xFB,\xD0\xD4\xB1\xF0 \x94\x39\xFC\x36\n";
  auto converted = DecodeText(gb, TextEncoding::kAuto, "f", &used);
  REQUIRE(converted.ok());
  CHECK(*converted == "姓名,性别 😀\n");
  CHECK(used == "GB18030");
  auto with_bom = DecodeText("\x84\x31\x95\x33" + gb, TextEncoding::kAuto, "f");
  REQUIRE(with_bom.ok());
  CHECK(*with_bom == *converted);
  // Forced UTF-8 refuses GB18030 bytes, naming the offset.
  auto forced = DecodeText(gb, TextEncoding::kUtf8, "in.csv");
  REQUIRE_FALSE(forced.ok());
  CHECK(forced.status().message().find("in.csv: byte 0") !=
        std::string_view::npos);
  // Bytes that are neither.
  auto junk = DecodeText("ok,\xFF\xFF\xFF\n", TextEncoding::kAuto, "x.csv");
  REQUIRE_FALSE(junk.ok());
  CHECK(junk.status().message().find("x.csv: byte 3") !=
        std::string_view::npos);
  // A character cut off at the end.
  auto cut = DecodeText("ab\xD0", TextEncoding::kGb18030, "c.csv");
  CHECK_FALSE(cut.ok());
}

TEST_CASE("text: UTF-8 validation") {
  CHECK(IsValidUtf8("plain ascii"));
  CHECK(IsValidUtf8("学籍 😀"));
  size_t at = 0;
  CHECK_FALSE(IsValidUtf8("ab\xC0\xAF", &at));  // overlong '/'
  CHECK(at == 2);
  CHECK_FALSE(IsValidUtf8("\xED\xA0\x80"));      // a surrogate
  CHECK_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xE5\xAD"));          // cut short
  CHECK(ParseTextEncoding("GBK").value() == TextEncoding::kGb18030);
  CHECK(ParseTextEncoding("UTF-8").value() == TextEncoding::kUtf8);
  CHECK_FALSE(ParseTextEncoding("latin1").ok());
}

}  // namespace
}  // namespace xueji
