// RequestProcessor: decides requests against the ledger state and appends the
// resulting events to the event log — the write path of the ledger.
//
// Requests come in batches: a SignedBatch (docs/accountability.md, "Keys
// and signed batches"), or on a development ledger an unsigned one (Submit,
// LoadRegistry). For each batch:
//   a. before `ledger init` (no LedgerInitialized) nothing is decided: every
//      request is refused NOT_AUTHENTICATED, nothing appended;
//   b. authentication, once per batch: the body parses, the signature is
//      there (a production ledger takes nothing unsigned), its key is
//      registered, valid at the ledger's clock (not superseded, not revoked:
//      its operator is not sealed) and belongs to the signer the body names
//      (if any), and the signature verifies over the body. A batch that
//      fails is refused as a whole (NOT_AUTHENTICATED or BAD_SIGNATURE):
//      one BatchRefused event per body records it, and no request id is
//      used up. An authentic batch's requests are the signer's;
// then, for each request (or registry line):
//   0. one that fails its form (request_form.h: MALFORMED_REQUEST,
//      INVALID_TEXT) is answered without being decided: nothing is appended
//      and its request id stays unused;
//   1. a request id already answered (in the state, or earlier in the batch)
//      gets DUPLICATE_REQUEST with the first answer -- only if the same
//      operator asks: anyone else learns nothing of it; nothing is appended;
//   2. Decide(request, state, ctx with the signer); its events get their
//      partition (PartitionFor) and predicted offset, and, in a signed
//      batch, the batch id and key id in their envelope, and are folded into
//      the state's overlay, so the next request sees them (one live record
//      per document holds inside a batch too);
//   3. a signed batch that produced events is kept on the first of them
//      (the envelope's signed_batch: signer, key, body and signature);
//   4. all events of the call are appended in ONE atomic, durable Append;
//   5. only then is the state committed. If the append fails, the overlay is
//      dropped: no request of the call is applied, all get the error.
// On open, the state catches up with the log, so a crash between 4 and 5
// loses nothing. The processor owns neither the log nor the state store.
//
// With Options::state_write_behind_bytes (the CLI, the Kafka processor, the
// benchmark: issue 12), step 5 commits the state in memory (a FoldKv over the
// state store, ledger/storage/fold_kv.h): the rows read and written stay
// decoded there, and they go to the store as one sorted table file once the
// rows not yet written pass that many bytes, on WriteState(), and (as best it
// can) when the processor is destroyed. The store is then a projection that
// may be behind the log, as after any crash; the next Open catches it up.
//
// Thread-safety: one thread at a time.
#ifndef XUEJI_LEDGER_PROCESSOR_PROCESSOR_H_
#define XUEJI_LEDGER_PROCESSOR_PROCESSOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/decide/decider.h"
#include "ledger/log/event_log.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/rules/request_form.h"
#include "ledger/storage/fold_kv.h"
#include "ledger/storage/kv.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

class CheckThread;      // signature_checks.h
class SignatureChecks;  // signature_checks.h

struct ProcessorOptions {
  // 0: each call commits the state rows to the store (a KvStore
  // transaction). Else the state is kept in memory (see above), written out
  // after this many bytes of changed rows.
  size_t state_write_behind_bytes = 0;
  // With write-behind: rows kept in memory for reading (see FoldKv).
  size_t state_cache_bytes = size_t{32} << 20;
};

class RequestProcessor {
 public:
  using Clock = std::function<absl::Time()>;
  using Options = ProcessorOptions;
  // What the CLI and the services use: 32 MiB of state rows written behind,
  // 32 MiB kept for reading.
  static Options WriteBehind();

  // The composition root of the write path, the one way every caller (the
  // CLI, the Kafka processor service, the benchmark, the tests) assembles
  // it: a processor over `log` and `state_kv`, caught up with the log (see
  // CatchUp). `log` and `state_kv` must outlive the processor; `clock` gives
  // the ledger time for each batch: the only clock (recorded_at, "today" of
  // the deciders). The policy is the one the log records (PolicySet events,
  // folded into the state): nothing passed in changes what is decided.
  // *caught_up (if given): the events folded.
  static absl::StatusOr<std::unique_ptr<RequestProcessor>> Open(
      EventLog* log, KvStore* state_kv, Clock clock,
      int64_t* caught_up = nullptr, const Options& options = {});

  // Not caught up: Open is the way in (CatchUp with `up_to` for replay).
  RequestProcessor(EventLog* log, KvStore* state_kv, Clock clock,
                   const Options& options = {});
  // With write-behind, writes the state out first (an error is dropped:
  // the store stays behind the log, which the next Open mends).
  ~RequestProcessor();

  // With write-behind: writes the state rows not yet written to the state
  // store (durable on return with `sync`). Without: nothing to do. A failure
  // (a full disk: ResourceExhausted) leaves them in memory, unwritten; the
  // state in memory and the log are unchanged.
  absl::Status WriteState(bool sync = false);

  // Applies log events the state has not seen (after a crash). Call once
  // after opening; returns the number of events applied. With `up_to`, each
  // partition stops before that offset (index = partition).
  absl::StatusOr<int64_t> CatchUp(const std::vector<int64_t>* up_to = nullptr);

  // An unsigned batch: each request taken at its actor (development
  // ledgers). One Result per request, in order. A non-OK status means the
  // batch was not applied at all (storage failure).
  absl::StatusOr<std::vector<xueji::v1::Result>> Submit(
      const std::vector<xueji::v1::Request>& requests);

  // Unsigned registry lines, same contract.
  absl::StatusOr<std::vector<xueji::v1::Result>> LoadRegistry(
      const std::vector<xueji::v1::RegistryLine>& lines);

