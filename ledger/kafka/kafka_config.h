// Kafka connection settings shared by every Kafka-mode component: the
// bootstrap list, the topic prefix and librdkafka properties read from a
// config file (`--kafka-config FILE`: `name=value` lines, `#` comments), so
// security.protocol, sasl.*, ssl.* reach every producer and consumer as is.
//
// Topics of a prefix P:
//   P.requests  change requests and registry lines (1 partition: one active
//               processor decides everything; docs/kafka-design.md)
//   P.events    the ledger (EventLog, kafka_log.h), keyed by subject
//   P.results   one answer per request, keyed by requestId
//   P.registry  kindergartens and operators, latest state, compacted
//   P.journal   the processor's write-ahead batch journal, compacted
//
// Plain values; thread-compatible.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_CONFIG_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_CONFIG_H_

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace xueji {

struct KafkaConnection {
  std::string bootstrap_servers;  // "host:port,host:port"
  std::string topic_prefix = "xueji";
  std::map<std::string, std::string> properties;  // passed through

  bool enabled() const { return !bootstrap_servers.empty(); }
  std::string requests_topic() const { return topic_prefix + ".requests"; }
  std::string events_topic() const { return topic_prefix + ".events"; }
  std::string results_topic() const { return topic_prefix + ".results"; }
  std::string registry_topic() const { return topic_prefix + ".registry"; }
  std::string journal_topic() const { return topic_prefix + ".journal"; }
  // 升学 hand-over (Art. 13): GraduateRecord per graduate, keyed by student
  // number, published by `ledger projector --publish-graduates`.
  std::string graduates_topic() const { return topic_prefix + ".graduates"; }
};

// CloudEvents attributes of every record the ledger publishes (the Kafka
// protocol binding, binary content mode: ce_* headers). `dataschema` must be
// a URI: the protobuf message of the value as a URN,
// "urn:xueji:protobuf:xueji.v1.Event" (decode with the FileDescriptorSet of
// `ledger schema`).
inline constexpr char kCloudEventsSpecVersion[] = "1.0";
inline constexpr char kCloudEventsTypePrefix[] = "cn.edu.xueji.v1.";
inline std::string DataSchemaUri(const std::string& message_type) {
  return "urn:xueji:protobuf:" + message_type;
}

// Reads `name=value` lines (blank lines and `#` comments skipped; spaces
// around name and value trimmed). InvalidArgument naming file and line for a
// line without '='; NotFound if the file cannot be read.
absl::StatusOr<std::map<std::string, std::string>> LoadKafkaProperties(
    const std::string& path);

}  // namespace xueji

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_CONFIG_H_
