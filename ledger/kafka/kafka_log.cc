// KafkaLog: see kafka_log.h. Producer: idempotent (or transactional), acks
// all, explicit partitions, offsets predicted and checked against delivery
// reports. Reader: librdkafka's legacy simple consumer (start at an offset,
// no group, nothing committed), read_committed, stopped at partition EOF.
#include "ledger/kafka/kafka_log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/log/hash_chain.h"
#include "ledger/kafka/kafka_client.h"

namespace xueji {
namespace {

using Clock = std::chrono::steady_clock;

struct RktDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using RktPtr = std::unique_ptr<rd_kafka_topic_t, RktDeleter>;

// Status of a transactional API error (takes ownership of `error`).
absl::Status TxnStatus(rd_kafka_error_t* error, const std::string& where) {
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  bool fatal = rd_kafka_error_is_fatal(error);
  std::string text = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  if (fatal) {
    return absl::AbortedError(absl::StrCat(where, ": fatal: ", text));
  }
  absl::Status status = KafkaStatus(code, where);
  return absl::Status(status.code(), absl::StrCat(status.message(), ": ", text));
}

// Defaults, then the caller's properties, then what correctness needs.
absl::StatusOr<rd_kafka_conf_t*> MakeConf(const KafkaLogOptions& options,
                                          const KafkaProperties& defaults,
                                          const KafkaProperties& required) {
  return MakeKafkaConf(options.bootstrap_servers, options.properties, defaults,
                       required);
}

int64_t Millis(std::chrono::milliseconds ms) { return ms.count(); }

int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

// The payload message's name, e.g. "RecordRequested"; empty if none.
std::string PayloadName(const xueji::v1::Event& event) {
  const auto* oneof = event.GetDescriptor()->FindOneofByName("payload");
  const auto* field =
      event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  return field == nullptr ? "" : field->message_type()->name();
}

// CloudEvents Kafka protocol binding, binary content mode.
rd_kafka_headers_t* CloudEventHeaders(const xueji::v1::Event& event) {
  rd_kafka_headers_t* headers = rd_kafka_headers_new(8);
  auto add = [headers](const char* name, const std::string& value) {
    rd_kafka_header_add(headers, name, -1, value.data(),
                        static_cast<ssize_t>(value.size()));
  };
  add("ce_specversion", "1.0");
  add("ce_id", event.event_id());
  add("ce_source", "/xueji/ledger");
  add("ce_type", "cn.edu.xueji.v1." + PayloadName(event));
  add("ce_time", event.recorded_at());
  if (!event.student_no().empty()) add("ce_subject", event.student_no());
  add("content-type", "application/protobuf");
  add("ce_dataschema", "xueji.v1.Event");
  return headers;
}

// One record's delivery report. Heap-allocated and owned by the KafkaLog
// until the producer has reported it (librdkafka holds a raw pointer).
struct Delivery {
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  int64_t offset = -1;
};

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  delivery->done = true;
  delivery->err = message->err;
  delivery->offset = message->offset;
}

// Producer-level errors (broker down, ...): the latest one, to explain a
// delivery timeout. Served by rd_kafka_poll/flush on the appending thread.
void OnError(rd_kafka_t*, int err, const char*, void* opaque) {
  *static_cast<rd_kafka_resp_err_t*>(opaque) =
      static_cast<rd_kafka_resp_err_t>(err);
}

// Tail of one partition: the offset the next record gets and the hash of
// the last event.
struct Tail {
  int64_t next = 0;
  std::string hash;
};

class KafkaLogImpl final : public KafkaLog {
 public:
  explicit KafkaLogImpl(KafkaLogOptions options)
      : options_(std::move(options)), topic_(EventsTopic(options_.topic_prefix)) {}
  ~KafkaLogImpl() override;

  absl::Status Connect();

