// Deterministic protobuf serialization: the same message is always the same
// bytes (map entries sorted by key), on every run and every machine. What is
// hashed or signed (an event's canonical bytes in the hash chain, a registry
// line's request id, a digest's or an access-log entry's signed bytes) and
// what is compared as bytes (the views' rows) goes through it.
//
// Thread-safety: a pure function.
#ifndef XUEJI_LEDGER_BASE_DETERMINISTIC_H_
#define XUEJI_LEDGER_BASE_DETERMINISTIC_H_

#include <string>

#include "google/protobuf/message_lite.h"

namespace xueji {

// `message` serialized deterministically, as it is (no check of required
// fields: the ledger's protos are proto3).
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_DETERMINISTIC_H_
