#include "ledger/kafka/kafka_log_writer.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/log/hash_chain.h"

namespace xueji::kafka_log {

KafkaLogWriter::KafkaLogWriter(const KafkaLogOptions& options,
                               std::string topic)
    : options_(options), topic_(std::move(topic)) {}

KafkaLogWriter::~KafkaLogWriter() {
  if (producer_ != nullptr) {
    rd_kafka_purge(producer_.get(),
                   RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(producer_.get(), 1000);
  }
  producer_.reset();  // before pending_ is freed
}

std::string KafkaLogWriter::Where(int32_t partition) const {
  return absl::StrCat("topic ", topic_, " partition ", partition);
}

absl::Status KafkaLogWriter::Create() {
  const bool txn = transactional();
  KafkaProperties required = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"message.timeout.ms", std::to_string(Millis(options_.append_timeout))}};
  if (txn) {
    required.emplace_back("transactional.id", options_.transactional_id);
    required.emplace_back("transaction.timeout.ms",
                          std::to_string(std::max<int64_t>(
                              60000, Millis(options_.append_timeout))));
  }
  absl::StatusOr<rd_kafka_conf_t*> conf = MakeKafkaConf(
      options_.bootstrap_servers, options_.properties,
      {{"linger.ms",
        "1"},  // Append waits for the batch anyway
               // a journal record holds a whole batch (JournalBatch)
       {"message.max.bytes", "16777216"}},
      required);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(*conf, OnDelivery);
  rd_kafka_conf_set_error_cb(*conf, OnError);
  rd_kafka_conf_set_opaque(*conf, &last_error_);
  auto producer = NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!producer.ok()) return producer.status();
  producer_ = *std::move(producer);
  broken_ = false;
  if (txn) {
    rd_kafka_error_t* error = rd_kafka_init_transactions(
        producer_.get(), Millis(options_.open_timeout));
    if (error != nullptr) {
      broken_ = true;
      return TxnStatus(error, absl::StrCat("init transactions for ", topic_));
    }
  }
  return absl::OkStatus();
}

absl::Status KafkaLogWriter::Recreate() {
  producer_.reset();  // its outstanding reports are never served
  pending_.clear();
  return Create();
}

absl::Status KafkaLogWriter::BeginTransaction() {
  if (rd_kafka_error_t* e = rd_kafka_begin_transaction(producer_.get())) {
    broken_ = rd_kafka_error_is_fatal(e);
    return TxnStatus(e, "begin transaction on " + topic_);
  }
  return absl::OkStatus();
}

absl::Status KafkaLogWriter::EndTransaction(absl::Status status,
                                            Clock::time_point deadline) {
  const int wait = std::max(RemainingMs(deadline), 1000);
  if (status.ok()) {
    rd_kafka_error_t* e = rd_kafka_commit_transaction(producer_.get(), wait);
    if (e == nullptr) return absl::OkStatus();
    const bool abortable = rd_kafka_error_txn_requires_abort(e);
    broken_ = rd_kafka_error_is_fatal(e);
    status = TxnStatus(e, "commit transaction on " + topic_);
    if (!abortable) return status;
  }
  if (!broken_) {
    if (rd_kafka_error_t* e =
            rd_kafka_abort_transaction(producer_.get(), wait)) {
      broken_ = true;  // state unknown: start over with a new one
      rd_kafka_error_destroy(e);
    }
  }
  return status;
}

absl::Status KafkaLogWriter::ProduceEvents(
    const std::vector<xueji::v1::Event>& events, absl::Status status,
    Clock::time_point deadline, bool* mismatch,
    const std::vector<std::string>* values) {
  std::vector<Delivery*> deliveries;
  for (size_t i = 0; status.ok() && i < events.size(); ++i) {
    pending_.push_back(std::make_unique<Delivery>());
    std::string serialized;
    if (values == nullptr) serialized = CanonicalBytes(events[i]);
    status =
        ProduceOne(events[i], values != nullptr ? (*values)[i] : serialized,
                   pending_.back().get(), deadline);
    if (!status.ok()) {
      pending_.pop_back();
      break;
    }
    deliveries.push_back(pending_.back().get());
  }
  absl::Status checked = AwaitAndCheck(deliveries, events, deadline, mismatch);
  return status.ok() ? checked : status;
}

absl::Status KafkaLogWriter::ProduceRecord(
    const std::string& topic, const std::string& key, const std::string& value,
    const std::string& where, Clock::time_point deadline, Delivery* report) {
  pending_.push_back(std::make_unique<Delivery>());
  Delivery* delivery = pending_.back().get();
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
        RD_KAFKA_V_PARTITION(0), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(key.data(), key.size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_OPAQUE(delivery), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && RemainingMs(deadline) > 0) {
      rd_kafka_poll(producer_.get(), 50);
      continue;
    }
    pending_.pop_back();
    if (err == RD_KAFKA_RESP_ERR__FATAL) broken_ = true;
    return KafkaStatus(err, "produce to " + where);
  }
  if (absl::Status s = AwaitDeliveries({delivery}, deadline); !s.ok()) return s;
  *report = *delivery;
  return absl::OkStatus();
}

