// KvStore: the small key-value surface that the decider state and the read
// models are written against, so the same logic runs over an in-memory map
// (tests) and over RocksDB on disk (the ledger).
//
// Writes are buffered: Put/Delete land in an overlay that Get and ScanPrefix
// see at once (read-your-writes), and RocksKv::Commit writes the overlay as one
// atomic rocksdb::WriteBatch. Keys are compared as unsigned bytes.
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

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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
};

// In-memory store; writes are immediate.
class MemoryKv : public KvStore {
 public:
  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override;
  absl::Status ScanPrefix(std::string_view prefix,
                          const Visitor& visit) const override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  const std::map<std::string, std::string>& contents() const { return map_; }

 private:
  std::map<std::string, std::string> map_;
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
  };
  static absl::StatusOr<std::unique_ptr<RocksKv>> Open(const std::string& path,
                                                       const Options& options);
  virtual ~RocksKv() = default;

  // Writes the overlay atomically (one WriteBatch) and clears it. With
  // `sync`, durable on return (fsync of the WAL).
  virtual absl::Status Commit(bool sync) = 0;
  // Drops the overlay.
  virtual void Discard() = 0;
  // Bytes buffered in the overlay (to bound batch size).
  virtual size_t PendingBytes() const = 0;
  // Reads every stored block and checks its checksum: DataLoss naming the
  // file on damage.
  virtual absl::Status VerifyChecksums() = 0;
  // Non-empty when Open had to drop an incomplete record at the end of the
  // store's write-ahead log (a write cut short by a crash, or a truncated
  // file): says what was dropped. The store is consistent as of an earlier
  // commit; a projection catches up from its checkpoints.
  virtual const std::string& recovery_note() const = 0;
};


}  // namespace xueji

#endif  // XUEJI_LEDGER_STORAGE_KV_H_
