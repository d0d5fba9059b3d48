// libFuzzer target: the event decoder and the projections of an event. The
// input is a stream of stored events, each as a varint length and that many
// bytes (protobuf's delimited form; up to 64 events). Each one is parsed as a
// xueji.v1.Event, placed at the next offset of its partition (its own if in
// range, else the one its subject routes to) as the log would, and applied
// to a copy of the demo ledger held in memory: Views::Apply (audit,
// enrollment, anomaly rows) and LedgerState::Apply (decider state), each
// committed if it succeeds and dropped if it fails. Then the views and the
// state are read back about every subject, number, request and operator the
// events named, and the whole-store reports (stats, anomalies) are run.
//
// A refused event (an error status) is fine: events in the log are trusted
// but a damaged one must be refused, never crash a reader.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "google/protobuf/io/coded_stream.h"
#include "ledger/log/hash_chain.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/rules/calendar.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

constexpr int kMaxEvents = 64;

// Reads back what the stores hold about `event`'s names.
void ReadBack(const xueji::Views& views, const xueji::LedgerState& state,
              const xueji::v1::Event& event, absl::Time now) {
  (void)views.HistoryOfSubject(event.subject());
  (void)views.HistoryOfRequest(event.request_id());
  (void)views.HistoryOfOperator(event.actor().operator_id());
  (void)views.Operator(event.actor().operator_id());
  (void)state.ResultFor(event.request_id());
  (void)state.Operator(event.actor().operator_id());
  (void)state.RecordByPendingRequest(event.request_id());
  if (!event.student_no().empty()) {
    (void)views.RecordByNumber(event.student_no());
    (void)views.HistoryOfStudent(event.student_no());
    (void)views.StateAsOf(event.student_no(), now);
    (void)state.RecordByNumber(event.student_no());
    (void)state.SubjectByNumber(event.student_no());
  }
  absl::StatusOr<std::optional<xueji::v1::RecordState>> record =
      views.RecordByNumber(event.student_no());
  if (record.ok() && record->has_value()) {
    const xueji::v1::RecordState& r = **record;
    (void)views.RecordsAtKindergarten(r.kindergarten(), true);
    (void)views.RecordsByIdentity(r.child().id_type(), r.child().id_number());
    (void)views.Kindergarten(r.kindergarten());
    (void)state.LiveRecordsAt(r.kindergarten());
    (void)state.LiveSubjectsAt(r.kindergarten());
    (void)state.Kindergarten(r.kindergarten());
  }
}

}  // namespace

// LLVMFuzzerInitialize: demo_ledger_init.cc.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xueji;
  using namespace xueji::fuzz;
  Ledger ledger(DemoLedger());
  LedgerState state(&ledger.state_kv);
  Views& views = *ledger.views;
  const int32_t partitions = ledger.log.partitions();
  std::vector<int64_t> next = *ledger.log.HeadOffsets();

  google::protobuf::io::CodedInputStream in(data, static_cast<int>(size));
  std::vector<xueji::v1::Event> applied;
  for (int i = 0; i < kMaxEvents; ++i) {
    uint32_t length = 0;
    std::string bytes;
    if (!in.ReadVarint32(&length) || !in.ReadString(&bytes, length)) break;
    StoredEvent stored;
    if (!stored.event.ParseFromString(bytes)) continue;  // refused: fine
    xueji::v1::Event& event = stored.event;
    int32_t p = event.partition();
    if (p < 0 || p >= partitions) p = PartitionFor(event.subject(), partitions);
    event.set_partition(p);
    event.set_offset(next[p]);
    stored.bytes = CanonicalBytes(event);

    absl::StatusOr<bool> viewed = views.Apply(stored);
    if (!viewed.ok()) {
      ledger.views_kv.Discard();
      continue;
    }
    Check(*viewed, "the views skipped an event at their checkpoint");
    Check(views.Commit(false).ok(), "views commit failed in memory");
    if (state.Apply(event).ok()) {
      Check(ledger.state_kv.Commit(false).ok(), "state commit failed");
    } else {
      ledger.state_kv.Discard();
    }
    ++next[p];
    applied.push_back(event);
  }
  if (applied.empty()) return 0;

  for (const xueji::v1::Event& event : applied) {
    ReadBack(views, state, event, ledger.now);
  }
  const absl::CivilDay as_of(2026, 1, 5);
  (void)views.ComputeStats("", as_of);
  AnomalyQuery query;
  query.as_of = as_of;
  query.calendar = &WorkingCalendar::Default();
  (void)views.Anomalies(query);
  for (int32_t p = 0; p < partitions; ++p) {
    absl::StatusOr<int64_t> checkpoint = views.Checkpoint(p);
    Check(checkpoint.ok() && *checkpoint == next[p],
          "the views' checkpoint is not after the last applied event");
  }
  return 0;
}
