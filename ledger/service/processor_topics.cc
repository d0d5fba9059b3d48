#include "ledger/service/processor_topics.h"

#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/log.h"
#include "ledger/kafka/kafka_client.h"

namespace xueji {

absl::Status CheckProcessorTopics(const KafkaConnection& kafka,
                                  std::chrono::milliseconds timeout,
                                  const std::atomic<bool>* stop,
                                  const std::string& name) {
  // Exactly one requests and one journal partition (one decider, one
  // journal); the others need only exist (the events topic's count is
  // fixed at its creation, whatever it is).
  const std::vector<std::pair<std::string, int>> wanted = {
      {kafka.requests_topic(), 1},
      {kafka.journal_topic(), 1},
      {kafka.events_topic(), 0},
      {kafka.results_topic(), 0},
      {kafka.registry_topic(), 0}};
  auto conf = MakeKafkaConf(kafka.bootstrap_servers, kafka.properties, {}, {});
  if (!conf.ok()) return conf.status();
  auto client = NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!client.ok()) return client.status();
  bool waiting = false;
  for (size_t i = 0; i < wanted.size() && !(stop != nullptr && stop->load());) {
    const auto& [topic, partitions] = wanted[i];
    absl::StatusOr<int> count =
        TopicPartitionCount(client->get(), topic, timeout);
    if (absl::IsUnavailable(count.status()) ||
        absl::IsDeadlineExceeded(count.status())) {
      if (!waiting) {
        LogWarn(absl::StrCat(name, ": ", count.status().message(),
                             " (waiting for the cluster)"));
      }
      waiting = true;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    const std::string need =
        partitions > 0 ? absl::StrCat("exactly ", partitions, " partition",
                                      partitions == 1 ? "" : "s")
                       : "at least 1 partition";
    if (absl::IsNotFound(count.status())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "topic ", topic, " does not exist; the processor needs it with ",
          need, " (create the topics with deploy/kafka/topics.sh)"));
    }
    if (!count.ok()) return count.status();
    if ((partitions > 0 && *count != partitions) || *count < 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("topic ", topic, " has ", *count, " partition",
                       *count == 1 ? "" : "s", "; the processor needs ", need,
                       " (deploy/kafka/topics.sh)"));
    }
    ++i;
  }
  return absl::OkStatus();
}

}  // namespace xueji
