// Test support for the Kafka transport tests: the one mock-cluster fixture
// of tests/support (ledger-mock-kafka as a child process, 3 brokers, the
// ledger's topics with 6 partitions, fault injection through Command) with
// the KafkaLogOptions that reach it, and the leader moves the tests make
// before they take a broker down.
//
// Ownership: a MockCluster owns its child process. Thread-safety: one test
// thread owns a MockCluster; Command may be called from any thread.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_log.h"
#include "tests/support/kafka_cluster.h"

namespace xueji {

class MockCluster : public testing::MockKafka {
 public:
  MockCluster() : MockKafka(3, 6) {}

  KafkaLogOptions Options() const {
    KafkaLogOptions options;
    options.bootstrap_servers = bootstrap();
    options.properties["log_level"] = "2";  // quiet while brokers are down
    return options;
  }

  // Makes `broker` the leader of partition `partition` of `topic`
  // (xueji.events, xueji.journal, ...); REQUIREs the cluster's "ok".
  void SetLeader(const std::string& topic, int32_t partition, int broker) {
    REQUIRE(Command(absl::StrCat("leader ", topic, " ", partition, " ",
                                 broker)) == "ok");
  }
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_
