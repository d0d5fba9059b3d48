// CSV as spreadsheets save it (`ledger submit --format csv`, issue 13): the
// text decoded to UTF-8 from UTF-8 or GB18030 (iconv(3) of glibc), a byte
// order mark dropped, then RFC 4180 records: fields separated by commas,
// records by CRLF or LF, a field in double quotes may hold commas, line
// breaks and doubled quotes. Each record keeps its row number (1 = the first
// row, as a spreadsheet numbers it; a quoted line break does not start a
// row) so that every answer can name its row.
//
// Nothing here knows the templates (commands/csv_input.h does). Linear scans
// only; the whole file is held in memory (a spreadsheet export), capped.
//
// Thread-safety: pure functions.
#ifndef XUEJI_COMMANDS_INPUT_CSV_H_
#define XUEJI_COMMANDS_INPUT_CSV_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace xueji {

enum class TextEncoding {
  kAuto,     // UTF-8 if the bytes are valid UTF-8, else GB18030
  kUtf8,     // must be valid UTF-8
  kGb18030,  // GB18030 (a superset of GBK and GB2312), converted
};

// Parses "auto", "utf-8"/"utf8", "gb18030"/"gbk" (any case).
absl::StatusOr<TextEncoding> ParseTextEncoding(std::string_view name);

// Is `text` valid UTF-8 (no overlong forms, surrogates or values past
// U+10FFFF)? On false, *bad_offset (if given) is the first bad byte.
bool IsValidUtf8(std::string_view text, size_t* bad_offset = nullptr);

// `bytes` as UTF-8, a leading byte order mark (UTF-8's EF BB BF, or
// GB18030's 84 31 95 33) dropped. `*used` (if given) names the encoding read
// ("UTF-8" or "GB18030"). InvalidArgument naming `name` and the byte offset
// when the bytes are not text in the encoding.
absl::StatusOr<std::string> DecodeText(std::string_view bytes,
                                       TextEncoding encoding,
                                       const std::string& name,
                                       std::string* used = nullptr);

struct CsvRecord {
  int64_t row = 0;  // 1-based
  std::vector<std::string> cells;
  // Only commas and spaces: a spreadsheet's trailing empty row.
  bool blank = false;
};

// The records of `text` (UTF-8, no BOM). A quote that opens a field and
// never closes is InvalidArgument naming its row. A quote inside an unquoted
// field is kept as it is; a field is not trimmed.
absl::StatusOr<std::vector<CsvRecord>> ParseCsv(std::string_view text);

// One CSV field: quoted when it holds a comma, quote, CR or LF, or starts or
// ends with a space; quotes doubled.
std::string CsvField(std::string_view value);
// A CSV record line of `cells`, ending in CRLF (RFC 4180).
std::string CsvLine(const std::vector<std::string>& cells);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_INPUT_CSV_H_
