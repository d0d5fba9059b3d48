// Output helpers for the CLI: result lines (JSONL), JSON of any message, and
// aligned text tables for terminals.
//
// Text for a terminal goes through TerminalSafe (Table does it for every
// cell): data already in a log, written before the text rule of
// ledger/request_form.h or by other means, cannot move the cursor, clear the
// screen or reorder what an auditor reads.
#ifndef XUEJI_COMMANDS_OUTPUT_OUTPUT_H_
#define XUEJI_COMMANDS_OUTPUT_OUTPUT_H_

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace xueji {

// Writes `text` to the new file `path`, mode 0600 whatever the umask, and
// fsyncs it. When `path` exists: returns `if_exists` and writes nothing (an
// output file — a digest, a hand-over file — is never overwritten); any
// other failure is Unavailable naming the file.
absl::Status WriteNewFile(const std::string& path, std::string_view text,
                          absl::Status if_exists);

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

// `text` with everything a terminal would not simply show written as a
// visible escape: the characters the text rule refuses (C0, DEL, C1, bidi
// controls, U+2028/2029) and a few other invisible format characters (U+FEFF,
// U+FFF9-FFFB, tags U+E0000-E007F, noncharacters U+FFFE/FFFF) as \u{1b},
// \u{202e}, ...; bytes that are not UTF-8 as \x{ff}. Other text is kept.
std::string TerminalSafe(std::string_view text);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_OUTPUT_OUTPUT_H_
