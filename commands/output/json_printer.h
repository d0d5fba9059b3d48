// A fast path for protobuf's MessageToJsonString (one line, lowerCamelCase
// names, defaults omitted), for the result lines the CLI writes: protobuf's
// printer serializes the message, then reads the bytes back through a type
// resolver and an object writer (~26 k instructions a Result). This writer
// walks the message through its reflection.
//
// It writes only what it can write exactly as protobuf 3.21's printer does —
// set fields in field-number order; strings (valid UTF-8, escaped with
// protobuf's table: control characters, '"', '\\', '<', '>', DEL, C1
// controls and a few invisible format characters); enums by name; int32 and
// uint32 as numbers, int64 and uint64 in quotes; bools; nested messages —
// and declines everything else (repeated fields, maps, floats, bytes,
// well-known types, an enum number with no name, text that is not UTF-8),
// which ToJsonLine then prints through protobuf as before.
//
// Thread-safety: pure function.
#ifndef XUEJI_COMMANDS_OUTPUT_JSON_PRINTER_H_
#define XUEJI_COMMANDS_OUTPUT_JSON_PRINTER_H_

#include <string>

#include "google/protobuf/message.h"

namespace xueji {

// Appends `message` as one line of protobuf JSON to `out` and returns true,
// or returns false (declined; `out` may hold part of it).
bool FastMessageToJsonLine(const google::protobuf::Message& message,
                           std::string* out);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_OUTPUT_JSON_PRINTER_H_