absl::Status KafkaLogWriter::ProduceOne(const xueji::v1::Event& event,
                                        const std::string& value,
                                        Delivery* delivery,
                                        Clock::time_point deadline) {
  rd_kafka_headers_t* headers = CloudEventHeaders(event);
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(topic_.c_str()),
        RD_KAFKA_V_PARTITION(event.partition()),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_KEY(event.subject().data(), event.subject().size()),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_HEADERS(headers), RD_KAFKA_V_OPAQUE(delivery),
        RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) return absl::OkStatus();
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL && RemainingMs(deadline) > 0) {
      rd_kafka_poll(producer_.get(), 50);
      continue;
    }
    rd_kafka_headers_destroy(headers);
    if (err == RD_KAFKA_RESP_ERR__FATAL) broken_ = true;
    return KafkaStatus(err, "produce to " + Where(event.partition()));
  }
}

// Serves delivery reports until all of `deliveries` are done. At the
// deadline, records not yet sent are purged (so certainly not written);
// records in flight time out at message.timeout.ms (= append_timeout), so a
// short grace period normally sees every report. Records still unresolved
// stay in pending_ and block the next Append (DrainPending).
absl::Status KafkaLogWriter::AwaitDeliveries(
    const std::vector<Delivery*>& deliveries, Clock::time_point deadline) {
  const Clock::time_point grace = deadline + std::chrono::seconds(5);
  auto all_done = [&] {
    return std::all_of(deliveries.begin(), deliveries.end(),
                       [](const Delivery* d) { return d->done; });
  };
  bool purged = false;
  while (!all_done()) {
    if (!purged && RemainingMs(deadline) == 0) {
      rd_kafka_purge(producer_.get(), RD_KAFKA_PURGE_F_QUEUE);
      purged = true;
    }
    int wait = std::min(RemainingMs(purged ? grace : deadline), 100);
    if (purged && wait == 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          "append to ", topic_, ": no delivery report within the timeout"));
    }
    rd_kafka_poll(producer_.get(), std::max(wait, 1));
  }
  return absl::OkStatus();
}

void KafkaLogWriter::ErasePendingDone() {
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [](const auto& d) { return d->done; }),
                 pending_.end());
}

absl::Status KafkaLogWriter::AwaitAndCheck(
    const std::vector<Delivery*>& deliveries,
    const std::vector<xueji::v1::Event>& events, Clock::time_point deadline,
    bool* mismatch) {
  absl::Status status = AwaitDeliveries(deliveries, deadline);
  for (size_t i = 0; status.ok() && i < deliveries.size(); ++i) {
    status = DeliveryStatus(*deliveries[i], events[i], mismatch);
  }
  ErasePendingDone();
  return status;
}

// Records of an earlier, failed Append whose fate is still unknown would
// take offsets ahead of new ones: wait for them before appending again.
absl::Status KafkaLogWriter::DrainPending(Clock::time_point deadline) {
  while (!pending_.empty()) {
    rd_kafka_poll(producer_.get(), std::min(RemainingMs(deadline), 100));
    ErasePendingDone();
    if (!pending_.empty() && RemainingMs(deadline) == 0) {
      return absl::UnavailableError(
          absl::StrCat("append to ", topic_,
                       ": records of an earlier append are still "
                       "unresolved; retry later"));
    }
  }
  return absl::OkStatus();
}

absl::Status KafkaLogWriter::FatalStatus(const std::string& where) {
  char reason[512];
  if (producer_ != nullptr &&
      rd_kafka_fatal_error(producer_.get(), reason, sizeof(reason)) !=
          RD_KAFKA_RESP_ERR_NO_ERROR) {
    broken_ = true;
    return absl::AbortedError(absl::StrCat(where, ": fatal: ", reason));
  }
  return absl::OkStatus();
}

absl::Status KafkaLogWriter::DeliveryStatus(const Delivery& delivery,
                                            const xueji::v1::Event& event,
                                            bool* mismatch) {
  const std::string where = "append to " + Where(event.partition());
  if (delivery.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (absl::Status fatal = FatalStatus(where); !fatal.ok()) return fatal;
    if ((delivery.err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT ||
         delivery.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE) &&
        (last_error_ == RD_KAFKA_RESP_ERR__TRANSPORT ||
         last_error_ == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)) {
      return KafkaStatus(last_error_, where + ": broker unreachable");
    }
    return KafkaStatus(delivery.err, where);
  }
  if (delivery.offset != event.offset()) {
    *mismatch = true;
    return absl::AbortedError(
        absl::StrCat(where, ": Kafka assigned offset ", delivery.offset,
                     " but offset ", event.offset(),
                     " was expected; another writer appends to this "
                     "partition (single writer per partition is required)"));
  }
  return absl::OkStatus();
}

}  // namespace xueji::kafka_log
