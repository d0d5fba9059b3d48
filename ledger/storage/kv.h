// KvStore: the small key-value surface that the decider state and the read
// models are written against, so the same logic runs over an in-memory map
// (tests) and over RocksDB on disk (the ledger).
//
// Writes are pending until Commit: Get and ScanPrefix see them at once
// (read-your-writes), Commit makes them durable together (RocksKv: one atomic
// rocksdb::WriteBatch), Discard drops them all. Keys are compared as unsigned
// bytes.
//
// Thread-safety: none. One owner; external synchronisation for sharing.
#ifndef XUEJI_LEDGER_STORAGE_KV_H_
#define XUEJI_LEDGER_STORAGE_KV_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"
#include "ledger/base/coding.h"  // keys are built with these

namespace xueji {

class KvStore {
 public:
  // Visitor for ScanPrefix: return false to stop early.
  using Visitor =
      std::function<bool(std::string_view key, std::string_view value)>;

  virtual ~KvStore() = default;
  virtual absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const = 0;
  // Visits keys starting with `prefix` in ascending order, overlay included.
  virtual absl::Status ScanPrefix(std::string_view prefix,
                                  const Visitor& visit) const = 0;
  virtual void Put(std::string_view key, std::string_view value) = 0;
  virtual void Delete(std::string_view key) = 0;

  // Makes the pending writes durable together. With `sync`, durable on
  // return (an fsync, where the store has a disk).
  virtual absl::Status Commit(bool sync) = 0;
  // Drops the pending writes.
  virtual void Discard() = 0;
  // Bytes pending (to bound batch size).
  virtual size_t PendingBytes() const = 0;
  // One row of WriteSorted: a value, or nullopt for a delete.
  struct SortedRow {
    std::string_view key;
    std::optional<std::string_view> value;
  };
  // Writes `rows` (keys strictly ascending, unsigned bytes) durably together,
  // after committing any pending writes; the bulk path of FoldKv. The
  // default puts them and commits; RocksKv writes one sorted table file and
  // ingests it (no memtable, no write-ahead log; fewer bytes than its
  // Options::small_write_bytes go as one synced WriteBatch instead): atomic,
  // and durable on return whatever `sync` says. ResourceExhausted on a full
  // disk, the store unchanged.
  virtual absl::Status WriteSorted(const std::vector<SortedRow>& rows,
                                   bool sync);
  // Rows that hold one protobuf message (the views, projections/rows.h).
  // GetMessage parses the row at `key` into `out` (as ParseFromString:
  // cleared first; untouched when absent); PutMessage puts the message's
  // DeterministicBytes. These defaults go through Get and Put; a store may keep
  // the decoded message instead and serialize it only when it writes (FoldKv: a
  // row read and written again and again is parsed and serialized once). Get,
  // ScanPrefix and what is stored are the same bytes either way.
  enum class MessageRow { kAbsent, kFound, kUnparseable };
  virtual absl::StatusOr<MessageRow> GetMessage(
      std::string_view key, google::protobuf::MessageLite* out) const;
  virtual void PutMessage(std::string_view key,
                          const google::protobuf::MessageLite& message);
  // PutMessage handing the message over (a FoldKv keeps it as it is).
  virtual void PutMessage(
      std::string_view key,
      std::unique_ptr<google::protobuf::MessageLite> message);
  // Reads every stored block and checks its checksum: DataLoss naming the
  // file on damage. Nothing to check in memory.
  virtual absl::Status VerifyChecksums() { return absl::OkStatus(); }
  // Non-empty when opening had to drop an incomplete record at the end of
  // the store's write-ahead log (see RocksKv).
  virtual const std::string& recovery_note() const;
  // A read-only view of what is committed now (pending writes and later
  // commits unseen), which one other thread may read while the owner goes
  // on writing; nullptr where the store has none. Its Put and Delete are
  // ignored and its Commit fails. It must not outlive the store.
  virtual std::unique_ptr<KvStore> CommittedView() const { return nullptr; }
};

// In-memory store. Writes apply at once (contents() shows them) and are
// remembered until Commit, so that Discard can undo them.
class MemoryKv : public KvStore {
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
  // A copy of the committed contents.
  std::unique_ptr<KvStore> CommittedView() const override;
  const std::map<std::string, std::string>& contents() const { return map_; }

