#include "commands/output/output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commands/output/json_printer.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/request_form.h"

namespace xueji {

absl::Status WriteNewFile(const std::string& path, std::string_view text,
                          absl::Status if_exists) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return if_exists;
    return absl::UnavailableError(
        absl::StrCat("cannot create ", path, ": ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return absl::UnavailableError(
          absl::StrCat("cannot write ", path, ": ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) {
    return absl::UnavailableError(absl::StrCat("cannot fsync ", path));
  }
  return absl::OkStatus();
}
namespace {

std::string ToJson(const google::protobuf::Message& message, bool pretty) {
  if (!pretty) {  // the common line through the fast path (json_printer.h)
    std::string line;
    line.reserve(128);
    if (FastMessageToJsonLine(message, &line)) return line;
  }
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = pretty;
  options.preserve_proto_field_names = false;
  std::string out;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) return "{\"error\":\"unprintable message\"}";
  if (pretty && !out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Decodes one UTF-8 code point at s[i]; advances i. Invalid bytes count as 1.
uint32_t NextCodePoint(const std::string& s, size_t& i) {
  unsigned char c = s[i];
  int len = c < 0x80         ? 1
            : (c >> 5) == 6  ? 2
            : (c >> 4) == 14 ? 3
            : (c >> 3) == 30 ? 4
                             : 1;
  if (i + len > s.size()) len = 1;
  uint32_t cp = len == 1 ? c : c & (0x7f >> len);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (s[i + k] & 0x3f);
  i += len;
  return cp;
}

bool IsWide(uint32_t cp) {
  return (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) ||
         (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) ||
         (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60) ||
         (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x20000 && cp <= 0x3fffd);
}

}  // namespace

std::string ToJsonLine(const google::protobuf::Message& message) {
  return ToJson(message, false);
}

std::string ToJsonPretty(const google::protobuf::Message& message) {
  return ToJson(message, true);
}

std::string TerminalSafe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t at = pos;
    uint32_t cp;
    if (!xueji::NextCodePoint(text, &pos, &cp)) {
      out += absl::StrFormat("\\x{%02x}", static_cast<unsigned char>(text[at]));
      pos = at + 1;
      continue;
    }
    const bool invisible = IsRefusedInText(cp) || cp == 0xFEFF ||
                           (cp >= 0xFFF9 && cp <= 0xFFFB) || cp == 0xFFFE ||
                           cp == 0xFFFF || (cp >= 0xE0000 && cp <= 0xE007F);
    if (invisible) {
      out += absl::StrFormat("\\u{%x}", cp);
    } else {
      out.append(text.substr(at, pos - at));
    }
  }
  return out;
}

size_t DisplayWidth(const std::string& utf8) {
  size_t width = 0;
  for (size_t i = 0; i < utf8.size();)
    width += IsWide(NextCodePoint(utf8, i)) ? 2 : 1;
  return width;
}

void Table::Print(std::ostream& out) const {
  // Every cell is escaped before it is measured or printed.
  auto safe = [](const std::vector<std::string>& row) {
    std::vector<std::string> cells;
    cells.reserve(row.size());
    for (const std::string& cell : row) cells.push_back(TerminalSafe(cell));
    return cells;
  };
  const std::vector<std::string> header = safe(header_);
  std::vector<std::vector<std::string>> rows;
  rows.reserve(rows_.size());
  for (const auto& row : rows_) rows.push_back(safe(row));
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t c = 0; c < row.size() && c < widths.size(); ++c)
      widths[c] = std::max(widths[c], DisplayWidth(row[c]));
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t c = 0; c < widths.size(); ++c) {
      const std::string cell = c < row.size() ? row[c] : "";
      line += cell;
      if (c + 1 < widths.size())
        line += std::string(widths[c] - DisplayWidth(cell) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << "\n";
  };
  print(header);
  std::vector<std::string> rule;
  for (size_t w : widths) rule.push_back(std::string(w, '-'));
  print(rule);
  for (const auto& row : rows) print(row);
}

}  // namespace xueji
