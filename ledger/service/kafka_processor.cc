#include "ledger/service/kafka_processor.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/log.h"
#include "ledger/base/strings.h"
#include "ledger/decide/decider.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/processor/processor.h"
#include "ledger/rules/request_form.h"
#include "ledger/service/processor_answers.h"
#include "ledger/service/processor_standby.h"
#include "ledger/service/processor_topics.h"
#include "ledger/storage/data_dir.h"
#include "ledger/storage/kv.h"
#include "xueji/v1/processor.pb.h"

namespace xueji {
namespace {

using xueji::v1::Event;
using xueji::v1::RequestRecord;
using xueji::v1::Result;

// One consumed requests-topic record.
struct Incoming {
  int64_t offset = 0;
  std::string key;
  std::optional<RequestRecord> record;  // nullopt: undecodable
};

std::string InstanceName() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, ":", getpid());
}

class Service {
 public:
  explicit Service(const ProcessorServiceOptions& options)
      : options_(options),
        instance_(InstanceName()),
        name_(absl::StrCat("processor ", instance_)),
        answers_(options.kafka, options.timeout) {}
  ~Service() {
    if (consumer_ != nullptr) rd_kafka_consumer_close(consumer_.get());
  }

  absl::Status Run();

 private:
  // The active decider's records not yet taken from the requests partition
  // (librdkafka's cached high watermark less the position); -1 otherwise.
  int64_t RequestsLag();
  // A log line "processor HOST:PID: text" at `level` (ledger/base/log.h).
  void Log(LogLevel level, std::string_view text) const {
    if (LogEnabled(level)) xueji::Log(level, Cat(name_, ": ", text));
  }
  bool Stopping() const {
    return options_.stop != nullptr && options_.stop->load();
  }
  absl::Status OpenConsumer();
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions,
                          void* opaque);
  // Finishes the last journaled batch, catches the state up and republishes
  // the batch's answers; returns where the requests topic resumes.
  absl::StatusOr<int64_t> Recover();
  absl::Status TakeAssignment();
  std::vector<Incoming> PollBatch();
  absl::Status Process(const std::vector<Incoming>& batch);
  absl::Status DecideRun(const std::vector<const Incoming*>& run);
  void Fail(const absl::Status& status);

  const ProcessorServiceOptions& options_;
  const std::string instance_;
  const std::string name_;  // "processor HOST:PID", its log lines' prefix
  std::unique_ptr<WriterLock> lock_;
  std::unique_ptr<RocksKv> state_kv_;
  std::unique_ptr<KafkaLog> log_;
  std::unique_ptr<ProcessorStandby> standby_;  // warm while not active
  std::unique_ptr<RequestProcessor> processor_;
  ProcessorAnswers answers_;  // results and registry records
  RdKafkaPtr consumer_;
  PartitionList pending_assignment_;  // assigned by the group, not yet taken
  bool active_ = false;               // owns the requests partition
  int failures_ = 0;
};

void Service::OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions,
                          void* opaque) {
  auto* self = static_cast<Service*>(opaque);
  self->active_ = false;
  self->pending_assignment_.reset();
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS && partitions->cnt > 0) {
    // Taken in the poll loop, after recovery, at the journal's offset: that
    // rd_kafka_assign completes the group's join (which waits for it).
    self->pending_assignment_.reset(
        rd_kafka_topic_partition_list_copy(partitions));
    self->Log(LogLevel::kInfo, "assigned the requests partition; recovering");
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, partitions);  // nothing: a standby; completes the join
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    self->Log(LogLevel::kInfo, "requests partition revoked; standing by");
    if (self->options_.observer.on_role) self->options_.observer.on_role(false);
    // Another processor recovers next, and with transactions fences this
    // one's producer: a later takeover opens a fresh log rather than find
    // out at its first append.
    self->processor_.reset();
    self->log_.reset();
  }
  rd_kafka_assign(rk, nullptr);
}

