// A strict RFC 8259 JSON check, run on every input line before protobuf's
// JSON parser (which also accepts trailing commas, single quotes, unquoted
// keys and duplicate keys, the last one silently winning).
//
// Accepted: exactly one JSON value with optional surrounding whitespace
// (space, tab, CR, LF); strings in double quotes with the RFC's escapes, no
// raw control characters, valid UTF-8 and no unpaired surrogate escapes;
// numbers in the RFC's grammar; true, false, null. Refused: everything else,
// duplicate keys in one object, and nesting deeper than `max_depth`.
// The check is iterative (no recursion), linear in the input, and its
// messages give a byte offset but never quote the input.
//
// Thread-safety: pure function.
#ifndef XUEJI_COMMANDS_INPUT_STRICT_JSON_H_
#define XUEJI_COMMANDS_INPUT_STRICT_JSON_H_

#include <string>
#include <string_view>

namespace xueji {

struct StrictJsonOptions {
  int max_depth = 32;  // objects and arrays nested
  // Treat "snake_case" and "snakeCase" as the same key when looking for
  // duplicates: protobuf's parser takes both spellings of a field.
  bool protobuf_field_names = false;
};

// "" if `text` is strict JSON; else what is wrong and where, e.g.
// "trailing comma before '}' at byte 57".
std::string StrictJsonProblem(std::string_view text,
                              const StrictJsonOptions& options = {});

}  // namespace xueji

#endif  // XUEJI_COMMANDS_INPUT_STRICT_JSON_H_
