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
// Thread-safety: an EventLog is used by one thread at a time.
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
};

// Options of the embedded (RocksDB) log.
struct EmbeddedLogOptions {
  int32_t partitions = 6;  // fixed at creation; stored in the log
  bool read_only = false;
};

// Opens (creating if missing) the embedded log in directory `path`.
absl::StatusOr<std::unique_ptr<EventLog>> OpenEmbeddedLog(
    const std::string& path, const EmbeddedLogOptions& options);

}  // namespace xueji

#endif  // XUEJI_LEDGER_LOG_EVENT_LOG_H_
