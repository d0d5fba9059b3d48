// KafkaLog: the EventLog (ledger/event_log.h) over the `<prefix>.events`
// topic of a Kafka cluster, through librdkafka.
//
// Each EventLog partition is the Kafka partition of the same number; an
// event's `offset` is the Kafka offset of its record. Record key = subject,
// value = the event's canonical bytes (CanonicalBytes of the sealed event),
// headers = the CloudEvents Kafka binding (ce_specversion, ce_id, ce_source,
// ce_type, ce_time, ce_subject, content-type, ce_dataschema), so any Kafka
// client can consume and decode the topic.
//
// Single writer per partition. Because an event's offset is part of its
// hashed bytes, Append predicts each record's offset (the partition's next
// offset, learned on open from the high watermark and the last event) and
// checks it against the delivery report. This is only sound if one KafkaLog
// at a time appends to a partition (the processor owning it). A mismatch
// (another writer got there first) makes Append return Aborted naming the
// partition; the log then re-reads the partition tails before the next
// Append. Without transactional.id the records already delivered stay in the
// topic (VerifyLog reports them); with transactional.id the transaction is
// aborted, so read_committed consumers of a real broker never see them.
//
// Durability: acks=all and the idempotent producer; Append returns OK only
// when every record of the batch has a successful delivery report (and, with
// transactional.id, the transaction is committed). Without transactional.id
// a batch spanning several partitions is not atomic if Append fails half way;
// callers rely on idempotency by request_id (design.md) to finish it.
//
// Journal (KafkaLog::AppendJournaled): before any event of a batch is
// produced, the sealed batch with the processor's answers is written to the
// journal topic and acknowledged; RecoverJournal produces whatever of the
// last journaled batch the events topic lacks (same bytes, same offsets). So
// a processor killed half way through a batch leaves no half batch behind
// once its successor has recovered — with or without Kafka transactions.
// With transactional.id the journal record and the events share one
// transaction.
//
// Reads, tails and heads are learnt from partition EOF, never from watermark
// queries, so every operation is bounded by its timeout even while a
// partition's leader is down (kafka_log_reader.h).
//
// Errors at the boundary: broker unreachable -> Unavailable; fenced producer
// or offset mismatch -> Aborted; timeouts -> DeadlineExceeded; undecodable
// record -> DataLoss naming topic, partition and offset.
//
// Ownership and thread-safety: a KafkaLog owns one producer and one consumer
// handle; like every EventLog it is used by one thread at a time.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_LOG_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_LOG_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/kafka/kafka_config.h"
#include "ledger/log/event_log.h"
#include "xueji/v1/processor.pb.h"

namespace xueji {

struct KafkaLogOptions {
  std::string bootstrap_servers;  // "host:port,host:port"
  std::string topic_prefix = "xueji";
  // Passed to librdkafka as is (security.protocol, sasl.*, ssl.*, ...), to
  // both the producer and the reader. They override the tuning defaults but
  // not what correctness needs (acks=all, enable.idempotence,
  // read_committed, no auto commit, message.timeout.ms = append_timeout).
  std::map<std::string, std::string> properties;
  // Empty: idempotent producer. Set: transactions, fencing older producers
  // with the same id.
  std::string transactional_id;
  // Bound on Append (delivery + commit), on opening, and on each Read.
  std::chrono::milliseconds append_timeout{30000};
  std::chrono::milliseconds open_timeout{30000};
  std::chrono::milliseconds read_timeout{30000};
  // `<prefix>.journal` for AppendJournaled/RecoverJournal; "" = no journal.
  std::string journal_topic;
  // A reader only (a standby processor): no producer, and opening reads no
  // tails (no watermark query); Append, AppendJournaled and RecoverJournal
  // are FailedPrecondition.
  bool read_only = false;
};

// The options of a log on `kafka`'s cluster: its bootstrap servers, topic
// prefix and properties; everything else at its default.
KafkaLogOptions KafkaLogOptionsFor(const KafkaConnection& kafka);

// The Kafka log with its write-ahead journal (see the file comment).
class KafkaLog : public EventLog {
 public:
  // Connects as OpenKafkaLog does.
  static absl::StatusOr<std::unique_ptr<KafkaLog>> Open(
      const KafkaLogOptions& options);

  // Append, with `journal` (its events replaced by the sealed batch) written
  // to the journal topic and acknowledged first. FailedPrecondition without
  // journal_topic.
  virtual absl::StatusOr<std::vector<xueji::v1::Event>> AppendJournaled(
      std::vector<xueji::v1::Event> batch, xueji::v1::JournalBatch journal) = 0;

  // Waits for the outcome of earlier appends, reads the journal's last
  // record and produces those of its events the events topic lacks. Returns
  // the record (nullopt for an empty journal). DataLoss if the events topic
  // holds other events at the journaled offsets (another writer).
  virtual absl::StatusOr<std::optional<xueji::v1::JournalBatch>>
  RecoverJournal() = 0;

  // Up to `max_events` events of `partition` from `from_offset` on, as far
  // as the brokers had committed them when the read reached the end
  // (partition EOF); the same as Read, which asks for no watermarks either
  // (librdkafka may wait for one past any timeout while a partition's
  // leader is down): both return within read_timeout (DeadlineExceeded)
  // whatever the cluster does.
  virtual absl::StatusOr<std::vector<StoredEvent>> ReadAvailable(
      int32_t partition, int64_t from_offset, size_t max_events) = 0;
};

// Name of the events topic for `prefix`.
std::string EventsTopic(const std::string& prefix);

// Connects, learns the partition count and each partition's tail (next
// offset and last hash). Fails with Unavailable / DeadlineExceeded if the
// cluster or the topic cannot be reached within open_timeout, NotFound if
// the topic does not exist.
absl::StatusOr<std::unique_ptr<EventLog>> OpenKafkaLog(
    const KafkaLogOptions& options);

}  // namespace xueji

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_LOG_H_
