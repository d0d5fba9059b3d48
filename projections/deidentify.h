// De-identification of an approved export (issue 10, item 5; Art. 22
// 脱敏或匿名化; docs/design.md, "De-identified export (Art. 22)").
//
// Deidentify turns records into an ExportFile (views.proto) that carries no
// name, identity document number or student number:
//   - each child is a pseudonym: the first 32 hex digits of HMAC-SHA-256,
//     keyed by the export's secret, of the record's subject ("stu:<first
//     number>", the same under every later number). The caller draws a fresh
//     random secret per export and never stores it, so a pseudonym is stable
//     within one file and unlinkable across files (and to the number);
//   - only the columns the approved request named (rules/export_fields.h),
//     dates coarsened to year-month;
//   - k-anonymity at min_cell: the children are grouped by the values of
//     every named field (a cell); a cell of fewer than min_cell children is
//     suppressed with its rows, so no combination of published values
//     narrows down fewer than min_cell children. Only the number of
//     suppressed cells is given (their counts, and a total that would let
//     them be recovered by subtraction, are not).
//
// Thread-safety: pure functions.
#ifndef XUEJI_PROJECTIONS_DEIDENTIFY_H_
#define XUEJI_PROJECTIONS_DEIDENTIFY_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "xueji/v1/state.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji {

// One record of the export's region and its kindergarten's county.
struct ExportSource {
  xueji::v1::RecordState record;
  std::string county;
};

struct ExportSpec {
  std::vector<std::string> fields;  // each IsExportField
  int min_cell = 5;                 // >= 1
  std::string secret;               // the per-export key: >= 16 random bytes
};

// The pseudonym of a record subject under `secret`: 32 lowercase hex digits.
std::string Pseudonym(std::string_view secret, std::string_view subject);

// Cells, rows and suppressed_cells of the export (the caller fills the
// request's metadata). InvalidArgument for an unknown field, a secret
// shorter than 16 bytes or min_cell < 1.
absl::StatusOr<xueji::v1::ExportFile> Deidentify(
    const ExportSpec& spec, const std::vector<ExportSource>& sources);

// Does the record belong in an export: established once (not a PENDING
// admission, not an admission the county rejected)?
bool IsExportable(const xueji::v1::RecordState& record);

}  // namespace xueji

#endif  // XUEJI_PROJECTIONS_DEIDENTIFY_H_
