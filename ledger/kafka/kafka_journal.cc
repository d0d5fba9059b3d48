// The batch journal of KafkaLog (kafka_log.h, docs/kafka-design.md):
// AppendJournaled writes the sealed batch with the processor's answers to
// `<prefix>.journal` (one partition, compacted, key "batch") and waits for
// the acknowledgement before any event is produced; RecoverJournal reads the
// last record that landed where its writer expected it and produces the
// events of it the events topic lacks (same bytes, same offsets).
//
// A journal record is a compare-and-set: it carries the offset its writer
// expects it at (journal_offset); one that lands elsewhere lost a race with
// another processor (Aborted, nothing of the batch appended), and recovery
// ignores it.
#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_log_internal.h"

namespace xueji::kafka_log {

absl::StatusOr<std::vector<xueji::v1::Event>> KafkaLogImpl::AppendJournaled(
    std::vector<xueji::v1::Event> batch, xueji::v1::JournalBatch journal) {
  if (options_.journal_topic.empty()) {
    return absl::FailedPreconditionError(
        "Kafka log opened without a journal topic");
  }
  if (journal_next_ < 0) {
    return absl::FailedPreconditionError(
        "RecoverJournal must run before AppendJournaled");
  }
  journal.clear_events();
  return AppendImpl(std::move(batch), &journal);
}

absl::Status KafkaLogImpl::ProduceJournal(
    const xueji::v1::JournalBatch& journal,
    const std::vector<xueji::v1::Event>& sealed, Clock::time_point deadline) {
  xueji::v1::JournalBatch record = journal;
  for (const xueji::v1::Event& event : sealed) *record.add_events() = event;
  const std::string where = "journal " + options_.journal_topic;
  if (writer_.transactional() && !journal_exact_) {
    // Commit markers take offsets: expect the current end (fencing by
    // transactional.id guards against other writers here).
    absl::StatusOr<int64_t> end = reader_.JournalEnd();
    if (!end.ok()) return end.status();
    journal_next_ = *end;
  }
  record.set_journal_offset(journal_next_);
  Delivery report;
  if (absl::Status s = writer_.ProduceRecord(options_.journal_topic, "batch",
                                             record.SerializeAsString(), where,
                                             deadline, &report);
      !s.ok()) {
    return s;
  }
  if (report.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    journal_next_ = -1;  // unknown whether it landed
    // Fenced (another processor initialised the same transactional.id):
    // Aborted, so the caller gives the partition up instead of retrying.
    if (absl::Status fatal = writer_.FatalStatus("produce to " + where);
        !fatal.ok()) {
      return fatal;
    }
    return KafkaStatus(report.err, "produce to " + where);
  }
  if (report.offset != journal_next_) {
    const int64_t expected = journal_next_;
    journal_next_ = -1;
    return absl::AbortedError(
        absl::StrCat(where, ": the batch landed at offset ", report.offset,
                     ", not ", expected,
                     ": another processor wrote the journal (this one lost the "
                     "requests partition); nothing of the batch was appended"));
  }
  journal_next_ = report.offset + 1;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<xueji::v1::JournalBatch>>
KafkaLogImpl::ReadLastJournal() {
  const std::string where = "journal " + options_.journal_topic;
  absl::StatusOr<int64_t> end = reader_.JournalEnd();
  if (!end.ok()) return end.status();
  const int64_t low = 0, high = *end;
  journal_next_ = high;
  journal_exact_ = false;
  // The last record that landed where its writer expected it; control
  // records and records that lost a race may follow it.
  for (int64_t back = 16; high > low; back *= 16) {
    const int64_t from = std::max(low, high - back);
    std::optional<xueji::v1::JournalBatch> last;
    absl::Status status = reader_.ScanJournal(
        from, high, where,
        [&](const rd_kafka_message_t& m) -> absl::StatusOr<bool> {
          xueji::v1::JournalBatch batch;
          if (!batch.ParseFromArray(m.payload, static_cast<int>(m.len))) {
            return absl::DataLossError(absl::StrCat(
                "undecodable record in ", where, " offset ", m.offset));
          }
          if (batch.journal_offset() == m.offset) last = std::move(batch);
          return true;
        });
    if (!status.ok()) return status;
    if (last.has_value() || from == low) return last;
  }
  return std::optional<xueji::v1::JournalBatch>();
}

absl::Status KafkaLogImpl::CompletePartition(
    const std::vector<xueji::v1::Event>& sealed, Clock::time_point deadline,
    std::optional<xueji::v1::Event>* produced) {
  produced->reset();
  const int32_t partition = sealed.front().partition();
  absl::StatusOr<int64_t> end = reader_.EndOffset(partition);
  if (!end.ok()) return end.status();
  const int64_t head = *end;
  // The journaled events already in the topic, read in one pass.
  std::vector<StoredEvent> present;
  const int64_t first = sealed.front().offset();
  if (first < head) {
    absl::StatusOr<std::vector<StoredEvent>> stored =
        reader_.Read(partition, first, static_cast<size_t>(head - first));
    if (!stored.ok()) return stored.status();
    present = *std::move(stored);
  }
  size_t next_present = 0;
  std::vector<xueji::v1::Event> missing;
  for (const xueji::v1::Event& event : sealed) {
    if (event.offset() >= head) {
      missing.push_back(event);
      continue;
    }
    while (next_present < present.size() &&
           present[next_present].event.offset() < event.offset()) {
      ++next_present;
    }
    if (next_present == present.size() ||
        present[next_present].event.offset() != event.offset() ||
        present[next_present].event.hash() != event.hash()) {
      return absl::DataLossError(
          absl::StrCat(reader_.Where(partition), " offset ", event.offset(),
                       " does not hold the journaled event ", event.event_id(),
                       ": another writer appended to the partition"));
    }
  }
  if (missing.empty()) return absl::OkStatus();
  if (missing.front().offset() != head) {
    return absl::DataLossError(absl::StrCat(
        reader_.Where(partition), " ends at offset ", head,
        " but the journal continues it at offset ", missing.front().offset()));
  }
  bool mismatch = false;
  absl::Status status =
      writer_.ProduceEvents(missing, absl::OkStatus(), deadline, &mismatch);
  if (status.ok()) *produced = missing.back();
  return status;
}

absl::StatusOr<std::optional<xueji::v1::JournalBatch>>
KafkaLogImpl::RecoverJournal() {
  if (!reader_.has_journal() || options_.read_only) {
    return absl::FailedPreconditionError(
        "Kafka log opened without a journal topic, or read-only");
  }
  const Clock::time_point deadline = Clock::now() + options_.append_timeout;
  if (writer_.broken()) {
    if (absl::Status s = writer_.Recreate(); !s.ok()) return s;
  }
  // Records of a failed append still in flight would land after ours.
  if (absl::Status s = writer_.DrainPending(deadline); !s.ok()) return s;
  stale_.assign(partitions(), true);
  absl::StatusOr<std::optional<xueji::v1::JournalBatch>> last =
      ReadLastJournal();
  if (!last.ok() || !last->has_value()) return last;
  std::map<int32_t, std::vector<xueji::v1::Event>> by_partition;
  for (const xueji::v1::Event& event : (*last)->events()) {
    by_partition[event.partition()].push_back(event);
  }
  const bool txn = writer_.transactional();
  if (txn) {
    if (absl::Status s = writer_.BeginTransaction(); !s.ok()) return s;
  }
  absl::Status status;
  std::vector<xueji::v1::Event> produced;  // the last one per partition
  for (const auto& [partition, events] : by_partition) {
    if (partition < 0 || partition >= partitions()) {
      status = absl::DataLossError(
          absl::StrCat("journal names partition ", partition, " of ", topic_));
    } else {
      std::optional<xueji::v1::Event> last_produced;
      status = CompletePartition(events, deadline, &last_produced);
      if (last_produced.has_value()) produced.push_back(*last_produced);
    }
    if (!status.ok()) break;
  }
  if (txn) status = writer_.EndTransaction(status, deadline);
  if (!status.ok()) return status;
  // Before reading the tails: the markers of what was just committed.
  for (const xueji::v1::Event& event : produced) {
    if (!txn) break;
    absl::StatusOr<int64_t> end = reader_.StableEnd(
        /*journal=*/false, event.partition(), event.offset(), deadline);
    if (!end.ok()) return end.status();
  }
  if (absl::Status s = Resync(); !s.ok()) return s;
  knows_tails_ = true;  // this writer owns the partitions now
  return last;
}

}  // namespace xueji::kafka_log
