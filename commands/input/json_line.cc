#include "commands/input/json_line.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "commands/input/fast_json.h"
#include "commands/input/strict_json.h"
#include "google/protobuf/util/json_util.h"

namespace xueji {
namespace {

bool IsJsonSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' ||
         c == '_' || c == ':' || c == '/' || c == '-';
}

bool IsDigitLike(char c) {
  return (c >= '0' && c <= '9') || c == 'X' || c == 'x';
}

}  // namespace

std::string RecoverRequestId(std::string_view line) {
  static constexpr std::string_view kKey = "\"requestId\"";
  // Each candidate is scanned forward from its own key; the spans scanned
  // after different keys do not overlap, so the whole scan is linear.
  for (size_t at = line.find(kKey); at != std::string_view::npos;
       at = line.find(kKey, at + 1)) {
    size_t p = at + kKey.size();
    while (p < line.size() && IsJsonSpace(line[p])) ++p;
    if (p == line.size() || line[p] != ':') continue;
    ++p;
    while (p < line.size() && IsJsonSpace(line[p])) ++p;
    if (p == line.size() || line[p] != '"') continue;
    const size_t start = ++p;
    while (p < line.size() && p - start <= 128 && IsIdChar(line[p])) ++p;
    const size_t len = p - start;
    if (p < line.size() && line[p] == '"' && len >= 1 && len <= 128) {
      return std::string(line.substr(start, len));
    }
  }
  return "";
}

std::string SafeParserMessage(std::string_view message) {
  message = message.substr(0, message.find('\n'));  // drop quoted input
  if (message.size() > 160) {
    size_t cut = 160;
    // Back up to the start of a UTF-8 sequence.
    while (cut > 0 &&
           (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) {
      --cut;
    }
    message = message.substr(0, cut);
  }
  std::string out;
  out.reserve(message.size());
  for (size_t i = 0; i < message.size();) {
    if (!IsDigitLike(message[i])) {
      out.push_back(message[i++]);
      continue;
    }
    size_t j = i;
    while (j < message.size() && IsDigitLike(message[j])) ++j;
    if (j - i >= 8) {
      out += "…";
    } else {
      out.append(message.substr(i, j - i));
    }
    i = j;
  }
  return out;
}

namespace {

bool ParseLine(std::string_view line, int64_t line_no, bool fast_path,
               google::protobuf::Message* message,
               xueji::v1::Result* malformed) {
  StrictJsonOptions strict;
  strict.protobuf_field_names = true;
  std::string problem = StrictJsonProblem(line, strict);
  if (problem.empty()) {
    // The common line takes the fast path; any other goes to protobuf's
    // parser, which answers it as it always has (fast_json.h).
    if (fast_path && FastJsonToMessage(line, message)) return true;
    message->Clear();
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = false;
    auto status = google::protobuf::util::JsonStringToMessage(
        google::protobuf::StringPiece(line.data(), line.size()), message,
        options);
    if (status.ok()) return true;
    problem = SafeParserMessage(
        std::string_view(status.message().data(), status.message().size()));
  } else {
    problem = absl::StrCat("not strict JSON: ", problem);
  }
  malformed->Clear();
  malformed->set_request_id(RecoverRequestId(line));
  malformed->set_status(xueji::v1::REJECTED);
  malformed->set_code(xueji::v1::MALFORMED_REQUEST);
  malformed->set_message(absl::StrCat("line ", line_no, ": not a valid ",
                                      message->GetDescriptor()->name(), ": ",
                                      problem));
  return false;
}

}  // namespace

bool ParseJsonLine(std::string_view line, int64_t line_no,
                   google::protobuf::Message* message,
                   xueji::v1::Result* malformed) {
  return ParseLine(line, line_no, true, message, malformed);
}

bool ParseJsonLineWithoutFastPath(std::string_view line, int64_t line_no,
                                  google::protobuf::Message* message,
                                  xueji::v1::Result* malformed) {
  return ParseLine(line, line_no, false, message, malformed);
}

xueji::v1::Result TooLongLineResult(std::string_view head, int64_t line_no,
                                    int64_t bytes, size_t limit) {
  xueji::v1::Result r;
  r.set_request_id(RecoverRequestId(head));
  r.set_status(xueji::v1::REJECTED);
  r.set_code(xueji::v1::MALFORMED_REQUEST);
  r.set_message(
      absl::StrCat("line ", line_no, ": longer than ", limit, " bytes (", bytes,
                   " bytes); lines are limited to ", limit, " bytes"));
  return r;
}

}  // namespace xueji
