// The projection worker: see kafka_projector.h. One librdkafka high-level
// consumer; the rebalance callback (served inside rd_kafka_consumer_poll, on
// the calling thread) seeks each assigned partition to the store's
// checkpoint; the main loop validates and applies records and commits.
// The catch-up fold and the event checks: kafka_projector_fold.cc.
#include "projections/kafka_projector.h"

#include <librdkafka/rdkafka.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_config.h"
#include "projections/kafka_projector_internal.h"

namespace xueji::projector_internal {
namespace {

void RebalanceTrampoline(rd_kafka_t*, rd_kafka_resp_err_t err,
                         Partitions* partitions, void* opaque) {
  static_cast<Projector*>(opaque)->OnRebalance(err, partitions);
}

}  // namespace

Projector::~Projector() {
  if (rk_ == nullptr) return;
  if (subscribed_) rd_kafka_consumer_close(rk_);  // revokes: commits the views
  rd_kafka_destroy(rk_);
}

absl::Status Projector::CreateConsumer() {
  auto conf = MakeConsumerConf(options_.kafka.bootstrap_servers,
                               options_.kafka.properties,
                               {{"session.timeout.ms", "10000"},
                                {"queued.max.messages.kbytes", "16384"}},
                               {{"group.id", options_.group_id},
                                {"enable.auto.offset.store", "false"},
                                {"enable.partition.eof", "true"},
                                {"auto.offset.reset", "error"}});
  if (!conf.ok()) return conf.status();
  rd_kafka_conf_set_rebalance_cb(*conf, RebalanceTrampoline);
  rd_kafka_conf_set_opaque(*conf, this);
  auto rk = NewKafkaClient(RD_KAFKA_CONSUMER, *conf);
  if (!rk.ok()) return rk.status();
  rk_ = rk->release();  // destroyed by ~Projector, after closing
  rd_kafka_poll_set_consumer(rk_);
  return absl::OkStatus();
}

// The topic's partition count, and a check that the views belong to it.
absl::Status Projector::LearnPartitions() {
  absl::StatusOr<int> partitions =
      TopicPartitionCount(rk_, topic_, options_.open_timeout);
  if (!partitions.ok()) return partitions.status();
  partitions_ = *partitions;
  // A checkpoint beyond the topic's partitions: views of another topic.
  absl::StatusOr<int64_t> extra = views_.Checkpoint(partitions_);
  if (!extra.ok()) return extra.status();
  if (*extra != 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("the views have more partitions than topic ", topic_, " (",
                     partitions_, "); rebuild them with `ledger replay`"));
  }
  return absl::OkStatus();
}

absl::Status Projector::Start() {
  if (!options_.kafka.enabled()) {
    return absl::InvalidArgumentError("Kafka bootstrap servers not set");
  }
  if (options_.group_id.empty()) {
    return absl::InvalidArgumentError("projector: no consumer group id");
  }
  if (absl::Status s = CreateConsumer(); !s.ok()) return s;
  if (absl::Status s = LearnPartitions(); !s.ok()) return s;
  if (options_.publish_graduates) {
    const std::string graduates = options_.kafka.graduates_topic();
    absl::StatusOr<int> count =
        TopicPartitionCount(rk_, graduates, options_.open_timeout);
    if (absl::IsNotFound(count.status())) {
      return absl::FailedPreconditionError(
          absl::StrCat("topic ", graduates,
                       " does not exist; --publish-graduates needs it "
                       "(create the topics with deploy/kafka/topics.sh)"));
    }
    if (!count.ok()) return count.status();
    absl::StatusOr<std::unique_ptr<KafkaProducer>> producer =
        KafkaProducer::Open(options_.kafka, options_.open_timeout);
    if (!producer.ok()) return producer.status();
    producer_ = *std::move(producer);
  }
  // Before subscribing: with fetches in flight each query waits for one.
  if (options_.until_caught_up) {
    if (absl::Status s = LearnTargets(); !s.ok()) return s;
  }
  if (absl::Status s = Fold(); !s.ok()) return s;
  if (stopping_.load() || folded_to_target_) return absl::OkStatus();
  PartitionList topics(rd_kafka_topic_partition_list_new(1));
  rd_kafka_topic_partition_list_add(topics.get(), topic_.c_str(),
                                    RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_, topics.get());
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return KafkaStatus(err, "subscribe to " + topic_);
  }
  subscribed_ = true;
  return absl::OkStatus();
}

