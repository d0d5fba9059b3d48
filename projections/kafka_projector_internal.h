// Private to the Kafka projection worker (kafka_projector.cc, the live
// consumer loop; kafka_projector_fold.cc, the catch-up fold and the event
// checks): the Projector both files define, and the helpers they share. Not a
// public interface: see kafka_projector.h.
//
// Thread-safety: a Projector is used by one thread, as RunProjector does;
// only `stopping_` is also read by CatchUp's read-ahead thread.
#ifndef XUEJI_PROJECTIONS_KAFKA_PROJECTOR_INTERNAL_H_
#define XUEJI_PROJECTIONS_KAFKA_PROJECTOR_INTERNAL_H_

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_client.h"
#include "projections/kafka_projector.h"

namespace xueji::projector_internal {

using Partitions = rd_kafka_topic_partition_list_t;

inline std::string Where(const std::string& topic, int32_t partition,
                         int64_t offset) {
  return absl::StrCat("topic ", topic, " partition ", partition, " offset ",
                      offset);
}

// The checks of the header's comment, before anything is applied: the event
// says where it was read, its hash matches its bytes and, when `prev` is
// known, its prev_hash is the hash of the partition's previous event.
absl::Status CheckEvent(const std::string& topic, const StoredEvent& stored,
                        int32_t partition, int64_t offset,
                        const std::string* prev);

class Projector {
 public:
  Projector(Views& views, const ProjectorOptions& options)
      : views_(views),
        options_(options),
        topic_(options.kafka.events_topic()) {}
  ~Projector();

  absl::Status Start();
  absl::StatusOr<ProjectorResult> Run() {
    if (stopping_.load()) return result_;  // stopped while folding
    if (folded_to_target_) {
      CommitFoldedOffsets();
      result_.caught_up = true;
      return result_;
    }
    absl::StatusOr<ProjectorResult> result = Loop();
    failed_ = !result.ok();  // nothing more is committed, not even on close
    return result;
  }
  // Called by librdkafka inside rd_kafka_consumer_poll.
  void OnRebalance(rd_kafka_resp_err_t err, Partitions* partitions);

 private:
  std::string Where(int32_t partition, int64_t offset) const {
    return projector_internal::Where(topic_, partition, offset);
  }
  absl::StatusOr<ProjectorResult> Loop();
  absl::Status Fold();
  void CommitFoldedOffsets();
  absl::Status CreateConsumer();
  absl::Status LearnPartitions();
  absl::Status LearnTargets();
  bool CaughtUp() const;
  int64_t Lag() const;
  void ReportProgress() const;
  absl::Status HandleError(const rd_kafka_message_t& m);
  absl::Status Handle(const rd_kafka_message_t& m);
  absl::Status Check(const StoredEvent& stored, int32_t partition,
                     int64_t offset) const;
  // Commits the applies; written behind, also writes the store out when
  // `write_out` says so (idle, a revoke, the end) or write_out_every has
  // passed since the last write-out. Without write-behind every commit
  // writes the store.
  absl::Status CommitViews(bool write_out);
  absl::Status PublishGraduates();
  void Assign(Partitions* partitions);
  void Unassign(Partitions* partitions);

  Views& views_;
  const ProjectorOptions& options_;
  const std::string topic_;
  rd_kafka_t* rk_ = nullptr;
  bool subscribed_ = false;
  bool failed_ = false;
  int32_t partitions_ = 0;
  absl::Status error_;  // from the rebalance callback
  // Per assigned partition: the next offset to apply.
  std::map<int32_t, int64_t> next_;
  // Hash of the last event applied per partition ("" before offset 0);
  // absent when unknown (after a restart).
  std::map<int32_t, std::string> last_hash_;
  std::map<int32_t, int64_t> target_;  // high watermark at start
  std::map<int32_t, int64_t> eof_;     // position at the latest partition EOF
  size_t uncommitted_ = 0;
  bool offsets_dirty_ = false;
  // Written behind: commits not yet written to the store, and when the store
  // was last written.
  bool unwritten_ = false;
  std::chrono::steady_clock::time_point written_at_;
  // publish_graduates: the producer, and the events of the uncommitted
  // applies whose records go to the graduates topic before the commit.
  std::unique_ptr<KafkaProducer> producer_;
  std::vector<xueji::v1::Event> graduations_;
  ProjectorResult result_;
  // Fold: set from the progress callback when options.stop says so (read
  // by FoldReads on CatchUp's read-ahead thread); the chain as the fold
  // left it; whether it reached every until_caught_up target.
  std::atomic<bool> stopping_{false};
  std::map<int32_t, std::pair<int64_t, std::string>> folded_chain_;
  bool folded_to_target_ = false;
};

}  // namespace xueji::projector_internal

#endif  // XUEJI_PROJECTIONS_KAFKA_PROJECTOR_INTERNAL_H_