absl::Status Service::OpenConsumer() {
  const std::string group = options_.group_id.empty()
                                ? options_.kafka.topic_prefix + ".processor"
                                : options_.group_id;
  auto conf = MakeConsumerConf(
      options_.kafka.bootstrap_servers, options_.kafka.properties,
      // A standby learns that the active one's session expired from its
      // next heartbeat's answer: beat often, so the takeover starts within
      // half a second of the expiry (not up to a third of the session).
      {{"session.timeout.ms", std::to_string(options_.session_timeout_ms)},
       {"heartbeat.interval.ms",
        std::to_string(
            std::clamp(options_.session_timeout_ms / 12, 100, 500))}},
      {{"group.id", group},
       {"enable.auto.offset.store", "false"},
       {"auto.offset.reset", "earliest"},
       {"enable.partition.eof", "false"}});
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_rebalance_cb(*conf, &Service::OnRebalance);
  rd_kafka_conf_set_opaque(*conf, this);
  auto consumer = NewKafkaClient(RD_KAFKA_CONSUMER, *conf);
  if (!consumer.ok()) return consumer.status();
  consumer_ = *std::move(consumer);
  rd_kafka_t* rk = consumer_.get();
  rd_kafka_poll_set_consumer(rk);
  PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(),
                                    options_.kafka.requests_topic().c_str(),
                                    RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk, topics.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err, "subscribe to " + options_.kafka.requests_topic());
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> Service::Recover() {
  processor_.reset();
  if (standby_ != nullptr) standby_->Close();  // the active one reads log_
  if (!answers_.is_open()) {
    if (absl::Status s = answers_.Open(); !s.ok()) return s;
  }
  if (log_ == nullptr) {
    KafkaLogOptions log_options = KafkaLogOptionsFor(options_.kafka);
    log_options.journal_topic = options_.kafka.journal_topic();
    if (options_.transactions) {
      // One id for every processor: the one that takes over fences the last.
      log_options.transactional_id = options_.kafka.topic_prefix + ".processor";
    }
    log_options.append_timeout = options_.timeout;
    log_options.open_timeout = options_.timeout;
    log_options.read_timeout = options_.timeout;
    auto log = KafkaLog::Open(log_options);
    if (!log.ok()) return log.status();
    log_ = *std::move(log);
  }
  auto last = log_->RecoverJournal();
  if (!last.ok()) {
    log_.reset();  // start over with fresh connections next time
    return last.status();
  }
  int64_t folded = 0;
  auto processor =
      RequestProcessor::Open(log_.get(), state_kv_.get(), options_.clock,
                             &folded, RequestProcessor::WriteBehind());
  if (!processor.ok()) return processor.status();
  processor_ = *std::move(processor);
  if (options_.production_clock) {
    processor_->set_production_clock(options_.production_clock);
  }
  if (!last->has_value()) {
    Log(LogLevel::kInfo,
        absl::StrCat("empty journal; ", folded,
                     " events folded; reading requests from the start"));
    return RD_KAFKA_OFFSET_BEGINNING;
  }
  const xueji::v1::JournalBatch& batch = **last;
  for (int i = 0; i < batch.results_size(); ++i) {
    const int64_t offset =
        i < batch.request_offsets_size() ? batch.request_offsets(i) : -1;
    const int32_t index =
        i < batch.request_indexes_size() ? batch.request_indexes(i) : 0;
    answers_.Queue(batch.results(i), offset, batch.results(i).request_id(),
                   index);
  }
  for (const Event& e : batch.events()) answers_.Touch(e);
  if (absl::Status s = answers_.PublishRegistry(processor_->state()); !s.ok()) {
    return s;
  }
  if (absl::Status s = answers_.TakeQueueError(); !s.ok()) return s;
  if (absl::Status s = answers_.Flush(); !s.ok()) return s;
  Log(LogLevel::kInfo,
      absl::StrCat("recovered; ", folded,
                   " events folded; resuming requests at offset ",
                   batch.next_request_offset(), " (republished ",
                   batch.results_size(), " answers of the last batch)"));
  return batch.next_request_offset();
}

absl::Status Service::TakeAssignment() {
  auto resume = Recover();
  if (!resume.ok()) return resume.status();
  rd_kafka_topic_partition_list_t* list = pending_assignment_.get();
  for (int i = 0; i < list->cnt; ++i) list->elems[i].offset = *resume;
  rd_kafka_resp_err_t err = rd_kafka_assign(consumer_.get(), list);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err, "assign " + options_.kafka.requests_topic());
  }
  pending_assignment_.reset();
  active_ = true;
  if (options_.observer.on_role) options_.observer.on_role(true);
  return absl::OkStatus();
}

