// Audit view: every event of a subject (its stored bytes, once) and the
// operator and request indexes that point at those rows. History queries and
// the state of a record as of a past instant.
#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/base/deterministic.h"
#include "ledger/decide/decider.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace views_internal {

absl::Status ApplyAudit(KvStore* kv, const StoredEvent& stored) {
  const xueji::v1::Event& event = stored.event;
  const std::string bytes =
      stored.bytes.empty() ? DeterministicBytes(event) : stored.bytes;
  kv->Put(HistoryKey(event.subject(), event.offset()), bytes);
  const std::string position =
      PositionSuffix(event.partition(), event.offset());
  if (!event.actor().operator_id().empty()) {
    kv->Put(OperatorIndexPrefix(event.actor().operator_id()) + position,
            event.subject());
  }
  if (!event.request_id().empty()) {
    kv->Put(RequestIndexPrefix(event.request_id()) + position, event.subject());
  }
  if (!event.correlation_id().empty() &&
      event.correlation_id() != event.request_id()) {
    kv->Put(RequestIndexPrefix(event.correlation_id()) + position,
            event.subject());
  }
  return absl::OkStatus();
}

}  // namespace views_internal

namespace {

absl::Status ParseInto(std::string bytes, StoredEvent* out) {
  if (!out->event.ParseFromString(bytes)) {
    return absl::DataLossError("views: unparseable event in audit rows");
  }
  out->bytes = std::move(bytes);
  return absl::OkStatus();
}

// Orders events of several partitions: recorded_at, then position.
void SortByTime(std::vector<StoredEvent>* events) {
  auto time_of = [](const StoredEvent& e) {
    absl::StatusOr<absl::Time> t = ParseRfc3339(e.event.recorded_at());
    return t.ok() ? *t : absl::InfinitePast();
  };
  std::stable_sort(events->begin(), events->end(),
                   [&](const StoredEvent& a, const StoredEvent& b) {
                     absl::Time ta = time_of(a), tb = time_of(b);
                     if (ta != tb) return ta < tb;
                     if (a.event.partition() != b.event.partition()) {
                       return a.event.partition() < b.event.partition();
                     }
                     return a.event.offset() < b.event.offset();
                   });
}

}  // namespace

absl::StatusOr<std::vector<StoredEvent>> Views::HistoryOfSubject(
    std::string_view subject) const {
  std::vector<StoredEvent> out;
  absl::Status parsed = absl::OkStatus();
  absl::Status s =
      kv_->ScanPrefix(views_internal::HistoryPrefix(subject),
                      [&](std::string_view, std::string_view value) {
                        StoredEvent stored;
                        parsed = ParseInto(std::string(value), &stored);
                        if (!parsed.ok()) return false;
                        out.push_back(std::move(stored));
                        return true;
                      });
  if (!s.ok()) return s;
  if (!parsed.ok()) return parsed;
  return out;
}

absl::StatusOr<std::vector<StoredEvent>> Views::HistoryOfStudent(
    std::string_view student_no) const {
  absl::StatusOr<std::string> subject = SubjectOfNumber(student_no);
  if (!subject.ok()) return subject.status();
  return HistoryOfSubject(*subject);
}

// Events listed under an index prefix (keys prefix + position, values the
// subject), looked up in the subject history.
absl::StatusOr<std::vector<StoredEvent>> Views::EventsAt(
    std::string_view prefix) const {
  std::vector<std::pair<std::string, int64_t>> pointers;
  absl::Status s = kv_->ScanPrefix(
      prefix, [&](std::string_view key, std::string_view subject) {
        std::string_view position = key.substr(prefix.size());
        if (position.size() != 12) return true;
        pointers.emplace_back(
            std::string(subject),
            static_cast<int64_t>(DecodeFixed64BE(position.substr(4))));
        return true;
      });
  if (!s.ok()) return s;
  std::vector<StoredEvent> out;
  for (const auto& [subject, offset] : pointers) {
    absl::StatusOr<std::optional<std::string>> bytes =
        kv_->Get(views_internal::HistoryKey(subject, offset));
    if (!bytes.ok()) return bytes.status();
    if (!bytes->has_value()) {
      return absl::DataLossError(absl::StrCat(
          "views: audit index points at a missing event of ", subject));
    }
    StoredEvent stored;
    if (absl::Status p = ParseInto(**bytes, &stored); !p.ok()) return p;
    out.push_back(std::move(stored));
  }
  SortByTime(&out);
  return out;
}

absl::StatusOr<std::vector<StoredEvent>> Views::HistoryOfOperator(
    std::string_view operator_id) const {
  return EventsAt(views_internal::OperatorIndexPrefix(operator_id));
}

absl::StatusOr<std::vector<StoredEvent>> Views::HistoryOfRequest(
    std::string_view request_id) const {
  return EventsAt(views_internal::RequestIndexPrefix(request_id));
}

absl::StatusOr<std::optional<xueji::v1::RecordState>> Views::StateAsOf(
    std::string_view student_no, absl::Time at) const {
  absl::StatusOr<std::vector<StoredEvent>> events =
      HistoryOfStudent(student_no);
  if (!events.ok()) return events.status();
  xueji::v1::RecordState state;
  bool any = false;
  for (const StoredEvent& stored : *events) {
    absl::StatusOr<absl::Time> recorded =
        ParseRfc3339(stored.event.recorded_at());
    if (!recorded.ok()) {
      return absl::DataLossError(absl::StrCat(
          "views: event at partition ", stored.event.partition(), " offset ",
          stored.event.offset(), " has a bad recorded_at"));
    }
    if (*recorded > at) continue;
    state = EvolveRecord(std::move(state), stored.event);
    any = true;
  }
  if (!any) return std::optional<xueji::v1::RecordState>();
  if (state.subject().empty() && !events->empty()) {
    state.set_subject(events->front().event.subject());
  }
  return std::optional<xueji::v1::RecordState>(std::move(state));
}

}  // namespace xueji
