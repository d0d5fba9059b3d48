// The embedded EventLog: one RocksDB database (default column family).
//
// Key layout (all integers big-endian, so key order is numeric order):
//   "e" + partition (4 bytes) + offset (8 bytes) -> the sealed event's
//        canonical bytes (CanonicalBytes after SealEvent: hash set)
//   "h" + partition (4 bytes) -> head record: next offset (8 bytes) followed
//        by the last event's hash (32 raw bytes; absent while empty)
//   "m/partitions" -> partition count (4 bytes), fixed when the log is created
// An Append writes its events and the touched head records in one WriteBatch
// with sync=true. Heads are read once at open and then kept in memory, so an
// Append costs no DB reads and one fsync whatever the batch size. They are
// published (under heads_mu_) only once the write has returned: a reader on
// another thread bounded by HeadOffsets() never meets an event not yet
// durable (event_log.h, "Thread-safety").
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "ledger/log/event_log.h"
#include "ledger/log/hash_chain.h"
#include "ledger/storage/kv.h"
#include "ledger/storage/rocks_util.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace xueji {

namespace {

constexpr char kPartitionsKey[] = "m/partitions";
constexpr size_t kEventKeySize = 1 + 4 + 8;
// DataLoss from Read carries the bad offset (decimal) under this URL;
// VerifyLog (hash_chain.cc) reads it to resume after the damaged event.
constexpr char kBadOffsetPayload[] = "type.xueji.dev/xueji.storage.BadOffset";

std::string PartitionPrefix(int32_t partition) {
  return absl::StrCat("e", EncodeFixed32BE(static_cast<uint32_t>(partition)));
}
std::string EventKey(int32_t partition, int64_t offset) {
  return absl::StrCat(PartitionPrefix(partition),
                      EncodeFixed64BE(static_cast<uint64_t>(offset)));
}
std::string HeadKey(int32_t partition) {
  return absl::StrCat("h", EncodeFixed32BE(static_cast<uint32_t>(partition)));
}

struct Head {
  int64_t next = 0;
  std::string last_hash;
};

class EmbeddedLog final : public EventLog {
 public:
  static absl::StatusOr<std::unique_ptr<EventLog>> Open(
      const std::string& path, const EmbeddedLogOptions& options);
  ~EmbeddedLog() override {
    if (!read_only_) rocks_internal::CloseWritableDb(std::move(db_));
  }

  int32_t partitions() const override { return partitions_; }
  absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event> batch) override;
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events) override;
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override {
    return Nexts();
  }
  absl::Status VerifyStorage() override {
    return rocks_internal::VerifyChecksums(*db_, path_);
  }
  std::string recovery_note() const override { return recovery_note_; }

 private:
  EmbeddedLog(std::string path, std::unique_ptr<rocksdb::DB> db, bool read_only)
      : path_(std::move(path)), db_(std::move(db)), read_only_(read_only) {}

  std::vector<int64_t> Nexts() const {
    std::lock_guard<std::mutex> hold(heads_mu_);
    std::vector<int64_t> offsets;
    offsets.reserve(heads_.size());
    for (const Head& head : heads_) offsets.push_back(head.next);
    return offsets;
  }
  absl::StatusOr<std::optional<std::string>> Get(const std::string& key);
  absl::Status LoadPartitionCount(int32_t requested);
  absl::Status LoadHeads();
  absl::Status Damaged(int32_t partition, int64_t offset,
                       const std::string& what) const {
    absl::Status status = absl::DataLossError(
        absl::StrCat("event log ", path_, ": partition ", partition, " offset ",
                     offset, ": ", what));
    status.SetPayload(kBadOffsetPayload, absl::Cord(absl::StrCat(offset)));
    return status;
  }

  const std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  const bool read_only_;
  int32_t partitions_ = 0;
  // index = partition. Written by the appending thread (Append, and at
  // open) under heads_mu_; read under it by HeadOffsets from any thread.
  // The appending thread reads its own copy without the lock.
  mutable std::mutex heads_mu_;
  std::vector<Head> heads_;
  std::string recovery_note_;
};