  int32_t partitions() const override { return partitions_; }
  absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event> batch) override;
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events) override;
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override;
  absl::StatusOr<std::vector<xueji::v1::Event>> AppendJournaled(
      std::vector<xueji::v1::Event> batch,
      xueji::v1::JournalBatch journal) override;
  absl::StatusOr<std::optional<xueji::v1::JournalBatch>> RecoverJournal()
      override;
  absl::StatusOr<std::vector<StoredEvent>> ReadAvailable(
      int32_t partition, int64_t from_offset, size_t max_events) override;

 private:
  std::string Where(int32_t partition) const {
    return absl::StrCat("topic ", topic_, " partition ", partition);
  }
  absl::Status CreateProducer();
  absl::Status CreateConsumer();
  absl::StatusOr<std::pair<int64_t, int64_t>> Watermarks(int32_t partition);
  // The end of `topic`/`partition` once the transaction that wrote offset
  // `last` is complete for read_committed readers (see the definition).
  absl::StatusOr<int64_t> StableEnd(const std::string& topic, int32_t partition,
                                    int64_t last, Clock::time_point deadline);
  absl::StatusOr<Tail> ReadTail(int32_t partition);
  absl::Status Resync();
  // One attempt: seals `batch` from the tails, produces it, waits for the
  // reports. On success the tails are advanced.
  // *mismatch is set when Kafka assigned another offset than predicted.
  absl::StatusOr<std::vector<xueji::v1::Event>> AppendImpl(
      std::vector<xueji::v1::Event> batch,
      const xueji::v1::JournalBatch* journal);
  absl::StatusOr<std::vector<xueji::v1::Event>> TryAppend(
      std::vector<xueji::v1::Event> batch,
      const xueji::v1::JournalBatch* journal, Clock::time_point deadline,
      bool* mismatch);
  // Produces `journal` with `sealed` as its events; waits for the report.
  absl::Status ProduceJournal(const xueji::v1::JournalBatch& journal,
                              const std::vector<xueji::v1::Event>& sealed,
                              Clock::time_point deadline);
  absl::StatusOr<std::optional<xueji::v1::JournalBatch>> ReadLastJournal();
  // Produces the events of `sealed` (one partition, offset order) from the
  // partition's head on; checks the ones below it are the same.
  // *produced: the last event it produced (nullopt: none was missing).
  absl::Status CompletePartition(const std::vector<xueji::v1::Event>& sealed,
                                 Clock::time_point deadline,
                                 std::optional<xueji::v1::Event>* produced);
  absl::Status AwaitAndCheck(const std::vector<Delivery*>& deliveries,
                             const std::vector<xueji::v1::Event>& events,
                             Clock::time_point deadline, bool* mismatch);
  absl::Status ProduceOne(const xueji::v1::Event& event, Delivery* delivery,
                          Clock::time_point deadline);
  absl::Status AwaitDeliveries(const std::vector<Delivery*>& deliveries,
                               Clock::time_point deadline);
  absl::Status DeliveryStatus(const Delivery& delivery,
                              const xueji::v1::Event& event, bool* mismatch);
  absl::Status DrainPending(Clock::time_point deadline);
  absl::Status EndTransaction(absl::Status status, Clock::time_point deadline);
  absl::Status Consume(int32_t partition, int64_t high, size_t max,
                       std::vector<StoredEvent>* out);
  // Serves records of `topic`/`partition` (consumption started) to `take`
  // until it returns false, the record before `high`, or the end.
  absl::Status ConsumeRecords(
      rd_kafka_topic_t* topic, int32_t partition, const std::string& where,
      int64_t high,
      const std::function<absl::StatusOr<bool>(const rd_kafka_message_t&)>&
          take);

  const KafkaLogOptions options_;
  const std::string topic_;
  int32_t partitions_ = 0;
  std::vector<Tail> tails_;
  std::vector<bool> stale_;       // tail must be re-read before appending
  bool producer_broken_ = false;  // fatal error: recreate the producer
  rd_kafka_resp_err_t last_producer_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  // Reports librdkafka may still write to; freed after the producer.
  std::vector<std::unique_ptr<Delivery>> pending_;
  RdKafkaPtr producer_;
  RdKafkaPtr consumer_;
  RktPtr consumer_topic_;
  RktPtr journal_reader_;
  // Where this writer's next journal record must land (-1: unknown until
  // RecoverJournal). Anything else means another processor wrote there.
  int64_t journal_next_ = -1;
  // With transactions: journal_next_ was learnt after the last commit (the
  // commit marker counted); otherwise the next journal write asks Kafka.
  bool journal_exact_ = false;
  // Set by a successful append: tails_ are the heads while not stale.
  bool knows_tails_ = false;
};

KafkaLogImpl::~KafkaLogImpl() {
  if (producer_ != nullptr) {
    rd_kafka_purge(producer_.get(),
                   RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_flush(producer_.get(), 1000);
  }
  consumer_topic_.reset();
  journal_reader_.reset();
  consumer_.reset();
  producer_.reset();  // before pending_ is freed
}

absl::Status KafkaLogImpl::CreateProducer() {
  const bool txn = !options_.transactional_id.empty();
  KafkaProperties required = {
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"message.timeout.ms", std::to_string(Millis(options_.append_timeout))}};
  if (txn) {
    required.emplace_back("transactional.id", options_.transactional_id);
    required.emplace_back(
        "transaction.timeout.ms",
        std::to_string(std::max<int64_t>(60000, Millis(options_.append_timeout))));
  }
  absl::StatusOr<rd_kafka_conf_t*> conf =
      MakeConf(options_,
               {{"linger.ms", "1"},  // Append waits for the batch anyway
                // a journal record holds a whole batch (JournalBatch)
                {"message.max.bytes", "16777216"}},
               required);
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_dr_msg_cb(*conf, OnDelivery);
  rd_kafka_conf_set_error_cb(*conf, OnError);
  rd_kafka_conf_set_opaque(*conf, &last_producer_error_);
  auto producer = NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!producer.ok()) return producer.status();
  producer_ = *std::move(producer);
  rd_kafka_t* rk = producer_.get();
  producer_broken_ = false;
  if (txn) {
    rd_kafka_error_t* error =
        rd_kafka_init_transactions(rk, Millis(options_.open_timeout));
    if (error != nullptr) {
      producer_broken_ = true;
      return TxnStatus(error, absl::StrCat("init transactions for ", topic_));
    }
  }
  return absl::OkStatus();
}

