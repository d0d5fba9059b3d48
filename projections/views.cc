// Views: opening the store, catching up with the log, checkpoints, digest.
#include "projections/views.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ledger/base/dates.h"
#include "ledger/base/sha256.h"
#include "ledger/log/hash_chain.h"
#include "ledger/storage/fold_kv.h"
#include "projections/rows.h"

namespace xueji {

using views_internal::CheckpointKey;

absl::StatusOr<std::unique_ptr<Views>> Views::Open(
    const std::string& dir, const ViewsOptions& options) {
  ViewsOptions effective = options;
  effective.read_only = options.read_only || options.secondary;
  RocksKv::Options kv_options;
  kv_options.create_if_missing =
      effective.create_if_missing && !effective.read_only;
  kv_options.read_only = effective.read_only;
  kv_options.secondary = effective.secondary;
  // The rows of a subject, document or kindergarten share the prefix up to
  // their key's first '\0' (rows.h): scans of one read only the files that
  // may hold it.
  kv_options.prefix_filter = true;
  // Read a record, a document's or a subject's rows at a time: small table
  // blocks (RocksKv::Options::point_reads).
  kv_options.point_reads = true;
  kv_options.small_write_bytes = effective.small_write_bytes;
  absl::StatusOr<std::unique_ptr<RocksKv>> kv = RocksKv::Open(dir, kv_options);
  if (!kv.ok()) return kv.status();
  return std::unique_ptr<Views>(new Views(*std::move(kv), effective));
}

absl::Status Views::Destroy(const std::string& dir) {
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  if (error) {
    return absl::InternalError(
        absl::StrCat("cannot remove views at ", dir, ": ", error.message()));
  }
  return absl::OkStatus();
}

Views::Views(KvStore* kv, const ViewsOptions& options)
    : base_(kv), kv_(kv), options_(options) {}

Views::Views(std::unique_ptr<RocksKv> owned, const ViewsOptions& options)
    : owned_(std::move(owned)),
      base_(owned_.get()),
      kv_(base_),
      options_(options) {}

Views::~Views() {
  if (write_behind_ != nullptr) (void)EndWriteBehind();
}

void Views::BeginWriteBehind(size_t bytes) {
  if (write_behind_ != nullptr) return;
  // As many bytes kept for reading as written behind (peak memory: see
  // RequestProcessor::WriteBehind).
  write_behind_ = std::make_unique<FoldKv>(
      kv_,
      FoldKv::Options{
          .cache_bytes = std::min(options_.fold_cache_bytes, bytes),
          .write_behind_bytes = bytes,
          // Checkpoints() scans only the checkpoint rows, not all in memory.
          .ordered_prefixes = {views_internal::kCheckpointPrefix}});
  kv_ = write_behind_.get();
}

absl::Status Views::WriteOut() {
  if (write_behind_ == nullptr) return absl::OkStatus();
  return write_behind_->WriteOut(/*sync=*/false);
}

absl::Status Views::EndWriteBehind() {
  if (write_behind_ == nullptr) return absl::OkStatus();
  write_behind_->Discard();  // nothing is pending between calls
  absl::Status written = write_behind_->WriteOut(/*sync=*/false);
  kv_ = base_;
  write_behind_.reset();
  return written;
}

absl::StatusOr<int64_t> Views::Checkpoint(int32_t partition) const {
  absl::StatusOr<std::optional<std::string>> value =
      kv_->Get(CheckpointKey(partition));
  if (!value.ok()) return value.status();
  if (!value->has_value()) return 0;
  return static_cast<int64_t>(DecodeFixed64BE(**value));
}

absl::StatusOr<std::vector<int64_t>> Views::Checkpoints() const {
  return ScanCheckpoints(*kv_, views_internal::kCheckpointPrefix, "views");
}

absl::StatusOr<std::optional<std::string>> Views::Until() const {
  return kv_->Get(views_internal::UntilKey());
}

absl::Status Views::VerifyStorage() { return kv_->VerifyChecksums(); }

std::string Views::recovery_note() const { return kv_->recovery_note(); }

absl::Status Views::Commit(bool sync) {
  uncommitted_events_ = 0;
  return kv_->Commit(sync);
}

absl::StatusOr<bool> Views::Apply(const StoredEvent& stored) {
  if (options_.read_only) {
    return absl::FailedPreconditionError("views are open read-only");
  }
  const xueji::v1::Event& event = stored.event;
  const int32_t partition = event.partition();
  const int64_t offset = event.offset();
  if (event.payload_case() == xueji::v1::Event::PAYLOAD_NOT_SET) {
    return absl::DataLossError(absl::StrCat(
        "views: event at partition ", partition, " offset ", offset,
        " has no payload this build knows; upgrade before catching up"));
  }
  absl::StatusOr<int64_t> next = Checkpoint(partition);
  if (!next.ok()) return next.status();
  if (offset < *next) return false;  // applied before
  if (offset > *next && !options_.offset_gaps_allowed) {
    return absl::DataLossError(absl::StrCat("views: gap in partition ",
                                            partition, ": expected offset ",
                                            *next, ", got ", offset));
  }
  if (absl::Status s = views_internal::ApplyAudit(kv_, stored); !s.ok()) {
    return s;
  }
  if (absl::Status s = views_internal::ApplyEnrollment(kv_, event); !s.ok()) {
    return s;
  }
  if (absl::Status s = views_internal::ApplyCases(kv_, event); !s.ok()) {
    return s;
  }
  kv_->Put(CheckpointKey(partition),
           EncodeFixed64BE(static_cast<uint64_t>(offset + 1)));
  ++uncommitted_events_;
  return true;
}

absl::StatusOr<int64_t> Views::CatchUp(EventLog& log,
                                       const CatchUpProgressFn& progress,
                                       const CatchUpOptions& options) {
  if (options_.read_only) {
    return absl::FailedPreconditionError("views are open read-only");
  }
  absl::StatusOr<std::vector<int64_t>> heads = log.HeadOffsets();
  if (!heads.ok()) return heads.status();
  if (!options.fold_in_memory && write_behind_ == nullptr) {
    return CatchUpAll(log, *heads, progress, options);
  }
  // The same row logic over a FoldKv: the rows fold in memory and go to the
  // store as sorted files (views.h, CatchUpOptions::fold_in_memory) — into
  // the one kept while written behind (kv_ is it), else into one of its own.
  std::optional<FoldKv> own;
  KvStore* const store = kv_;
  if (write_behind_ == nullptr)
    kv_ = &own.emplace(kv_, options_.fold_cache_bytes);
  folding_ = true;
  absl::StatusOr<int64_t> applied = CatchUpAll(log, *heads, progress, options);
  folding_ = false;
  kv_ = store;
  return applied;
}

absl::StatusOr<int64_t> Views::CatchUpAll(EventLog& log,
                                          const std::vector<int64_t>& heads,
                                          const CatchUpProgressFn& progress,
                                          const CatchUpOptions& options) {
  // The as-of mark goes with the first commit.
  absl::StatusOr<std::optional<std::string>> marked = Until();
  if (!marked.ok()) return marked.status();
  if (options.until.has_value()) {
    kv_->Put(views_internal::UntilKey(),
             absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", *options.until,
                              absl::UTCTimeZone()));
  } else if (marked->has_value()) {
    kv_->Delete(views_internal::UntilKey());
  }
  int64_t applied = 0;
  for (int32_t p = 0; p < static_cast<int32_t>(heads.size()); ++p) {
    absl::StatusOr<int64_t> done =
        CatchUpPartition(log, p, heads[p], options, progress, &applied);
    if (!done.ok()) {
      kv_->Discard();
      uncommitted_events_ = 0;
      return done.status();
    }
  }
  // Folding, the partitions are committed together at the end.
  if (folding_) {
    if (absl::Status s = Commit(/*sync=*/false); !s.ok()) {
      kv_->Discard();
      return s;
    }
  }
  // A checkpoint for a partition the log does not have: a different log.
  absl::StatusOr<int64_t> extra =
      Checkpoint(static_cast<int32_t>(heads.size()));
  if (!extra.ok()) return extra.status();
  if (*extra != 0) {
    return absl::FailedPreconditionError(
        "views have more partitions than the log; run `ledger replay`");
  }
  return applied;
}

