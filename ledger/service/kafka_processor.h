// ProcessorService: the Kafka-mode request processor (`ledger processor`), a
// long-running member of the consumer group `<prefix>.processor` on the
// one-partition `<prefix>.requests` topic (docs/kafka-design.md). The member
// that owns the partition is the single decider and the single writer of
// every `<prefix>.events` partition; the others are warm standbys: once a
// second they fold the events the active one appended into their own state
// (through a reader without transactional.id), so a takeover folds only the
// last second's events (docs/kafka-design.md, Failover).
//
// On assignment it recovers: KafkaLog::RecoverJournal finishes the last
// journaled batch (a predecessor killed half way through one leaves no half
// batch behind), the local state store (DATA/state, RocksDB) catches up from
// the events topic, the last batch's answers are republished, and the
// requests topic is read from the journal's next_request_offset — never from
// committed offsets. Each batch of requests is decided by RequestProcessor
// (the code of the embedded mode), journaled with its answers, appended, and
// answered on `<prefix>.results` (key requestId, headers
// `xueji_request_offset` and, for a signed batch's requests,
// `xueji_request_index`); a record may hold a request, a registry line, a
// signed batch of either (verified once, decided as one) or `ledger init`,
// and before init everything but init is refused; kindergartens and operators
// it changed are published to the compacted `<prefix>.registry`. Any failure of
// Kafka drops the batch's state and runs the same recovery, so a broker fault,
// a rebalance, a redelivered request or a crash at any point never produces a
// second event or a different answer.
//
// It logs one line per event of note through ledger/base/log.h ("processor
// HOST:PID: ..."): joining, taking over, recovering and stopping at INFO, a
// cluster out of reach and lost partitions at WARN, a failed batch at ERROR,
// each decided run and each request refused by its form at DEBUG. A line
// names offsets, counts, codes and request ids, never a child's data.
//
// Thread-safety: Run() blocks the calling thread; `stop` may be set from a
// signal handler or another thread.
#ifndef XUEJI_LEDGER_SERVICE_KAFKA_PROCESSOR_H_
#define XUEJI_LEDGER_SERVICE_KAFKA_PROCESSOR_H_

#include <atomic>
#include <chrono>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "ledger/kafka/kafka_config.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

// What a running processor reports (commands/kafka_commands.cc turns it into
// Prometheus metrics and systemd notifications). Each is optional and is
// called on the service's thread; none may block.
struct ProcessorObserver {
  // Joined the consumer group: the service is up (active or standby).
  std::function<void()> on_ready;
  // Became the active decider (true) or a standby (false).
  std::function<void(bool active)> on_role;
  // One answer to a request or registry line taken from the requests topic:
  // decided, or refused by its form (not the answers recovery republishes).
  std::function<void(const xueji::v1::Result&)> on_answer;
  // One decided run: how many answers (requests, registry lines, or the
  // requests of signed batches), the time deciding took (append included)
  // and the time of the durable append (journal and events).
  std::function<void(size_t requests, absl::Duration decide,
                     absl::Duration append)>
      on_run;
  // Each turn of the service loop (a liveness heartbeat), with the active
  // decider's lag on the requests partition (records not yet taken; -1 when
  // standing by or unknown).
  std::function<void(int64_t requests_lag)> on_turn;
};

struct ProcessorServiceOptions {
  KafkaConnection kafka;
  std::string data_dir;               // state store at DATA/state, lock
  std::function<absl::Time()> clock;  // the ledger time of each batch
  // A production ledger's clock (docs/accountability.md; the CLI passes the
  // system clock); unset: `clock` for both modes.
  std::function<absl::Time()> production_clock;
  std::string group_id;                      // default <prefix>.processor
  bool transactions = false;                 // transactional.id fencing
  size_t batch_size = 512;                   // requests per decided batch
  std::chrono::milliseconds timeout{30000};  // per Kafka operation
  // A standby takes over this long after the active one died (plus a
  // heartbeat of at most 500 ms, plus recovery); 6000 is the broker's
  // default group.min.session.timeout.ms.
  int session_timeout_ms = 6000;
  const std::atomic<bool>* stop = nullptr;
  ProcessorObserver observer;
};

// Runs until *stop or a fatal error (bad configuration, a corrupt log).
// Kafka outages are retried with back-off, not returned.
absl::Status RunProcessorService(const ProcessorServiceOptions& options);

// Result records: header carrying the requests-topic offset an answer is for,
// and the request's index in that record's signed batch (absent: 0).
inline constexpr char kRequestOffsetHeader[] = "xueji_request_offset";
inline constexpr char kRequestIndexHeader[] = "xueji_request_index";

}  // namespace xueji

#endif  // XUEJI_LEDGER_SERVICE_KAFKA_PROCESSOR_H_
