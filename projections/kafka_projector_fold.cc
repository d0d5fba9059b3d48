// The projection worker's catch-up fold (the header's "Catching up by
// folding") and the checks every event read from the topic passes: see
// kafka_projector.h. The live consumer loop is in kafka_projector.cc.
#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/sha256.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/log/hash_chain.h"
#include "projections/kafka_projector_internal.h"

namespace xueji::projector_internal {
namespace {

// Whether the event's hash is the SHA-256 of its canonical bytes with the
// hash left out. The record's bytes are those canonical bytes with the hash
// field (13, 32 bytes) in them: hashing them with that field cut out needs
// no copy of the message and no serialization, and a match proves the same as
// the slow way (the hashed bytes are the sealed ones). Anything else — bytes
// not in canonical form, a hash not found — is judged the slow way.
bool HashMatches(const StoredEvent& stored) {
  const std::string& hash = stored.event.hash();
  if (hash.size() == 32) {
    std::string field("\x6a\x20", 2);
    field += hash;
    const size_t at = stored.bytes.find(field);
    if (at != std::string::npos) {
      std::string unsealed;
      unsealed.reserve(stored.bytes.size() - field.size());
      unsealed.append(stored.bytes, 0, at);
      unsealed.append(stored.bytes, at + field.size());
      if (Sha256(unsealed) == hash) return true;
    }
  }
  xueji::v1::Event unsealed = stored.event;
  unsealed.clear_hash();
  return Sha256(CanonicalBytes(unsealed)) == hash;
}

}  // namespace

// The checks of the header's comment, before anything is applied: the event
// says where it was read, its hash matches its bytes and, when `prev` is
// known, its prev_hash is the hash of the partition's previous event.
absl::Status CheckEvent(const std::string& topic, const StoredEvent& stored,
                        int32_t partition, int64_t offset,
                        const std::string* prev) {
  const xueji::v1::Event& event = stored.event;
  if (event.partition() != partition || event.offset() != offset) {
    return absl::DataLossError(absl::StrCat(
        Where(topic, partition, offset), ": the event says partition ",
        event.partition(), " offset ", event.offset()));
  }
  if (!HashMatches(stored)) {
    return absl::DataLossError(
        absl::StrCat(Where(topic, partition, offset), ": hash mismatch"));
  }
  if (prev != nullptr && event.prev_hash() != *prev) {
    return absl::DataLossError(absl::StrCat(
        Where(topic, partition, offset),
        ": prev_hash is not the hash of the partition's previous event"));
  }
  return absl::OkStatus();
}

namespace {

// The events topic as Views::CatchUp reads it while the projector folds: a
// read-only KafkaLog read in large chunks (each KafkaLog::Read starts and
// stops a fetch), every event checked with CheckEvent as it is read (on
// CatchUp's read-ahead thread), nothing returned at or beyond the heads
// HeadOffsets gave (so the last hash served per partition is the last one
// applied), and Cancelled once `stopping` is set. One thread at a time, as
// every EventLog.
class FoldReads : public EventLog {
 public:
  FoldReads(std::unique_ptr<KafkaLog> log, std::string topic,
            const std::atomic<bool>& stopping)
      : log_(std::move(log)), topic_(std::move(topic)), stopping_(stopping) {}

  int32_t partitions() const override { return log_->partitions(); }
  absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event>) override {
    return absl::FailedPreconditionError("the projector does not append");
  }
  // Learns the heads (from partition EOF); the next HeadOffsets returns
  // these same heads.
  absl::StatusOr<std::vector<int64_t>> FetchHeads() {
    absl::StatusOr<std::vector<int64_t>> heads = log_->HeadOffsets();
    if (!heads.ok()) return heads.status();
    heads_ = *heads;
    return heads_;
  }
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override { return heads_; }
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events) override {
    if (stopping_.load()) return absl::CancelledError("projector stopping");
    const int64_t head =
        static_cast<size_t>(partition) < heads_.size() ? heads_[partition] : 0;
    std::vector<StoredEvent> out;
    // Buffered events below from_offset were read for an earlier Read.
    if (buffer_partition_ != partition || buffer_from_ > from_offset) {
      buffer_.clear();
      next_ = 0;
    }
    while (next_ < buffer_.size() &&
           buffer_[next_].event.offset() < from_offset) {
      ++next_;
    }
    if (next_ == buffer_.size() && from_offset < head) {
      absl::Status s = Fill(partition, from_offset, head);
      if (!s.ok()) return s;
    }
    while (next_ < buffer_.size() && out.size() < max_events) {
      out.push_back(std::move(buffer_[next_++]));
    }
    return out;
  }

  // The chain as far as served: (next offset, hash of the last event) per
  // partition, for the message-by-message path to continue.
  const std::map<int32_t, std::pair<int64_t, std::string>>& chain() const {
    return chain_;
  }

 private:
  static constexpr size_t kChunk = 16384;

