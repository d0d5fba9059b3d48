// Output helpers for the CLI: result lines (JSONL), JSON of any message, and
// aligned text tables for terminals.
#ifndef XUEJI_COMMANDS_OUTPUT_H_
#define XUEJI_COMMANDS_OUTPUT_H_

#include <ostream>
#include <string>
#include <vector>

#include "google/protobuf/message.h"

namespace xueji {

// One-line protobuf JSON (lowerCamelCase, defaults omitted).
std::string ToJsonLine(const google::protobuf::Message& message);
// Multi-line, indented protobuf JSON.
std::string ToJsonPretty(const google::protobuf::Message& message);

// A text table: columns sized to their widest cell (display width, so CJK
// characters count as two).
class Table {
 public:
  explicit Table(std::vector<std::string> header)
      : header_(std::move(header)) {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print(std::ostream& out) const;
  size_t size() const { return rows_.size(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Terminal display width of UTF-8 text (East Asian wide = 2).
size_t DisplayWidth(const std::string& utf8);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_OUTPUT_H_
