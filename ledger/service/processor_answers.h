// ProcessorAnswers: what the Kafka-mode processor (kafka_processor.h) sends
// out after deciding: each answer on `<prefix>.results` (key and headers as
// docs/kafka-design.md describes them) and the latest state of every
// kindergarten and operator a batch changed on the compacted
// `<prefix>.registry`, as CloudEvents records. It owns the producer of both
// and remembers the first failure of queueing, so the service can treat a
// batch's answers as one outcome: queued, then confirmed (Confirm) while the
// next batch is decided.
//
// Ownership: owned by the service, which passes the ledger state to read
// the registry from. Thread-safety: none; the service's thread only.
#ifndef XUEJI_LEDGER_SERVICE_PROCESSOR_ANSWERS_H_
#define XUEJI_LEDGER_SERVICE_PROCESSOR_ANSWERS_H_

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_config.h"
#include "ledger/processor/ledger_state.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

class ProcessorAnswers {
 public:
  ProcessorAnswers(const KafkaConnection& kafka,
                   std::chrono::milliseconds timeout)
      : kafka_(kafka), timeout_(timeout) {}

  // Opens (or, after a failure, reopens) the producer.
  absl::Status Open();
  bool is_open() const { return producer_ != nullptr; }

  // Queues the answer to the request at `offset` of the requests topic
  // (`index`: its place in that record's signed batch). Key: the requestId
  // for a first answer, so the compacted topic keeps it (a redelivery
  // republishes the same answer under the same key); a DUPLICATE_REQUEST
  // answer to a retry gets "<requestId>@<offset>" so it never replaces the
  // first; an answer without a requestId "offset:<offset>[:<index>]".
  void Queue(const xueji::v1::Result& result, int64_t offset,
             const std::string& request_id, int32_t index = 0);
  // Notes a kg:/op: event's subject for PublishRegistry (others ignored).
  void Touch(const xueji::v1::Event& event);
  // Queues the current state of every subject touched since the last call.
  absl::Status PublishRegistry(const LedgerState& state);
  // The first failure of queueing since the last call (and forgets it).
  absl::Status TakeQueueError();
  // Everything queued is acknowledged by the brokers (Flush).
  absl::Status Flush();
  // The answers of the last processed batch are marked unconfirmed; Confirm
  // flushes them once (the next batch's append waits for it).
  void MarkUnconfirmed() { unconfirmed_ = true; }
  absl::Status Confirm();
  // Forgets everything queued, touched or unconfirmed (recovery republishes
  // the last journaled batch's answers) and drops the producer, which may
  // be in an unknown state; Open makes a fresh one.
  void Reset();

 private:
  const KafkaConnection& kafka_;
  const std::chrono::milliseconds timeout_;
  std::unique_ptr<KafkaProducer> producer_;
  // kg:/op: subjects to publish, with the last event of each (its id and
  // time become the record's CloudEvents id and time).
  std::map<std::string, xueji::v1::Event> touched_registry_;
  absl::Status queued_;  // first failure while queueing
  bool unconfirmed_ = false;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_SERVICE_PROCESSOR_ANSWERS_H_
