// Signed batches (docs/accountability.md, "Keys and signed batches"): the
// one owner of how a batch is signed, named and recorded.
//
//   RequestBatch { signer, key_id, nonce, created_at, requests | lines }
//   SignedBatch  { body = the RequestBatch's bytes,
//                  signature = Ed25519("xueji.v1.RequestBatch" NUL body) }
//
// A batch's id is the first 32 hex digits of SHA-256 of its body. The log
// keeps an authentic batch (BatchSigned: signer, key id, body, signature) in
// the envelope of the first event its requests produced (`signed_batch`),
// all of which carry `batch` and `key_id`; logs written before session 10
// kept it as an event of its own (subject "sig:<id>", request id
// "batch:<id>"). A refused batch is a BatchRefused event (subject
// "sig:<id>", request id "refused:<id>", recorded once per body).
//
// SignatureAudit is `ledger verify`'s offline check of every signature in a
// log: fed every event (in any partition order), it checks each kept batch
// against the key the log registered for its signer at that time, and each
// event with a `batch` against that batch's body.
//
// Thread-safety: the functions are pure; a SignatureAudit has one owner.
#ifndef XUEJI_LEDGER_RULES_SIGNED_BATCH_H_
#define XUEJI_LEDGER_RULES_SIGNED_BATCH_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "ledger/base/ed25519.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

inline constexpr char kRequestBatchDomain[] = "xueji.v1.RequestBatch";

std::string BatchId(std::string_view body);                    // 32 hex digits
std::string BatchRequestId(std::string_view batch_id);         // "batch:<id>"
std::string RefusedBatchRequestId(std::string_view batch_id);  // "refused:"

// A fresh random nonce (32 hex digits), so two batches never share bytes.
std::string NewNonce();

// `ledger init`'s request for a development ledger, and for a production
// ledger whose national officer `root_id` ("" = "root") holds
// `root_public_key`; each with a fresh random ledger id.
xueji::v1::InitLedger DevelopmentLedger();
xueji::v1::InitLedger ProductionLedger(std::string_view root_id,
                                       std::string_view root_public_key);

// Serializes `batch` (its key_id set to the key's) and signs it with `key`.
// `signer` may be left empty: the processor finds the key's operator.
absl::StatusOr<xueji::v1::SignedBatch> SignBatch(xueji::v1::RequestBatch batch,
                                                 const Ed25519PrivateKey& key);

// One problem SignatureAudit found.
struct SignatureProblem {
  int32_t partition = 0;
  int64_t offset = 0;
  std::string problem;
};

class SignatureAudit {
 public:
  // Reads one event again (a BatchSigned whose key was registered in a
  // partition read after it).
  using Reread = std::function<absl::StatusOr<xueji::v1::Event>(
      int32_t partition, int64_t offset)>;

  // Every event of the log, each once, in any order across partitions (but
  // each partition in offset order).
  void Add(const xueji::v1::Event& event);
  // The problems, in (partition, offset) order. Call once, after the last
  // Add. A non-OK status: an event could not be read again.
  absl::StatusOr<std::vector<SignatureProblem>> Finish(const Reread& reread);

  int64_t batches_checked() const { return batches_checked_; }
  int64_t signed_events() const { return signed_events_; }
  bool initialised() const { return initialised_; }
  xueji::v1::LedgerMode mode() const { return mode_; }

 private:
  struct Position {
    int32_t partition = 0;
    int64_t offset = 0;
  };
  struct Key {
    std::string operator_id;
    std::string public_key;
    std::string registered_at;  // recorded_at of its registration
    // When and by which batch ("" unsigned) a later key or a sealing ended
    // it; "" = never.
    std::string superseded_at, superseded_by;
    std::string revoked_at, revoked_by;
  };
  struct Batch {
    bool seen = false;  // its BatchSigned was read
    std::string signer;
    std::vector<uint64_t> members;  // hashes of its requests' ids, sorted
  };
  struct Member {  // an event of a batch, checked at Finish
    uint32_t batch = 0;
    uint64_t request = 0;
    std::string actor;
    Position at;
  };
  struct Signed {  // a BatchSigned, its key checked at Finish
    std::string key_id;
    std::string signer;
    std::string batch_id;
    std::string recorded_at;
    bool signature_checked = false;
    Position at;
  };

  uint32_t Intern(const std::string& batch_id);
  void Problem(const xueji::v1::Event& event, std::string problem);
  void AddKey(const xueji::v1::Event& event, const std::string& operator_id,
              const std::string& public_key, const std::string& key_id);
  // `payload`: the event's own (a BatchSigned event, before session 10) or
  // its envelope's signed_batch (the first event of the batch).
  void AddBatch(const xueji::v1::Event& event,
                const xueji::v1::BatchSigned& payload);
  // OK, or why `batch` does not verify against `key`.
  static std::string CheckSignature(const xueji::v1::BatchSigned& batch,
                                    const Key& key);

  std::map<std::string, Key> keys_;                                // by key id
  std::map<std::string, std::vector<std::string>> operator_keys_;  // ids
  std::unordered_map<std::string, uint32_t> batch_index_;
  std::vector<Batch> batches_;
  std::vector<Member> members_;
  std::vector<Signed> signed_;
  std::vector<SignatureProblem> problems_;
  int64_t batches_checked_ = 0;
  int64_t signed_events_ = 0;
  int64_t unsigned_decisions_ = 0;        // events of no batch
  std::vector<Position> first_unsigned_;  // the first few of them
  bool initialised_ = false;
  xueji::v1::LedgerMode mode_ = xueji::v1::LEDGER_MODE_UNSPECIFIED;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_SIGNED_BATCH_H_
