// KafkaLog (kafka_log.h): sealing batches from the partition tails, the
// retry of a transactional append, and opening. The journal is in
// kafka_journal.cc, reading in kafka_log_reader.cc, producing in
// kafka_log_writer.cc.
#include "ledger/kafka/kafka_log.h"

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_log_internal.h"
#include "ledger/log/hash_chain.h"

namespace xueji {
namespace kafka_log {

KafkaLogImpl::KafkaLogImpl(KafkaLogOptions options)
    : options_(std::move(options)),
      topic_(EventsTopic(options_.topic_prefix)),
      reader_(options_, topic_),
      writer_(options_, topic_) {}

absl::Status KafkaLogImpl::Connect() {
  if (options_.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("Kafka bootstrap servers not set");
  }
  if (absl::Status s = reader_.Open(); !s.ok()) return s;
  tails_.assign(partitions(), Tail{});
  stale_.assign(partitions(), true);
  if (options_.read_only) return absl::OkStatus();
  if (absl::Status s = Resync(); !s.ok()) return s;
  return writer_.Create();
}

absl::Status KafkaLogImpl::Resync() {
  for (int32_t p = 0; p < partitions(); ++p) {
    if (!stale_[p]) continue;
    absl::StatusOr<Tail> tail = reader_.ReadTail(p);
    if (!tail.ok()) return tail.status();
    tails_[p] = *tail;
    stale_[p] = false;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> KafkaLogImpl::HeadOffsets() {
  // The writer knows its tails (a batch per request round trip saved); a
  // reader, or a writer after a failure, asks the brokers.
  if (knows_tails_ &&
      std::none_of(stale_.begin(), stale_.end(), [](bool s) { return s; })) {
    std::vector<int64_t> heads;
    for (const Tail& tail : tails_) heads.push_back(tail.next);
    return heads;
  }
  return reader_.EndOffsets();
}

absl::StatusOr<std::vector<xueji::v1::Event>> KafkaLogImpl::Append(
    std::vector<xueji::v1::Event> batch) {
  return AppendImpl(std::move(batch), nullptr);
}

absl::StatusOr<std::vector<xueji::v1::Event>> KafkaLogImpl::AppendImpl(
    std::vector<xueji::v1::Event> batch,
    const xueji::v1::JournalBatch* journal) {
  if (options_.read_only) {
    return absl::FailedPreconditionError("Kafka log opened read-only");
  }
  if (batch.empty()) return batch;
  for (const xueji::v1::Event& event : batch) {
    if (event.subject().empty() || PayloadName(event).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "event ", event.event_id(), " has no subject or no payload"));
    }
  }
  const Clock::time_point deadline = Clock::now() + options_.append_timeout;
  // With transactions an offset mismatch is undone by aborting, so it is
  // worth a retry (a commit marker may not have been visible yet).
  const int attempts = writer_.transactional() ? 3 : 1;
  absl::Status status;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      // The markers of an aborted transaction are written after the abort
      // returns: give the tails a moment to settle before re-reading them.
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
    if (writer_.broken()) {
      stale_.assign(partitions(), true);
      if (absl::Status s = writer_.Recreate(); !s.ok()) return s;
    }
    if (absl::Status s = writer_.DrainPending(deadline); !s.ok()) return s;
    if (absl::Status s = Resync(); !s.ok()) return s;
    bool mismatch = false;
    absl::StatusOr<std::vector<xueji::v1::Event>> sealed =
        TryAppend(batch, journal, deadline, &mismatch);
    if (sealed.ok() || !mismatch) return sealed;
    status = sealed.status();
  }
  return status;
}

absl::StatusOr<std::vector<xueji::v1::Event>> KafkaLogImpl::TryAppend(
    std::vector<xueji::v1::Event> batch, const xueji::v1::JournalBatch* journal,
    Clock::time_point deadline, bool* mismatch) {
  std::vector<Tail> tails = tails_;
  std::vector<int64_t> tails_before;
  for (const Tail& tail : tails_) tails_before.push_back(tail.next);
  std::vector<std::string> values;  // each event serialized once
  values.reserve(batch.size());
  for (xueji::v1::Event& event : batch) {
    Tail& tail = tails[PartitionFor(event.subject(), partitions())];
    event.set_partition(PartitionFor(event.subject(), partitions()));
    event.set_offset(tail.next++);
    event.clear_hash();
    values.push_back(SealAndSerialize(tail.hash, &event));
    tail.hash = event.hash();
    stale_[event.partition()] = true;  // until the batch is known durable
  }
  const bool txn = writer_.transactional();
  writer_.ClearLastError();
  if (txn) {
    if (absl::Status s = writer_.BeginTransaction(); !s.ok()) return s;
  }
  absl::Status status;
  if (journal != nullptr) status = ProduceJournal(*journal, batch, deadline);
  status = writer_.ProduceEvents(batch, status, deadline, mismatch, &values);
  if (txn) {
    const int64_t journal_offset = journal_next_ - 1;
    journal_exact_ = false;
    status = writer_.EndTransaction(status, deadline);
    if (status.ok() && journal != nullptr) {
      // The next journal record lands after this one and its marker.
      absl::StatusOr<int64_t> end =
          NextAfterCommit(/*journal=*/true, 0, journal_offset, deadline);
      journal_exact_ = end.ok();
      if (end.ok()) journal_next_ = *end;
    }
  }
  if (!status.ok()) return status;
  knows_tails_ = true;
  for (const xueji::v1::Event& event : batch) {
    const int32_t p = event.partition();
    tails_[p] = tails[p];
    stale_[p] = false;
  }
  if (txn) {
    // A commit marker follows the batch in each partition on a real broker:
    // learn where the next event goes (or re-read the tail if that fails).
    for (int32_t p = 0; p < partitions(); ++p) {
      if (tails[p].next == tails_before[p]) continue;
      absl::StatusOr<int64_t> end =
          NextAfterCommit(/*journal=*/false, p, tails[p].next - 1, deadline);
      if (end.ok()) {
        tails_[p].next = *end;
      } else {
        stale_[p] = true;
        knows_tails_ = false;
      }
    }
  }
  return batch;
}

// Every transaction writes one control record (its commit marker) into each
// partition it wrote, after the last record: the next record of that
// partition lands at last + 2 on a broker that writes markers, at last + 1
// on one that does not (librdkafka's mock). Which one is learnt once, from
// the end readers see after the first commit; after that the next offset is
// known without asking (a wrong guess would only cost an aborted attempt:
// the delivery report's offset is checked).
absl::StatusOr<int64_t> KafkaLogImpl::NextAfterCommit(
    bool journal, int32_t partition, int64_t last, Clock::time_point deadline) {
  if (markers_per_commit_ >= 0) return last + 1 + markers_per_commit_;
  absl::StatusOr<int64_t> end =
      reader_.StableEnd(journal, partition, last, deadline);
  if (!end.ok()) return end.status();
  if (*end == last + 1 || *end == last + 2) {
    markers_per_commit_ = static_cast<int>(*end - last - 1);
  }
  return *end;
}

}  // namespace kafka_log

KafkaLogOptions KafkaLogOptionsFor(const KafkaConnection& kafka) {
  KafkaLogOptions options;
  options.bootstrap_servers = kafka.bootstrap_servers;
  options.topic_prefix = kafka.topic_prefix;
  options.properties = kafka.properties;
  return options;
}

std::string EventsTopic(const std::string& prefix) {
  return prefix + ".events";
}

absl::StatusOr<std::unique_ptr<KafkaLog>> KafkaLog::Open(
    const KafkaLogOptions& options) {
  auto log = std::make_unique<kafka_log::KafkaLogImpl>(options);
  if (absl::Status s = log->Connect(); !s.ok()) return s;
  return std::unique_ptr<KafkaLog>(std::move(log));
}

absl::StatusOr<std::unique_ptr<EventLog>> OpenKafkaLog(
    const KafkaLogOptions& options) {
  auto log = KafkaLog::Open(options);
  if (!log.ok()) return log.status();
  return std::unique_ptr<EventLog>(*std::move(log));
}

}  // namespace xueji
