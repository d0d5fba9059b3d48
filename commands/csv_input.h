// `ledger submit --format csv FILE`: the spreadsheet templates of
// docs/csv-templates.md read into requests (issue 13).
//
// Two templates, told apart by their header row (English or Chinese names,
// mixed if need be): the admission template (入园登记: one Admit per row) and
// the change template (学籍变动: an `action` column names the change of each
// row). The English names are the request's JSON field names flattened
// (requestId, actor, occurredOn, kindergarten, name, gender, birthDate,
// idType, idNumber, entryDate, ...). A header that names an unknown or
// repeated column, or lacks a required one, refuses the whole file (exit 2).
//
// The rows become the lines of a JSONL text that the ordinary submit path
// reads (commands/jsonl_batch.h): line N is row N, so every answer names its
// row (Result.row); the header and blank rows are empty lines (no answer). A
// row that cannot be a request (a cell count unlike the header's, a gender or
// document type or action not in the template's lists, an identity number
// that a spreadsheet turned into a rounded number) is answered
// MALFORMED_REQUEST "row N: ..." without being submitted; the other rows are
// submitted. Messages name columns, never identity numbers.
//
// Ownership: a CsvRequests owns its text and answers. Thread-safety: none.
#ifndef XUEJI_COMMANDS_CSV_INPUT_H_
#define XUEJI_COMMANDS_CSV_INPUT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "commands/input/csv.h"
#include "commands/input/line_reader.h"
#include "commands/jsonl_batch.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

enum class CsvTemplate { kAdmission, kChange };

struct CsvRequests {
  CsvTemplate kind = CsvTemplate::kAdmission;
  std::string encoding;  // as read: "UTF-8" or "GB18030"
  int64_t rows = 0;      // data rows (blank ones not counted)
  std::string jsonl;     // line N = row N
  // The answers of the rows that could not be requests, by row.
  std::map<int64_t, xueji::v1::Result> bad_rows;
};

// The template's rows of `text` (UTF-8, no BOM). InvalidArgument naming the
// column (or the row of an unclosed quote) for a file that is not a template.
absl::StatusOr<CsvRequests> ReadCsvRequests(std::string_view text);

// Reads FILE (or standard input for "-"), decodes it, reads the template.
// Files over `max_bytes` are refused (a template is read whole).
absl::StatusOr<CsvRequests> ReadCsvRequestFile(const std::string& path,
                                               TextEncoding encoding,
                                               size_t max_bytes = 256 << 20);

// The column names of a template in order: English (JSON) and Chinese.
struct CsvColumn {
  const char* name;  // JSON field name, as in the English header
  const char* zh;    // the Chinese header
  bool required;     // must be in the header
};
const std::vector<CsvColumn>& CsvColumns(CsvTemplate kind);

// The input of `submit`: a LineReader over the requests (the file itself for
// JSONL, the converted text for CSV) and, for CSV, the rows' answers.
struct RequestInput {
  std::unique_ptr<LineReader> reader;
  std::shared_ptr<CsvRequests> csv;  // null for JSONL
};
absl::StatusOr<RequestInput> OpenRequestInput(const std::string& path, bool csv,
                                              TextEncoding encoding);
// The pipeline's checks for `input`: the form checks ("line N: " or "row N:
// "), and for CSV the rows' own answers and row numbers on every result.
void ConfigureRequestPipeline(const RequestInput& input,
                              JsonlPipeline<xueji::v1::Request>* pipeline);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_CSV_INPUT_H_
