// A fast path for protobuf's JSON parser, for the JSONL lines the CLI reads
// (requests, registry lines). protobuf's JsonStringToMessage goes through a
// type resolver, a JSON stream parser and an object writer that produces the
// binary form, which is then parsed again: ~130 k instructions a request
// line. This reader fills the message directly through its Reflection.
//
// It takes only what it can give exactly as JsonStringToMessage (unknown
// fields refused) gives it — one JSON object; keys by JSON name or proto
// name; nested messages; strings without escapes (valid UTF-8); enums by
// name; integers bare or quoted, in the field's range; true and false;
// arrays of those for repeated fields — and declines everything else: null,
// an unknown or repeated key, a second member of a oneof, a backslash in a
// string, floats, bytes, maps, well-known types, a number where a string is
// expected, text after the object. A declined line goes to protobuf's parser,
// so its answer (and every error message) is the one it has always had.
//
// Thread-safety: pure function.
#ifndef XUEJI_COMMANDS_INPUT_FAST_JSON_H_
#define XUEJI_COMMANDS_INPUT_FAST_JSON_H_

#include <string>
#include <string_view>

#include "google/protobuf/message.h"

namespace xueji {

// Clears `message` and parses `json` into it. True: `message` is what
// JsonStringToMessage (ignore_unknown_fields false) makes of `json`, its
// serialized bytes equal. False: not handled here; `message` holds a partial
// parse and must be cleared (or parsed by protobuf) before use.
bool FastJsonToMessage(std::string_view json,
                       google::protobuf::Message* message);

// For the tests and the differential fuzz target: parses `json` both ways
// into new messages of `prototype`'s type. "" when the fast path declines or
// both give the same serialized bytes; else what differs.
std::string FastJsonMismatch(std::string_view json,
                             const google::protobuf::Message& prototype);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_INPUT_FAST_JSON_H_