std::vector<Incoming> Service::PollBatch() {
  std::vector<Incoming> batch;
  int wait_ms = 200;
  size_t weight = 0;  // about how many requests: a signed batch holds many
  while (weight < options_.batch_size) {
    MessagePtr m(rd_kafka_consumer_poll(consumer_.get(), wait_ms));
    if (m == nullptr) break;
    wait_ms = 0;  // take what is already fetched, do not wait for more
    if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      Log(LogLevel::kWarn,
          absl::StrCat("requests topic: ", rd_kafka_message_errstr(m.get())));
      continue;
    }
    if (!active_) continue;  // a record from before a revocation
    Incoming in;
    in.offset = m->offset;
    if (m->key != nullptr) {
      in.key.assign(static_cast<const char*>(m->key), m->key_len);
    }
    RequestRecord record;
    if (record.ParseFromArray(m->payload, static_cast<int>(m->len)) &&
        record.body_case() != RequestRecord::BODY_NOT_SET) {
      in.record = std::move(record);
    }
    weight += in.record.has_value() && in.record->has_signed_batch()
                  ? 1 + in.record->signed_batch().body().size() / 256
                  : 1;
    batch.push_back(std::move(in));
  }
  return batch;
}

// Decides one run of requests or of registry lines (not mixed) as a batch.
absl::Status Service::DecideRun(const std::vector<const Incoming*>& run) {
  xueji::v1::JournalBatch header;
  header.set_processor(instance_);
  for (const Incoming* in : run) header.add_request_offsets(in->offset);
  header.set_next_request_offset(run.back()->offset + 1);
  const absl::Time started = absl::Now();
  absl::Duration append_time;
  // Tells the observer (metrics) what the run decided.
  auto observe = [&](const std::vector<Result>& answers) {
    if (LogEnabled(LogLevel::kDebug)) {
      std::map<std::string, int> by_status;
      for (const Result& r : answers) {
        ++by_status[xueji::v1::ResultStatus_Name(r.status())];
      }
      std::string counts;
      for (const auto& [status, n] : by_status) {
        absl::StrAppend(&counts, counts.empty() ? "" : ", ", status, " ", n);
      }
      Log(LogLevel::kDebug,
          absl::StrCat("decided requests at offsets ", run.front()->offset, "-",
                       run.back()->offset, ": ", counts, " in ",
                       absl::ToInt64Milliseconds(absl::Now() - started),
                       " ms (append ", absl::ToInt64Milliseconds(append_time),
                       " ms)"));
    }
    const ProcessorObserver& observer = options_.observer;
    if (observer.on_run) {
      observer.on_run(answers.size(), absl::Now() - started, append_time);
    }
    if (observer.on_answer) {
      for (const Result& r : answers) observer.on_answer(r);
    }
  };
  processor_->set_append(
      [&](std::vector<Event> events, const std::vector<Result>& results)
          -> absl::StatusOr<std::vector<Event>> {
        xueji::v1::JournalBatch journal = header;
        for (const Result& r : results) *journal.add_results() = r;
        if (run.front()->record->has_signed_batch()) {
          // One answer per request of each batch: its record's offset, and
          // its index in the batch.
          journal.clear_request_offsets();
          const std::vector<size_t>& counts = processor_->result_counts();
          for (size_t b = 0; b < counts.size() && b < run.size(); ++b) {
            for (size_t i = 0; i < counts[b]; ++i) {
              journal.add_request_offsets(run[b]->offset);
              journal.add_request_indexes(static_cast<int32_t>(i));
            }
          }
        }
        for (const Event& e : events) answers_.Touch(e);
        // The previous batch's answers are delivered before this batch is
        // journaled: recovery republishes only the last journaled batch's.
        if (absl::Status s = answers_.Confirm(); !s.ok()) return s;
        const absl::Time append_started = absl::Now();
        auto appended =
            log_->AppendJournaled(std::move(events), std::move(journal));
        append_time += absl::Now() - append_started;
        return appended;
      });
  absl::StatusOr<std::vector<Result>> results;
  if (run.front()->record->has_signed_batch()) {
    std::vector<const xueji::v1::SignedBatch*> batches;
    for (const Incoming* in : run)
      batches.push_back(&in->record->signed_batch());
    auto answers = processor_->SubmitBatches(batches);
    processor_->set_append(nullptr);
    if (!answers.ok()) return answers.status();
    std::vector<Result> all;
    for (size_t b = 0; b < run.size(); ++b) {
      const std::vector<Result>& of_batch = (*answers)[b];
      for (size_t i = 0; i < of_batch.size(); ++i) {
        answers_.Queue(of_batch[i], run[b]->offset, of_batch[i].request_id(),
                       static_cast<int32_t>(i));
        all.push_back(of_batch[i]);
      }
    }
    observe(all);
    return absl::OkStatus();
  }
  if (run.front()->record->has_init()) {
    auto result = processor_->Initialize(run.front()->record->init());
    processor_->set_append(nullptr);
    if (!result.ok() && (absl::IsFailedPrecondition(result.status()) ||
                         absl::IsInvalidArgument(result.status()))) {
      Result refused;
      refused.set_request_id(kInitRequestId);
      refused.set_status(xueji::v1::REJECTED);
      refused.set_code(xueji::v1::INVALID_TRANSITION);
      refused.set_message(std::string(result.status().message()));
      result = refused;
    }
    if (!result.ok()) return result.status();
    for (const Incoming* in : run) answers_.Queue(*result, in->offset, in->key);
    observe(std::vector<Result>(run.size(), *result));
    return absl::OkStatus();
  }
  if (run.front()->record->has_registry_line()) {
    std::vector<xueji::v1::RegistryLine> lines;
    for (const Incoming* in : run) lines.push_back(in->record->registry_line());
    results = processor_->LoadRegistry(lines);
  } else {
    std::vector<xueji::v1::Request> requests;
    for (const Incoming* in : run) requests.push_back(in->record->request());
    results = processor_->Submit(requests);
  }
  processor_->set_append(nullptr);
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < run.size(); ++i) {
    answers_.Queue((*results)[i], run[i]->offset, (*results)[i].request_id());
  }
  observe(*results);
  return absl::OkStatus();
}