  // A signed batch (an empty signature: unsigned) of requests or of
  // registry lines: one Result per request or line of its body, in order
  // (one MALFORMED_REQUEST result for a body that does not parse).
  absl::StatusOr<std::vector<xueji::v1::Result>> SubmitBatch(
      const xueji::v1::SignedBatch& batch);
  // Several batches decided in order and appended in one atomic Append
  // (group commit, the Kafka processor): one vector of results per batch.
  absl::StatusOr<std::vector<std::vector<xueji::v1::Result>>> SubmitBatches(
      const std::vector<const xueji::v1::SignedBatch*>& batches);

  // `ledger init` (DecideInit): the log's first events. FailedPrecondition
  // on a ledger already initialised, InvalidArgument for a bad InitLedger.
  absl::StatusOr<xueji::v1::Result> Initialize(
      const xueji::v1::InitLedger& init);

  // The first answer to a request id, if any.
  absl::StatusOr<std::optional<xueji::v1::Result>> Status(
      const std::string& request_id) const;

  // The ledger's mode (LEDGER_MODE_UNSPECIFIED before `ledger init`).
  absl::StatusOr<xueji::v1::LedgerMode> Mode() const;

  // The clock of a production ledger (docs/accountability.md: the system
  // clock; the CLI sets absl::Now so that LEDGER_NOW cannot move it). Unset:
  // the clock given at Open serves both modes.
  void set_production_clock(Clock clock) {
    production_clock_ = std::move(clock);
  }

  const LedgerState& state() const { return state_; }

  // Replaces log->Append for step 3 (the Kafka processor journals each batch
  // with its answers: KafkaLog::AppendJournaled). Same contract as Append.
  using AppendFn = std::function<absl::StatusOr<std::vector<xueji::v1::Event>>(
      std::vector<xueji::v1::Event> batch,
      const std::vector<xueji::v1::Result>& results)>;
  void set_append(AppendFn append) { append_ = std::move(append); }
  // While an AppendFn runs: how many of its `results` each batch of the
  // call answered, in order (SubmitBatches: one entry per SignedBatch; the
  // others: one entry). For journaling answers by batch and index.
  const std::vector<size_t>& result_counts() const { return result_counts_; }

 private:
  // One batch as given: a SignedBatch, or Submit's / LoadRegistry's
  // unsigned vector.
  struct Input {
    const xueji::v1::SignedBatch* signed_batch = nullptr;
    const std::vector<xueji::v1::Request>* requests = nullptr;
    const std::vector<xueji::v1::RegistryLine>* lines = nullptr;
  };
  struct Prepared;  // one batch, authenticated (processor.cc)
  // Looks up the holder of `key_id` and the holder's state into `p`.
  absl::Status LookUpKey(const std::string& key_id, Prepared* p) const;
  // Parses the signed inputs' bodies into `prepared` and starts checking
  // their signatures with the keys in force now (signature_checks.h).
  void CheckAhead(const std::vector<Input>& inputs,
                  std::vector<Prepared>& prepared, SignatureChecks& checks);
  // Whether the ledger took `p`'s very bytes before, from `holder`: a
  // replay, answered even after the key was revoked (authenticate.cc).
  absl::StatusOr<bool> TakenBefore(const Prepared& p,
                                   const std::string& holder) const;
  // `index`: the input's place in the call, for `checks`.
  absl::Status Authenticate(const Input& input, absl::Time now, size_t index,
                            SignatureChecks& checks, Prepared* out) const;
  absl::StatusOr<std::vector<std::vector<xueji::v1::Result>>> RunBatches(
      const std::vector<Input>& inputs);
  // RunBatches of one input: its answers (Submit, LoadRegistry, SubmitBatch).
  absl::StatusOr<std::vector<xueji::v1::Result>> RunBatch(const Input& input);
  // One pass of RunBatches. With `assume_signatures` the signatures checked
  // ahead are taken as good while deciding; if one was not, the pass
  // discards everything it decided, sets *refuted and appends nothing.
  absl::StatusOr<std::vector<std::vector<xueji::v1::Result>>> RunBatchesOnce(
      const std::vector<Input>& inputs, bool assume_signatures, bool* refuted);
  // Appends `batch` (step 4) and commits the state (step 5).
  absl::Status AppendAndCommit(std::vector<xueji::v1::Event> batch,
                               const std::vector<xueji::v1::Result>& results);
  absl::Status FoldIntoState(std::vector<xueji::v1::Event>& events,
                             std::vector<int64_t>& next_offsets,
                             std::vector<xueji::v1::Event>* batch);
  // FoldIntoState of one event (a refused batch's BatchRefused).
  absl::Status FoldOneIntoState(xueji::v1::Event event,
                                std::vector<int64_t>& next_offsets,
                                std::vector<xueji::v1::Event>* batch);
  absl::Time Now() const;

  EventLog* log_;
  // With write-behind: the state's rows in memory, over the store given.
  std::unique_ptr<FoldKv> write_behind_;
  KvStore* state_kv_;  // write_behind_, or the store given
  LedgerState state_;
  std::function<absl::Time()> clock_;
  Clock production_clock_;
  mutable xueji::v1::LedgerMode mode_ = xueji::v1::LEDGER_MODE_UNSPECIFIED;
  // An operator event folded since CheckAhead looked the keys up.
  bool operators_folded_ = false;
  AppendFn append_;
  std::vector<size_t> result_counts_;
  // Where signatures are checked ahead: started by the first call that
  // checks any (CheckAhead), kept for the processor's life.
  std::unique_ptr<CheckThread> check_thread_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_PROCESSOR_PROCESSOR_H_