absl::StatusOr<std::unique_ptr<EventLog>> EmbeddedLog::Open(
    const std::string& path, const EmbeddedLogOptions& options) {
  rocks_internal::OpenDbOptions open{
      .create_if_missing = options.create_if_missing && !options.read_only,
      .read_only = options.read_only,
      .wal = rocks_internal::WalRecovery::kStrict,
      // Event keys ascend within a partition ("e" + partition).
      .ascending_prefix = kEventKeySize - 8};
  auto load =
      [&](std::unique_ptr<rocksdb::DB> db,
          bool read_only) -> absl::StatusOr<std::unique_ptr<EmbeddedLog>> {
    std::unique_ptr<EmbeddedLog> log(
        new EmbeddedLog(path, std::move(db), read_only));
    if (absl::Status s = log->LoadPartitionCount(options.partitions); !s.ok()) {
      return s;
    }
    if (absl::Status s = log->LoadHeads(); !s.ok()) return s;
    return log;
  };
  auto db = rocks_internal::OpenDb(path, open);
  std::string torn_tail;
  if (!db.ok() && absl::IsDataLoss(db.status())) {
    // Perhaps only an incomplete last record (an append cut short by a
    // crash). Look without it, read-only, before anything is dropped.
    rocks_internal::OpenDbOptions tolerant = open;
    tolerant.read_only = true;
    tolerant.wal = rocks_internal::WalRecovery::kTolerateTornTail;
    auto probe_db = rocks_internal::OpenDb(path, tolerant);
    if (!probe_db.ok()) return db.status();
    auto probe = load(*std::move(probe_db), /*read_only=*/true);
    if (!probe.ok()) return db.status();
    if (absl::Status covers =
            CheckLogCovers(path, (*probe)->Nexts(), options.witnesses);
        !covers.ok()) {
      return absl::DataLossError(absl::StrCat(
          covers.message(),
          " [its write-ahead log ends early: ", db.status().message(), "]"));
    }
    torn_tail = std::string(db.status().message());
    if (options.read_only) {
      (*probe)->recovery_note_ = absl::StrCat(
          "event log ", path,
          " ends with an incomplete record (an append cut short by a crash, "
          "or a truncated file); read without it (",
          torn_tail, ")");
      return std::unique_ptr<EventLog>(*std::move(probe));
    }
    probe->reset();
    open.wal = rocks_internal::WalRecovery::kTolerateTornTail;
    db = rocks_internal::OpenDb(path, open);
  }
  if (!db.ok()) return db.status();
  auto log = load(*std::move(db), options.read_only);
  if (!log.ok()) return log.status();
  if (absl::Status covers =
          CheckLogCovers(path, (*log)->Nexts(), options.witnesses);
      !covers.ok()) {
    return covers;
  }
  if (!torn_tail.empty()) {
    (*log)->recovery_note_ = absl::StrCat(
        "event log ", path,
        ": dropped an incomplete record at the end of its write-ahead log (an "
        "append cut short by a crash, never acknowledged: no store had seen "
        "it) (",
        torn_tail, ")");
  }
  return std::unique_ptr<EventLog>(*std::move(log));
}

absl::StatusOr<std::optional<std::string>> EmbeddedLog::Get(
    const std::string& key) {
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return rocks_internal::FromRocks(s, path_);
  return std::optional<std::string>(std::move(value));
}

// The stored count wins over `requested`; a new log stores `requested`.
absl::Status EmbeddedLog::LoadPartitionCount(int32_t requested) {
  auto stored = Get(kPartitionsKey);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) {
    const std::string& v = **stored;
    const int32_t count = static_cast<int32_t>(DecodeFixed32BE(v));
    if (v.size() != 4 || count <= 0) {
      return absl::DataLossError(
          absl::StrCat("event log ", path_, ": bad partition count record"));
    }
    partitions_ = count;
    return absl::OkStatus();
  }
  if (requested <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("event log ", path_,
                     ": partition count must be positive, got ", requested));
  }
  partitions_ = requested;
  if (read_only_) return absl::OkStatus();  // an empty log, never written
  rocksdb::WriteOptions sync;
  sync.sync = true;
  return rocks_internal::FromRocks(
      db_->Put(sync, kPartitionsKey,
               EncodeFixed32BE(static_cast<uint32_t>(requested))),
      path_);
}