absl::Status KafkaLogImpl::CreateConsumer() {
  // Every read is bounded by a high watermark taken just before it, so the
  // broker never needs to hold a fetch open waiting for new records. With
  // librdkafka's 500 ms default, each read that ends at a transaction's
  // commit marker (read_committed never returns the marker, so the end is
  // known only from an empty fetch) cost half a second on a real broker:
  // 10 s to replay 75 events, and as much per transactional batch.
  absl::StatusOr<rd_kafka_conf_t*> conf = MakeConf(
      options_,
      {{"queued.max.messages.kbytes", "8192"}, {"fetch.wait.max.ms", "10"}},
      {{"enable.partition.eof", "true"},
       {"auto.offset.reset", "error"},
       {"enable.auto.commit", "false"},
       {"enable.auto.offset.store", "false"},
       {"isolation.level", "read_committed"}});
  if (!conf.ok()) return conf.status();
  auto consumer = NewKafkaClient(RD_KAFKA_CONSUMER, *conf);
  if (!consumer.ok()) return consumer.status();
  consumer_ = *std::move(consumer);
  return absl::OkStatus();
}

absl::Status KafkaLogImpl::Connect() {
  if (options_.bootstrap_servers.empty()) {
    return absl::InvalidArgumentError("Kafka bootstrap servers not set");
  }
  if (absl::Status s = CreateConsumer(); !s.ok()) return s;
  absl::StatusOr<int> partitions =
      TopicPartitionCount(consumer_.get(), topic_, options_.open_timeout);
  if (!partitions.ok()) return partitions.status();
  partitions_ = *partitions;
  if (partitions_ <= 0) {
    return absl::NotFoundError(absl::StrCat("topic ", topic_, " has no partitions"));
  }
  // Only now: a topic handle makes librdkafka ask for the topic by name.
  consumer_topic_.reset(
      rd_kafka_topic_new(consumer_.get(), topic_.c_str(), nullptr));
  if (consumer_topic_ == nullptr) {
    return KafkaStatus(rd_kafka_last_error(), absl::StrCat("topic ", topic_));
  }
  if (!options_.journal_topic.empty()) {
    journal_reader_.reset(rd_kafka_topic_new(
        consumer_.get(), options_.journal_topic.c_str(), nullptr));
    if (journal_reader_ == nullptr) {
      return KafkaStatus(rd_kafka_last_error(),
                         absl::StrCat("topic ", options_.journal_topic));
    }
  }
  tails_.assign(partitions_, Tail{});
  stale_.assign(partitions_, true);
  if (options_.read_only) return absl::OkStatus();
  if (absl::Status s = Resync(); !s.ok()) return s;
  return CreateProducer();
}

absl::StatusOr<std::pair<int64_t, int64_t>> KafkaLogImpl::Watermarks(
    int32_t partition) {
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      consumer_.get(), topic_.c_str(), partition, &low, &high,
      static_cast<int>(Millis(options_.read_timeout)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err, "watermarks of " + Where(partition));
  }
  return std::make_pair(low, high);
}

