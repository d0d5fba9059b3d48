#include "ledger/kafka/kafka_client.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "ledger/base/log.h"

namespace xueji {
namespace {

// librdkafka's own log lines (syslog levels 0-7) as the ledger's log lines:
// "librdkafka rdkafka#consumer-2 FAIL: ..." with the level they carry,
// rather than librdkafka's "%3|1732900000.123|FAIL|..." on stderr.
void OnKafkaLog(const rd_kafka_t* rk, int level, const char* facility,
                const char* text) {
  const LogLevel ours = level <= 3   ? LogLevel::kError
                        : level == 4 ? LogLevel::kWarn
                        : level <= 6 ? LogLevel::kInfo
                                     : LogLevel::kDebug;
  if (!LogEnabled(ours)) return;
  Log(ours, absl::StrCat("librdkafka ", rk != nullptr ? rd_kafka_name(rk) : "",
                         " ", facility, ": ", text));
}

}  // namespace

// Maps a librdkafka error to an absl::Status; `where` names the topic and
// partition (or the operation).
absl::Status KafkaStatus(rd_kafka_resp_err_t err, const std::string& where) {
  std::string message = absl::StrCat(where, ": ", rd_kafka_err2name(err), " (",
                                     rd_kafka_err2str(err), ")");
  switch (err) {
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR__RESOLVE:
    case RD_KAFKA_RESP_ERR__NODE_UPDATE:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_COORDINATOR:
      return absl::UnavailableError(message);
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__PURGE_QUEUE:  // purged at the append deadline
      return absl::DeadlineExceededError(message);
    case RD_KAFKA_RESP_ERR__FENCED:
    case RD_KAFKA_RESP_ERR_PRODUCER_FENCED:
    case RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH:
    case RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER:
    case RD_KAFKA_RESP_ERR__PURGE_INFLIGHT:
      return absl::AbortedError(message);
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION:
      return absl::NotFoundError(message);
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:  // the records were deleted
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      return absl::DataLossError(message);
    case RD_KAFKA_RESP_ERR__AUTHENTICATION:
    case RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return absl::PermissionDeniedError(message);
    case RD_KAFKA_RESP_ERR__INVALID_ARG:
    case RD_KAFKA_RESP_ERR__CONFLICT:
    case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::StatusOr<rd_kafka_conf_t*> MakeKafkaConf(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const KafkaProperties& defaults, const KafkaProperties& required) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set_log_cb(conf, &OnKafkaLog);
  // Request/response traffic of small batches: Nagle's algorithm would add
  // ~40 ms to many round trips.
  KafkaProperties all = {{"socket.nagle.disable", "true"}};
  all.insert(all.end(), defaults.begin(), defaults.end());
  all.insert(all.end(), properties.begin(), properties.end());
  all.insert(all.end(), required.begin(), required.end());
  all.emplace_back("bootstrap.servers", bootstrap);
  char errstr[512];
  for (const auto& [name, value] : all) {
    if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), errstr,
                          sizeof(errstr)) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return absl::InvalidArgumentError(
          absl::StrCat("Kafka property ", name, ": ", errstr));
    }
  }
  return conf;
}

absl::StatusOr<rd_kafka_conf_t*> MakeConsumerConf(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const KafkaProperties& defaults, KafkaProperties required) {
  required.emplace_back("enable.auto.commit", "false");
  required.emplace_back("isolation.level", "read_committed");
  return MakeKafkaConf(bootstrap, properties, defaults, required);
}

absl::StatusOr<RdKafkaPtr> NewKafkaClient(rd_kafka_type_t type,
                                          rd_kafka_conf_t* conf) {
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    rd_kafka_conf_destroy(conf);
    return absl::InvalidArgumentError(absl::StrCat(
        type == RD_KAFKA_PRODUCER ? "Kafka producer: " : "Kafka consumer: ",
        errstr));
  }
  return RdKafkaPtr(rk);
}

