// Test support for the Kafka transport tests: the one mock-cluster fixture
// of tests/support (ledger-mock-kafka as a child process, 3 brokers, the
// ledger's topics with 6 partitions, fault injection through Command) with
// the KafkaLogOptions that reach it.
//
// Ownership: a MockCluster owns its child process. Thread-safety: one test
// thread owns a MockCluster; Command may be called from any thread.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_

#include <string>

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
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_TEST_UTIL_H_