// A real broker writes a transaction's commit markers (one offset in each
// partition the transaction wrote) after rd_kafka_commit_transaction has
// returned; until then the read_committed end (the last stable offset, which
// Watermarks reports for this read_committed handle) stays at the start of
// the transaction. A tail or head read in that window is too low, and the
// next batch would be sealed at offsets Kafka does not give it. So after a
// commit the writer waits, per partition it wrote, until the end is beyond
// its last record: then the end counts the marker (a real broker) or not
// (librdkafka's mock writes none), whichever the cluster does.
absl::StatusOr<int64_t> KafkaLogImpl::StableEnd(const std::string& topic,
                                                int32_t partition, int64_t last,
                                                Clock::time_point deadline) {
  for (int wait_ms = 1;; wait_ms = std::min(wait_ms * 2, 50)) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        consumer_.get(), topic.c_str(), partition, &low, &high,
        std::max(RemainingMs(deadline), 1));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaStatus(err, absl::StrCat("watermarks of topic ", topic,
                                           " partition ", partition));
    }
    if (high > last) return high;
    if (RemainingMs(deadline) == 0) {
      return absl::DeadlineExceededError(absl::StrCat(
          "topic ", topic, " partition ", partition, ": offset ", last,
          " committed but not yet readable (last stable offset ", high, ")"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
  }
}

// The last event is normally at high - 1; with transactions a control
// record can sit there instead, so look further back until one is found.
absl::StatusOr<Tail> KafkaLogImpl::ReadTail(int32_t partition) {
  absl::StatusOr<std::pair<int64_t, int64_t>> marks = Watermarks(partition);
  if (!marks.ok()) return marks.status();
  auto [low, high] = *marks;
  if (high == 0) return Tail{};
  if (low > 0) {
    return absl::DataLossError(absl::StrCat(
        Where(partition), " starts at offset ", low,
        ": earlier events were deleted (the events topic must keep everything)"));
  }
  for (int64_t back = 1;; back *= 16) {
    int64_t from = std::max<int64_t>(low, high - back);
    absl::StatusOr<std::vector<StoredEvent>> events =
        Read(partition, from, static_cast<size_t>(high - from));
    if (!events.ok()) return events.status();
    if (!events->empty()) return Tail{high, events->back().event.hash()};
    if (from == low) return Tail{high, ""};  // only control records
  }
}

absl::Status KafkaLogImpl::Resync() {
  for (int32_t p = 0; p < partitions_; ++p) {
    if (!stale_[p]) continue;
    absl::StatusOr<Tail> tail = ReadTail(p);
    if (!tail.ok()) return tail.status();
    tails_[p] = *tail;
    stale_[p] = false;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<StoredEvent>> KafkaLogImpl::Read(int32_t partition,
                                                        int64_t from_offset,
                                                        size_t max_events) {
  if (partition < 0 || partition >= partitions_ || from_offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no ", Where(partition), " offset ", from_offset, " to read"));
  }
  std::vector<StoredEvent> out;
  if (max_events == 0) return out;
  absl::StatusOr<std::pair<int64_t, int64_t>> marks = Watermarks(partition);
  if (!marks.ok()) return marks.status();
  auto [low, high] = *marks;
  if (from_offset >= high) return out;
  if (from_offset < low) {
    return absl::DataLossError(absl::StrCat(Where(partition), " offset ",
                                            from_offset, " was deleted"));
  }
  if (rd_kafka_consume_start(consumer_topic_.get(), partition, from_offset) ==
      -1) {
    return KafkaStatus(rd_kafka_last_error(), "start reading " + Where(partition));
  }
  absl::Status status = Consume(partition, high, max_events, &out);
  rd_kafka_consume_stop(consumer_topic_.get(), partition);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<std::vector<StoredEvent>> KafkaLogImpl::ReadAvailable(
    int32_t partition, int64_t from_offset, size_t max_events) {
  if (partition < 0 || partition >= partitions_ || from_offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "no ", Where(partition), " offset ", from_offset, " to read"));
  }
  std::vector<StoredEvent> out;
  if (max_events == 0) return out;
  if (rd_kafka_consume_start(consumer_topic_.get(), partition, from_offset) ==
      -1) {
    return KafkaStatus(rd_kafka_last_error(),
                       "start reading " + Where(partition));
  }
  absl::Status status =
      Consume(partition, std::numeric_limits<int64_t>::max(), max_events, &out);
  rd_kafka_consume_stop(consumer_topic_.get(), partition);
  if (!status.ok()) return status;
  return out;
}

absl::Status KafkaLogImpl::ConsumeRecords(
    rd_kafka_topic_t* topic, int32_t partition, const std::string& where,
    int64_t high,
    const std::function<absl::StatusOr<bool>(const rd_kafka_message_t&)>&
        take) {
  const Clock::time_point deadline = Clock::now() + options_.read_timeout;
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
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) return absl::OkStatus();
    if (m->err == RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE ||
        m->err == RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET) {
      return absl::DataLossError(absl::StrCat("reading ", where, ": ",
                                              rd_kafka_message_errstr(m)));
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

// Reads events until `max`, the record before `high`, or the end.
absl::Status KafkaLogImpl::Consume(int32_t partition, int64_t high, size_t max,
                                   std::vector<StoredEvent>* out) {
  return ConsumeRecords(
      consumer_topic_.get(), partition, Where(partition), high,
      [&](const rd_kafka_message_t& m) -> absl::StatusOr<bool> {
        StoredEvent stored;
        stored.bytes.assign(static_cast<const char*>(m.payload), m.len);
        if (!stored.event.ParseFromString(stored.bytes)) {
          return absl::DataLossError(absl::StrCat(
              "undecodable event in ", Where(partition), " offset ", m.offset));
        }
        out->push_back(std::move(stored));
        return out->size() < max;
      });
}

absl::StatusOr<std::vector<int64_t>> KafkaLogImpl::HeadOffsets() {
  // The writer knows its tails (a batch per request round trip saved); a
  // reader, or a writer after a failure, asks the brokers.
  if (knows_tails_ &&
      std::none_of(stale_.begin(), stale_.end(), [](bool s) { return s; })) {
    std::vector<int64_t> heads;
    for (const Tail& tail : tails_) heads.push_back(tail.next);
    return heads;
  }
  std::vector<int64_t> heads;
  for (int32_t p = 0; p < partitions_; ++p) {
    absl::StatusOr<std::pair<int64_t, int64_t>> marks = Watermarks(p);
    if (!marks.ok()) return marks.status();
    heads.push_back(marks->second);
  }
  return heads;
}

absl::StatusOr<std::vector<xueji::v1::Event>> KafkaLogImpl::Append(
    std::vector<xueji::v1::Event> batch) {
  return AppendImpl(std::move(batch), nullptr);
}

absl::StatusOr<std::vector<xueji::v1::Event>> KafkaLogImpl::AppendJournaled(
    std::vector<xueji::v1::Event> batch, xueji::v1::JournalBatch journal) {
  if (options_.journal_topic.empty()) {
    return absl::FailedPreconditionError(
        "Kafka log opened without a journal topic");
  }
  if (journal_next_ < 0) {
    return absl::FailedPreconditionError(
        "RecoverJournal must run before AppendJournaled");
  }
  journal.clear_events();
  return AppendImpl(std::move(batch), &journal);
}

absl::StatusOr<std::vector<xueji::v1::Event>> KafkaLogImpl::AppendImpl(
    std::vector<xueji::v1::Event> batch,
    const xueji::v1::JournalBatch* journal) {
  if (options_.read_only) {
    return absl::FailedPreconditionError("Kafka log opened read-only");
  }
  if (batch.empty()) return batch;
  for (const xueji::v1::Event& event : batch) {
    if (event.subject().empty() || PayloadName(event).empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "event ", event.event_id(), " has no subject or no payload"));
    }
  }
  const Clock::time_point deadline = Clock::now() + options_.append_timeout;
  // With transactions an offset mismatch is undone by aborting, so it is
  // worth a retry (a commit marker may not have been visible yet).
  const int attempts = options_.transactional_id.empty() ? 1 : 3;
  absl::Status status;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (attempt > 1) {
      // The markers of an aborted transaction are written after the abort
      // returns: give the tails a moment to settle before re-reading them.
      std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    }
    if (producer_broken_) {
      producer_.reset();  // its outstanding reports are never served
      pending_.clear();
      stale_.assign(partitions_, true);
      if (absl::Status s = CreateProducer(); !s.ok()) return s;
    }
    if (absl::Status s = DrainPending(deadline); !s.ok()) return s;
    if (absl::Status s = Resync(); !s.ok()) return s;
    bool mismatch = false;
    absl::StatusOr<std::vector<xueji::v1::Event>> sealed =
        TryAppend(batch, journal, deadline, &mismatch);
    if (sealed.ok() || !mismatch) return sealed;
    status = sealed.status();
  }
  return status;
}

