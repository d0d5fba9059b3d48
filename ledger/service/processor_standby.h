// ProcessorStandby: how a processor that does not own the requests partition
// stays warm (docs/kafka-design.md, Failover). Once a second it folds the
// events the active processor appended since its last turn into its own
// state (DATA/state), through a read-only Kafka log: no producer, so no
// transactional.id that would fence the active one, and no watermark
// queries, which librdkafka may wait on past any timeout while a broker is
// down. A turn folds at most kBudget events, so a long backlog never keeps
// the service from polling. A failing turn is logged once per outage
// (WARN) and retried the next second with fresh connections.
//
// Ownership: borrows the state store, owned by the service. Thread-safety:
// none; the service's thread only.
#ifndef XUEJI_LEDGER_SERVICE_PROCESSOR_STANDBY_H_
#define XUEJI_LEDGER_SERVICE_PROCESSOR_STANDBY_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "ledger/kafka/kafka_config.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/storage/kv.h"

namespace xueji {

class ProcessorStandby {
 public:
  static constexpr size_t kBudget = 20000;
  static constexpr auto kEvery = std::chrono::milliseconds(1000);
  static constexpr auto kReadTimeout = std::chrono::milliseconds(1000);

  // `name` prefixes its log lines ("processor host:pid").
  ProcessorStandby(const KafkaConnection& kafka, RocksKv* state_kv,
                   std::string name)
      : kafka_(kafka), state_kv_(state_kv), name_(std::move(name)) {}

  // A standby's turn of the poll loop: folds what it can if a second has
  // passed since the last turn.
  void Turn();
  // Drops the reader: the service became active (it reads through its own
  // log from now on).
  void Close() { log_.reset(); }

 private:
  absl::Status Fold();

  const KafkaConnection& kafka_;
  RocksKv* const state_kv_;
  const std::string name_;
  std::unique_ptr<KafkaLog> log_;
  bool failing_ = false;  // logged once per outage
  std::chrono::steady_clock::time_point next_turn_{};
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_SERVICE_PROCESSOR_STANDBY_H_
