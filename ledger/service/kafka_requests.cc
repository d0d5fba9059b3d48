#include "ledger/service/kafka_requests.h"

#include <unistd.h>

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/log/event_log.h"
#include "ledger/rules/subjects.h"
#include "ledger/service/kafka_processor.h"

namespace xueji {
namespace {

using Clock = std::chrono::steady_clock;
using xueji::v1::Result;

int RemainingMs(Clock::time_point deadline) {
  return static_cast<int>(std::max<int64_t>(
      0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                               Clock::now())
             .count()));
}

// The CLI's connection: librdkafka's own error lines are quiet (the command
// reports the error itself) unless the operator's properties set log_level.
KafkaConnection Quiet(KafkaConnection kafka) {
  kafka.properties.emplace("log_level", "2");
  return kafka;
}

// A consumer that reads by assignment (no group), read_committed.
absl::StatusOr<RdKafkaPtr> OpenReader(const KafkaConnection& kafka) {
  auto conf = MakeConsumerConf(
      kafka.bootstrap_servers, kafka.properties, {},
      {{"group.id", absl::StrCat(kafka.topic_prefix, ".client.", getpid())},
       {"enable.partition.eof", "true"}});
  if (!conf.ok()) return conf.status();
  auto rk = NewKafkaClient(RD_KAFKA_CONSUMER, *conf);
  if (!rk.ok()) return rk.status();
  rd_kafka_poll_set_consumer(rk->get());
  return rk;
}

// Assigns `rk` the partitions [first, first + count) of `topic`, each read
// from `offset` (RD_KAFKA_OFFSET_END, RD_KAFKA_OFFSET_BEGINNING, ...).
absl::Status AssignFrom(rd_kafka_t* rk, const std::string& topic, int32_t first,
                        int32_t count, int64_t offset) {
  PartitionList list(rd_kafka_topic_partition_list_new(count));
  for (int32_t p = first; p < first + count; ++p) {
    rd_kafka_topic_partition_list_add(list.get(), topic.c_str(), p)->offset =
        offset;
  }
  rd_kafka_resp_err_t err = rd_kafka_assign(rk, list.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err, "assign " + topic);
  }
  return absl::OkStatus();
}

int64_t OffsetHeader(const rd_kafka_message_t* m,
                     const char* name = kRequestOffsetHeader) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(m, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return -1;
  }
  int64_t offset = -1;
  if (!absl::SimpleAtoi(
          absl::string_view(static_cast<const char*>(value), size), &offset)) {
    return -1;
  }
  return offset;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KafkaRequestClient>> KafkaRequestClient::Open(
    const KafkaConnection& kafka, std::chrono::milliseconds timeout) {
  std::unique_ptr<KafkaRequestClient> client(new KafkaRequestClient());
  client->kafka_ = Quiet(kafka);
  client->timeout_ = timeout;
  auto reader = OpenReader(client->kafka_);
  if (!reader.ok()) return reader.status();
  client->consumer_ = *std::move(reader);
  rd_kafka_t* rk = client->consumer_.get();
  const std::string topic = kafka.results_topic();
  auto partitions = TopicPartitionCount(rk, topic, timeout);
  if (!partitions.ok()) return partitions.status();
  // Start every results partition at its end, and wait until the fetcher
  // has reached each end (PARTITION_EOF): answers produced after that are
  // seen. (rd_kafka_query_watermark_offsets would block past any timeout
  // while a partition's leader is down.)
  if (absl::Status s =
          AssignFrom(rk, topic, 0, *partitions, RD_KAFKA_OFFSET_END);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = client->AwaitEnds(*partitions); !s.ok()) return s;
  auto producer = KafkaProducer::Open(client->kafka_, timeout);
  if (!producer.ok()) return producer.status();
  client->producer_ = *std::move(producer);
  return client;
}

KafkaRequestClient::~KafkaRequestClient() {
  producer_.reset();
  if (consumer_ != nullptr) rd_kafka_consumer_close(consumer_.get());
}

absl::StatusOr<std::vector<Result>> KafkaRequestClient::Submit(
    const std::vector<std::pair<std::string, xueji::v1::RequestRecord>>&
        records) {
  return Submit(records, std::vector<int>(records.size(), 1));
}

absl::StatusOr<std::vector<Result>> KafkaRequestClient::Submit(
    const std::vector<std::pair<std::string, xueji::v1::RequestRecord>>&
        records,
    const std::vector<int>& answers) {
  for (const auto& [key, record] : records) {
    absl::Status s = producer_->Produce(kafka_.requests_topic(), 0, key,
                                        record.SerializeAsString());
    if (!s.ok()) return s;
  }
  auto offsets = producer_->Flush();
  if (!offsets.ok()) {
    return absl::Status(
        offsets.status().code(),
        absl::StrCat(offsets.status().message(),
                     " (requests of this batch may or may not have been "
                     "queued; resubmitting them is safe: same requestId, "
                     "same answer)"));
  }
  const Clock::time_point deadline = Clock::now() + timeout_;
  std::vector<AnswerKey> wanted;
  for (size_t i = 0; i < offsets->size(); ++i) {
    for (int j = 0; j < (i < answers.size() ? answers[i] : 1); ++j) {
      wanted.emplace_back((*offsets)[i], j);
    }
  }
  if (absl::Status s = ConsumeFor(deadline, wanted); !s.ok()) return s;
  std::vector<Result> results;
  size_t missing = 0;
  std::string first_missing;
  for (const AnswerKey& key : wanted) {
    auto it = answers_.find(key);
    if (it == answers_.end()) {
      if (missing++ == 0) {
        size_t i = 0;
        while (i + 1 < offsets->size() && (*offsets)[i] != key.first) ++i;
        first_missing = records[i].first;
      }
      continue;
    }
    results.push_back(it->second);
    answers_.erase(it);
  }
  if (missing > 0) {
    return absl::DeadlineExceededError(absl::StrCat(
        "no answer for ", missing, " of ", wanted.size(), " requests within ",
        timeout_.count() / 1000.0,
        " s (is a processor running?); they are queued and will be "
        "decided: `ledger status ",
        first_missing, "` finds the answer"));
  }
  return results;
}

