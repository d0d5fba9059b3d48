// The topics a Kafka-mode processor needs (docs/kafka-design.md), checked
// before it joins its group: PREFIX.requests and PREFIX.journal with exactly
// one partition each (one decider, one journal), PREFIX.events, .results
// and .registry with at least one. A missing topic or a wrong partition
// count is FailedPrecondition naming the topic, what it needs and
// deploy/kafka/topics.sh; a cluster out of reach is waited for (one WARN
// line "NAME: ... (waiting for the cluster)") until it answers or *stop.
//
// Thread-safety: blocks the calling thread; `stop` may be set from another.
#ifndef XUEJI_LEDGER_SERVICE_PROCESSOR_TOPICS_H_
#define XUEJI_LEDGER_SERVICE_PROCESSOR_TOPICS_H_

#include <atomic>
#include <chrono>
#include <string>

#include "absl/status/status.h"
#include "ledger/kafka/kafka_config.h"

namespace xueji {

// `timeout` bounds each metadata request; `name` prefixes the log line.
absl::Status CheckProcessorTopics(const KafkaConnection& kafka,
                                  std::chrono::milliseconds timeout,
                                  const std::atomic<bool>* stop,
                                  const std::string& name);

}  // namespace xueji

#endif  // XUEJI_LEDGER_SERVICE_PROCESSOR_TOPICS_H_
