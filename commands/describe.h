// Human-readable descriptions of events and records for the CLI's tables.
// Never includes identity document numbers beyond what a student number
// already shows.
#ifndef XUEJI_COMMANDS_DESCRIBE_H_
#define XUEJI_COMMANDS_DESCRIBE_H_

#include <string>

#include "xueji/v1/events.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

// The payload's message name, e.g. "TransferRequested"; "?" if none.
std::string EventType(const xueji::v1::Event& event);
// One line saying what the event did.
std::string EventSummary(const xueji::v1::Event& event);
// "ENROLLED", or "ENROLLED (deferred until 2027-08-31)".
std::string StatusText(const xueji::v1::RecordState& record);
// "REGISTRAR op-k1 @350502001".
std::string ActorText(const xueji::v1::Actor& actor);
// The key that signed the event's batch: "ed25519:1b29a722b3cc29fe batch
// 4f0c2a9d", or "" for an event of no signed batch.
std::string SignerText(const xueji::v1::Event& event);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_DESCRIBE_H_
