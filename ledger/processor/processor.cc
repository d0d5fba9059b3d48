#include "ledger/processor/processor.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/arena.h"
#include "ledger/base/dates.h"
#include "ledger/base/ed25519.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/processor/prepared.h"
#include "ledger/processor/signature_checks.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/reasons.h"
#include "ledger/rules/signed_batch.h"
#include "ledger/rules/subjects.h"

namespace xueji {
namespace {

using xueji::v1::Event;
using xueji::v1::Result;

// Events read per call while catching up.
constexpr size_t kCatchUpChunk = 4096;

Result DuplicateOf(const std::string& request_id, const Result& first) {
  Result r;
  r.set_request_id(request_id);
  r.set_status(xueji::v1::DUPLICATE_REQUEST);
  r.set_original_status(first.status());
  r.set_student_no(first.student_no());
  r.set_code(first.code());
  std::string message = absl::StrCat(
      "already processed: ", xueji::v1::ResultStatus_Name(first.status()));
  if (!first.message().empty())
    absl::StrAppend(&message, ": ", first.message());
  r.set_message(message);
  return r;
}

// A request id another operator used: nothing of its answer (docs/
// accountability.md, "Reads are attributed").
Result DuplicateOfAnother(const std::string& request_id) {
  Result r;
  r.set_request_id(request_id);
  r.set_status(xueji::v1::DUPLICATE_REQUEST);
  r.set_message("requestId already used; choose another");
  return r;
}

// The actor of an unsigned registry line (registry_decider.cc).
constexpr char kUnsignedRegistryActor[] = "registry";

Result ResultFromDecision(const std::string& request_id, const Decision& d) {
  Result r;
  r.set_request_id(request_id);
  r.set_status(d.status);
  r.set_student_no(d.student_no);
  r.set_code(d.code);
  r.set_message(d.message);
  return r;
}

}  // namespace

RequestProcessor::Options RequestProcessor::WriteBehind() {
  // Row bytes; the process holds ~3.5 times them (decoded messages, the
  // hash map, the allocator): 1M children peaked at 1.70 GB with 64 + 128
  // MiB here and 64 + 64 MiB for the views.
  Options options;
  options.state_write_behind_bytes = size_t{32} << 20;
  options.state_cache_bytes = size_t{32} << 20;
  return options;
}

absl::StatusOr<std::unique_ptr<RequestProcessor>> RequestProcessor::Open(
    EventLog* log, KvStore* state_kv, Clock clock, int64_t* caught_up,
    const Options& options) {
  auto processor = std::make_unique<RequestProcessor>(
      log, state_kv, std::move(clock), options);
  ASSIGN_OR_RETURN(int64_t folded, processor->CatchUp());
  if (caught_up != nullptr) *caught_up = folded;
  return processor;
}

namespace {

std::unique_ptr<FoldKv> WriteBehindOver(
    KvStore* state_kv, const RequestProcessor::Options& options) {
  if (options.state_write_behind_bytes == 0) return nullptr;
  return std::make_unique<FoldKv>(
      state_kv,
      FoldKv::Options{.cache_bytes = options.state_cache_bytes,
                      .write_behind_bytes = options.state_write_behind_bytes,
                      .ordered_prefixes = LedgerState::ScannedPrefixes()});
}

}  // namespace

RequestProcessor::RequestProcessor(EventLog* log, KvStore* state_kv,
                                   Clock clock, const Options& options)
    : log_(log),
      write_behind_(WriteBehindOver(state_kv, options)),
      state_kv_(write_behind_ != nullptr ? write_behind_.get() : state_kv),
      state_(state_kv_),
      clock_(std::move(clock)) {}

RequestProcessor::~RequestProcessor() {
  if (write_behind_ != nullptr) {
    write_behind_->Discard();  // nothing is pending between calls
    (void)write_behind_->WriteOut(/*sync=*/false);
  }
}

absl::Status RequestProcessor::WriteState(bool sync) {
  if (write_behind_ == nullptr) return absl::OkStatus();
  return write_behind_->WriteOut(sync);
}

absl::StatusOr<int64_t> RequestProcessor::CatchUp(
    const std::vector<int64_t>* up_to) {
  auto heads = log_->HeadOffsets();
  if (!heads.ok()) return heads.status();
  int64_t applied = 0;
  for (int32_t p = 0; p < static_cast<int32_t>(heads->size()); ++p) {
    auto from = state_.Checkpoint(p);
    if (!from.ok()) return from.status();
    int64_t next = *from;
    int64_t end = (*heads)[p];
    if (up_to != nullptr && static_cast<size_t>(p) < up_to->size()) {
      end = std::min(end, (*up_to)[p]);
    }
    while (next < end) {
      auto chunk = log_->Read(p, next, kCatchUpChunk);
      if (!chunk.ok()) return chunk.status();
      if (chunk->empty()) break;  // Kafka: transaction markers at the end
      for (const StoredEvent& stored : *chunk) {
        if (stored.event.offset() >= end) break;
        if (absl::Status s = state_.Apply(stored.event); !s.ok()) {
          state_kv_->Discard();
          return s;
        }
        next = stored.event.offset() + 1;
        ++applied;
      }
      if (absl::Status s = state_kv_->Commit(/*sync=*/false); !s.ok()) return s;
    }
  }
  return applied;
}

absl::Status RequestProcessor::FoldIntoState(std::vector<Event>& events,
                                             std::vector<int64_t>& next_offsets,
                                             std::vector<Event>* batch) {
  for (Event& e : events) {
    const int32_t p = PartitionFor(e.subject(), log_->partitions());
    e.set_partition(p);
    e.set_offset(next_offsets[p]++);
    if (absl::Status s = state_.Apply(e); !s.ok()) return s;
    if (TargetOf(e) == EventTarget::kOperator) operators_folded_ = true;
    batch->push_back(std::move(e));
  }
  return absl::OkStatus();
}

absl::Status RequestProcessor::FoldOneIntoState(
    Event event, std::vector<int64_t>& next_offsets,
    std::vector<Event>* batch) {
  std::vector<Event> events;
  events.push_back(std::move(event));
  return FoldIntoState(events, next_offsets, batch);
}

absl::Status RequestProcessor::AppendAndCommit(
    std::vector<Event> batch, const std::vector<Result>& results) {
  auto fail = [&](absl::Status s) {
    state_kv_->Discard();
    return s;
  };
  const size_t expected = batch.size();
  std::vector<std::pair<int32_t, int64_t>> predicted;
  predicted.reserve(expected);
  for (const Event& e : batch)
    predicted.emplace_back(e.partition(), e.offset());
  for (Event& e : batch) {  // the log assigns these itself
    e.clear_partition();
    e.clear_offset();
  }
  auto appended = append_ ? append_(std::move(batch), results)
                          : log_->Append(std::move(batch));
  if (!appended.ok()) return fail(appended.status());
  for (size_t i = 0; i < expected; ++i) {
    const Event& e = (*appended)[i];
    if (e.partition() != predicted[i].first ||
        e.offset() != predicted[i].second) {
      // Another writer appended to the log: the state is stale. The log is
      // consistent; the next open catches the state up.
      return fail(absl::AbortedError(absl::StrCat(
          "event log moved under the processor at partition ", e.partition(),
          " offset ", e.offset(), " (expected ", predicted[i].second,
          "): another writer? restart to catch up")));
    }
  }
  return state_kv_->Commit(/*sync=*/false);
}

absl::StatusOr<std::vector<std::vector<Result>>> RequestProcessor::RunBatches(
    const std::vector<Input>& inputs) {
  // Optimistic first: signatures assumed good while deciding, all checked
  // before the append (signature_checks.h). A refuted one left nothing
  // behind; the second pass waits for each verification.
  bool refuted = false;
  auto all = RunBatchesOnce(inputs, /*assume_signatures=*/true, &refuted);
  if (!refuted) return all;
  return RunBatchesOnce(inputs, /*assume_signatures=*/false, &refuted);
}

absl::StatusOr<std::vector<std::vector<Result>>>
RequestProcessor::RunBatchesOnce(const std::vector<Input>& inputs,
                                 bool assume_signatures, bool* refuted) {
  LedgerState::CallCache call_cache(&state_);
  const absl::Time now = Now();
  auto heads = log_->HeadOffsets();
  if (!heads.ok()) return heads.status();
  ASSIGN_OR_RETURN(xueji::v1::LedgerMode mode, Mode());
  std::vector<int64_t> next_offsets = *heads;
  std::vector<Event> batch;
  std::vector<std::vector<Result>> all;
  all.reserve(inputs.size());
  std::vector<Result> flat;  // every answer of the call, for the journal
  auto fail = [&](absl::Status s) {
    state_kv_->Discard();
    return s;
  };
  const std::string recorded_at = FormatRfc3339(now);
  const std::string today =
      FormatDate(absl::ToCivilDay(now, absl::FixedTimeZone(8 * 60 * 60)));

  // The call's signed bodies are parsed onto one arena (by the signature
  // worker, mostly): freed in a few blocks at the end of the call, not
  // string by string across threads.
  google::protobuf::ArenaOptions arena_options;
  arena_options.start_block_size = 64 << 10;
  arena_options.max_block_size = 1 << 20;
  google::protobuf::Arena arena(arena_options);
  std::vector<Prepared> prepared(inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (inputs[i].signed_batch != nullptr) {
      prepared[i].owned =
          google::protobuf::Arena::CreateMessage<xueji::v1::RequestBatch>(
              &arena);
    }
  }
  SignatureChecks checks(assume_signatures);
  CheckAhead(inputs, prepared, checks);
  for (size_t index = 0; index < inputs.size(); ++index) {
    const Input& input = inputs[index];
    Prepared& p = prepared[index];
    if (absl::Status s = Authenticate(input, now, index, checks, &p); !s.ok()) {
      return fail(s);
    }
    std::vector<Result>& results = all.emplace_back();
    if (p.malformed.has_value()) {
      results.push_back(*p.malformed);
      flat.push_back(*p.malformed);
      continue;
    }
    results.reserve(p.size());
    if (p.refused != xueji::v1::REASON_CODE_UNSPECIFIED) {
      xueji::v1::BatchRefused refused;
      refused.set_code(p.refused);
      refused.set_message(p.refusal);
      refused.set_claimed_signer(p.claimed_signer);
      refused.set_key_id(p.key_id);
      refused.set_batch(p.batch_id);
      for (size_t i = 0; i < p.size(); ++i) {
        Result r;
        r.set_request_id(p.IdOf(i, p.claimed_signer));
        r.set_status(xueji::v1::REJECTED);
        r.set_code(p.refused);
        r.set_message(p.refusal);
        refused.add_request_ids(r.request_id());
        results.push_back(std::move(r));
      }
      if (p.record_refusal) {
        // Once per body: the same bytes refused again append nothing.
        const std::string id = RefusedBatchRequestId(p.batch_id);
        auto first = state_.ResultFor(id);
        if (!first.ok()) return fail(first.status());
        if (!first->has_value()) {
          Event event;
          event.set_event_id(EventId(id, 0));
          event.set_subject(BatchSubject(p.batch_id));
          event.set_recorded_at(recorded_at);
          event.set_business_date(today);
          event.set_request_id(id);
          event.set_correlation_id(id);
          event.set_outcome(xueji::v1::REJECTED);
          *event.mutable_batch_refused() = std::move(refused);
          if (absl::Status s =
                  FoldOneIntoState(std::move(event), next_offsets, &batch);
              !s.ok()) {
            return fail(s);
          }
        }
      }
      flat.insert(flat.end(), results.begin(), results.end());
      continue;
    }

    DecideContext ctx{now, &WorkingCalendar::Default(), &AreaTable::Default()};
    ctx.signer = p.signer;
    ctx.mode = mode;
    const size_t events_before = batch.size();
    for (size_t i = 0; i < p.size(); ++i) {
      std::optional<FormRefusal> form = p.registry
                                            ? CheckRegistryLineForm(p.line(i))
                                            : CheckRequestForm(p.request(i));
      if (form.has_value()) {  // answered, not decided, not recorded
        results.push_back(FormRefusalResult(
            p.registry ? std::string_view() : p.request(i).request_id(),
            *form));
        continue;
      }
      const std::string id = p.IdOf(i, p.signer);
      // Who asks: the signer, or an unsigned request's actor.
      const std::string& asking =
          !p.signer.empty()
              ? p.signer
              : (p.registry ? kUnsignedRegistryActor : p.request(i).actor());
      auto first = state_.AnswerFor(id);  // sees earlier requests of the call
      if (!first.ok()) return fail(first.status());
      if (first->has_value()) {
        results.push_back((*first)->actor() == asking
                              ? DuplicateOf(id, (*first)->result())
                              : DuplicateOfAnother(id));
        continue;
      }
      auto decision = p.registry ? DecideRegistry(p.line(i), state_, ctx)
                                 : Decide(p.request(i), state_, ctx);
      if (!decision.ok()) return fail(decision.status());
      if (!p.signer.empty()) {
        for (Event& e : decision->events) {
          e.set_batch(p.batch_id);
          e.set_key_id(p.key_id);
        }
      }
      if (absl::Status s =
              FoldIntoState(decision->events, next_offsets, &batch);
          !s.ok()) {
        return fail(s);
      }
      results.push_back(p.registry ? ResultFromDecision(id, *decision)
                                   : ResultOf(p.request(i), *decision));
    }
    if (!p.signer.empty() && batch.size() > events_before) {
      // The batch itself, kept with the events it produced: on the first
      // (folded already; the state reads nothing of it). An event of its
      // own cost as much to append and fold as a request's event.
      xueji::v1::BatchSigned* kept =
          batch[events_before].mutable_signed_batch();
      kept->set_signer(p.signer);
      kept->set_key_id(p.key_id);
      kept->set_body(p.signed_batch->body());
      kept->set_signature(p.signed_batch->signature());
    }
    flat.insert(flat.end(), results.begin(), results.end());
  }
  if (checks.AnyRefuted()) {  // decided on a bad signature: nothing stands
    state_kv_->Discard();
    *refuted = true;
    return all;
  }
  if (batch.empty()) return all;
  result_counts_.clear();
  for (const std::vector<Result>& results : all) {
    result_counts_.push_back(results.size());
  }
  if (absl::Status s = AppendAndCommit(std::move(batch), flat); !s.ok()) {
    return s;
  }
  return all;
}

absl::Time RequestProcessor::Now() const {
  if (production_clock_) {
    absl::StatusOr<xueji::v1::LedgerMode> mode = Mode();
    if (mode.ok() && *mode == xueji::v1::PRODUCTION) return production_clock_();
  }
  return clock_();
}

absl::StatusOr<xueji::v1::LedgerMode> RequestProcessor::Mode() const {
  if (mode_ != xueji::v1::LEDGER_MODE_UNSPECIFIED) return mode_;
  ASSIGN_OR_RETURN(std::optional<xueji::v1::LedgerSettings> settings,
                   state_.Ledger());
  if (!settings.has_value()) return xueji::v1::LEDGER_MODE_UNSPECIFIED;
  mode_ = settings->mode();  // never changes once set
  return mode_;
}

absl::StatusOr<std::vector<Result>> RequestProcessor::RunBatch(
    const Input& input) {
  ASSIGN_OR_RETURN(std::vector<std::vector<Result>> all, RunBatches({input}));
  return std::move(all[0]);
}

absl::StatusOr<std::vector<Result>> RequestProcessor::Submit(
    const std::vector<xueji::v1::Request>& requests) {
  Input input;
  input.requests = &requests;
  return RunBatch(input);
}

absl::StatusOr<std::vector<Result>> RequestProcessor::LoadRegistry(
    const std::vector<xueji::v1::RegistryLine>& lines) {
  Input input;
  input.lines = &lines;
  return RunBatch(input);
}

absl::StatusOr<std::vector<Result>> RequestProcessor::SubmitBatch(
    const xueji::v1::SignedBatch& batch) {
  Input input;
  input.signed_batch = &batch;
  return RunBatch(input);
}

absl::StatusOr<std::vector<std::vector<Result>>>
RequestProcessor::SubmitBatches(
    const std::vector<const xueji::v1::SignedBatch*>& batches) {
  std::vector<Input> inputs(batches.size());
  for (size_t i = 0; i < batches.size(); ++i) {
    inputs[i].signed_batch = batches[i];
  }
  return RunBatches(inputs);
}

absl::StatusOr<Result> RequestProcessor::Initialize(
    const xueji::v1::InitLedger& init) {
  auto heads = log_->HeadOffsets();
  if (!heads.ok()) return heads.status();
  DecideContext ctx{clock_(), &WorkingCalendar::Default(),
                    &AreaTable::Default()};
  if (init.mode() == xueji::v1::PRODUCTION && production_clock_) {
    ctx.now = production_clock_();
  }
  ctx.mode = init.mode();
  ASSIGN_OR_RETURN(Decision decision, DecideInit(init, state_, ctx));
  std::vector<int64_t> next_offsets = *heads;
  std::vector<Event> batch;
  if (absl::Status s = FoldIntoState(decision.events, next_offsets, &batch);
      !s.ok()) {
    state_kv_->Discard();
    return s;
  }
  Result result = ResultFromDecision(kInitRequestId, decision);
  result_counts_.assign(1, 1);
  if (absl::Status s = AppendAndCommit(std::move(batch), {result}); !s.ok()) {
    return s;
  }
  return result;
}

absl::StatusOr<std::optional<Result>> RequestProcessor::Status(
    const std::string& request_id) const {
  return state_.ResultFor(request_id);
}

}  // namespace xueji