absl::StatusOr<std::vector<xueji::v1::Event>> KafkaLogImpl::TryAppend(
    std::vector<xueji::v1::Event> batch,
    const xueji::v1::JournalBatch* journal, Clock::time_point deadline,
    bool* mismatch) {
  std::vector<Tail> tails = tails_;
  std::vector<int64_t> tails_before;
  for (const Tail& tail : tails_) tails_before.push_back(tail.next);
  for (xueji::v1::Event& event : batch) {
    Tail& tail = tails[PartitionFor(event.subject(), partitions_)];
    event.set_partition(PartitionFor(event.subject(), partitions_));
    event.set_offset(tail.next++);
    event.clear_hash();
    SealEvent(tail.hash, &event);
    tail.hash = event.hash();
    stale_[event.partition()] = true;  // until the batch is known durable
  }
  const bool txn = !options_.transactional_id.empty();
  last_producer_error_ = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (txn) {
    if (rd_kafka_error_t* e = rd_kafka_begin_transaction(producer_.get())) {
      producer_broken_ = rd_kafka_error_is_fatal(e);
      return TxnStatus(e, "begin transaction on " + topic_);
    }
  }
  absl::Status status;
  if (journal != nullptr) status = ProduceJournal(*journal, batch, deadline);
  std::vector<Delivery*> deliveries;
  for (size_t i = 0; status.ok() && i < batch.size(); ++i) {
    pending_.push_back(std::make_unique<Delivery>());
    status = ProduceOne(batch[i], pending_.back().get(), deadline);
    if (!status.ok()) {
      pending_.pop_back();
      break;
    }
    deliveries.push_back(pending_.back().get());
  }
  absl::Status checked = AwaitAndCheck(deliveries, batch, deadline, mismatch);
  if (status.ok()) status = checked;
  if (txn) {
    const int64_t journal_offset = journal_next_ - 1;
    journal_exact_ = false;
    status = EndTransaction(status, deadline);
    if (status.ok() && journal != nullptr) {
      // The next journal record lands after this one and its marker.
      absl::StatusOr<int64_t> end =
          StableEnd(options_.journal_topic, 0, journal_offset, deadline);
      journal_exact_ = end.ok();
      if (end.ok()) journal_next_ = *end;
    }
  }
  if (!status.ok()) return status;
  knows_tails_ = true;
  for (const xueji::v1::Event& event : batch) {
    const int32_t p = event.partition();
    tails_[p] = tails[p];
    stale_[p] = false;
  }
  if (txn) {
    // A commit marker follows the batch in each partition on a real broker:
    // learn where the next event goes (or re-read the tail if that fails).
    for (int32_t p = 0; p < partitions_; ++p) {
      if (tails[p].next == tails_before[p]) continue;
      absl::StatusOr<int64_t> end =
          StableEnd(topic_, p, tails[p].next - 1, deadline);
      if (end.ok()) {
        tails_[p].next = *end;
      } else {
        stale_[p] = true;
        knows_tails_ = false;
      }
    }
  }
  return batch;
}

