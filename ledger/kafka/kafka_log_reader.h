// KafkaLogReader: the reading half of KafkaLog (internal to ledger/kafka/,
// as leveldb's db/log_reader.h). It reads the events topic and the journal
// topic with librdkafka's legacy simple consumer — start at an offset, no
// group, nothing committed, read_committed, stopped at partition EOF — and
// learns ends from partition EOF too: a partition's tail (next offset and
// last hash), the heads, and the end a transaction's commit marker leaves.
//
// No watermark query anywhere: librdkafka's rd_kafka_query_watermark_offsets
// waits for the partition leader's answer past any timeout, so while a
// leader is down it hung the processor's recovery for minutes (issue 11).
// Every read here is bounded by options.read_timeout (DeadlineExceeded).
// An undecodable event is DataLoss naming topic, partition and offset; a
// deleted offset is DataLoss.
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

  // The end of an events partition (the offset the next record gets, as
  // far as read_committed readers see), or of the journal: learnt from
  // partition EOF after starting at the logical end, never by a watermark
  // query, which librdkafka may wait for past any timeout while the
  // partition's leader is down. Bounded by read_timeout.
  absl::StatusOr<int64_t> EndOffset(int32_t partition);
  absl::StatusOr<int64_t> JournalEnd();
  // The end of an events partition (journal: `journal`) once the
  // transaction that wrote offset `last` is complete for read_committed
  // readers (see the definition); DeadlineExceeded at `deadline`.
  absl::StatusOr<int64_t> StableEnd(bool journal, int32_t partition,
                                    int64_t last, Clock::time_point deadline);
  // The tail of an events partition.
  absl::StatusOr<Tail> ReadTail(int32_t partition);
  // Every events partition's end.
  absl::StatusOr<std::vector<int64_t>> EndOffsets();

  // EventLog::Read (kafka_log.h): up to `max_events` events from
  // `from_offset` on, stopping at partition EOF.
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events);

  // Serves the journal's records from `from` to `take` until it returns
  // false, the record before `high`, or the end. `where` names the journal.
  absl::Status ScanJournal(int64_t from, int64_t high, const std::string& where,
                           const Take& take);

 private:
  absl::Status CreateConsumer();
  // Serves records of `topic`/`partition` (consumption started) to `take`
  // until it returns false, the record before `high`, or partition EOF
  // (whose offset goes to *eof, if given) before `deadline`.
  absl::Status ConsumeRecords(rd_kafka_topic_t* topic, int32_t partition,
                              const std::string& where, int64_t high,
                              const Take& take, Clock::time_point deadline,
                              int64_t* eof = nullptr);
  absl::StatusOr<int64_t> End(rd_kafka_topic_t* topic, int32_t partition,
                              const std::string& where,
                              Clock::time_point deadline);
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
