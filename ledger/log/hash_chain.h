// The per-partition SHA-256 hash chain over events' canonical bytes.
//
// canonical bytes = deterministic protobuf serialization of the Event with
// `hash` empty (partition, offset and prev_hash set). hash = SHA-256 of them.
// The first event of a partition has an empty prev_hash.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_LOG_HASH_CHAIN_H_
#define XUEJI_LEDGER_LOG_HASH_CHAIN_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "ledger/base/sha256.h"
#include "ledger/log/event_log.h"
#include "xueji/v1/events.pb.h"

namespace xueji {

// Deterministic serialization of `event` as is.
std::string CanonicalBytes(const xueji::v1::Event& event);

// Sets event->prev_hash = prev_hash and event->hash over its canonical bytes.
void SealEvent(std::string_view prev_hash, xueji::v1::Event* event);
// SealEvent, and returns the sealed event's CanonicalBytes, serializing the
// event once: the hash field is spliced into the bytes it was computed over
// (fields are written in number order).
std::string SealAndSerialize(std::string_view prev_hash,
                             xueji::v1::Event* event);

// One break found by VerifyLog.
struct ChainBreak {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string problem;  // e.g. "hash mismatch", "unparseable bytes"
};
struct VerifyReport {
  int64_t events_checked = 0;
  std::vector<int64_t> heads;            // head offsets the walk went to
  std::vector<std::string> head_hashes;  // hex, per partition
  std::vector<ChainBreak> breaks;
};

struct VerifyOptions {
  // true (the embedded log): offsets are dense, a missing offset is a break
  // and the last event must sit just below the head offset. false (Kafka:
  // transaction markers take offsets): offsets need only increase strictly;
  // the prev_hash links still catch a missing event.
  bool dense_offsets = true;
  // false (the embedded log, which verify opens read-only): walk each
  // partition to its end; an event at or beyond the head offset is a break.
  // true (Kafka, where the processor may append while verify runs): take the
  // head offsets once, before the walk, and check only the events below
  // them; later appends are not looked at.
  bool stop_at_heads = false;
  // Called with every event the walk reads (in partition, offset order),
  // whether or not it passes: `ledger verify` checks the signatures of the
  // same pass (rules/signed_batch.h, SignatureAudit).
  std::function<void(const StoredEvent&)> visit;
};

// Checks every partition of `log` from offset 0 (to the head offsets taken
// at the start with options.stop_at_heads): bytes are canonical, each hash
// matches, each prev_hash is its predecessor's hash, offsets increase
// (densely unless options.dense_offsets is false).
absl::StatusOr<VerifyReport> VerifyLog(EventLog& log,
                                       const VerifyOptions& options = {});

// An EventLog that reads through `log` (not owned; it must outlive the
// result) and checks the chain of every event it returns, as VerifyLog does:
// canonical bytes, hash, prev_hash (against the predecessor's stored hash,
// read when a Read does not continue the previous one), dense offsets and
// routing. The first problem is a DataLoss naming partition and offset. So a
// projection built through it never applies an altered event. Appends pass
// through. For the embedded log (dense offsets).
std::unique_ptr<EventLog> ChainChecked(EventLog& log);

// VerifyLog's last check, for a reader that went through ChainChecked only
// up to the head offsets (a rebuild): nothing is stored at or beyond a
// partition's head offset. DataLoss naming the partition and head if it is.
absl::Status CheckNothingBeyondHeads(EventLog& log);

}  // namespace xueji

#endif  // XUEJI_LEDGER_LOG_HASH_CHAIN_H_
