// EventLog: the ledger's append-only, partitioned log of events. The embedded
// implementation (RocksDB, embedded_log.h) and the Kafka one implement it.
//
// Events are routed to a partition by their subject key (PartitionFor). Append
// takes a batch of events (envelopes with subject, ids, actor, ... and the
// payload filled in; partition, offset, prev_hash and hash empty), assigns
// partitions and offsets, continues each partition's SHA-256 hash chain, and
// writes the whole batch atomically: all of it or none. On return with OK the
// batch is durable and the returned events carry partition, offset and hashes.
//
// Thread-safety: an EventLog is used by one thread at a time, except that
// the embedded log (OpenEmbeddedLog) may also be read by one other thread
// while one thread appends: Read and HeadOffsets are safe concurrently with
// Append, and HeadOffsets covers only batches whose Append has returned, so
// a reader that stops at those heads never reads an event before it is
// durable (a concurrent Read may return later events: stop at the heads).
#ifndef XUEJI_LEDGER_LOG_EVENT_LOG_H_
#define XUEJI_LEDGER_LOG_EVENT_LOG_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "xueji/v1/events.pb.h"

namespace xueji {

// Kafka-compatible partitioner: murmur2 of the key, as the Java client's
// default partitioner and librdkafka's "murmur2" do.
int32_t PartitionFor(std::string_view subject, int32_t partitions);

// One stored event: its canonical bytes as stored, and the parsed envelope.
struct StoredEvent {
  std::string bytes;
  xueji::v1::Event event;
};

class EventLog {
 public:
  virtual ~EventLog() = default;

  virtual int32_t partitions() const = 0;

  // Appends `batch` atomically; see the file comment.
  virtual absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event> batch) = 0;

  // Up to `max_events` events of `partition` starting at `from_offset`, in
  // offset order. Fewer (or none) at the head. Corrupt bytes: DataLoss naming
  // partition and offset.
  virtual absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                        int64_t from_offset,
                                                        size_t max_events) = 0;

  // Next offset to be written, per partition (index = partition).
  virtual absl::StatusOr<std::vector<int64_t>> HeadOffsets() = 0;

  // Checks the storage's own checksums over everything stored (the embedded
  // log: every block of every table file). DataLoss naming the file.
  virtual absl::Status VerifyStorage() { return absl::OkStatus(); }
  // Non-empty when opening dropped an incomplete write at the log's end (see
  // EmbeddedLogOptions::witnesses): what was dropped, for the operator.
  virtual std::string recovery_note() const { return ""; }
};

// What a projection (the decider state, the views) has seen of the log: the
// next offset it would apply, per partition. The log is the source of truth,
// so it may never be behind one of these.
struct LogWitness {
  std::string store;          // e.g. "the decider state"
  std::string path;           // its directory, for the message
  std::vector<int64_t> next;  // index = partition
};

// DataLoss if `heads` (the log's next offsets) are behind any witness: the
// message names the log, the store, the partition and both positions, and
// says what to do. OK otherwise (a witness may lag).
absl::Status CheckLogCovers(const std::string& log_path,
                            const std::vector<int64_t>& heads,
                            const std::vector<LogWitness>& witnesses);

// Options of the embedded (RocksDB) log. It opens with strict WAL recovery:
// a damaged write-ahead log is DataLoss naming the file.
struct EmbeddedLogOptions {
  int32_t partitions = 6;  // fixed at creation; stored in the log
  bool read_only = false;
  bool create_if_missing = true;
  // The projections' checkpoints. Opening fails with DataLoss if the log is
  // behind one of them (CheckLogCovers). An incomplete record at the end of
  // the write-ahead log (an append cut short by a crash, never acknowledged)
  // is dropped only if the log without it still covers every witness; the
  // log's recovery_note() then says so.
  std::vector<LogWitness> witnesses;
};

// Opens (creating if missing) the embedded log in directory `path`.
absl::StatusOr<std::unique_ptr<EventLog>> OpenEmbeddedLog(
    const std::string& path, const EmbeddedLogOptions& options);

}  // namespace xueji

#endif  // XUEJI_LEDGER_LOG_EVENT_LOG_H_
