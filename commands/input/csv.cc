#include "commands/input/csv.h"

#include <errno.h>
#include <iconv.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace xueji {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kGb18030Bom = "\x84\x31\x95\x33";

struct IconvCloser {
  void operator()(void* cd) const { iconv_close(static_cast<iconv_t>(cd)); }
};

absl::StatusOr<std::string> FromGb18030(std::string_view bytes,
                                        const std::string& name) {
  iconv_t cd = iconv_open("UTF-8", "GB18030");
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return absl::FailedPreconditionError(
        "this system's iconv cannot convert GB18030 (glibc's gconv modules "
        "missing?)");
  }
  std::unique_ptr<void, IconvCloser> closer(cd);
  std::string out;
  out.resize(bytes.size() * 2 + 16);  // GB18030 -> UTF-8 grows at most 2x
  char* in_ptr = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  char* out_ptr = out.data();
  size_t out_left = out.size();
  while (in_left > 0) {
    if (iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left) !=
        static_cast<size_t>(-1)) {
      continue;
    }
    const int err = errno;
    const size_t offset = bytes.size() - in_left;
    if (err == E2BIG) {
      const size_t done = out.size() - out_left;
      out.resize(out.size() * 2);
      out_ptr = out.data() + done;
      out_left = out.size() - done;
      continue;
    }
    return absl::InvalidArgumentError(absl::StrCat(
        name, ": byte ", offset, err == EINVAL ? " ends in the middle of" : "",
        err == EINVAL ? " a character" : " is neither UTF-8 nor GB18030",
        " (save the file as UTF-8 or GB18030 text)"));
  }
  out.resize(out.size() - out_left);
  return out;
}

}  // namespace

absl::StatusOr<TextEncoding> ParseTextEncoding(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "auto") return TextEncoding::kAuto;
  if (lower == "utf-8" || lower == "utf8") return TextEncoding::kUtf8;
  if (lower == "gb18030" || lower == "gbk" || lower == "gb2312") {
    return TextEncoding::kGb18030;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "encoding \"", std::string(name), "\": use auto, utf-8 or gb18030"));
}

bool IsValidUtf8(std::string_view text, size_t* bad_offset) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    size_t len = 0;
    uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      if (bad_offset != nullptr) *bad_offset = i;
      return false;
    }
    if (i + len > n) {
      if (bad_offset != nullptr) *bad_offset = i;
      return false;
    }
    for (size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) {
        if (bad_offset != nullptr) *bad_offset = i;
        return false;
      }
      cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    const bool overlong =
        (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
    if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
      if (bad_offset != nullptr) *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

absl::StatusOr<std::string> DecodeText(std::string_view bytes,
                                       TextEncoding encoding,
                                       const std::string& name,
                                       std::string* used) {
  if (bytes.starts_with(kUtf8Bom)) {
    bytes.remove_prefix(kUtf8Bom.size());
    if (encoding == TextEncoding::kAuto) encoding = TextEncoding::kUtf8;
  } else if (bytes.starts_with(kGb18030Bom)) {
    bytes.remove_prefix(kGb18030Bom.size());
    if (encoding == TextEncoding::kAuto) encoding = TextEncoding::kGb18030;
  }
  size_t bad = 0;
  if (encoding != TextEncoding::kGb18030) {
    if (IsValidUtf8(bytes, &bad)) {
      if (used != nullptr) *used = "UTF-8";
      return std::string(bytes);
    }
    if (encoding == TextEncoding::kUtf8) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": byte ", bad,
                       " is not UTF-8 (a GB18030 file: --encoding gb18030)"));
    }
  }
  if (used != nullptr) *used = "GB18030";
  return FromGb18030(bytes, name);
}

absl::StatusOr<std::vector<CsvRecord>> ParseCsv(std::string_view text) {
  std::vector<CsvRecord> records;
  const size_t n = text.size();
  size_t i = 0;
  int64_t row = 0;
  while (i < n) {
    CsvRecord record;
    record.row = ++row;
    std::string field;
    bool record_done = false;
    while (!record_done) {
      field.clear();
      if (i < n && text[i] == '"') {  // a quoted field
        const int64_t opened_row = row;
        ++i;
        bool closed = false;
        while (i < n) {
          if (text[i] == '"') {
            if (i + 1 < n && text[i + 1] == '"') {
              field.push_back('"');
              i += 2;
              continue;
            }
            ++i;
            closed = true;
            break;
          }
          field.push_back(text[i++]);
        }
        if (!closed) {
          return absl::InvalidArgumentError(
              absl::StrCat("row ", opened_row,
                           ": a quoted field never ends (a \" is "
                           "missing)"));
        }
        // Anything between the closing quote and the separator is kept.
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          field.push_back(text[i++]);
        }
      } else {
        while (i < n && text[i] != ',' && text[i] != '\n' && text[i] != '\r') {
          field.push_back(text[i++]);
        }
      }
      record.cells.push_back(field);
      if (i >= n) {
        record_done = true;
      } else if (text[i] == ',') {
        ++i;
      } else {  // CR, LF or CRLF ends the record
        if (text[i] == '\r') ++i;
        if (i < n && text[i] == '\n') ++i;
        record_done = true;
      }
    }
    record.blank = true;
    for (const std::string& cell : record.cells) {
      if (cell.find_first_not_of(' ') != std::string::npos) {
        record.blank = false;
        break;
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

std::string CsvField(std::string_view value) {
  const bool quote =
      value.find_first_of(",\"\r\n") != std::string_view::npos ||
      (!value.empty() && (value.front() == ' ' || value.back() == ' '));
  if (!quote) return std::string(value);
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string CsvLine(const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) line.push_back(',');
    line += CsvField(cells[i]);
  }
  line += "\r\n";
  return line;
}

}  // namespace xueji
