// FoldKv: a KvStore for rebuilding a projection from offset 0 (`ledger
// replay`): the projection's own row logic runs unchanged on top of it, its
// rows fold in memory, and each Commit writes the rows changed since the last
// one to the base store in key order with KvStore::WriteSorted — for a
// RocksKv one sorted table file ingested whole, instead of a memtable insert
// per row (issue 12).
//
// Reads see the folded rows first, then the base store. A row that was read
// stays in memory after it is written out (the rows the row logic reads back,
// such as a record's state or a counter, are read again and again); a row
// only ever written (history, indexes) leaves memory when written out. When
// the rows kept in memory pass `cache_bytes`, they are all dropped and read
// again from the base store as needed: memory stays bounded by cache_bytes
// plus the caller's commit size (PendingBytes).
//
// Transactions as KvStore says: writes are pending until Commit, which makes
// them durable together (one ingested file: atomic); Discard drops them (the
// rows kept in memory that a pending write changed are read back from the
// base store). ScanPrefix is correct but scans every row in memory: it is for
// the occasional query, not for the fold.
//
// Ownership: borrows `base`, which nothing else may write while the FoldKv is
// in use. Thread-safety: none; one owner.
#ifndef XUEJI_LEDGER_STORAGE_FOLD_KV_H_
#define XUEJI_LEDGER_STORAGE_FOLD_KV_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "ledger/storage/kv.h"

namespace xueji {

class FoldKv : public KvStore {
 public:
  explicit FoldKv(KvStore* base, size_t cache_bytes = size_t{256} << 20);

  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override;
  absl::Status ScanPrefix(std::string_view prefix,
                          const Visitor& visit) const override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  // Writes the rows changed since the last Commit with base->WriteSorted.
  // On failure they stay pending (for a retry or Discard).
  absl::Status Commit(bool sync) override;
  void Discard() override;
  // Bytes of the rows changed since the last Commit (each row once).
  size_t PendingBytes() const override { return pending_bytes_; }
  absl::Status VerifyChecksums() override { return base_->VerifyChecksums(); }

  // Rows in memory (pending or kept), and their bytes: for tests and the
  // benchmark's figures.
  size_t resident_rows() const { return rows_.size(); }
  size_t resident_bytes() const { return resident_bytes_; }

 private:
  struct Row {
    std::string value;
    bool present = false;  // false: absent (deleted, or not in the base)
    bool dirty = false;    // changed since the last Commit
    bool read = false;     // read by Get: kept in memory after a Commit
  };
  void Set(std::string_view key, std::string_view value, bool present);
  static size_t Bytes(const std::string& key, const Row& row) {
    return key.size() + row.value.size() + sizeof(Row);
  }

  KvStore* base_;
  const size_t cache_bytes_;
  // mutable: Get remembers what it read from the base.
  mutable absl::flat_hash_map<std::string, Row> rows_;
  mutable size_t resident_bytes_ = 0;
  size_t pending_bytes_ = 0;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_STORAGE_FOLD_KV_H_