// Waits for `deliveries` (of events[0..n)) and checks each one's offset.
absl::Status KafkaLogImpl::AwaitAndCheck(
    const std::vector<Delivery*>& deliveries,
    const std::vector<xueji::v1::Event>& events, Clock::time_point deadline,
    bool* mismatch) {
  absl::Status status = AwaitDeliveries(deliveries, deadline);
  for (size_t i = 0; status.ok() && i < deliveries.size(); ++i) {
    status = DeliveryStatus(*deliveries[i], events[i], mismatch);
  }
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [](const auto& d) { return d->done; }),
                 pending_.end());
  return status;
}

absl::Status KafkaLogImpl::ProduceOne(const xueji::v1::Event& event,
                                  Delivery* delivery,
                                  Clock::time_point deadline) {
  const std::string value = CanonicalBytes(event);
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
    if (err == RD_KAFKA_RESP_ERR__FATAL) producer_broken_ = true;
    return KafkaStatus(err, "produce to " + Where(event.partition()));
  }
}

// Serves delivery reports until all of `deliveries` are done. At the
// deadline, records not yet sent are purged (so certainly not written);
// records in flight time out at message.timeout.ms (= append_timeout), so a
// short grace period normally sees every report. Records still unresolved
// stay in pending_ and block the next Append (DrainPending).
absl::Status KafkaLogImpl::AwaitDeliveries(const std::vector<Delivery*>& deliveries,
                                       Clock::time_point deadline) {
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

// Records of an earlier, failed Append whose fate is still unknown would
// take offsets ahead of new ones: wait for them before appending again.
absl::Status KafkaLogImpl::DrainPending(Clock::time_point deadline) {
  while (!pending_.empty()) {
    rd_kafka_poll(producer_.get(), std::min(RemainingMs(deadline), 100));
    pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                  [](const auto& d) { return d->done; }),
                   pending_.end());
    if (!pending_.empty() && RemainingMs(deadline) == 0) {
      return absl::UnavailableError(absl::StrCat(
          "append to ", topic_, ": records of an earlier append are still "
          "unresolved; retry later"));
    }
  }
  return absl::OkStatus();
}

absl::Status KafkaLogImpl::DeliveryStatus(const Delivery& delivery,
                                      const xueji::v1::Event& event,
                                      bool* mismatch) {
  const std::string where = "append to " + Where(event.partition());
  if (delivery.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    char reason[512];
    if (rd_kafka_fatal_error(producer_.get(), reason, sizeof(reason)) !=
        RD_KAFKA_RESP_ERR_NO_ERROR) {
      producer_broken_ = true;
      return absl::AbortedError(absl::StrCat(where, ": fatal: ", reason));
    }
    if ((delivery.err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT ||
         delivery.err == RD_KAFKA_RESP_ERR__PURGE_QUEUE) &&
        (last_producer_error_ == RD_KAFKA_RESP_ERR__TRANSPORT ||
         last_producer_error_ == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)) {
      return KafkaStatus(last_producer_error_, where + ": broker unreachable");
    }
    return KafkaStatus(delivery.err, where);
  }
  if (delivery.offset != event.offset()) {
    *mismatch = true;
    return absl::AbortedError(absl::StrCat(
        where, ": Kafka assigned offset ", delivery.offset, " but offset ",
        event.offset(), " was expected; another writer appends to this "
        "partition (single writer per partition is required)"));
  }
  return absl::OkStatus();
}