absl::Status EmbeddedLog::LoadHeads() {
  std::lock_guard<std::mutex> hold(heads_mu_);
  heads_.assign(static_cast<size_t>(partitions_), Head());
  for (int32_t p = 0; p < partitions_; ++p) {
    auto record = Get(HeadKey(p));
    if (!record.ok()) return record.status();
    if (!record->has_value()) continue;
    const std::string& v = **record;
    const int64_t next = static_cast<int64_t>(DecodeFixed64BE(v));
    if (v.size() < 8 || next < 0 || (next > 0) == (v.size() == 8)) {
      return absl::DataLossError(absl::StrCat(
          "event log ", path_, ": bad head record of partition ", p));
    }
    heads_[p].next = next;
    heads_[p].last_hash = v.substr(8);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<xueji::v1::Event>> EmbeddedLog::Append(
    std::vector<xueji::v1::Event> batch) {
  if (read_only_) {
    return absl::FailedPreconditionError(
        absl::StrCat("event log ", path_, " is open read-only"));
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    if (batch[i].subject().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("event ", i, " of the batch has no subject"));
    }
  }
  if (batch.empty()) return batch;
  std::vector<Head> heads = heads_;  // committed only if the write succeeds
  std::vector<bool> touched(heads.size(), false);
  rocksdb::WriteBatch write;
  for (xueji::v1::Event& event : batch) {
    const int32_t p = PartitionFor(event.subject(), partitions_);
    Head& head = heads[p];
    event.set_partition(p);
    event.set_offset(head.next);
    write.Put(EventKey(p, head.next), SealAndSerialize(head.last_hash, &event));
    ++head.next;
    head.last_hash = event.hash();
    touched[p] = true;
  }
  for (int32_t p = 0; p < partitions_; ++p) {
    if (!touched[p]) continue;
    write.Put(
        HeadKey(p),
        absl::StrCat(EncodeFixed64BE(static_cast<uint64_t>(heads[p].next)),
                     heads[p].last_hash));
  }
  rocksdb::WriteOptions options;
  options.sync = true;
  if (absl::Status s =
          rocks_internal::FromRocks(db_->Write(options, &write), path_);
      !s.ok()) {
    return s;
  }
  {
    std::lock_guard<std::mutex> hold(heads_mu_);  // durable: publish
    heads_ = std::move(heads);
  }
  return batch;
}

absl::StatusOr<std::vector<StoredEvent>> EmbeddedLog::Read(int32_t partition,
                                                           int64_t from_offset,
                                                           size_t max_events) {
  if (partition < 0 || partition >= partitions_ || from_offset < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "event log ", path_, ": no partition ", partition, " offset ",
        from_offset, " (", partitions_, " partitions)"));
  }
  std::vector<StoredEvent> out;
  const std::string prefix = PartitionPrefix(partition);
  std::unique_ptr<rocksdb::Iterator> it(
      db_->NewIterator(rocksdb::ReadOptions()));
  for (it->Seek(EventKey(partition, from_offset));
       it->Valid() && out.size() < max_events; it->Next()) {
    const rocksdb::Slice key = it->key();
    if (!key.starts_with(prefix)) break;
    const int64_t offset =
        static_cast<int64_t>(DecodeFixed64BE(std::string_view(
            key.data() + prefix.size(), key.size() - prefix.size())));
    if (key.size() != kEventKeySize)
      return Damaged(partition, offset, "bad key");
    StoredEvent stored;
    stored.bytes = it->value().ToString();
    if (!stored.event.ParseFromString(stored.bytes)) {
      return Damaged(partition, offset, "unparseable event bytes");
    }
    if (stored.event.partition() != partition ||
        stored.event.offset() != offset) {
      return Damaged(
          partition, offset,
          absl::StrCat("the event says partition ", stored.event.partition(),
                       " offset ", stored.event.offset()));
    }
    out.push_back(std::move(stored));
  }
  if (!it->status().ok()) return rocks_internal::FromRocks(it->status(), path_);
  return out;
}

}  // namespace

absl::Status CheckLogCovers(const std::string& log_path,
                            const std::vector<int64_t>& heads,
                            const std::vector<LogWitness>& witnesses) {
  for (const LogWitness& witness : witnesses) {
    int behind = 0;
    int32_t first = -1;
    for (size_t p = 0; p < witness.next.size(); ++p) {
      const int64_t head = p < heads.size() ? heads[p] : 0;
      if (witness.next[p] <= head) continue;
      if (behind++ == 0) first = static_cast<int32_t>(p);
    }
    if (behind == 0) continue;
    const int64_t head =
        static_cast<size_t>(first) < heads.size() ? heads[first] : 0;
    return absl::DataLossError(absl::StrCat(
        "the event log ", log_path, " is behind ", witness.store, " (",
        witness.path, "): partition ", first, " holds ", head, " event(s) but ",
        witness.store, " has seen ", witness.next[first],
        behind > 1 ? absl::StrCat(" (and ", behind - 1,
                                  " more partition(s) are behind)")
                   : "",
        ". Events are missing from the log (truncated, damaged, deleted or "
        "restored from an older copy). The ledger refuses to decide or "
        "rebuild until the log is restored: put back a copy of ",
        log_path,
        " that holds them, then run `ledger verify`. (`ledger "
        "replay --force` would rebuild everything from the log as it is and "
        "lose them for good.)"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<EventLog>> OpenEmbeddedLog(
    const std::string& path, const EmbeddedLogOptions& options) {
  return EmbeddedLog::Open(path, options);
}

}  // namespace xueji
