// MakeConsumerConf: what every consumer of the ledger's topics needs wins
// over the operator's properties.
#include "ledger/kafka/kafka_client.h"

#include <catch2/catch.hpp>
#include <string>

namespace xueji {
namespace {

std::string Get(rd_kafka_conf_t* conf, const char* name) {
  char value[256];
  size_t size = sizeof(value);
  if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) {
    return "(unknown)";
  }
  return value;
}

TEST_CASE("MakeConsumerConf: read_committed, no auto commit, and `required`",
          "[unit][kafka]") {
  const std::map<std::string, std::string> properties = {
      {"isolation.level", "read_uncommitted"},
      {"enable.auto.commit", "true"},
      {"fetch.wait.max.ms", "77"}};
  auto conf =
      MakeConsumerConf("127.0.0.1:9", properties, {{"fetch.wait.max.ms", "10"}},
                       {{"enable.partition.eof", "true"}});
  REQUIRE(conf.ok());
  CHECK(Get(*conf, "isolation.level") == "read_committed");
  CHECK(Get(*conf, "enable.auto.commit") == "false");
  CHECK(Get(*conf, "enable.partition.eof") == "true");
  CHECK(Get(*conf, "fetch.wait.max.ms") == "77");  // the operator's, not ours
  CHECK(Get(*conf, "bootstrap.servers") == "127.0.0.1:9");
  rd_kafka_conf_destroy(*conf);
}

}  // namespace
}  // namespace xueji
