// Small librdkafka helpers shared by the Kafka-mode components: error
// mapping to absl::Status, configuration (defaults, the operator's
// passthrough properties, then what correctness needs), and KafkaProducer, an
// idempotent acks=all producer whose Flush reports the first failed delivery.
//
// Thread-safety: a KafkaProducer is used by one thread at a time.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_CLIENT_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_CLIENT_H_

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/kafka/kafka_config.h"

namespace xueji {

using KafkaProperties = std::vector<std::pair<std::string, std::string>>;

// Maps a librdkafka error: broker unreachable -> Unavailable, timeouts ->
// DeadlineExceeded, fencing -> Aborted, unknown topic -> NotFound, ...;
// `where` names the topic and partition (or the operation).
absl::Status KafkaStatus(rd_kafka_resp_err_t err, const std::string& where);

// `defaults`, then `properties`, then `required`, then bootstrap.servers.
// librdkafka's log lines go through ledger/base/log.h, with their level.
absl::StatusOr<rd_kafka_conf_t*> MakeKafkaConf(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const KafkaProperties& defaults, const KafkaProperties& required);
// MakeKafkaConf for a consumer of the ledger's topics: `required`, then what
// every such consumer needs: it never commits offsets on its own
// (enable.auto.commit=false) and reads committed transactions only
// (isolation.level=read_committed).
absl::StatusOr<rd_kafka_conf_t*> MakeConsumerConf(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const KafkaProperties& defaults, KafkaProperties required);

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using RdKafkaPtr = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* m) const { rd_kafka_message_destroy(m); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

struct PartitionListDeleter {
  void operator()(rd_kafka_topic_partition_list_t* list) const {
    rd_kafka_topic_partition_list_destroy(list);
  }
};
using PartitionList =
    std::unique_ptr<rd_kafka_topic_partition_list_t, PartitionListDeleter>;

// rd_kafka_new: takes `conf` (destroyed here if the handle cannot be made;
// InvalidArgument with librdkafka's reason).
absl::StatusOr<RdKafkaPtr> NewKafkaClient(rd_kafka_type_t type,
                                          rd_kafka_conf_t* conf);

// The partition count of `topic`, from the metadata of all topics (asking
// for one topic by name may auto-create it). Unavailable / DeadlineExceeded
// when the cluster cannot be reached, NotFound for a missing topic.
absl::StatusOr<int> TopicPartitionCount(rd_kafka_t* rk,
                                        const std::string& topic,
                                        std::chrono::milliseconds timeout);

class KafkaProducer {
 public:
  // Idempotent, acks=all; partitioner murmur2_random (the Java client's, so
  // PartitionFor(key) names the partition). `timeout` bounds each delivery.
  static absl::StatusOr<std::unique_ptr<KafkaProducer>> Open(
      const KafkaConnection& kafka, std::chrono::milliseconds timeout,
      const KafkaProperties& extra = {});
  ~KafkaProducer();

  // Queues one record (partition -1: by key). Headers are name/value pairs.
  absl::Status Produce(const std::string& topic, int32_t partition,
                       const std::string& key, const std::string& value,
                       const KafkaProperties& headers = {});
  // Waits for every queued record; the first failure names its topic.
  // Offsets of the records delivered since the last Flush, in Produce order.
  absl::StatusOr<std::vector<int64_t>> Flush();

 private:
  struct Report {
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    int64_t offset = -1;
    bool done = false;
    std::string topic;
  };
  static void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*);
  KafkaProducer() = default;
  std::chrono::milliseconds timeout_{30000};
  std::vector<std::unique_ptr<Report>> reports_;
  rd_kafka_resp_err_t last_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  RdKafkaPtr rk_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_CLIENT_H_
