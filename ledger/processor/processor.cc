#include "ledger/processor/processor.h"

#include <algorithm>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/reasons.h"

namespace xueji {
namespace {

using xueji::v1::Event;
using xueji::v1::Request;
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

absl::StatusOr<std::unique_ptr<RequestProcessor>> RequestProcessor::Open(
    EventLog* log, KvStore* state_kv, Clock clock, int64_t* caught_up) {
  auto processor =
      std::make_unique<RequestProcessor>(log, state_kv, std::move(clock));
  ASSIGN_OR_RETURN(int64_t folded, processor->CatchUp());
  if (caught_up != nullptr) *caught_up = folded;
  return processor;
}

RequestProcessor::RequestProcessor(EventLog* log, KvStore* state_kv,
                                   Clock clock)
    : log_(log),
      state_kv_(state_kv),
      state_(state_kv),
      clock_(std::move(clock)) {}

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
    batch->push_back(std::move(e));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Result>> RequestProcessor::RunBatch(
    const std::vector<std::string>& request_ids,
    const std::vector<std::optional<Result>>& refused, const DecideFn& decide,
    const std::vector<Request>* requests) {
  auto heads = log_->HeadOffsets();
  if (!heads.ok()) return heads.status();
  std::vector<int64_t> next_offsets = *heads;
  std::vector<Event> batch;
  std::vector<Result> results;
  results.reserve(request_ids.size());

  auto fail = [&](absl::Status s) {
    state_kv_->Discard();
    return s;
  };
  for (size_t i = 0; i < request_ids.size(); ++i) {
    if (refused[i].has_value()) {  // answered, not decided, not recorded
      results.push_back(*refused[i]);
      continue;
    }
    const std::string& id = request_ids[i];
    auto first = state_.ResultFor(id);  // sees earlier requests of the batch
    if (!first.ok()) return fail(first.status());
    if (first->has_value()) {
      results.push_back(DuplicateOf(id, **first));
      continue;
    }
    auto decision = decide(i);
    if (!decision.ok()) return fail(decision.status());
    if (absl::Status s = FoldIntoState(decision->events, next_offsets, &batch);
        !s.ok()) {
      return fail(s);
    }
    results.push_back(requests != nullptr ? ResultOf((*requests)[i], *decision)
                                          : ResultFromDecision(id, *decision));
  }
  if (batch.empty()) return results;

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
  if (absl::Status s = state_kv_->Commit(/*sync=*/false); !s.ok()) return s;
  return results;
}

absl::StatusOr<std::vector<Result>> RequestProcessor::Submit(
    const std::vector<Request>& requests) {
  DecideContext ctx{clock_(), &WorkingCalendar::Default(),
                    &AreaTable::Default()};
  std::vector<std::string> ids;
  std::vector<std::optional<Result>> refused;
  ids.reserve(requests.size());
  refused.reserve(requests.size());
  for (const Request& r : requests) {
    ids.push_back(r.request_id());
    std::optional<FormRefusal> form = CheckRequestForm(r);
    refused.push_back(
        form.has_value()
            ? std::optional<Result>(FormRefusalResult(r.request_id(), *form))
            : std::nullopt);
  }
  return RunBatch(
      ids, refused, [&](size_t i) { return Decide(requests[i], state_, ctx); },
      &requests);
}

absl::StatusOr<std::vector<Result>> RequestProcessor::LoadRegistry(
    const std::vector<xueji::v1::RegistryLine>& lines) {
  DecideContext ctx{clock_(), &WorkingCalendar::Default(),
                    &AreaTable::Default()};
  std::vector<std::string> ids;
  std::vector<std::optional<Result>> refused;
  ids.reserve(lines.size());
  refused.reserve(lines.size());
  for (const auto& line : lines) {
    ids.push_back(RegistryRequestId(line));
    std::optional<FormRefusal> form = CheckRegistryLineForm(line);
    refused.push_back(form.has_value()
                          ? std::optional<Result>(FormRefusalResult("", *form))
                          : std::nullopt);
  }
  return RunBatch(
      ids, refused,
      [&](size_t i) { return DecideRegistry(lines[i], state_, ctx); }, nullptr);
}

absl::StatusOr<std::optional<Result>> RequestProcessor::Status(
    const std::string& request_id) const {
  return state_.ResultFor(request_id);
}

}  // namespace xueji
