// KafkaLogImpl: the KafkaLog of kafka_log.h, declared here for its two
// source files (internal to ledger/kafka/): kafka_log.cc seals batches and
// keeps the partition tails; kafka_journal.cc writes and recovers the batch
// journal. Reading is KafkaLogReader's, producing KafkaLogWriter's.
//
// Ownership: owns its reader and writer (and through them every librdkafka
// handle); a copy of the options both borrow.
// Thread-safety: one thread at a time, as every EventLog.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_LOG_INTERNAL_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_LOG_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/kafka/kafka_log_format.h"
#include "ledger/kafka/kafka_log_reader.h"
#include "ledger/kafka/kafka_log_writer.h"
#include "xueji/v1/processor.pb.h"

namespace xueji::kafka_log {

class KafkaLogImpl final : public KafkaLog {
 public:
  explicit KafkaLogImpl(KafkaLogOptions options);
  ~KafkaLogImpl() override = default;

  absl::Status Connect();

  int32_t partitions() const override { return reader_.partitions(); }
  absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event> batch) override;
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events) override {
    return reader_.Read(partition, from_offset, max_events);
  }
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override;
  absl::StatusOr<std::vector<xueji::v1::Event>> AppendJournaled(
      std::vector<xueji::v1::Event> batch,
      xueji::v1::JournalBatch journal) override;
  absl::StatusOr<std::optional<xueji::v1::JournalBatch>> RecoverJournal()
      override;
  absl::StatusOr<std::vector<StoredEvent>> ReadAvailable(
      int32_t partition, int64_t from_offset, size_t max_events) override {
    return reader_.Read(partition, from_offset, max_events);
  }

 private:
  // kafka_log.cc
  absl::Status Resync();
  // Retries TryAppend (with transactions, after an offset mismatch).
  absl::StatusOr<std::vector<xueji::v1::Event>> AppendImpl(
      std::vector<xueji::v1::Event> batch,
      const xueji::v1::JournalBatch* journal);
  // One attempt: seals `batch` from the tails, produces it (after the
  // journal record, if any), waits for the reports. On success the tails
  // are advanced. *mismatch is set when Kafka assigned another offset than
  // predicted.
  absl::StatusOr<std::vector<xueji::v1::Event>> TryAppend(
      std::vector<xueji::v1::Event> batch,
      const xueji::v1::JournalBatch* journal, Clock::time_point deadline,
      bool* mismatch);
  // Where the next record of `partition` (or the journal) goes after a
  // commit whose last record there is `last` (see the definition).
  absl::StatusOr<int64_t> NextAfterCommit(bool journal, int32_t partition,
                                          int64_t last,
                                          Clock::time_point deadline);

  // kafka_journal.cc
  // Produces `journal` with `sealed` as its events; waits for the report.
  absl::Status ProduceJournal(const xueji::v1::JournalBatch& journal,
                              const std::vector<xueji::v1::Event>& sealed,
                              Clock::time_point deadline);
  absl::StatusOr<std::optional<xueji::v1::JournalBatch>> ReadLastJournal();
  // Produces the events of `sealed` (one partition, offset order) from the
  // partition's head on; checks the ones below it are the same.
  // *produced: the last event it produced (nullopt: none was missing).
  absl::Status CompletePartition(const std::vector<xueji::v1::Event>& sealed,
                                 Clock::time_point deadline,
                                 std::optional<xueji::v1::Event>* produced);

  const KafkaLogOptions options_;
  const std::string topic_;
  KafkaLogReader reader_;
  KafkaLogWriter writer_;
  std::vector<Tail> tails_;
  std::vector<bool> stale_;  // tail must be re-read before appending
  // Where this writer's next journal record must land (-1: unknown until
  // RecoverJournal). Anything else means another processor wrote there.
  int64_t journal_next_ = -1;
  // With transactions: journal_next_ was learnt after the last commit (the
  // commit marker counted); otherwise the next journal write asks Kafka.
  bool journal_exact_ = false;
  // Set by a successful append or recovery: tails_ are the heads while not
  // stale.
  bool knows_tails_ = false;
  // Commit markers a transaction leaves per partition it wrote: 1 on Apache
  // Kafka, 0 on librdkafka's mock; -1 until learnt (NextAfterCommit).
  int markers_per_commit_ = -1;
};

}  // namespace xueji::kafka_log

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_LOG_INTERNAL_H_