absl::StatusOr<int> TopicPartitionCount(rd_kafka_t* rk,
                                        const std::string& topic,
                                        std::chrono::milliseconds timeout) {
  const rd_kafka_metadata_t* metadata = nullptr;
  rd_kafka_resp_err_t err = rd_kafka_metadata(
      rk, 1, nullptr, &metadata, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err,
                       "cannot reach Kafka for the metadata of topic " + topic);
  }
  int count = 0;
  err = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC;
  for (int i = 0; i < metadata->topic_cnt; ++i) {
    if (topic == metadata->topics[i].topic) {
      err = metadata->topics[i].err;
      count = metadata->topics[i].partition_cnt;
    }
  }
  rd_kafka_metadata_destroy(metadata);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KafkaStatus(err, "topic " + topic);
  return count;
}

namespace {
void OnProducerError(rd_kafka_t*, int err, const char*, void* opaque) {
  *static_cast<rd_kafka_resp_err_t*>(opaque) =
      static_cast<rd_kafka_resp_err_t>(err);
}
}  // namespace

void KafkaProducer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message,
                               void*) {
  auto* report = static_cast<Report*>(message->_private);
  report->err = message->err;
  report->offset = message->offset;
  report->done = true;
}

absl::StatusOr<std::unique_ptr<KafkaProducer>> KafkaProducer::Open(
    const KafkaConnection& kafka, std::chrono::milliseconds timeout,
    const KafkaProperties& extra) {
  if (!kafka.enabled()) {
    return absl::InvalidArgumentError("Kafka bootstrap servers not set");
  }
  std::unique_ptr<KafkaProducer> producer(new KafkaProducer());
  producer->timeout_ = timeout;
  KafkaProperties required = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"partitioner", "murmur2_random"},
      {"message.timeout.ms", std::to_string(timeout.count())}};
  required.insert(required.end(), extra.begin(), extra.end());
  auto conf = MakeKafkaConf(kafka.bootstrap_servers, kafka.properties,
                            {{"linger.ms", "1"}}, required);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(*conf, &KafkaProducer::OnDelivery);
  rd_kafka_conf_set_error_cb(*conf, OnProducerError);
  rd_kafka_conf_set_opaque(*conf, &producer->last_error_);
  auto rk = NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!rk.ok()) return rk.status();
  producer->rk_ = *std::move(rk);
  return producer;
}

KafkaProducer::~KafkaProducer() {
  if (rk_ != nullptr) rd_kafka_flush(rk_.get(), 2000);
  rk_.reset();  // before the reports it points to
}

absl::Status KafkaProducer::Produce(const std::string& topic, int32_t partition,
                                    const std::string& key,
                                    const std::string& value,
                                    const KafkaProperties& headers) {
  reports_.push_back(std::make_unique<Report>());
  Report* report = reports_.back().get();
  report->topic = topic;
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    rd_kafka_headers_t* hdrs = rd_kafka_headers_new(headers.size());
    for (const auto& [name, v] : headers) {
      rd_kafka_header_add(hdrs, name.c_str(), -1, v.data(),
                          static_cast<ssize_t>(v.size()));
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(report), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
    rd_kafka_headers_destroy(hdrs);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL &&
        std::chrono::steady_clock::now() < deadline) {
      rd_kafka_poll(rk_.get(), 50);
      continue;
    }
    reports_.pop_back();
    return KafkaStatus(err, "produce to topic " + topic);
  }
}

absl::StatusOr<std::vector<int64_t>> KafkaProducer::Flush() {
  // Every queued record gets a report by message.timeout.ms; allow a grace.
  const auto deadline =
      std::chrono::steady_clock::now() + timeout_ + std::chrono::seconds(5);
  auto all_done = [&] {
    return std::all_of(reports_.begin(), reports_.end(),
                       [](const auto& r) { return r->done; });
  };
  while (!all_done() && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_poll(rk_.get(), 50);
  }
  std::vector<std::unique_ptr<Report>> reports = std::move(reports_);
  reports_.clear();
  std::vector<int64_t> offsets;
  for (const auto& r : reports) {
    if (!r->done) {
      return absl::DeadlineExceededError(absl::StrCat(
          "produce to topic ", r->topic, ": no delivery report in time"));
    }
    if (r->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const bool unreachable =
          (r->err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT) &&
          (last_error_ == RD_KAFKA_RESP_ERR__TRANSPORT ||
           last_error_ == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN);
      return KafkaStatus(
          unreachable ? last_error_ : r->err,
          absl::StrCat("produce to topic ", r->topic,
                       unreachable ? ": broker unreachable" : ""));
    }
    offsets.push_back(r->offset);
  }
  return offsets;
}

}  // namespace xueji