// Commits the transaction if `status` is OK, else aborts it.
absl::Status KafkaLogImpl::EndTransaction(absl::Status status,
                                      Clock::time_point deadline) {
  const int wait = std::max(RemainingMs(deadline), 1000);
  if (status.ok()) {
    rd_kafka_error_t* e = rd_kafka_commit_transaction(producer_.get(), wait);
    if (e == nullptr) return absl::OkStatus();
    const bool abortable = rd_kafka_error_txn_requires_abort(e);
    producer_broken_ = rd_kafka_error_is_fatal(e);
    status = TxnStatus(e, "commit transaction on " + topic_);
    if (!abortable) return status;
  }
  if (!producer_broken_) {
    if (rd_kafka_error_t* e = rd_kafka_abort_transaction(producer_.get(), wait)) {
      producer_broken_ = true;  // state unknown: start over with a new one
      rd_kafka_error_destroy(e);
    }
  }
  return status;
}


// --- journal ------------------------------------------------------------------

absl::Status KafkaLogImpl::ProduceJournal(
    const xueji::v1::JournalBatch& journal,
    const std::vector<xueji::v1::Event>& sealed, Clock::time_point deadline) {
  xueji::v1::JournalBatch record = journal;
  for (const xueji::v1::Event& event : sealed) *record.add_events() = event;
  const bool txn = !options_.transactional_id.empty();
  if (txn && !journal_exact_) {
    // Commit markers take offsets: expect the current end (fencing by
    // transactional.id guards against other writers here).
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        consumer_.get(), options_.journal_topic.c_str(), 0, &low, &high,
        static_cast<int>(Millis(options_.read_timeout)));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaStatus(err, "watermarks of journal " + options_.journal_topic);
    }
    journal_next_ = high;
  }
  record.set_journal_offset(journal_next_);
  const std::string value = record.SerializeAsString();
  const std::string key = "batch";
  const std::string where = "journal " + options_.journal_topic;
  pending_.push_back(std::make_unique<Delivery>());
  Delivery* delivery = pending_.back().get();
  for (;;) {
    rd_kafka_resp_err_t err = rd_kafka_producev(
        producer_.get(), RD_KAFKA_V_TOPIC(options_.journal_topic.c_str()),
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
    if (err == RD_KAFKA_RESP_ERR__FATAL) producer_broken_ = true;
    return KafkaStatus(err, "produce to " + where);
  }
  if (absl::Status s = AwaitDeliveries({delivery}, deadline); !s.ok()) return s;
  if (delivery->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    journal_next_ = -1;  // unknown whether it landed
    return KafkaStatus(delivery->err, "produce to " + where);
  }
  if (delivery->offset != journal_next_) {
    const int64_t expected = journal_next_;
    journal_next_ = -1;
    return absl::AbortedError(absl::StrCat(
        where, ": the batch landed at offset ", delivery->offset, ", not ",
        expected, ": another processor wrote the journal (this one lost the "
        "requests partition); nothing of the batch was appended"));
  }
  journal_next_ = delivery->offset + 1;
  return absl::OkStatus();
}

absl::StatusOr<std::optional<xueji::v1::JournalBatch>>
KafkaLogImpl::ReadLastJournal() {
  const std::string where = "journal " + options_.journal_topic;
  int64_t low = 0, high = 0;
  rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
      consumer_.get(), options_.journal_topic.c_str(), 0, &low, &high,
      static_cast<int>(Millis(options_.read_timeout)));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err, "watermarks of " + where);
  }
  journal_next_ = high;
  journal_exact_ = false;
  // The last record that landed where its writer expected it; control
  // records and records that lost a race may follow it.
  for (int64_t back = 16; high > low; back *= 16) {
    const int64_t from = std::max(low, high - back);
    std::optional<xueji::v1::JournalBatch> last;
    if (rd_kafka_consume_start(journal_reader_.get(), 0, from) == -1) {
      return KafkaStatus(rd_kafka_last_error(), "start reading " + where);
    }
    absl::Status status = ConsumeRecords(
        journal_reader_.get(), 0, where, high,
        [&](const rd_kafka_message_t& m) -> absl::StatusOr<bool> {
          xueji::v1::JournalBatch batch;
          if (!batch.ParseFromArray(m.payload, static_cast<int>(m.len))) {
            return absl::DataLossError(absl::StrCat(
                "undecodable record in ", where, " offset ", m.offset));
          }
          if (batch.journal_offset() == m.offset) last = std::move(batch);
          return true;
        });
    rd_kafka_consume_stop(journal_reader_.get(), 0);
    if (!status.ok()) return status;
    if (last.has_value() || from == low) return last;
  }
  return std::optional<xueji::v1::JournalBatch>();
}

