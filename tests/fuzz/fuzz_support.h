// What the libFuzzer targets of tests/fuzz share: an in-memory EventLog with
// the embedded log's read semantics, an in-memory RocksKv (write overlay,
// Commit, Discard), and the demo ledger (tools/demo: registry loaded, the
// autumn term submitted day by day, views caught up) built once per process
// and copied for every input, so each input starts from the same state; and
// the run of a JSONL input that the line-reader targets share.
//
// Fuzz-build only (tests/fuzz/CMakeLists.txt). Thread-safety: none; libFuzzer
// runs one input at a time.
#ifndef XUEJI_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define XUEJI_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "commands/jsonl_batch.h"
#include "ledger/log/event_log.h"
#include "ledger/processor/processor.h"
#include "ledger/rules/policy.h"
#include "ledger/storage/kv.h"
#include "projections/views.h"

namespace xueji::fuzz {

// An EventLog over a map of stored bytes keyed like the embedded log's keys
// ((partition, offset as an unsigned 64-bit number), so a negative offset
// sorts after every other). Append seals and stores canonical bytes as the
// embedded log does; Read parses them and answers bad bytes, or an event
// that names another partition or offset, with DataLoss carrying the offset
// payload VerifyLog resumes after. Heads are kept separately, so a test can
// store a log whose heads disagree with its events.
class MemoryLog : public EventLog {
 public:
  using Key = std::pair<int32_t, uint64_t>;

  explicit MemoryLog(int32_t partitions)
      : heads_(static_cast<size_t>(partitions)) {}

  int32_t partitions() const override {
    return static_cast<int32_t>(heads_.size());
  }
  absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event> batch) override;
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events) override;
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override;

  // Raw access, for building damaged logs.
  std::map<Key, std::string>& stored() { return stored_; }
  const std::map<Key, std::string>& stored() const { return stored_; }
  void set_head(int32_t partition, int64_t next) {
    heads_[static_cast<size_t>(partition)].next = next;
  }

 private:
  struct Head {
    int64_t next = 0;
    std::string last_hash;
  };
  std::map<Key, std::string> stored_;
  std::vector<Head> heads_;
};

// A RocksKv held in memory, in three layers: a shared, frozen base (so that
// copying a store for every input is cheap), the changes committed since,
// and the overlay of Put/Delete that reads see at once. Commit folds the
// overlay into the changes, Discard drops it, Freeze makes everything the
// new base.
class MemoryRocksKv : public KvStore {
 public:
  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override;
  absl::Status ScanPrefix(std::string_view prefix,
                          const Visitor& visit) const override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  absl::Status Commit(bool sync) override;
  void Discard() override;
  size_t PendingBytes() const override { return pending_bytes_; }
  void Freeze();

 private:
  using Base = std::map<std::string, std::string, std::less<>>;
  using Changes =
      std::map<std::string, std::optional<std::string>, std::less<>>;
  std::shared_ptr<const Base> base_ = std::make_shared<Base>();
  Changes committed_;
  Changes overlay_;
  size_t pending_bytes_ = 0;
};

// A ledger in memory: log, decider state, processor, views.
struct Ledger {
  Ledger();
  Ledger(const Ledger& other);  // copies the stores; a processor of its own
  Ledger& operator=(const Ledger&) = delete;

  MemoryLog log{6};
  MemoryRocksKv state_kv;
  MemoryRocksKv views_kv;
  absl::Time now;  // the ledger clock the processor reads
  std::unique_ptr<RequestProcessor> processor;
  std::unique_ptr<Views> views;
};

// The demo ledger, built on first use (aborts if it cannot be built: the
// targets would be testing nothing).
const Ledger& DemoLedger();

// The clock the demo's reports use: 2026-01-05T09:00:00+08:00.
absl::Time AfterTheTerm();

// Aborts unless each partition's views checkpoint is the log's head.
void CheckViewsCaughtUp(Ledger& ledger);

// Silences libprotobuf's log (DemoLedger() does it too).
void QuietProtobuf();

// Aborts with `what` (libFuzzer reports it as a crash) when `ok` is false.
void Check(bool ok, std::string_view what);

// What a JSONL target's run wrote: the result lines, and how many lines the
// input had (not counting blank ones).
struct JsonlRun {
  std::string out;
  int64_t lines = 0;
};

// Runs the input bytes as a JSONL file (as `ledger <command>` reads it)
// through RunJsonl with `pipeline` over `ledger`, in small batches so that
// duplicates meet both inside a batch and across, the views caught up after
// each batch. Aborts on a storage error (the stores are in memory) or when
// the views did not catch up with the log.
template <typename Line>
JsonlRun RunJsonlInput(Ledger& ledger, JsonlPipeline<Line> pipeline,
                       const uint8_t* data, size_t size,
                       std::string_view command) {
  pipeline.after_batch = [&]() -> absl::Status {
    return ledger.views->CatchUp(ledger.log).status();
  };
  std::unique_ptr<LineReader> in = LineReader::FromString(
      std::string(reinterpret_cast<const char*>(data), size));
  std::ostringstream out;
  Progress progress("fuzz: " + std::string(command));
  BatchOutcome outcome = RunJsonl(*in, out, progress, pipeline, 3);
  Check(outcome.status.ok(),
        std::string(command) + " failed over in-memory stores");
  CheckViewsCaughtUp(ledger);
  return {out.str(), outcome.lines};
}

}  // namespace xueji::fuzz

#endif  // XUEJI_TESTS_FUZZ_FUZZ_SUPPORT_H_
