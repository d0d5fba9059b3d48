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
#include "ledger/decide/decider.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/processor/processor.h"
#include "ledger/rules/request_form.h"
#include "ledger/rules/subjects.h"
#include "ledger/storage/data_dir.h"
#include "ledger/storage/kv.h"
#include "xueji/v1/processor.pb.h"

namespace xueji {
namespace {

using xueji::v1::Event;
using xueji::v1::Request;
using xueji::v1::RequestRecord;
using xueji::v1::Result;

// A standby folds at most this many events per turn of its poll loop, so a
// long backlog (a new standby on a big ledger) never keeps it from polling;
// and gives each Kafka read of a turn at most kWarmUpTimeout.
constexpr size_t kWarmUpBudget = 20000;
constexpr auto kWarmUpEvery = std::chrono::milliseconds(1000);
constexpr auto kWarmUpTimeout = std::chrono::milliseconds(1000);

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
      : options_(options), instance_(InstanceName()) {}
  ~Service() {
    if (consumer_ != nullptr) rd_kafka_consumer_close(consumer_.get());
  }

  absl::Status Run();

 private:
  // The active decider's records not yet taken from the requests partition
  // (librdkafka's cached high watermark less the position); -1 otherwise.
  int64_t RequestsLag();
  void Log(const std::string& line) const {
    if (options_.log) options_.log(line);
  }
  bool Stopping() const {
    return options_.stop != nullptr && options_.stop->load();
  }
  // Refuses a cluster whose topics are missing or have the wrong partition
  // count (FailedPrecondition naming the topic and what was expected);
  // waits while the cluster cannot be reached.
  absl::Status CheckTopics();
  absl::Status OpenConsumer();
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions,
                          void* opaque);
  // Finishes the last journaled batch, catches the state up and republishes
  // the batch's answers; returns where the requests topic resumes.
  absl::StatusOr<int64_t> Recover();
  absl::Status TakeAssignment();
  // A standby's turn: folds what the active processor appended since the
  // last turn into DATA/state (read-only Kafka log, no transactional.id),
  // so that taking over folds only the last second's events.
  void WarmUp();
  std::vector<Incoming> PollBatch();
  absl::Status Process(const std::vector<Incoming>& batch);
  absl::Status DecideRun(const std::vector<const Incoming*>& run);
  void QueueResult(const Result& result, int64_t offset,
                   const std::string& request_id, int32_t index = 0);
  // Notes a kg:/op: event's subject for PublishRegistry.
  void Touch(const Event& event);
  absl::Status PublishRegistry();
  // Waits for the answers (and registry records) of the last processed
  // batch to be acknowledged.
  absl::Status ConfirmAnswers();
  void Fail(const absl::Status& status);

  const ProcessorServiceOptions& options_;
  const std::string instance_;
  std::unique_ptr<WriterLock> lock_;
  std::unique_ptr<RocksKv> state_kv_;
  std::unique_ptr<KafkaLog> log_;
  std::unique_ptr<KafkaLog> standby_log_;  // WarmUp's reader
  bool warm_up_failing_ = false;           // logged once per outage
  std::chrono::steady_clock::time_point next_warm_up_{};
  std::unique_ptr<RequestProcessor> processor_;
  std::unique_ptr<KafkaProducer> producer_;
  RdKafkaPtr consumer_;
  PartitionList pending_assignment_;  // assigned by the group, not yet taken
  bool active_ = false;               // owns the requests partition
  // kg:/op: subjects to publish, with the last event of each (its id and
  // time become the record's CloudEvents id and time).
  std::map<std::string, Event> touched_registry_;
  absl::Status queued_;               // first failure while queueing
  bool answers_unconfirmed_ = false;  // the last batch's, not yet acked
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
    self->Log(absl::StrCat("processor ", self->instance_,
                           ": assigned the requests partition; recovering"));
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    rd_kafka_assign(rk, partitions);  // nothing: a standby; completes the join
    return;
  }
  if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    self->Log(absl::StrCat("processor ", self->instance_,
                           ": requests partition revoked; standing by"));
    if (self->options_.observer.on_role) self->options_.observer.on_role(false);
    // Another processor recovers next, and with transactions fences this
    // one's producer: a later takeover opens a fresh log rather than find
    // out at its first append.
    self->processor_.reset();
    self->log_.reset();
  }
  rd_kafka_assign(rk, nullptr);
}

