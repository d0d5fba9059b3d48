// One line of JSONL input into one protobuf message (a Request or a
// RegistryLine), strictly, and the MALFORMED_REQUEST answers for lines that
// cannot be read: not strict JSON (strict_json.h), not the message
// (protobuf's parser, unknown fields refused), longer than the line limit.
// Nothing here uses regular expressions: every scan is linear in the line.
//
// Thread-safety: pure functions.
#ifndef XUEJI_COMMANDS_INPUT_JSON_LINE_H_
#define XUEJI_COMMANDS_INPUT_JSON_LINE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "google/protobuf/message.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

// Parses `line` into `message`: strict JSON first, then protobuf's parser
// with unknown fields refused (through its fast path, fast_json.h, for the
// lines that takes). On failure fills `malformed` with a MALFORMED_REQUEST
// result ("line N: not a valid Request: ...", requestId recovered from the
// text when possible) and returns false.
bool ParseJsonLine(std::string_view line, int64_t line_no,
                   google::protobuf::Message* message,
                   xueji::v1::Result* malformed);
// The same with protobuf's parser for every line: what the tests hold
// ParseJsonLine equal to.
bool ParseJsonLineWithoutFastPath(std::string_view line, int64_t line_no,
                                  google::protobuf::Message* message,
                                  xueji::v1::Result* malformed);

// The answer to line `line_no`, `bytes` long, over the limit of `limit`
// bytes; `head` is its first bytes (for the requestId).
xueji::v1::Result TooLongLineResult(std::string_view head, int64_t line_no,
                                    int64_t bytes, size_t limit);

// Best effort: the requestId of a line that did not parse, so its answer can
// still be matched to it: the string value of the first "requestId" key, if
// it is 1-128 characters of A-Z a-z 0-9 . _ : / -; else "".
std::string RecoverRequestId(std::string_view line);

// A parser message fit for a result line: its first line, at most 160 bytes
// (cut on a UTF-8 boundary), runs of 8 or more [0-9Xx] (a document number?)
// replaced by "…".
std::string SafeParserMessage(std::string_view message);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_INPUT_JSON_LINE_H_
