// The projection worker of Kafka mode (`ledger projector`): keeps a Views
// store up to date with the `<prefix>.events` topic, as a member of a Kafka
// consumer group (librdkafka's high-level consumer).
//
// Full replica: each projector has its own group id (the command's default
// is `<prefix>.projector.<hostname>`), so it is assigned every partition;
// the group serves liveness and lag monitoring only. On each assignment the
// worker seeks every assigned partition to Views::Checkpoint(p) — the next
// offset the store has not applied, written in the same RocksDB WriteBatch
// as the rows it covers — and never to a committed offset: offsets are
// committed (asynchronously) only so that lag shows in the group tools.
// Records are read read_committed; the value of each is an xueji.v1.Event in
// canonical bytes, applied with Views::Apply. The store is committed every
// `commit_every` events and whenever a poll comes back empty.
//
// Written behind (write_behind_bytes > 0, the default; issue 11): the rows
// stay in memory, decoded (Views::BeginWriteBehind, ledger/storage/
// fold_kv.h), and a commit ends in memory; the committed rows are written to
// the store together, with the checkpoints they cover, once they pass
// write_behind_bytes, when a poll comes back empty (the worker idle), at
// least every `write_out_every`, and when the run ends (or the partitions are
// revoked). A reader beside the worker (a secondary open) sees the store as
// of the last write-out; a kill loses only what was not written out, which
// the next run applies again from the store's checkpoints. Offsets are
// committed to the group only for what the store holds.
//
// Checks as it goes: the record decodes, the event says the partition and
// offset it was read at, its hash matches its bytes, and its prev_hash is the
// hash of the previous event applied from that partition in this run (the
// first one after a restart is not linked: the store keeps no hashes by
// partition). Any failure, and Apply's DataLoss (a gap), stops the worker
// with DataLoss naming topic, partition and offset; what was committed
// before stays consistent, nothing is skipped.
//
// Catching up by folding (issue 11): when, at start, the events not yet in
// the views number at least `fold_min_lag` (a new replica from offset 0, or
// one that was down for long), the worker first brings the store to the
// heads with Views::CatchUp(fold_in_memory) over a read-only KafkaLog — rows
// folded in memory and committed as sorted table files ingested whole, each
// with the checkpoints it covers (ledger/storage/fold_kv.h), the log read and
// checked (the same checks as below) on CatchUp's read-ahead thread — and
// repeats while the lag left is still that large; then it joins the group
// and goes on message by message. The store is row-for-row the same either
// way. A kill during the fold loses only the uncommitted fold: the next run
// restarts from the last ingested checkpoints, and offsets are committed to
// the group only for what the store holds. Any error of the fold (a bad
// record included) drops its uncommitted rows and falls back to the
// message-by-message path, which stops at the same record naming it and
// commits everything before it. With until_caught_up, a fold that reaches
// the targets ends the run without joining the group (its offsets are still
// committed for the group tools). publish_graduates never folds: graduates
// are published before each commit, one by one.
//
// Ownership: the worker borrows the Views for the duration of RunProjector.
// Thread-safety: RunProjector runs on the calling thread; `stop` may read a
// flag set by a signal handler or another thread.
#ifndef XUEJI_PROJECTIONS_KAFKA_PROJECTOR_H_
#define XUEJI_PROJECTIONS_KAFKA_PROJECTOR_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "ledger/kafka/kafka_config.h"
#include "projections/views.h"

namespace xueji {

// Reported after every commit of the store.
struct ProjectorProgress {
  int64_t applied = 0;     // events applied by this run so far
  int32_t assigned = 0;    // partitions currently assigned
  bool caught_up = false;  // every partition reached its target
  // Events of the assigned partitions not yet applied, by librdkafka's
  // cached high watermarks (no broker query); -1 when not known yet.
  int64_t lag = -1;
  bool folding = false;  // reported by the fold (see the file comment)
};

struct ProjectorOptions {
  KafkaConnection kafka;  // bootstrap, topic prefix, properties
  std::string group_id;   // required
  // Stop once every partition of the topic is assigned and has been applied
  // up to its high watermark seen at start.
  bool until_caught_up = false;
  size_t commit_every = 1000;  // events per store commit (at most)
  // Written behind (see the file comment); 0: each commit goes to the store.
  size_t write_behind_bytes = size_t{32} << 20;
  std::chrono::milliseconds write_out_every{5000};
  std::chrono::milliseconds poll_interval{200};
  // Bound on reaching the cluster and finding the topic at start.
  std::chrono::milliseconds open_timeout{30000};
  // Polled between messages; true stops the worker cleanly (OK).
  std::function<bool()> stop;
  std::function<void(const ProjectorProgress&)> progress;
  // 升学 hand-over (Art. 13): publish each record a Graduated or Promoted
  // event touches, as a xueji.v1.GraduateRecord keyed by student number, to
  // `<prefix>.graduates` (compacted), before the views store commits the
  // event: at least once (a restart before the commit publishes it again,
  // the same value under the same key). One projector of a deployment
  // publishes; the others leave this off.
  bool publish_graduates = false;
  // Fold first (see the file comment) when at least this many events are
  // not in the views yet; 0 = never.
  int64_t fold_min_lag = 20000;
};

// What a run did.
struct ProjectorResult {
  int64_t applied = 0;
  bool caught_up = false;  // stopped because until_caught_up was reached
  int64_t graduates_published = 0;  // with publish_graduates
  // Of `applied`, the events applied by folding (a fold stopped part way
  // counts none of its events, committed or not).
  int64_t folded = 0;
};

// The default group id for a projector on this host.
std::string DefaultProjectorGroup(const std::string& topic_prefix);

// Runs the worker until `stop` returns true, the store is caught up (with
// until_caught_up), or an error: InvalidArgument for bad properties,
// NotFound if the events topic does not exist, Unavailable /
// DeadlineExceeded if the cluster cannot be reached within open_timeout,
// DataLoss for an undecodable or out-of-chain record (naming topic,
// partition and offset), or the store's error. `views` must be writable.
absl::StatusOr<ProjectorResult> RunProjector(Views& views,
                                             const ProjectorOptions& options);

}  // namespace xueji

#endif  // XUEJI_PROJECTIONS_KAFKA_PROJECTOR_H_