absl::Status Service::CheckTopics() {
  const KafkaConnection& kafka = options_.kafka;
  // Exactly one requests and one journal partition (one decider, one
  // journal); the others need only exist (the events topic's count is
  // fixed at its creation, whatever it is).
  const std::vector<std::pair<std::string, int>> wanted = {
      {kafka.requests_topic(), 1},
      {kafka.journal_topic(), 1},
      {kafka.events_topic(), 0},
      {kafka.results_topic(), 0},
      {kafka.registry_topic(), 0}};
  auto conf = MakeKafkaConf(kafka.bootstrap_servers, kafka.properties, {}, {});
  if (!conf.ok()) return conf.status();
  auto client = NewKafkaClient(RD_KAFKA_PRODUCER, *conf);
  if (!client.ok()) return client.status();
  bool waiting = false;
  for (size_t i = 0; i < wanted.size() && !Stopping();) {
    const auto& [topic, partitions] = wanted[i];
    absl::StatusOr<int> count =
        TopicPartitionCount(client->get(), topic, options_.timeout);
    if (absl::IsUnavailable(count.status()) ||
        absl::IsDeadlineExceeded(count.status())) {
      if (!waiting) {
        Log(absl::StrCat("processor ", instance_, ": ",
                         count.status().message(),
                         " (waiting for the cluster)"));
      }
      waiting = true;
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    const std::string need =
        partitions > 0 ? absl::StrCat("exactly ", partitions, " partition",
                                      partitions == 1 ? "" : "s")
                       : "at least 1 partition";
    if (absl::IsNotFound(count.status())) {
      return absl::FailedPreconditionError(absl::StrCat(
          "topic ", topic, " does not exist; the processor needs it with ",
          need, " (create the topics with deploy/kafka/topics.sh)"));
    }
    if (!count.ok()) return count.status();
    if ((partitions > 0 && *count != partitions) || *count < 1) {
      return absl::FailedPreconditionError(
          absl::StrCat("topic ", topic, " has ", *count, " partition",
                       *count == 1 ? "" : "s", "; the processor needs ", need,
                       " (deploy/kafka/topics.sh)"));
    }
    ++i;
  }
  return absl::OkStatus();
}

absl::Status Service::OpenConsumer() {
  const std::string group = options_.group_id.empty()
                                ? options_.kafka.topic_prefix + ".processor"
                                : options_.group_id;
  auto conf = MakeKafkaConf(
      options_.kafka.bootstrap_servers, options_.kafka.properties,
      // A standby learns that the active one's session expired from its
      // next heartbeat's answer: beat often, so the takeover starts within
      // half a second of the expiry (not up to a third of the session).
      {{"session.timeout.ms", std::to_string(options_.session_timeout_ms)},
       {"heartbeat.interval.ms",
        std::to_string(
            std::clamp(options_.session_timeout_ms / 12, 100, 500))}},
      {{"group.id", group},
       {"enable.auto.commit", "false"},
       {"enable.auto.offset.store", "false"},
       {"auto.offset.reset", "earliest"},
       {"isolation.level", "read_committed"},
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

void Service::WarmUp() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_warm_up_) return;
  next_warm_up_ = now + kWarmUpEvery;
  auto fail = [&](const absl::Status& status) {
    if (!warm_up_failing_) {
      Log(absl::StrCat("processor ", instance_, ": standby catch-up: ",
                       status.message(), " (retrying every second)"));
    }
    warm_up_failing_ = true;
    standby_log_.reset();  // fresh connections next turn
  };
  if (standby_log_ == nullptr) {
    // Read-only: no producer (one with the processors' transactional.id
    // would fence the active one) and no watermark queries, which
    // librdkafka may wait on past any timeout while a broker is down.
    KafkaLogOptions log_options;
    log_options.bootstrap_servers = options_.kafka.bootstrap_servers;
    log_options.topic_prefix = options_.kafka.topic_prefix;
    log_options.properties = options_.kafka.properties;
    log_options.read_only = true;
    log_options.open_timeout = kWarmUpTimeout;
    log_options.read_timeout = kWarmUpTimeout;
    auto log = KafkaLog::Open(log_options);
    if (!log.ok()) return fail(log.status());
    standby_log_ = *std::move(log);
  }
  LedgerState state(state_kv_.get());
  size_t budget = kWarmUpBudget;
  for (int32_t p = 0; p < standby_log_->partitions() && budget > 0; ++p) {
    absl::StatusOr<int64_t> from = state.Checkpoint(p);
    if (!from.ok()) return fail(from.status());
    auto events = standby_log_->ReadAvailable(p, *from, budget);
    if (!events.ok()) return fail(events.status());
    for (const StoredEvent& stored : *events) {
      if (absl::Status s = state.Apply(stored.event); !s.ok()) {
        state_kv_->Discard();
        return fail(s);
      }
    }
    if (absl::Status s = state_kv_->Commit(/*sync=*/false); !s.ok()) {
      return fail(s);
    }
    budget -= events->size();
  }
  if (warm_up_failing_) {
    Log(absl::StrCat("processor ", instance_, ": standby catch-up resumed"));
  }
  warm_up_failing_ = false;
}

absl::StatusOr<int64_t> Service::Recover() {
  processor_.reset();
  standby_log_.reset();  // the active one reads through log_
  if (log_ == nullptr) {
    KafkaLogOptions log_options;
    log_options.bootstrap_servers = options_.kafka.bootstrap_servers;
    log_options.topic_prefix = options_.kafka.topic_prefix;
    log_options.properties = options_.kafka.properties;
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
  auto processor = RequestProcessor::Open(log_.get(), state_kv_.get(),
                                          options_.clock, &folded);
  if (!processor.ok()) return processor.status();
  processor_ = *std::move(processor);
  if (options_.production_clock) {
    processor_->set_production_clock(options_.production_clock);
  }
  if (!last->has_value()) {
    Log(absl::StrCat("processor ", instance_, ": empty journal; ", folded,
                     " events folded; reading requests from the start"));
    return RD_KAFKA_OFFSET_BEGINNING;
  }
  const xueji::v1::JournalBatch& batch = **last;
  for (int i = 0; i < batch.results_size(); ++i) {
    const int64_t offset =
        i < batch.request_offsets_size() ? batch.request_offsets(i) : -1;
    const int32_t index =
        i < batch.request_indexes_size() ? batch.request_indexes(i) : 0;
    QueueResult(batch.results(i), offset, batch.results(i).request_id(), index);
  }
  for (const Event& e : batch.events()) Touch(e);
  if (absl::Status s = PublishRegistry(); !s.ok()) return s;
  if (!queued_.ok()) return std::exchange(queued_, absl::OkStatus());
  if (auto flushed = producer_->Flush(); !flushed.ok()) return flushed.status();
  Log(absl::StrCat("processor ", instance_, ": recovered; ", folded,
                   " events folded; resuming requests at offset ",
                   batch.next_request_offset()));
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
      Log(absl::StrCat("processor ", instance_, ": ",
                       rd_kafka_message_errstr(m.get())));
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

// Key: the requestId for a first answer, so the compacted topic keeps it
// (a redelivery republishes the same answer under the same key); a
// DUPLICATE_REQUEST answer to a retry gets "<requestId>@<offset>" so it never
// replaces the first; an answer without a requestId "offset:<offset>".
void Service::QueueResult(const Result& result, int64_t offset,
                          const std::string& request_id, int32_t index) {
  std::string key = request_id;
  if (key.empty()) {
    key = absl::StrCat("offset:", offset,
                       index > 0 ? absl::StrCat(":", index) : std::string());
  } else if (result.status() == xueji::v1::DUPLICATE_REQUEST) {
    key = absl::StrCat(request_id, "@", offset);
  }
  std::vector<std::pair<std::string, std::string>> headers = {
      {kRequestOffsetHeader, absl::StrCat(offset)}};
  if (index > 0) headers.push_back({kRequestIndexHeader, absl::StrCat(index)});
  absl::Status s = producer_->Produce(options_.kafka.results_topic(), -1, key,
                                      result.SerializeAsString(), headers);
  if (!s.ok() && queued_.ok()) queued_ = s;
}

void Service::Touch(const Event& event) {
  if (!IsRegistrySubject(event.subject())) return;
  Event& last = touched_registry_[event.subject()];
  last.set_event_id(event.event_id());
  last.set_recorded_at(event.recorded_at());
}

// Each record: key kg:<code> / op:<id>, value the latest state, headers the
// CloudEvents Kafka binding (binary mode) — id = the id of the event that
// made this state (a republished state is the same CloudEvent), source
// /xueji/ledger/registry, type cn.edu.xueji.v1.KindergartenState or
// OperatorState, time = that event's, subject = the code or id.
absl::Status Service::PublishRegistry() {
  for (const auto& [subject, last] : touched_registry_) {
    std::string value;
    std::string type;
    const ParsedSubject parsed = ParseSubject(subject);
    const std::string id(parsed.id);
    if (parsed.kind == SubjectKind::kKindergarten) {
      auto kg = processor_->state().Kindergarten(id);
      if (!kg.ok()) return kg.status();
      if (!kg->has_value()) continue;
      value = (*kg)->SerializeAsString();
      type = "KindergartenState";
    } else {
      auto op = processor_->state().Operator(id);
      if (!op.ok()) return op.status();
      if (!op->has_value()) continue;
      value = (*op)->SerializeAsString();
      type = "OperatorState";
    }
    absl::Status s = producer_->Produce(
        options_.kafka.registry_topic(), -1, subject, value,
        {{"ce_specversion", kCloudEventsSpecVersion},
         {"ce_id", last.event_id()},
         {"ce_source", "/xueji/ledger/registry"},
         {"ce_type", kCloudEventsTypePrefix + type},
         {"ce_time", last.recorded_at()},
         {"ce_subject", id},
         {"content-type", "application/protobuf"},
         {"ce_dataschema", DataSchemaUri("xueji.v1." + type)}});
    if (!s.ok()) return s;
  }
  touched_registry_.clear();
  return absl::OkStatus();
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
        for (const Event& e : events) Touch(e);
        // The previous batch's answers are delivered before this batch is
        // journaled: recovery republishes only the last journaled batch's.
        if (absl::Status s = ConfirmAnswers(); !s.ok()) return s;
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
        QueueResult(of_batch[i], run[b]->offset, of_batch[i].request_id(),
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
    for (const Incoming* in : run) QueueResult(*result, in->offset, in->key);
    observe(std::vector<Result>(run.size(), *result));
    return absl::OkStatus();
  }
  if (run.front()->record->has_registry_line()) {
    std::vector<xueji::v1::RegistryLine> lines;
    for (const Incoming* in : run) lines.push_back(in->record->registry_line());
    results = processor_->LoadRegistry(lines);
  } else {
    std::vector<Request> requests;
    for (const Incoming* in : run) requests.push_back(in->record->request());
    results = processor_->Submit(requests);
  }
  processor_->set_append(nullptr);
  if (!results.ok()) return results.status();
  for (size_t i = 0; i < run.size(); ++i) {
    QueueResult((*results)[i], run[i]->offset, (*results)[i].request_id());
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
      QueueResult(refused, in.offset, in.key);
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
  if (absl::Status s = PublishRegistry(); !s.ok()) return s;
  if (!queued_.ok()) return std::exchange(queued_, absl::OkStatus());
  // The answers are on their way; their acknowledgements are awaited while
  // the next batch is decided (ConfirmAnswers), not now.
  answers_unconfirmed_ = true;
  // For lag monitoring only: recovery resumes from the journal.
  rd_kafka_commit(consumer_.get(), nullptr, /*async=*/1);
  return absl::OkStatus();
}

absl::Status Service::ConfirmAnswers() {
  if (!answers_unconfirmed_) return absl::OkStatus();
  auto flushed = producer_->Flush();
  if (!flushed.ok()) return flushed.status();
  answers_unconfirmed_ = false;
  return absl::OkStatus();
}

// Drops the batch's state; the next loop recovers from the journal.
void Service::Fail(const absl::Status& status) {
  Log(absl::StrCat("processor ", instance_, ": ", status.message(),
                   "; recovering"));
  processor_.reset();
  touched_registry_.clear();
  queued_ = absl::OkStatus();
  answers_unconfirmed_ = false;  // recovery republishes the last batch's
  if (absl::IsAborted(status)) {
    // Another processor wrote (the journal's compare-and-set, or an offset
    // taken under us): the group moved the partition and this member has
    // not been told yet. Leave and rejoin: a clean rebalance decides.
    Log(absl::StrCat("processor ", instance_,
                     ": lost the requests partition; rejoining the group"));
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
  // A producer in an unknown state (fatal idempotence error): start afresh.
  producer_.reset();
  auto producer = KafkaProducer::Open(options_.kafka, options_.timeout);
  if (producer.ok()) producer_ = *std::move(producer);
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
  if (absl::Status s = CheckTopics(); !s.ok()) return s;
  auto producer = KafkaProducer::Open(options_.kafka, options_.timeout);
  if (!producer.ok()) return producer.status();
  producer_ = *std::move(producer);
  if (absl::Status s = OpenConsumer(); !s.ok()) return s;
  Log(absl::StrCat("processor ", instance_, ": joined the group on ",
                   options_.kafka.requests_topic()));
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
    if (!active_ && pending_assignment_ == nullptr) WarmUp();
    std::vector<Incoming> batch = PollBatch();
    if (batch.empty() && active_) {
      if (absl::Status s = ConfirmAnswers(); !s.ok()) Fail(s);
    }
    if (batch.empty() || !active_) continue;
    if (absl::Status s = Process(batch); !s.ok()) {
      if (absl::IsDataLoss(s)) return s;
      Fail(s);
      continue;
    }
    failures_ = 0;
  }
  if (active_) (void)ConfirmAnswers();
  Log(absl::StrCat("processor ", instance_, ": stopping"));
  return absl::OkStatus();
}

}  // namespace

absl::Status RunProcessorService(const ProcessorServiceOptions& options) {
  Service service(options);
  return service.Run();
}

}  // namespace xueji