void Projector::OnRebalance(rd_kafka_resp_err_t err, Partitions* partitions) {
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    Assign(partitions);
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    Unassign(partitions);
  } else {
    if (error_.ok()) error_ = KafkaStatus(err, "rebalance of " + topic_);
    rd_kafka_assign(rk_, nullptr);
  }
}

// Seeks each partition to the store's checkpoint, then assigns.
void Projector::Assign(Partitions* partitions) {
  for (int i = 0; i < partitions->cnt; ++i) {
    rd_kafka_topic_partition_t& tp = partitions->elems[i];
    absl::StatusOr<int64_t> checkpoint = views_.Checkpoint(tp.partition);
    if (!checkpoint.ok()) {
      if (error_.ok()) error_ = checkpoint.status();
      checkpoint = 0;  // not used: the loop stops on error_
    }
    tp.offset = *checkpoint;
    auto known = next_.find(tp.partition);
    const bool continues = known != next_.end() && known->second == *checkpoint;
    if (!continues) {
      last_hash_.erase(tp.partition);
      // The chain continues from where the fold left it.
      auto folded = folded_chain_.find(tp.partition);
      if (folded != folded_chain_.end() &&
          folded->second.first == *checkpoint) {
        last_hash_[tp.partition] = folded->second.second;
      }
    }
    if (*checkpoint == 0) last_hash_[tp.partition] = "";
    next_[tp.partition] = *checkpoint;
    eof_.erase(tp.partition);
  }
  if (strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_assign(rk_, partitions)) {
      if (error_.ok()) {
        error_ = absl::UnavailableError(absl::StrCat(
            "assign partitions of ", topic_, ": ", rd_kafka_error_string(e)));
      }
      rd_kafka_error_destroy(e);
    }
  } else {
    rd_kafka_resp_err_t assign_err = rd_kafka_assign(rk_, partitions);
    if (assign_err != RD_KAFKA_RESP_ERR_NO_ERROR && error_.ok()) {
      error_ = KafkaStatus(assign_err, "assign partitions of " + topic_);
    }
  }
}

void Projector::Unassign(Partitions* partitions) {
  if (!failed_) {
    if (absl::Status s = CommitViews(/*write_out=*/true);
        !s.ok() && error_.ok()) {
      error_ = s;
    }
  }
  for (int i = 0; i < partitions->cnt; ++i) {
    // next_ and last_hash_ stay: a later assignment at the same checkpoint
    // continues the chain check.
    eof_.erase(partitions->elems[i].partition);
  }
  if (strcmp(rd_kafka_rebalance_protocol(rk_), "COOPERATIVE") == 0) {
    if (rd_kafka_error_t* e = rd_kafka_incremental_unassign(rk_, partitions)) {
      rd_kafka_error_destroy(e);
    }
    for (int i = 0; i < partitions->cnt; ++i) {
      next_.erase(partitions->elems[i].partition);
    }
  } else {
    rd_kafka_assign(rk_, nullptr);
    next_.clear();
  }
}

// The high watermark of every partition at start (until_caught_up).
absl::Status Projector::LearnTargets() {
  for (int32_t p = 0; p < partitions_; ++p) {
    int64_t low = 0, high = 0;
    rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(
        rk_, topic_.c_str(), p, &low, &high,
        static_cast<int>(options_.open_timeout.count()));
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return KafkaStatus(
          err, absl::StrCat("watermarks of topic ", topic_, " partition ", p));
    }
    target_[p] = high;
  }
  return absl::OkStatus();
}

bool Projector::CaughtUp() const {
  if (static_cast<int32_t>(next_.size()) != partitions_) return false;
  for (const auto& [p, next] : next_) {
    auto target = target_.find(p);
    if (target == target_.end()) return false;
    auto eof = eof_.find(p);
    // A transaction marker can sit at high - 1: the EOF position covers it.
    if (next < target->second &&
        (eof == eof_.end() || eof->second < target->second)) {
      return false;
    }
  }
  return true;
}

int64_t Projector::Lag() const {
  if (next_.empty()) return -1;
  int64_t lag = 0;
  for (const auto& [p, next] : next_) {
    int64_t low = 0, high = -1;
    if (rd_kafka_get_watermark_offsets(rk_, topic_.c_str(), p, &low, &high) !=
            RD_KAFKA_RESP_ERR_NO_ERROR ||
        high < 0) {
      return -1;
    }
    auto eof = eof_.find(p);
    // A transaction marker can sit at high - 1: the EOF position covers it.
    if (eof != eof_.end() && eof->second >= high) continue;
    lag += std::max<int64_t>(0, high - next);
  }
  return lag;
}