namespace {

// Reads one partition ahead of its consumer, on a thread of its own: chunks
// of events from `from` up to `head`, at most `depth` waiting. Next() returns
// them in order; an empty chunk at the end (or after an error, which Next()
// returns). The destructor stops and joins the thread.
class ReadAhead {
 public:
  ReadAhead(EventLog& log, int32_t partition, int64_t from, int64_t head,
            size_t chunk, size_t depth)
      : depth_(depth), thread_([this, &log, partition, from, head, chunk] {
          Run(log, partition, from, head, chunk);
        }) {}
  ~ReadAhead() {
    {
      std::lock_guard<std::mutex> hold(mu_);
      stop_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }

  absl::StatusOr<std::vector<StoredEvent>> Next() {
    std::unique_lock<std::mutex> hold(mu_);
    changed_.wait(hold, [&] { return !ready_.empty(); });
    absl::StatusOr<std::vector<StoredEvent>> chunk = std::move(ready_.front());
    ready_.pop_front();
    changed_.notify_all();
    return chunk;
  }

 private:
  void Run(EventLog& log, int32_t partition, int64_t next, int64_t head,
           size_t chunk) {
    while (true) {
      absl::StatusOr<std::vector<StoredEvent>> events =
          next < head ? log.Read(partition, next, chunk)
                      : std::vector<StoredEvent>();
      const bool last = !events.ok() || events->empty();
      if (!last) next = events->back().event.offset() + 1;
      std::unique_lock<std::mutex> hold(mu_);
      changed_.wait(hold, [&] { return stop_ || ready_.size() < depth_; });
      if (stop_) return;
      ready_.push_back(std::move(events));
      changed_.notify_all();
      if (last) return;
    }
  }

  const size_t depth_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<absl::StatusOr<std::vector<StoredEvent>>> ready_;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is built
};

}  // namespace

absl::StatusOr<int64_t> Views::CatchUpPartition(
    EventLog& log, int32_t partition, int64_t head,
    const CatchUpOptions& options, const CatchUpProgressFn& progress,
    int64_t* applied) {
  absl::StatusOr<int64_t> next = Checkpoint(partition);
  if (!next.ok()) return next.status();
  if (*next > head) {
    return absl::DataLossError(absl::StrCat(
        "the event log is behind the views in partition ", partition,
        ": the log holds ", head, " event(s), the views have seen ", *next,
        ". Events are missing from the log; restore it from a backup "
        "(`ledger verify` says more)"));
  }
  if (static_cast<size_t>(partition) < options.up_to.size()) {
    head = std::min(head, options.up_to[partition]);
  }
  // Folding, commits come only with fold_commit_bytes (and at the end of
  // CatchUp); progress is still reported every batch_events.
  auto commit = [&](bool at_end) -> absl::Status {
    if (!folding_ || !at_end) {
      if (absl::Status s = Commit(/*sync=*/false); !s.ok()) return s;
    }
    if (progress) progress({partition, *next, head, *applied});
    return absl::OkStatus();
  };
  std::optional<ReadAhead> ahead;
  if (folding_ && *next < head) {
    ahead.emplace(log, partition, *next, head,
                  std::max<size_t>(options_.read_chunk, 4096), 4);
  }
  size_t since_progress = 0;
  while (*next < head) {
    absl::StatusOr<std::vector<StoredEvent>> chunk =
        ahead.has_value() ? ahead->Next()
                          : log.Read(partition, *next, options_.read_chunk);
    if (!chunk.ok()) return chunk.status();
    if (chunk->empty()) break;
    for (StoredEvent& stored : *chunk) {
      if (stored.event.offset() >= head) break;  // at CatchUpOptions::up_to
      // Kafka: a commit marker takes an offset, so the next event may lie
      // beyond *next (offset_gaps_allowed); never below it.
      const int64_t offset = stored.event.offset();
      if (stored.event.partition() != partition || offset < *next ||
          (offset > *next && !options_.offset_gaps_allowed)) {
        return absl::DataLossError(
            absl::StrCat("views: log returned partition ",
                         stored.event.partition(), " offset ", offset,
                         " when reading partition ", partition, " at ", *next));
      }
      if (options.until.has_value()) {
        absl::StatusOr<absl::Time> at =
            ParseRfc3339(stored.event.recorded_at());
        if (at.ok() && *at > *options.until) {
          if (absl::Status s = commit(/*at_end=*/true); !s.ok()) return s;
          return *next;
        }
      }
      absl::StatusOr<bool> done = Apply(stored);
      if (!done.ok()) return done.status();
      *next = offset + 1;
      ++*applied;
      if (folding_) {
        if (kv_->PendingBytes() >= options_.fold_commit_bytes) {
          if (absl::Status s = commit(/*at_end=*/false); !s.ok()) return s;
          since_progress = 0;
        } else if (++since_progress >= options_.batch_events) {
          if (progress) progress({partition, *next, head, *applied});
          since_progress = 0;
        }
      } else if (uncommitted_events_ >= options_.batch_events ||
                 kv_->PendingBytes() >= options_.batch_bytes) {
        if (absl::Status s = commit(/*at_end=*/false); !s.ok()) return s;
      }
    }
  }
  if (absl::Status s = commit(/*at_end=*/true); !s.ok()) return s;
  return *next;
}

absl::Status Views::Dump(const KvStore::Visitor& visit) const {
  return kv_->ScanPrefix("", visit);
}

absl::StatusOr<std::string> Views::Digest() const {
  Sha256Stream digest;
  auto update = [&digest](std::string_view part) { digest.AddFramed(part); };
  absl::Status scanned =
      Dump([&](std::string_view key, std::string_view value) {
        if (views_internal::IsMetadataKey(key)) return true;
        update(key);
        update(value);
        return true;
      });
  if (!scanned.ok()) return scanned;
  std::string hex = digest.FinishHex();
  if (hex.empty()) return absl::InternalError("SHA-256 failed");
  return hex;
}

}  // namespace xueji