  absl::Status Fill(int32_t partition, int64_t from, int64_t head) {
    buffer_.clear();
    next_ = 0;
    buffer_partition_ = partition;
    buffer_from_ = from;
    absl::StatusOr<std::vector<StoredEvent>> read =
        log_->Read(partition, from,
                   static_cast<size_t>(std::min<int64_t>(head - from, kChunk)));
    if (!read.ok()) return read.status();
    auto link = chain_.find(partition);
    std::optional<std::string> prev;
    if (from == 0) {
      prev = "";
    } else if (link != chain_.end() && link->second.first == from) {
      prev = link->second.second;
    }
    for (StoredEvent& stored : *read) {
      const int64_t offset = stored.event.offset();
      if (offset >= head) break;
      // The reader gives no record offsets: an event's own offset must at
      // least rise (a record copied from later in the chain fails here or
      // on prev_hash; one from another partition names it).
      if (offset < from ||
          (!buffer_.empty() && offset <= buffer_.back().event.offset())) {
        return absl::DataLossError(
            absl::StrCat(Where(topic_, partition, offset),
                         ": out of order (read from offset ", from, ")"));
      }
      if (absl::Status s = CheckEvent(topic_, stored, partition, offset,
                                      prev.has_value() ? &*prev : nullptr);
          !s.ok()) {
        return s;
      }
      prev = stored.event.hash();
      chain_[partition] = {offset + 1, *prev};
      buffer_.push_back(std::move(stored));
    }
    return absl::OkStatus();
  }

  std::unique_ptr<KafkaLog> log_;
  const std::string topic_;
  const std::atomic<bool>& stopping_;
  std::vector<int64_t> heads_;
  int32_t buffer_partition_ = -1;
  int64_t buffer_from_ = 0;
  std::vector<StoredEvent> buffer_;
  size_t next_ = 0;
  std::map<int32_t, std::pair<int64_t, std::string>> chain_;
};

}  // namespace

// The header's "Catching up by folding". Errors are the store's only: one
// of the fold itself falls back to the message-by-message path.
absl::Status Projector::Fold() {
  if (options_.fold_min_lag <= 0 || options_.publish_graduates) {
    return absl::OkStatus();
  }
  KafkaLogOptions log_options = KafkaLogOptionsFor(options_.kafka);
  log_options.open_timeout = options_.open_timeout;
  log_options.read_only = true;
  absl::StatusOr<std::unique_ptr<KafkaLog>> log = KafkaLog::Open(log_options);
  if (!log.ok()) return absl::OkStatus();  // the consumer says what is wrong
  FoldReads reads(*std::move(log), topic_, stopping_);
  if (reads.partitions() != partitions_) return absl::OkStatus();
  std::vector<int64_t> heads;  // of the last complete fold
  // The processor keeps appending: fold again while the lag stays large.
  for (int round = 0; round < 4; ++round) {
    absl::StatusOr<std::vector<int64_t>> fetched = reads.FetchHeads();
    if (!fetched.ok()) break;
    absl::StatusOr<std::vector<int64_t>> seen = views_.Checkpoints();
    if (!seen.ok()) return seen.status();
    int64_t lag = 0;
    for (int32_t p = 0; p < partitions_; ++p) {
      const int64_t at =
          static_cast<size_t>(p) < seen->size() ? (*seen)[p] : int64_t{0};
      lag += std::max<int64_t>(0, (*fetched)[p] - at);
    }
    if (lag < options_.fold_min_lag) break;
    const int64_t before = result_.applied;
    CatchUpOptions catch_up;
    catch_up.fold_in_memory = true;
    absl::StatusOr<int64_t> applied = views_.CatchUp(
        reads,
        [&](const CatchUpProgress& c) {
          if (options_.stop && options_.stop()) stopping_.store(true);
          if (options_.progress) {
            ProjectorProgress progress;
            progress.applied = before + c.applied;
            progress.lag = std::max<int64_t>(1, lag - c.applied);
            progress.folding = true;
            options_.progress(progress);
          }
        },
        catch_up);
    if (!applied.ok()) break;  // stopping, or the fallback
    result_.applied += *applied;
    result_.folded += *applied;
    heads = *fetched;
  }
  folded_chain_ = reads.chain();
  if (options_.until_caught_up && !heads.empty() && !stopping_.load()) {
    folded_to_target_ = true;
    for (int32_t p = 0; p < partitions_; ++p) {
      auto target = target_.find(p);
      if (target == target_.end() || heads[p] < target->second) {
        folded_to_target_ = false;
      }
    }
  }
  return absl::OkStatus();
}

// For the group tools only, as CommitViews: the views' checkpoints, which
// the fold has made durable.
void Projector::CommitFoldedOffsets() {
  absl::StatusOr<std::vector<int64_t>> seen = views_.Checkpoints();
  if (!seen.ok() || seen->empty()) return;
  PartitionList offsets(
      rd_kafka_topic_partition_list_new(static_cast<int>(seen->size())));
  for (size_t p = 0; p < seen->size(); ++p) {
    rd_kafka_topic_partition_list_add(offsets.get(), topic_.c_str(),
                                      static_cast<int32_t>(p))
        ->offset = (*seen)[p];
  }
  rd_kafka_commit(rk_, offsets.get(), /*async=*/0);
}

}  // namespace xueji::projector_internal
