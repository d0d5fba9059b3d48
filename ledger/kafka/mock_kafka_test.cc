// Tests of the ledger-mock-kafka tool as a child process (the fixture of
// tests/support): the bootstrap line, the topics it creates, and its
// control socket.
#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "ledger/kafka/kafka_log.h"
#include "tests/support/kafka_cluster.h"

namespace xueji {
namespace {

TEST_CASE("ledger-mock-kafka prints its bootstrap list and obeys commands") {
  testing::MockKafka tool(3, 6);
  INFO(tool.Logs());
  REQUIRE(tool.bootstrap().rfind("127.0.0.1:", 0) == 0);
  CHECK(std::count(tool.bootstrap().begin(), tool.bootstrap().end(), ',') == 2);

  // The events topic exists with 6 partitions and takes appends.
  KafkaLogOptions options;
  options.bootstrap_servers = tool.bootstrap();
  {
    auto log = OpenKafkaLog(options);
    REQUIRE(log.ok());
    CHECK((*log)->partitions() == 6);
  }

  CHECK(tool.Command("broker-down 1") == "ok");
  CHECK(tool.Command("broker-up 1") == "ok");
  CHECK(tool.Command("leader xueji.events 0 2") == "ok");
  CHECK(tool.Command("error Produce NOT_LEADER_OR_FOLLOWER 3") == "ok");
  CHECK(tool.Command("error JoinGroup COORDINATOR_NOT_AVAILABLE") == "ok");
  CHECK(tool.Command("rtt 2 20") == "ok");
  CHECK(tool.Command("broker-down 7").rfind("error: ", 0) == 0);
  CHECK(tool.Command("error Produce NO_SUCH_ERROR").rfind("error: ", 0) == 0);
  CHECK(tool.Command("leader xueji.nosuch 0 1").rfind("error: ", 0) == 0);
  CHECK(tool.Command("dance").rfind("error: ", 0) == 0);
  CHECK(tool.Command("quit") == "ok");
  CHECK(tool.WaitExit(testing::Millis(10000)) == 0);
}

}  // namespace
}  // namespace xueji