absl::Status Service::Process(const std::vector<Incoming>& batch) {
  std::vector<const Incoming*> run;
  auto flush_run = [&]() -> absl::Status {
    if (run.empty()) return absl::OkStatus();
    absl::Status s = DecideRun(run);
    run.clear();
    return s;
  };
  for (const Incoming& in : batch) {
    // The form (request_form.h): refused here, answered, never decided.
    std::optional<FormRefusal> form;
    if (!in.record.has_value()) {
      form = FormRefusal{xueji::v1::MALFORMED_REQUEST,
                         "not a xueji.v1.RequestRecord"};
    } else if (in.record->has_request()) {
      form = CheckRequestForm(in.record->request());
    } else if (in.record->has_registry_line()) {
      form = CheckRegistryLineForm(in.record->registry_line());
    } else if (in.record->has_signed_batch() || in.record->has_init()) {
      // The processor checks a batch's requests itself.
    } else {
      form = FormRefusal{xueji::v1::MALFORMED_REQUEST,
                         "the record holds no request, registry line, signed "
                         "batch or init"};
    }
    if (form.has_value()) {
      if (absl::Status s = flush_run(); !s.ok()) return s;
      const std::string& id = in.record.has_value() && in.record->has_request()
                                  ? in.record->request().request_id()
                                  : std::string();
      const Result refused = FormRefusalResult(
          id, *form, absl::StrCat("requests offset ", in.offset, ": "));
      answers_.Queue(refused, in.offset, in.key);
      Log(LogLevel::kDebug,
          absl::StrCat("requests offset ", in.offset, ": refused by its form (",
                       xueji::v1::ReasonCode_Name(form->code), ")"));
      if (options_.observer.on_answer) options_.observer.on_answer(refused);
      continue;
    }
    if (!run.empty() &&
        (run.front()->record->body_case() != in.record->body_case() ||
         in.record->has_init())) {
      if (absl::Status s = flush_run(); !s.ok()) return s;
    }
    run.push_back(&in);
  }
  if (absl::Status s = flush_run(); !s.ok()) return s;
  if (absl::Status s = answers_.PublishRegistry(processor_->state()); !s.ok()) {
    return s;
  }
  if (absl::Status s = answers_.TakeQueueError(); !s.ok()) return s;
  // The answers are on their way; their acknowledgements are awaited while
  // the next batch is decided (answers_.Confirm), not now.
  answers_.MarkUnconfirmed();
  // For lag monitoring only: recovery resumes from the journal.
  rd_kafka_commit(consumer_.get(), nullptr, /*async=*/1);
  return absl::OkStatus();
}

