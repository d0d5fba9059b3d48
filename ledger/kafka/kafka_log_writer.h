// KafkaLogWriter: the writing half of KafkaLog (internal to ledger/kafka/,
// as leveldb's db/log_writer.h). It produces sealed events — each to the
// partition and at the offset sealed into it — with an idempotent (or, with
// options.transactional_id, transactional) acks=all producer, waits for
// every delivery report and checks each record's offset against the one
// sealed into the event; it produces single records (the journal's) the
// same way, and begins and ends transactions.
//
// A record whose fate is unknown (the append timed out while it was in
// flight) stays pending: DrainPending waits for it before anything else is
// produced, so no later record can take an offset ahead of it unseen. A
// fatal producer error marks the writer broken(); Recreate() starts afresh.
//
// Ownership: owns the producer handle and every Delivery librdkafka may still
// write to (freed only after the producer). Thread-safety: one thread at a
// time (the KafkaLog's); delivery reports are served on that thread.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_LOG_WRITER_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_LOG_WRITER_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/kafka/kafka_log_format.h"

namespace xueji::kafka_log {

class KafkaLogWriter {
 public:
  // `options` must outlive the writer; `topic` is the events topic.
  KafkaLogWriter(const KafkaLogOptions& options, std::string topic);
  ~KafkaLogWriter();
  KafkaLogWriter(const KafkaLogWriter&) = delete;
  KafkaLogWriter& operator=(const KafkaLogWriter&) = delete;

  bool transactional() const { return !options_.transactional_id.empty(); }
  // A fatal error left the producer unusable: Recreate() before producing.
  bool broken() const { return broken_; }

  // Creates the producer (with transactions: initialises them, fencing an
  // older producer with the same transactional.id).
  absl::Status Create();
  // Drops the producer and its unserved reports, then Create().
  absl::Status Recreate();

  // Forgets the last producer-level error (before a new attempt).
  void ClearLastError() { last_error_ = RD_KAFKA_RESP_ERR_NO_ERROR; }
  absl::Status BeginTransaction();
  // Commits the transaction if `status` is OK, else aborts it; returns the
  // outcome (an abortable commit failure is aborted and returned).
  absl::Status EndTransaction(absl::Status status, Clock::time_point deadline);

  // If `status` is OK, produces `events` (sealed: partition and offset set)
  // and waits for their reports; each delivered offset must be the sealed
  // one (else Aborted, *mismatch set). Returns the first failure. `values`,
  // if given, holds each event's CanonicalBytes (as SealAndSerialize
  // returned them), so that they are not serialized again.
  absl::Status ProduceEvents(const std::vector<xueji::v1::Event>& events,
                             absl::Status status, Clock::time_point deadline,
                             bool* mismatch,
                             const std::vector<std::string>* values = nullptr);
  // Produces one record to partition 0 of `topic` and waits for its report,
  // copied to *report (its err and offset are the caller's to judge).
  // `where` names the topic in errors.
  absl::Status ProduceRecord(const std::string& topic, const std::string& key,
                             const std::string& value, const std::string& where,
                             Clock::time_point deadline, Delivery* report);
  // Aborted naming `where` if the producer has a fatal error (fenced by a
  // newer producer with the same transactional.id: this writer lost its
  // partitions); OK otherwise.
  absl::Status FatalStatus(const std::string& where);
  // Waits for the records of an earlier, failed produce whose fate is still
  // unknown (Unavailable at the deadline).
  absl::Status DrainPending(Clock::time_point deadline);

 private:
  std::string Where(int32_t partition) const;
  absl::Status ProduceOne(const xueji::v1::Event& event,
                          const std::string& value, Delivery* delivery,
                          Clock::time_point deadline);
  absl::Status AwaitDeliveries(const std::vector<Delivery*>& deliveries,
                               Clock::time_point deadline);
  // Waits for `deliveries` (of events[0..n)) and checks each one's offset.
  absl::Status AwaitAndCheck(const std::vector<Delivery*>& deliveries,
                             const std::vector<xueji::v1::Event>& events,
                             Clock::time_point deadline, bool* mismatch);
  absl::Status DeliveryStatus(const Delivery& delivery,
                              const xueji::v1::Event& event, bool* mismatch);
  void ErasePendingDone();

  const KafkaLogOptions& options_;
  const std::string topic_;
  bool broken_ = false;
  rd_kafka_resp_err_t last_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  // Reports librdkafka may still write to; freed after the producer.
  std::vector<std::unique_ptr<Delivery>> pending_;
  RdKafkaPtr producer_;
};

}  // namespace xueji::kafka_log

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_LOG_WRITER_H_
