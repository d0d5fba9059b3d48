#include "ledger/kafka/kafka_log_reader.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"

namespace xueji::kafka_log {

KafkaLogReader::KafkaLogReader(const KafkaLogOptions& options,
                               std::string topic)
    : options_(options), topic_(std::move(topic)) {}

KafkaLogReader::~KafkaLogReader() {
  events_topic_.reset();
  journal_topic_.reset();
  consumer_.reset();
}

std::string KafkaLogReader::Where(int32_t partition) const {
  return absl::StrCat("topic ", topic_, " partition ", partition);
}

absl::Status KafkaLogReader::CreateConsumer() {
  // Every read is bounded by a high watermark taken just before it, so the
  // broker never needs to hold a fetch open waiting for new records. With
  // librdkafka's 500 ms default, each read that ends at a transaction's
  // commit marker (read_committed never returns the marker, so the end is
  // known only from an empty fetch) cost half a second on a real broker:
  // 10 s to replay 75 events, and as much per transactional batch.
  absl::StatusOr<rd_kafka_conf_t*> conf = MakeConsumerConf(
      options_.bootstrap_servers, options_.properties,
      {{"queued.max.messages.kbytes", "8192"}, {"fetch.wait.max.ms", "10"}},
      {{"enable.partition.eof", "true"},
       {"auto.offset.reset", "error"},
       {"enable.auto.offset.store", "false"}});
  if (!conf.ok()) return conf.status();
  auto consumer = NewKafkaClient(RD_KAFKA_CONSUMER, *conf);
  if (!consumer.ok()) return consumer.status();
  consumer_ = *std::move(consumer);
  return absl::OkStatus();
}

absl::Status KafkaLogReader::Open() {
  if (absl::Status s = CreateConsumer(); !s.ok()) return s;
  absl::StatusOr<int> partitions =
      TopicPartitionCount(consumer_.get(), topic_, options_.open_timeout);
  if (!partitions.ok()) return partitions.status();
  partitions_ = *partitions;
  if (partitions_ <= 0) {
    return absl::NotFoundError(
        absl::StrCat("topic ", topic_, " has no partitions"));
  }
  // Only now: a topic handle makes librdkafka ask for the topic by name.
  events_topic_.reset(
      rd_kafka_topic_new(consumer_.get(), topic_.c_str(), nullptr));
  if (events_topic_ == nullptr) {
    return KafkaStatus(rd_kafka_last_error(), absl::StrCat("topic ", topic_));
  }
  if (!options_.journal_topic.empty()) {
    journal_topic_.reset(rd_kafka_topic_new(
        consumer_.get(), options_.journal_topic.c_str(), nullptr));
    if (journal_topic_ == nullptr) {
      return KafkaStatus(rd_kafka_last_error(),
                         absl::StrCat("topic ", options_.journal_topic));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> KafkaLogReader::End(rd_kafka_topic_t* topic,
                                            int32_t partition,
                                            const std::string& where,
                                            Clock::time_point deadline) {
  if (rd_kafka_consume_start(topic, partition, RD_KAFKA_OFFSET_END) == -1) {
    return KafkaStatus(rd_kafka_last_error(), "start reading " + where);
  }
  int64_t eof = -1;
  int64_t after_last = -1;  // records appended meanwhile
  absl::Status status = ConsumeRecords(
      topic, partition, where, std::numeric_limits<int64_t>::max(),
      [&](const rd_kafka_message_t& m) -> absl::StatusOr<bool> {
        after_last = m.offset + 1;
        return true;
      },
      deadline, &eof);
  rd_kafka_consume_stop(topic, partition);
  if (!status.ok()) return status;
  return std::max(eof, after_last);
}

absl::StatusOr<int64_t> KafkaLogReader::EndOffset(int32_t partition) {
  return End(events_topic_.get(), partition, Where(partition),
             Clock::now() + options_.read_timeout);
}

absl::StatusOr<int64_t> KafkaLogReader::JournalEnd() {
  return End(journal_topic_.get(), 0, "journal " + options_.journal_topic,
             Clock::now() + options_.read_timeout);
}

// A real broker writes a transaction's commit markers (one offset in each
// partition the transaction wrote) after rd_kafka_commit_transaction has
// returned; until then the read_committed end (the last stable offset)
// stays at the start of the transaction. A tail or head read in that window
// is too low, and the next batch would be sealed at offsets Kafka does not
// give it. So after a commit the writer waits until the end is beyond its
// last record: then the end counts the marker (a real broker) or not
// (librdkafka's mock writes none), whichever the cluster does.
absl::StatusOr<int64_t> KafkaLogReader::StableEnd(bool journal,
                                                  int32_t partition,
                                                  int64_t last,
                                                  Clock::time_point deadline) {
  const std::string where =
      journal ? "journal " + options_.journal_topic : Where(partition);
  rd_kafka_topic_t* topic =
      journal ? journal_topic_.get() : events_topic_.get();
  for (int wait_ms = 1;; wait_ms = std::min(wait_ms * 2, 50)) {
    const Clock::time_point bound =
        std::min(deadline, Clock::now() + options_.read_timeout);
    absl::StatusOr<int64_t> end = End(topic, partition, where, bound);
    if (!end.ok()) return end.status();
    if (*end > last) return *end;
    if (RemainingMs(deadline) == 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          where, ": offset ", last,
          " committed but not yet readable (last stable offset ", *end, ")"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  }
}

// The last event is normally at end - 1; with transactions a control
// record can sit there instead, so look further back until one is found.
absl::StatusOr<Tail> KafkaLogReader::ReadTail(int32_t partition) {
  absl::StatusOr<int64_t> end = EndOffset(partition);
  if (!end.ok()) return end.status();
  if (*end == 0) return Tail{};
  for (int64_t back = 1;; back *= 16) {
    const int64_t from = std::max<int64_t>(0, *end - back);
    absl::StatusOr<std::vector<StoredEvent>> events =
        Read(partition, from, static_cast<size_t>(*end - from));
    if (!events.ok()) return events.status();
    while (!events->empty() && events->back().event.offset() >= *end) {
      events->pop_back();  // appended meanwhile: not this tail's
    }
    if (!events->empty()) return Tail{*end, events->back().event.hash()};
    if (from == 0) return Tail{*end, ""};  // only control records
  }
}

absl::StatusOr<std::vector<int64_t>> KafkaLogReader::EndOffsets() {
  std::vector<int64_t> heads;
  for (int32_t p = 0; p < partitions_; ++p) {
    absl::StatusOr<int64_t> end = EndOffset(p);
    if (!end.ok()) return end.status();
    heads.push_back(*end);
  }
  return heads;
}

absl::StatusOr<std::vector<StoredEvent>> KafkaLogReader::Read(
    int32_t partition, int64_t from_offset, size_t max_events) {
  if (partition < 0 || partition >= partitions_ || from_offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no ", Where(partition), " offset ", from_offset, " to read"));
  }
  std::vector<StoredEvent> out;
  if (max_events == 0) return out;
  if (rd_kafka_consume_start(events_topic_.get(), partition, from_offset) ==
      -1) {
    return KafkaStatus(rd_kafka_last_error(),
                       "start reading " + Where(partition));
  }
  absl::Status status =
      Consume(partition, std::numeric_limits<int64_t>::max(), max_events, &out);
  rd_kafka_consume_stop(events_topic_.get(), partition);
  if (!status.ok()) return status;
  return out;
}

absl::Status KafkaLogReader::ScanJournal(int64_t from, int64_t high,
                                         const std::string& where,
                                         const Take& take) {
  if (rd_kafka_consume_start(journal_topic_.get(), 0, from) == -1) {
    return KafkaStatus(rd_kafka_last_error(), "start reading " + where);
  }
  absl::Status status =
      ConsumeRecords(journal_topic_.get(), 0, where, high, take,
                     Clock::now() + options_.read_timeout);
  rd_kafka_consume_stop(journal_topic_.get(), 0);
  return status;
}

absl::Status KafkaLogReader::ConsumeRecords(
    rd_kafka_topic_t* topic, int32_t partition, const std::string& where,
    int64_t high, const Take& take, Clock::time_point deadline, int64_t* eof) {
  rd_kafka_resp_err_t last_error = RD_KAFKA_RESP_ERR_NO_ERROR;
  for (;;) {
    int wait = std::min(RemainingMs(deadline), 200);
    if (wait == 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          "reading ", where, " timed out",
          last_error == RD_KAFKA_RESP_ERR_NO_ERROR
              ? ""
              : absl::StrCat(" (", rd_kafka_err2name(last_error), ")")));
    }
    rd_kafka_message_t* m = rd_kafka_consume(topic, partition, wait);
    if (m == nullptr) continue;
    std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owned(
        m, rd_kafka_message_destroy);
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (eof != nullptr) *eof = m->offset;
      return absl::OkStatus();
    }
    if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
        m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
      return absl::DataLossError(
          absl::StrCat("reading ", where, ": ", rd_kafka_message_errstr(m)));
    }
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      last_error = m->err;  // transient: librdkafka keeps fetching
      continue;
    }
    if (m->offset >= high) return absl::OkStatus();
    absl::StatusOr<bool> more = take(*m);
    if (!more.ok()) return more.status();
    if (!*more || m->offset + 1 >= high) return absl::OkStatus();
  }
}

absl::Status KafkaLogReader::Consume(int32_t partition, int64_t high,
                                     size_t max,
                                     std::vector<StoredEvent>* out) {
  return ConsumeRecords(
      events_topic_.get(), partition, Where(partition), high,
      [&](const rd_kafka_message_t& m) -> absl::StatusOr<bool> {
        StoredEvent stored;
        stored.bytes.assign(static_cast<const char*>(m.payload), m.len);
        if (!stored.event.ParseFromString(stored.bytes)) {
          return absl::DataLossError(absl::StrCat(
              "undecodable event in ", Where(partition), " offset ", m.offset));
        }
        out->push_back(std::move(stored));
        return out->size() < max;
      },
      Clock::now() + options_.read_timeout);
}

}  // namespace xueji::kafka_log