// Drops the batch's state; the next loop recovers from the journal.
void Service::Fail(const absl::Status& status) {
  Log(LogLevel::kError, absl::StrCat(status.message(), "; recovering"));
  processor_.reset();
  // Recovery republishes the last batch's answers; the producer may be in an
  // unknown state (a fatal idempotence error): start afresh.
  answers_.Reset();
  if (absl::IsAborted(status)) {
    // Another processor wrote (the journal's compare-and-set, or an offset
    // taken under us): the group moved the partition and this member has
    // not been told yet. Leave and rejoin: a clean rebalance decides.
    Log(LogLevel::kWarn, "lost the requests partition; rejoining the group");
    rd_kafka_assign(consumer_.get(), nullptr);
    active_ = false;
    pending_assignment_.reset();
    log_.reset();
    rd_kafka_unsubscribe(consumer_.get());
    PartitionList topics(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(topics.get(),
                                      options_.kafka.requests_topic().c_str(),
                                      RD_KAFKA_PARTITION_UA);
    rd_kafka_subscribe(consumer_.get(), topics.get());
  } else if (active_) {
    // Re-take the partition at the journal's offset.
    pending_assignment_.reset(rd_kafka_topic_partition_list_new(1));
    rd_kafka_topic_partition_list_add(
        pending_assignment_.get(), options_.kafka.requests_topic().c_str(), 0);
    rd_kafka_assign(consumer_.get(), nullptr);
    active_ = false;
  }
  if (absl::Status s = answers_.Open(); !s.ok()) {
    Log(LogLevel::kWarn, absl::StrCat("results producer: ", s.message()));
  }
  ++failures_;
  const int backoff_ms = std::min(200 << std::min(failures_, 5), 5000);
  std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
}

int64_t Service::RequestsLag() {
  if (!active_ || consumer_ == nullptr) return -1;
  const std::string& topic = options_.kafka.requests_topic();
  int64_t low = 0, high = 0;
  if (rd_kafka_get_watermark_offsets(consumer_.get(), topic.c_str(), 0, &low,
                                     &high) != RD_KAFKA_RESP_ERR_NO_ERROR ||
      high < 0) {
    return -1;
  }
  PartitionList position(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(position.get(), topic.c_str(), 0);
  if (rd_kafka_position(consumer_.get(), position.get()) !=
          RD_KAFKA_RESP_ERR_NO_ERROR ||
      position->elems[0].offset < 0) {
    return -1;
  }
  return std::max<int64_t>(0, high - position->elems[0].offset);
}

absl::Status Service::Run() {
  if (!options_.clock) {
    return absl::InvalidArgumentError("processor: a clock is required");
  }
  DataDir dir{options_.data_dir};
  std::error_code ec;
  std::filesystem::create_directories(dir.root, ec);
  auto lock = WriterLock::Acquire(dir, absl::Seconds(10));
  if (!lock.ok()) return lock.status();
  lock_ = *std::move(lock);
  auto kv = RocksKv::Open(dir.state(), RocksKv::Options{});
  if (!kv.ok()) return kv.status();
  state_kv_ = *std::move(kv);
  if (absl::Status s = CheckProcessorTopics(options_.kafka, options_.timeout,
                                            options_.stop, name_);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = answers_.Open(); !s.ok()) return s;
  standby_ = std::make_unique<ProcessorStandby>(options_.kafka, state_kv_.get(),
                                                name_);
  if (absl::Status s = OpenConsumer(); !s.ok()) return s;
  Log(LogLevel::kInfo,
      absl::StrCat("joined the group on ", options_.kafka.requests_topic()));
  if (options_.observer.on_ready) options_.observer.on_ready();
  while (!Stopping()) {
    if (options_.observer.on_turn) options_.observer.on_turn(RequestsLag());
    if (pending_assignment_ != nullptr) {
      if (absl::Status s = TakeAssignment(); !s.ok()) {
        if (absl::IsDataLoss(s) || absl::IsInvalidArgument(s)) return s;
        Fail(s);
        continue;
      }
      failures_ = 0;
    }
    if (!active_ && pending_assignment_ == nullptr) standby_->Turn();
    std::vector<Incoming> batch = PollBatch();
    if (batch.empty() && active_) {
      if (absl::Status s = answers_.Confirm(); !s.ok()) Fail(s);
    }
    if (batch.empty() || !active_) continue;
    if (absl::Status s = Process(batch); !s.ok()) {
      if (absl::IsDataLoss(s)) return s;
      Fail(s);
      continue;
    }
    failures_ = 0;
  }
  if (active_) (void)answers_.Confirm();
  Log(LogLevel::kInfo, "stopping");
  return absl::OkStatus();
}

}  // namespace

absl::Status RunProcessorService(const ProcessorServiceOptions& options) {
  Service service(options);
  return service.Run();
}

}  // namespace xueji
