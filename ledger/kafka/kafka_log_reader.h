// KafkaLogReader: the reading half of KafkaLog (internal to ledger/kafka/,
// as leveldb's db/log_reader.h). It reads the events topic and the journal
// topic with librdkafka's legacy simple consumer — start at an offset, no
// group, nothing committed, read_committed, stopped at partition EOF — and
// answers watermark queries: a partition's tail (next offset and last hash),
// the heads, and the end a transaction's commit marker leaves.
//
// Every read is bounded by options.read_timeout (DeadlineExceeded). Read
// asks for the high watermark first; ReadAvailable asks for none (librdkafka
// may wait for a watermark past any timeout while a partition's leader is
// down) and stops at partition EOF. An undecodable event is DataLoss naming
// topic, partition and offset; a deleted offset is DataLoss.
//
// Ownership: owns one consumer handle and its topic handles (events and, if
// options.journal_topic is set, journal); borrows nothing.
// Thread-safety: one thread at a time (the KafkaLog's).
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_LOG_READER_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_LOG_READER_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/kafka/kafka_log_format.h"

namespace xueji::kafka_log {

class KafkaLogReader {
 public:
  // Called for each record; false stops the scan, an error ends it.
  using Take = std::function<absl::StatusOr<bool>(const rd_kafka_message_t&)>;

  // `options` must outlive the reader.
  KafkaLogReader(const KafkaLogOptions& options, std::string topic);
  ~KafkaLogReader();
  KafkaLogReader(const KafkaLogReader&) = delete;
  KafkaLogReader& operator=(const KafkaLogReader&) = delete;

  // Connects and learns the events topic's partition count (NotFound for a
  // missing topic, or one without partitions).
  absl::Status Open();

  int32_t partitions() const { return partitions_; }
  const std::string& topic() const { return topic_; }
  bool has_journal() const { return journal_topic_ != nullptr; }
  // "topic T partition P", for messages.
  std::string Where(int32_t partition) const;

  // Low and high watermark of `topic`/`partition` ("watermarks of WHERE"
  // names a failure).
  absl::StatusOr<std::pair<int64_t, int64_t>> QueryWatermarks(
      const std::string& topic, int32_t partition, int timeout_ms,
      const std::string& where);
  // Of an events partition, within read_timeout.
  absl::StatusOr<std::pair<int64_t, int64_t>> Watermarks(int32_t partition);
  // The end of `topic`/`partition` once the transaction that wrote offset
  // `last` is complete for read_committed readers (see the definition).
  absl::StatusOr<int64_t> StableEnd(const std::string& topic, int32_t partition,
                                    int64_t last, Clock::time_point deadline);
  // The tail of an events partition (DataLoss if its start was deleted).
  absl::StatusOr<Tail> ReadTail(int32_t partition);
  // Every events partition's high watermark.
  absl::StatusOr<std::vector<int64_t>> HighWatermarks();

  // EventLog::Read and KafkaLog::ReadAvailable (kafka_log.h).
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events);
  absl::StatusOr<std::vector<StoredEvent>> ReadAvailable(int32_t partition,
                                                         int64_t from_offset,
                                                         size_t max_events);

  // Serves the journal's records from `from` to `take` until it returns
  // false, the record before `high`, or the end. `where` names the journal.
  absl::Status ScanJournal(int64_t from, int64_t high, const std::string& where,
                           const Take& take);

 private:
  absl::Status CreateConsumer();
  // Serves records of `topic`/`partition` (consumption started) to `take`
  // until it returns false, the record before `high`, or the end.
  absl::Status ConsumeRecords(rd_kafka_topic_t* topic, int32_t partition,
                              const std::string& where, int64_t high,
                              const Take& take);
  // Reads events until `max`, the record before `high`, or the end.
  absl::Status Consume(int32_t partition, int64_t high, size_t max,
                       std::vector<StoredEvent>* out);

  const KafkaLogOptions& options_;
  const std::string topic_;
  int32_t partitions_ = 0;
  RdKafkaPtr consumer_;
  RktPtr events_topic_;
  RktPtr journal_topic_;
};

}  // namespace xueji::kafka_log

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_LOG_READER_H_
