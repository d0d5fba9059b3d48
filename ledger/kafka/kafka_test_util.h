// Test support for the Kafka tests: librdkafka's mock cluster in process.
//
// Thread-safety: one test thread owns a MockCluster.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <algorithm>
#include <string>

#include "ledger/kafka/kafka_log.h"

namespace xueji {

// An in-process mock cluster with the events topic (`partitions`) and the
// one-partition journal topic.
class MockCluster {
 public:
  explicit MockCluster(int brokers = 3, int partitions = 6) {
    char errstr[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
    mock_ = rd_kafka_mock_cluster_new(rk_, brokers);
    rd_kafka_mock_topic_create(mock_, "xueji.events", partitions,
                               std::min(brokers, 3));
    rd_kafka_mock_topic_create(mock_, "xueji.journal", 1, std::min(brokers, 3));
  }
  ~MockCluster() {
    rd_kafka_mock_cluster_destroy(mock_);
    rd_kafka_destroy(rk_);
  }
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  rd_kafka_mock_cluster_t* mock() { return mock_; }
  KafkaLogOptions Options() const {
    KafkaLogOptions options;
    options.bootstrap_servers = rd_kafka_mock_cluster_bootstraps(mock_);
    options.properties["log_level"] = "2";  // quiet while brokers are down
    return options;
  }

 private:
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_
