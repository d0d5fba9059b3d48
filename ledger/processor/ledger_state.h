// LedgerState: the decider state (records, kindergartens, operators and the
// indexes Decide needs) kept in a KvStore, folded from events by Apply. It is a
// projection of the log like any other: Apply(event) evolves the event's
// subject with the Evolve functions, maintains the indexes, records the
// request's Result (for idempotency by requestId) and advances the
// partition's checkpoint — all in the KvStore's overlay, so a RocksKv Commit
// makes state and checkpoint durable together.
//
// Key layout (one letter namespaces, documented in ledger_state.cc).
//
// Operator states are read for every request (the actor) and every event
// (its activity date). While a CallCache lives, LedgerState keeps the ones it
// read or wrote parsed in memory; it lives for one processor call, so what
// the KvStore's overlay discards on a failed call is never seen again. The
// policy versions, read by every decision, are kept the same way until a
// PolicySet is folded in.
//
// Thread-safety: none; one owner.
#ifndef XUEJI_LEDGER_PROCESSOR_LEDGER_STATE_H_
#define XUEJI_LEDGER_PROCESSOR_LEDGER_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/decide/decider.h"
#include "ledger/log/event_log.h"
#include "ledger/storage/kv.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

class LedgerState : public StateView {
 public:
  explicit LedgerState(KvStore* kv) : kv_(kv) {}  // kv not owned

  // Folds one event in (its partition/offset advance the checkpoint). Events
  // at or below the checkpoint are ignored, so replaying is harmless.
  absl::Status Apply(const xueji::v1::Event& event);

  // The first answer to a request id, if it was decided.
  absl::StatusOr<std::optional<xueji::v1::Result>> ResultFor(
      std::string_view request_id) const;
  // The same, with the operator it answered (the envelope's actor).
  absl::StatusOr<std::optional<xueji::v1::AnsweredRequest>> AnswerFor(
      std::string_view request_id) const;

  // The key prefixes LedgerState reads with ScanPrefix (for a store that
  // keeps keys in order only where asked: FoldKv::Options::ordered_prefixes).
  static std::vector<std::string> ScannedPrefixes();

  // Next offset to apply for a partition (0 if none applied).
  absl::StatusOr<int64_t> Checkpoint(int32_t partition) const;
  // Every partition's checkpoint (index = partition; as many as the state
  // has seen partitions): what the state has seen of the log.
  absl::StatusOr<std::vector<int64_t>> Checkpoints() const;

  // Keeps, for the length of one call (the processor's batches), the
  // operator states read or written, parsed, and the policy versions:
  // PolicyVersions scans the store once a call, not once a request. Once a
  // PolicySet is folded in during the call, every later PolicyVersions of the
  // call reads the store again (a discarded batch may take the new version
  // back).
  class CallCache {
   public:
    explicit CallCache(LedgerState* state) : state_(state) { Reset(true); }
    ~CallCache() { Reset(false); }
    CallCache(const CallCache&) = delete;
    CallCache& operator=(const CallCache&) = delete;

   private:
    void Reset(bool on) {
      state_->operators_.clear();
      state_->policy_versions_.reset();
      state_->cache_operators_ = on;
      state_->cache_policies_ = on;
    }
    LedgerState* state_;
  };

  // While a CallCache lives: caches `op` as operator `id`'s state
  // unless the cache holds `id` already. The caller vouches that `op` is
  // the committed state and nothing pending changed it (every change of an
  // operator during the call passes through the cache).
  void SeedOperator(std::string_view id, xueji::v1::OperatorState op) const;

  // StateView.
  absl::StatusOr<std::optional<xueji::v1::OperatorState>> Operator(
      std::string_view id) const override;
  absl::StatusOr<std::optional<xueji::v1::KindergartenState>> Kindergarten(
      std::string_view code) const override;
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByNumber(
      std::string_view student_no) const override;
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByIdentity(
      std::string_view identity_key) const override;
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByPendingRequest(
      std::string_view request_id) const override;
  absl::StatusOr<std::vector<xueji::v1::RecordState>> LiveRecordsAt(
      std::string_view kindergarten) const override;
  absl::StatusOr<std::vector<xueji::v1::RecordState>> TransfersInto(
      std::string_view kindergarten) const override;
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByCase(
      std::string_view case_id) const override;
  absl::StatusOr<int> NextSequence(std::string_view prefix) const override;
  absl::StatusOr<std::vector<xueji::v1::PolicySet>> PolicyVersions()
      const override;
  absl::StatusOr<std::optional<std::string>> SubjectByNumber(
      std::string_view student_no) const override;
  absl::StatusOr<std::vector<LiveSubject>> LiveSubjectsAt(
      std::string_view kindergarten) const override;
  absl::StatusOr<std::optional<xueji::v1::LedgerSettings>> Ledger()
      const override;
  absl::StatusOr<std::optional<std::string>> OperatorByKey(
      std::string_view key_id) const override;
  absl::StatusOr<std::optional<xueji::v1::ExportState>> ExportRequest(
      std::string_view request_id) const override;

 private:
  // The operator's state as the store holds it: from the cache while one
  // lives (read once from the store), else from the store.
  absl::StatusOr<const std::optional<xueji::v1::OperatorState>*> CachedOperator(
      std::string_view id) const;
  // Writes the operator's row only; PutOperator also caches it.
  void StoreOperator(std::string_view id, const xueji::v1::OperatorState& op);
  void PutOperator(std::string_view id, const xueji::v1::OperatorState& op);
  absl::Status ApplyOperator(const xueji::v1::Event& event);
  absl::Status TouchActor(const xueji::v1::Event& event);

  KvStore* kv_;
  bool cache_operators_ = false;
  mutable absl::flat_hash_map<std::string,
                              std::optional<xueji::v1::OperatorState>>
      operators_;
  mutable std::optional<xueji::v1::OperatorState> uncached_;
  // Off from a PolicySet folded in to the end of the call.
  bool cache_policies_ = false;
  mutable std::optional<std::vector<xueji::v1::PolicySet>> policy_versions_;
};

// The mode the log's first event records: LedgerInitialized, at offset 0 of
// the "ledger:" subject's partition (docs/accountability.md); or
// LEDGER_MODE_UNSPECIFIED when the log holds no such event there.
absl::StatusOr<xueji::v1::LedgerMode> LedgerModeOfLog(EventLog& log);

}  // namespace xueji

#endif  // XUEJI_LEDGER_PROCESSOR_LEDGER_STATE_H_