 private:
  void Remember(const std::string& key);

  std::map<std::string, std::string> map_;
  // Since the last Commit: each key's value before its first change
  // (nullopt: absent).
  std::map<std::string, std::optional<std::string>> undo_;
  size_t pending_bytes_ = 0;
};

// RocksDB-backed store with a write overlay.
class RocksKv : public KvStore {
 public:
  // Opening recovers the write-ahead log strictly (kAbsoluteConsistency):
  // damage is DataLoss naming the file. Only an incomplete record at its end
  // is forgiven (see recovery_note()), since a RocksKv holds projections.
  struct Options {
    bool create_if_missing = true;
    bool read_only = false;  // no lock taken; Put/Commit fail
    // Read-only as a RocksDB secondary instance (implies read_only): follows
    // a primary that another process keeps writing (and compacting), which a
    // plain read-only open races with. Its own files go to a private
    // directory under the system temp dir, removed when the store closes.
    // The store sees the primary as of Open (one TryCatchUpWithPrimary).
    bool secondary = false;
    // For a store whose keys are "<namespace><id>\0<rest>" (the views,
    // projections/rows.h): each key's bytes up to and including its first
    // zero byte are its prefix, and the bloom filters hold those prefixes
    // as well as the whole keys. A ScanPrefix whose prefix has a zero byte
    // then reads only the table files that may hold its rows, not one block
    // of every file (issue 12: `find` and `history` at 1M children). Keys,
    // values and order are the same either way; a store written without it
    // reads the same with it (its files just have no prefix entries).
    bool prefix_filter = false;
    // For a store read a few rows at a time at random (the views): its table
    // files, flushed, compacted or ingested by WriteSorted, are written in
    // 4 KiB LZ4 blocks, so a point read or a short scan reads, checksums
    // and decompresses one 4 KiB block per table file it visits instead of
    // a 16 KiB one (issue 12: 1.7-2x fewer instructions per `show`, `find`,
    // `history` at 1M children, ~10 % more disk). The layout is per table
    // file: a store written
    // with other options reads the same, its older files as they are until
    // compaction or a rebuild rewrites them.
    bool point_reads = false;
    // A WriteSorted of fewer row bytes (keys and values) than this is one
    // WriteBatch through the write-ahead log, synced, instead of a table
    // file of its own: a writer that writes out often and little (the Kafka
    // projector, written behind) would otherwise fill level 0 with tiny
    // files, each compaction of them rewriting level 1. 0: always a file.
    size_t small_write_bytes = 0;
  };
  static absl::StatusOr<std::unique_ptr<RocksKv>> Open(const std::string& path,
                                                       const Options& options);
  virtual ~RocksKv() = default;

  // Commit writes the overlay as one WriteBatch (fsync of the WAL with
  // `sync`). recovery_note(): non-empty when Open had to drop an incomplete
  // record at the end of the store's write-ahead log (a write cut short by a
  // crash, or a truncated file), saying what was dropped; the store is
  // consistent as of an earlier commit, and a projection catches up from its
  // checkpoints.
};

// The checkpoints stored under `prefix` as rows prefix + partition (4 bytes,
// big-endian) -> next offset (8 bytes, big-endian): the next offset of each
// partition, indexed by partition (0 for a partition without a row).
// DataLoss naming `store` for a malformed row.
absl::StatusOr<std::vector<int64_t>> ScanCheckpoints(const KvStore& kv,
                                                     std::string_view prefix,
                                                     std::string_view store);

}  // namespace xueji

#endif  // XUEJI_LEDGER_STORAGE_KV_H_
