// RequestProcessor: decides requests against the ledger state and appends the
// resulting events to the event log — the write path of the ledger.
//
// For each batch of requests (group commit):
//   0. a request (or registry line) that fails its form (request_form.h:
//      MALFORMED_REQUEST, INVALID_TEXT) is answered without being decided:
//      nothing is appended and its request id stays unused;
//   1. a request id already answered (in the state, or earlier in the batch)
//      gets DUPLICATE_REQUEST with the first answer; nothing is appended;
//   2. Decide(request, state); its events get their partition (PartitionFor)
//      and predicted offset and are folded into the state's overlay, so the
//      next request of the batch sees them (one live record per document holds
//      inside a batch too);
//   3. all events of the batch are appended in ONE atomic, durable Append;
//   4. only then is the state committed. If the append fails, the overlay is
//      dropped: no request of the batch is applied, all get the error.
// On open, the state catches up with the log, so a crash between 3 and 4
// loses nothing. The processor owns neither the log nor the state store.
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
#include "ledger/storage/kv.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

class RequestProcessor {
 public:
  using Clock = std::function<absl::Time()>;

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
      int64_t* caught_up = nullptr);

  // Not caught up: Open is the way in (CatchUp with `up_to` for replay).
  RequestProcessor(EventLog* log, KvStore* state_kv, Clock clock);

  // Applies log events the state has not seen (after a crash). Call once
  // after opening; returns the number of events applied. With `up_to`, each
  // partition stops before that offset (index = partition).
  absl::StatusOr<int64_t> CatchUp(const std::vector<int64_t>* up_to = nullptr);

  // One Result per request, in order. A non-OK status means the batch was not
  // applied at all (storage failure).
  absl::StatusOr<std::vector<xueji::v1::Result>> Submit(
      const std::vector<xueji::v1::Request>& requests);

  // Registry lines, same contract.
  absl::StatusOr<std::vector<xueji::v1::Result>> LoadRegistry(
      const std::vector<xueji::v1::RegistryLine>& lines);

  // The first answer to a request id, if any.
  absl::StatusOr<std::optional<xueji::v1::Result>> Status(
      const std::string& request_id) const;

  const LedgerState& state() const { return state_; }

  // Replaces log->Append for step 3 (the Kafka processor journals each batch
  // with its answers: KafkaLog::AppendJournaled). Same contract as Append.
  using AppendFn = std::function<absl::StatusOr<std::vector<xueji::v1::Event>>(
      std::vector<xueji::v1::Event> batch,
      const std::vector<xueji::v1::Result>& results)>;
  void set_append(AppendFn append) { append_ = std::move(append); }

 private:
  using DecideFn = std::function<absl::StatusOr<Decision>(size_t index)>;
  // `refused[i]`, when set, is the answer to a message refused for its form:
  // it is neither looked up nor decided.
  absl::StatusOr<std::vector<xueji::v1::Result>> RunBatch(
      const std::vector<std::string>& request_ids,
      const std::vector<std::optional<xueji::v1::Result>>& refused,
      const DecideFn& decide, const std::vector<xueji::v1::Request>* requests);
  absl::Status FoldIntoState(std::vector<xueji::v1::Event>& events,
                             std::vector<int64_t>& next_offsets,
                             std::vector<xueji::v1::Event>* batch);

  EventLog* log_;
  KvStore* state_kv_;
  LedgerState state_;
  std::function<absl::Time()> clock_;
  AppendFn append_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_PROCESSOR_PROCESSOR_H_