void Projector::ReportProgress() const {
  if (!options_.progress) return;
  options_.progress(
      {result_.applied, static_cast<int32_t>(next_.size()), CaughtUp(), Lag()});
}

// The graduates of the uncommitted applies, each as its record stands in the
// views now (the overlay included), flushed before the views commit.
absl::Status Projector::PublishGraduates() {
  if (graduations_.empty()) return absl::OkStatus();
  const std::string topic = options_.kafka.graduates_topic();
  // One record per graduate and commit: its state now, named by its last
  // event of the batch.
  std::map<std::string, size_t> last;
  for (size_t i = 0; i < graduations_.size(); ++i) {
    last[graduations_[i].student_no()] = i;
  }
  for (size_t i = 0; i < graduations_.size(); ++i) {
    const xueji::v1::Event& event = graduations_[i];
    if (last[event.student_no()] != i) continue;
    absl::StatusOr<std::optional<xueji::v1::RecordState>> record =
        views_.RecordByNumber(event.student_no());
    if (!record.ok()) return record.status();
    if (!record->has_value() || (*record)->status() != xueji::v1::GRADUATED) {
      continue;
    }
    absl::StatusOr<std::optional<xueji::v1::KindergartenState>> kg =
        views_.Kindergarten((*record)->kindergarten());
    if (!kg.ok()) return kg.status();
    xueji::v1::GraduateRecord graduate = GraduateRecordOf(
        **record, kg->has_value() ? (*kg)->county() : std::string());
    graduate.set_event_id(event.event_id());
    if (absl::Status s = producer_->Produce(
            topic, -1, graduate.student_no(), graduate.SerializeAsString(),
            {{"ce_specversion", kCloudEventsSpecVersion},
             {"ce_id", event.event_id()},
             {"ce_source", "/xueji/ledger/graduates"},
             {"ce_type",
              absl::StrCat(kCloudEventsTypePrefix, "GraduateRecord")},
             {"ce_time", event.recorded_at()},
             {"ce_subject", graduate.student_no()},
             {"content-type", "application/protobuf"},
             {"ce_dataschema", DataSchemaUri("xueji.v1.GraduateRecord")}});
        !s.ok()) {
      return s;
    }
    ++result_.graduates_published;
  }
  absl::StatusOr<std::vector<int64_t>> flushed = producer_->Flush();
  if (!flushed.ok()) return flushed.status();
  graduations_.clear();
  return absl::OkStatus();
}

absl::Status Projector::CommitViews(bool write_out) {
  if (absl::Status s = PublishGraduates(); !s.ok()) return s;
  if (uncommitted_ > 0) {
    if (absl::Status s = views_.Commit(/*sync=*/false); !s.ok()) return s;
    uncommitted_ = 0;
    unwritten_ = true;
    ReportProgress();
  }
  const auto now = std::chrono::steady_clock::now();
  if (unwritten_ && (write_out || options_.write_behind_bytes == 0 ||
                     now - written_at_ >= options_.write_out_every)) {
    if (absl::Status s = views_.WriteOut(); !s.ok()) return s;
    unwritten_ = false;
    written_at_ = now;
    offsets_dirty_ = true;
  }
  if (offsets_dirty_ && !next_.empty()) {
    // For lag monitoring only; never read back.
    PartitionList offsets(
        rd_kafka_topic_partition_list_new(static_cast<int>(next_.size())));
    for (const auto& [p, next] : next_) {
      rd_kafka_topic_partition_list_add(offsets.get(), topic_.c_str(), p)
          ->offset = next;
    }
    rd_kafka_commit(rk_, offsets.get(), /*async=*/1);
    offsets_dirty_ = false;
  }
  return absl::OkStatus();
}

absl::Status Projector::HandleError(const rd_kafka_message_t& m) {
  if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    eof_[m.partition] = m.offset;
    return CommitViews(/*write_out=*/false);
  }
  char reason[512];
  if (rd_kafka_fatal_error(rk_, reason, sizeof(reason)) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::AbortedError(
        absl::StrCat("consumer of ", topic_, ": fatal: ", reason));
  }
  const std::string where =
      m.rkt != nullptr ? Where(m.partition, m.offset) : topic_;
  switch (m.err) {
    case RD_KAFKA_RESP_ERR_OFFSET_OUT_OF_RANGE:
    case RD_KAFKA_RESP_ERR__AUTO_OFFSET_RESET:
      return absl::DataLossError(absl::StrCat(
          where, ": the views' checkpoint is outside the partition (",
          rd_kafka_message_errstr(&m),
          "): views of another cluster or topic? rebuild with `ledger "
          "replay`"));
    case RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_GROUP_AUTHORIZATION_FAILED:
      return KafkaStatus(m.err, where);
    default:
      return absl::OkStatus();  // transient: librdkafka retries
  }
}

