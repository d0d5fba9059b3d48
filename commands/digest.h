// Anchored history (issue 9, docs/accountability.md "Anchored history"):
// `ledger digest` takes a LedgerDigest (proto/xueji/v1/requests.proto) of a
// log -- the ledger id, the time by the ledger's clock, every partition's
// next offset and the hash of the event just below it -- signed with an
// operator's Ed25519 key over "xueji.v1.LedgerDigest" NUL + the digest's
// deterministic bytes with `signature` empty. Kept outside the machine, it
// lets `ledger verify --digest FILE` prove later that the log has not been
// rewritten since: the event at each signed head must still be there, with
// that hash, on an intact chain -- a regenerated or resealed history has
// other hashes.
//
// The signer's key is checked against the keys the log itself registered
// for the signer (its OperatorRegistered / OperatorKeyAdded events, sealing
// revokes; the root's from LedgerInitialized), valid at the digest's time.
//
// The functions work on any EventLog (the embedded one, Kafka's); they read
// and never write it. Thread-safety: as the EventLog.
#ifndef XUEJI_COMMANDS_DIGEST_H_
#define XUEJI_COMMANDS_DIGEST_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/base/ed25519.h"
#include "ledger/log/event_log.h"
#include "ledger/log/hash_chain.h"
#include "xueji/v1/common.pb.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

inline constexpr char kLedgerDigestDomain[] = "xueji.v1.LedgerDigest";

// What the log's first event (LedgerInitialized, subject "ledger:") says.
struct LedgerIdentity {
  bool initialized = false;  // false: a ledger from before `ledger init`
  xueji::v1::LedgerMode mode = xueji::v1::LEDGER_MODE_UNSPECIFIED;
  std::string ledger_id;
  std::string root_operator;
  std::string root_public_key;  // raw 32 bytes
  std::string recorded_at;      // RFC 3339
};
absl::StatusOr<LedgerIdentity> ReadLedgerIdentity(EventLog& log);

// The bytes a digest's signature covers (before domain separation): the
// deterministic serialization of `digest` with `signature` empty.
std::string DigestSignedBytes(const xueji::v1::LedgerDigest& digest);

// Every partition's head now: next_offset = the offset after its last event
// (0 and no hash when it has none) and that event's hash in hex, checked
// against the event's bytes (DataLoss naming partition and offset if not).
absl::StatusOr<std::vector<xueji::v1::PartitionHead>> TakeHeads(EventLog& log);

// An Ed25519 key the log registered for an operator, and when it signs:
// from its registration until a newer key supersedes it or sealing revokes
// it (`until`).
struct RegisteredKey {
  std::string key_id;
  std::string public_key;  // raw 32 bytes
  absl::Time from = absl::InfinitePast();
  std::optional<absl::Time> until;
};
// The keys of operator `id` in the order the log registered them (reads the
// operator's partition; the root's key comes from `identity`).
absl::StatusOr<std::vector<RegisteredKey>> KeysOfOperator(
    EventLog& log, const LedgerIdentity& identity, const std::string& id);
// The operator whose registered key has `key_id`, reading the whole log;
// nullopt when none.
absl::StatusOr<std::optional<std::string>> FindKeyHolder(
    EventLog& log, const LedgerIdentity& identity, const std::string& key_id);

// Signs `digest` (signer and key id set from `signer` and `key`).
absl::Status SignDigest(const Ed25519PrivateKey& key, const std::string& signer,
                        xueji::v1::LedgerDigest* digest);

// `ledger verify --digest`: what matched (`lines`, for stdout) and what did
// not (`problems`, each naming the partition or the signature; empty = the
// log still holds the history the digest anchored). `report` is VerifyLog's
// report on the same log (its breaks below a signed head are problems too).
struct DigestFindings {
  std::vector<std::string> lines;
  std::vector<std::string> problems;
  std::vector<std::string> notes;
};
absl::StatusOr<DigestFindings> CheckDigest(
    EventLog& log, const VerifyReport& report,
    const xueji::v1::LedgerDigest& digest);

// A digest file (protobuf JSON, as `ledger digest` writes it).
// InvalidArgument naming the file for anything else; NotFound if missing.
absl::StatusOr<xueji::v1::LedgerDigest> ReadDigestFile(const std::string& path);
// Writes a new file, mode 0600, fsynced; AlreadyExists if `path` exists (a
// digest is an anchor: never overwritten).
absl::Status WriteDigestFile(const std::string& path, const std::string& text);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_DIGEST_H_