absl::Status KafkaLogImpl::CompletePartition(
    const std::vector<xueji::v1::Event>& sealed, Clock::time_point deadline,
    std::optional<xueji::v1::Event>* produced) {
  produced->reset();
  const int32_t partition = sealed.front().partition();
  absl::StatusOr<std::pair<int64_t, int64_t>> marks = Watermarks(partition);
  if (!marks.ok()) return marks.status();
  const int64_t head = marks->second;
  // The journaled events already in the topic, read in one pass.
  std::vector<StoredEvent> present;
  const int64_t first = sealed.front().offset();
  if (first < head) {
    absl::StatusOr<std::vector<StoredEvent>> stored =
        Read(partition, first, static_cast<size_t>(head - first));
    if (!stored.ok()) return stored.status();
    present = *std::move(stored);
  }
  size_t next_present = 0;
  std::vector<xueji::v1::Event> missing;
  for (const xueji::v1::Event& event : sealed) {
    if (event.offset() >= head) {
      missing.push_back(event);
      continue;
    }
    while (next_present < present.size() &&
           present[next_present].event.offset() < event.offset()) {
      ++next_present;
    }
    if (next_present == present.size() ||
        present[next_present].event.offset() != event.offset() ||
        present[next_present].event.hash() != event.hash()) {
      return absl::DataLossError(absl::StrCat(
          Where(partition), " offset ", event.offset(),
          " does not hold the journaled event ", event.event_id(),
          ": another writer appended to the partition"));
    }
  }
  if (missing.empty()) return absl::OkStatus();
  if (missing.front().offset() != head) {
    return absl::DataLossError(absl::StrCat(
        Where(partition), " ends at offset ", head, " but the journal continues "
        "it at offset ", missing.front().offset()));
  }
  std::vector<Delivery*> deliveries;
  absl::Status status;
  for (const xueji::v1::Event& event : missing) {
    pending_.push_back(std::make_unique<Delivery>());
    status = ProduceOne(event, pending_.back().get(), deadline);
    if (!status.ok()) {
      pending_.pop_back();
      break;
    }
    deliveries.push_back(pending_.back().get());
  }
  bool mismatch = false;
  absl::Status checked = AwaitAndCheck(deliveries, missing, deadline, &mismatch);
  if (status.ok() && checked.ok()) *produced = missing.back();
  return status.ok() ? checked : status;
}

absl::StatusOr<std::optional<xueji::v1::JournalBatch>>
KafkaLogImpl::RecoverJournal() {
  if (journal_reader_ == nullptr || options_.read_only) {
    return absl::FailedPreconditionError(
        "Kafka log opened without a journal topic, or read-only");
  }
  const Clock::time_point deadline = Clock::now() + options_.append_timeout;
  if (producer_broken_) {
    producer_.reset();
    pending_.clear();
    if (absl::Status s = CreateProducer(); !s.ok()) return s;
  }
  // Records of a failed append still in flight would land after ours.
  if (absl::Status s = DrainPending(deadline); !s.ok()) return s;
  stale_.assign(partitions_, true);
  absl::StatusOr<std::optional<xueji::v1::JournalBatch>> last =
      ReadLastJournal();
  if (!last.ok() || !last->has_value()) return last;
  std::map<int32_t, std::vector<xueji::v1::Event>> by_partition;
  for (const xueji::v1::Event& event : (*last)->events()) {
    by_partition[event.partition()].push_back(event);
  }
  const bool txn = !options_.transactional_id.empty();
  if (txn) {
    if (rd_kafka_error_t* e = rd_kafka_begin_transaction(producer_.get())) {
      producer_broken_ = rd_kafka_error_is_fatal(e);
      return TxnStatus(e, "begin transaction on " + topic_);
    }
  }
  absl::Status status;
  std::vector<xueji::v1::Event> produced;  // the last one per partition
  for (const auto& [partition, events] : by_partition) {
    if (partition < 0 || partition >= partitions_) {
      status = absl::DataLossError(absl::StrCat(
          "journal names partition ", partition, " of ", topic_));
    } else {
      std::optional<xueji::v1::Event> last_produced;
      status = CompletePartition(events, deadline, &last_produced);
      if (last_produced.has_value()) produced.push_back(*last_produced);
    }
    if (!status.ok()) break;
  }
  if (txn) status = EndTransaction(status, deadline);
  if (!status.ok()) return status;
  // Before reading the tails: the markers of what was just committed.
  for (const xueji::v1::Event& event : produced) {
    if (!txn) break;
    absl::StatusOr<int64_t> end =
        StableEnd(topic_, event.partition(), event.offset(), deadline);
    if (!end.ok()) return end.status();
  }
  if (absl::Status s = Resync(); !s.ok()) return s;
  return last;
}

}  // namespace

std::string EventsTopic(const std::string& prefix) { return prefix + ".events"; }

absl::StatusOr<std::unique_ptr<KafkaLog>> KafkaLog::Open(
    const KafkaLogOptions& options) {
  auto log = std::make_unique<KafkaLogImpl>(options);
  if (absl::Status s = log->Connect(); !s.ok()) return s;
  return std::unique_ptr<KafkaLog>(std::move(log));
}

absl::StatusOr<std::unique_ptr<EventLog>> OpenKafkaLog(
    const KafkaLogOptions& options) {
  auto log = KafkaLog::Open(options);
  if (!log.ok()) return log.status();
  return std::unique_ptr<EventLog>(*std::move(log));
}

}  // namespace xueji
