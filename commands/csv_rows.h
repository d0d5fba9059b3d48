// Private to the CSV templates (commands/csv_input.h): one template row and
// the request it makes. csv_input.cc reads the file and its header into Rows;
// csv_rows.cc turns each Row into an Admit or a change request. Not a public
// interface: only those two files include it.
//
// Thread-safety: pure functions; a Row is a value.
#ifndef XUEJI_COMMANDS_CSV_ROWS_H_
#define XUEJI_COMMANDS_CSV_ROWS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>

#include "xueji/v1/requests.pb.h"

namespace xueji::csv_internal {

// One row of a template: its cells by column name.
class Row {
 public:
  Row(int64_t row, std::map<std::string, std::string> cells)
      : row_(row), cells_(std::move(cells)) {}
  const std::string& Get(const std::string& name) const {
    static const std::string* empty = new std::string;
    auto it = cells_.find(name);
    return it == cells_.end() ? *empty : it->second;
  }
  bool Has(const std::string& name) const { return !Get(name).empty(); }
  const std::map<std::string, std::string>& cells() const { return cells_; }
  int64_t row() const { return row_; }

 private:
  int64_t row_;
  std::map<std::string, std::string> cells_;
};

// A row's problem: the message after "row N: ".
using RowError = std::string;

// The Admit of an admission-template row, or the row's problem.
std::optional<RowError> AdmissionRequest(const Row& r,
                                         xueji::v1::Request* request);

// The request of a change-template row (its `action` column names the
// change), or the row's problem.
std::optional<RowError> ChangeRequest(const Row& r,
                                      xueji::v1::Request* request);

}  // namespace xueji::csv_internal

#endif  // XUEJI_COMMANDS_CSV_ROWS_H_