// The checks of the file comment, before anything is applied.
absl::Status Projector::Check(const StoredEvent& stored, int32_t partition,
                              int64_t offset) const {
  auto last = last_hash_.find(partition);
  return CheckEvent(topic_, stored, partition, offset,
                    last != last_hash_.end() ? &last->second : nullptr);
}

absl::Status Projector::Handle(const rd_kafka_message_t& m) {
  const int32_t p = m.partition;
  auto next = next_.find(p);
  if (next == next_.end() || m.offset < next->second) {
    return absl::OkStatus();  // fetched before a rebalance, or applied before
  }
  StoredEvent stored;
  if (m.payload != nullptr) {
    stored.bytes.assign(static_cast<const char*>(m.payload), m.len);
  }
  absl::Status status;
  if (m.payload == nullptr || !stored.event.ParseFromString(stored.bytes)) {
    status = absl::DataLossError(
        absl::StrCat("undecodable event in ", Where(p, m.offset)));
  } else {
    status = Check(stored, p, m.offset);
  }
  absl::StatusOr<bool> applied = false;
  if (status.ok()) {
    applied = views_.Apply(stored);
    if (!applied.ok()) {
      status = absl::Status(
          applied.status().code(),
          absl::StrCat(Where(p, m.offset), ": ", applied.status().message()));
    }
  }
  if (!status.ok()) {
    // Apply refuses a gap or an unknown payload before writing anything, so
    // what is pending is the good events before this one.
    if (absl::IsDataLoss(status)) (void)CommitViews(/*write_out=*/true);
    return status;
  }
  next->second = m.offset + 1;
  if (!*applied) return absl::OkStatus();
  last_hash_[p] = stored.event.hash();
  ++result_.applied;
  if (producer_ != nullptr &&
      (stored.event.has_graduated() || stored.event.has_promoted())) {
    xueji::v1::Event graduation = stored.event;
    graduation.clear_hash();
    graduation.clear_prev_hash();
    graduations_.push_back(std::move(graduation));
  }
  if (++uncommitted_ >= options_.commit_every) {
    return CommitViews(/*write_out=*/false);
  }
  return absl::OkStatus();
}

absl::StatusOr<ProjectorResult> Projector::Loop() {
  const int poll_ms = static_cast<int>(options_.poll_interval.count());
  if (options_.write_behind_bytes > 0) {
    // Ended by RunProjector, once the consumer is closed.
    views_.BeginWriteBehind(options_.write_behind_bytes);
    written_at_ = std::chrono::steady_clock::now();
  }
  while (true) {
    if (!error_.ok()) return error_;
    if (options_.stop && options_.stop()) break;
    if (options_.until_caught_up && CaughtUp()) {
      result_.caught_up = true;
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk_, std::max(poll_ms, 1));
    if (!error_.ok()) {
      if (m != nullptr) rd_kafka_message_destroy(m);
      return error_;
    }
    absl::Status status;
    if (m == nullptr) {
      status = CommitViews(/*write_out=*/true);
      ReportProgress();  // idle: the lag as the watermarks move
    } else {
      std::unique_ptr<rd_kafka_message_t, void (*)(rd_kafka_message_t*)> owned(
          m, rd_kafka_message_destroy);
      status =
          m->err != RD_KAFKA_RESP_ERR_NO_ERROR ? HandleError(*m) : Handle(*m);
    }
    if (!status.ok()) return status;
  }
  if (absl::Status s = CommitViews(/*write_out=*/true); !s.ok()) return s;
  return result_;
}

}  // namespace xueji::projector_internal

namespace xueji {

std::string DefaultProjectorGroup(const std::string& topic_prefix) {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') {
    std::strcpy(host, "localhost");
  }
  return absl::StrCat(topic_prefix, ".projector.", host);
}

absl::StatusOr<ProjectorResult> RunProjector(Views& views,
                                             const ProjectorOptions& options) {
  absl::StatusOr<ProjectorResult> result;
  {
    projector_internal::Projector projector(views, options);
    if (absl::Status s = projector.Start(); !s.ok()) return s;
    result = projector.Run();
  }  // closing the consumer commits what was applied (unless it failed)
  // The committed rows (on an error, those before it) to the store.
  if (absl::Status s = views.EndWriteBehind(); !s.ok() && result.ok()) return s;
  return result;
}

}  // namespace xueji