absl::Status KafkaRequestClient::AwaitEnds(int partitions) {
  const Clock::time_point deadline = Clock::now() + timeout_;
  std::vector<bool> at_end(partitions, false);
  int remaining = partitions;
  while (remaining > 0 && RemainingMs(deadline) > 0) {
    MessagePtr m(rd_kafka_consumer_poll(consumer_.get(),
                                        std::min(RemainingMs(deadline), 100)));
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && m->partition >= 0 &&
        m->partition < partitions && !at_end[m->partition]) {
      at_end[m->partition] = true;
      --remaining;
    }
  }
  if (remaining == 0) return absl::OkStatus();
  std::string missing;
  for (int p = 0; p < partitions; ++p) {
    if (!at_end[p]) absl::StrAppend(&missing, missing.empty() ? "" : ", ", p);
  }
  return absl::UnavailableError(absl::StrCat(
      "Kafka: partition(s) ", missing, " of ", kafka_.results_topic(),
      " unreachable within ", timeout_.count() / 1000.0,
      " s (a broker down?); nothing was submitted"));
}

absl::Status KafkaRequestClient::ConsumeFor(
    Clock::time_point deadline, const std::vector<AnswerKey>& wanted) {
  auto all_in = [&] {
    return std::all_of(wanted.begin(), wanted.end(), [&](const AnswerKey& k) {
      return answers_.contains(k);
    });
  };
  while (!all_in() && RemainingMs(deadline) > 0) {
    MessagePtr m(rd_kafka_consumer_poll(consumer_.get(),
                                        std::min(RemainingMs(deadline), 100)));
    if (m == nullptr || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    const int64_t offset = OffsetHeader(m.get());
    Result result;
    if (offset < 0 ||
        !result.ParseFromArray(m->payload, static_cast<int>(m->len))) {
      continue;  // not an answer of ours
    }
    const int64_t index = OffsetHeader(m.get(), kRequestIndexHeader);
    answers_.emplace(
        AnswerKey(offset, static_cast<int32_t>(std::max<int64_t>(index, 0))),
        std::move(result));  // the first one wins
  }
  return absl::OkStatus();
}

absl::StatusOr<xueji::v1::LedgerMode> KafkaLedgerMode(
    const KafkaConnection& kafka, std::chrono::milliseconds timeout) {
  KafkaLogOptions options = KafkaLogOptionsFor(Quiet(kafka));
  options.read_only = true;
  options.open_timeout = timeout;
  options.read_timeout = timeout;
  auto log = KafkaLog::Open(options);
  if (!log.ok()) return log.status();
  const int32_t partition = PartitionFor(LedgerSubject(), (*log)->partitions());
  auto first = (*log)->ReadAvailable(partition, 0, 1);
  if (!first.ok()) return first.status();
  if (first->empty() || !first->front().event.has_ledger_initialized()) {
    return xueji::v1::LEDGER_MODE_UNSPECIFIED;
  }
  return first->front().event.ledger_initialized().mode();
}

absl::StatusOr<std::optional<Result>> FindResult(
    const KafkaConnection& kafka, const std::string& request_id,
    std::chrono::milliseconds timeout) {
  auto reader = OpenReader(Quiet(kafka));
  if (!reader.ok()) return reader.status();
  rd_kafka_t* rk = reader->get();
  const std::string topic = kafka.results_topic();
  auto partitions = TopicPartitionCount(rk, topic, timeout);
  if (!partitions.ok()) return partitions.status();
  const int32_t partition = PartitionFor(request_id, *partitions);
  if (absl::Status s =
          AssignFrom(rk, topic, partition, 1, RD_KAFKA_OFFSET_BEGINNING);
      !s.ok()) {
    return s;
  }
  std::optional<Result> first;
  int64_t first_offset = INT64_MAX;
  const Clock::time_point deadline = Clock::now() + timeout;
  for (;;) {  // to the end of the partition
    if (RemainingMs(deadline) == 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          "reading ", topic, " partition ", partition, " timed out"));
    }
    MessagePtr m(rd_kafka_consumer_poll(rk, 100));
    if (m == nullptr) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
    if (m->key == nullptr || std::string_view(static_cast<const char*>(m->key),
                                              m->key_len) != request_id) {
      continue;
    }
    const int64_t request_offset = OffsetHeader(m.get());
    Result result;
    if (request_offset >= 0 && request_offset < first_offset &&
        result.ParseFromArray(m->payload, static_cast<int>(m->len))) {
      first = std::move(result);
      first_offset = request_offset;
    }
  }
  rd_kafka_consumer_close(rk);
  return first;
}

}  // namespace xueji
