// FoldKv: a KvStore that folds a projection's rows in memory and writes them
// to a base store in key order with KvStore::WriteSorted — for a RocksKv one
// sorted table file ingested whole, instead of a memtable insert per row
// (issue 12). Two uses:
//  - a rebuild from offset 0 (`ledger replay`): the projection's own row
//    logic runs unchanged on top of it, and each Commit writes the rows
//    changed since the last one;
//  - write-behind (Options::write_behind_bytes > 0; the decider state of a
//    RequestProcessor): Commit ends a transaction in memory, and the rows
//    committed are written out together once they pass write_behind_bytes,
//    on Commit(sync = true), or on WriteOut(). The store under it is then a
//    projection behind its log, which its owner catches up on open: a crash
//    loses only what the log still holds.
//
// Reads see the folded rows first, then the base store (not read at all for
// a key it cannot hold: one never written out to a base that began empty). A
// row that was read stays in memory after it is written out (the rows the row
// logic reads back, such as a record's state or a counter, are read again and
// again); a row only ever written (history, indexes) leaves memory when written
// out. When the rows kept in memory pass `cache_bytes`, they are all dropped
// and read again from the base store as needed: memory stays bounded by
// cache_bytes plus the rows not yet written (PendingBytes, or
// unwritten_bytes() with write-behind).
//
// Message rows (GetMessage/PutMessage) stay decoded: a PutMessage keeps a
// copy of the message (or the message handed over), a GetMessage copies it out,
// and the row is serialized (DeterministicBytes, as KvStore::PutMessage stores)
// only when it is written out or read as bytes (Get, ScanPrefix). A record's
// state is read and written once per event of the record: one copy each way
// instead of a parse and a serialization (issue 12).
//
// Transactions as KvStore says: writes are pending until Commit; Discard
// drops them. Without write-behind, Commit makes them durable together (one
// ingested file: atomic), and Discard reads the rows a pending write changed
// back from the base store. With it, each row's state before the
// transaction's first change of it is kept until Commit, and Discard puts it
// back. ScanPrefix is correct but scans every row in memory (but within
// Options::ordered_prefixes): it is for the occasional query, not the fold.
//
// Ownership: borrows `base`, which nothing else may write while the FoldKv is
// in use. Thread-safety: none; one owner.
#ifndef XUEJI_LEDGER_STORAGE_FOLD_KV_H_
#define XUEJI_LEDGER_STORAGE_FOLD_KV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/btree_set.h"
#include "absl/container/flat_hash_map.h"
#include "ledger/storage/kv.h"

namespace xueji {

class FoldKv : public KvStore {
 public:
  struct Options {
    size_t cache_bytes = size_t{256} << 20;
    // 0: every Commit writes out. Else write-behind (see above).
    size_t write_behind_bytes = 0;
    // Keys under these prefixes are also kept in order: a ScanPrefix within
    // one of them visits only its own rows in memory, not every row.
    std::vector<std::string> ordered_prefixes;
  };
  explicit FoldKv(KvStore* base, size_t cache_bytes = size_t{256} << 20);
  FoldKv(KvStore* base, const Options& options);

  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override;
  absl::Status ScanPrefix(std::string_view prefix,
                          const Visitor& visit) const override;
  void Put(std::string_view key, std::string_view value) override;
  void Delete(std::string_view key) override;
  absl::StatusOr<MessageRow> GetMessage(
      std::string_view key, google::protobuf::MessageLite* out) const override;
  void PutMessage(std::string_view key,
                  const google::protobuf::MessageLite& message) override;
  void PutMessage(
      std::string_view key,
      std::unique_ptr<google::protobuf::MessageLite> message) override;
  // Without write-behind: writes the rows changed since the last Commit with
  // base->WriteSorted; on failure they stay pending (for a retry or
  // Discard). With it: commits in memory, then writes out as said above; a
  // write-out that fails leaves the transaction committed (in memory) and
  // its rows unwritten, for the next write-out.
  absl::Status Commit(bool sync) override;
  void Discard() override;
  // Bytes of the rows changed since the last Commit: each row once, or with
  // write-behind each write.
  size_t PendingBytes() const override {
    return write_behind_ ? transaction_bytes_ : pending_bytes_;
  }
  // Write-behind: writes the committed rows not yet written with
  // base->WriteSorted (nothing to do: OK). FailedPrecondition while writes
  // are pending (Commit or Discard them first).
  absl::Status WriteOut(bool sync);
  // Bytes of the rows not yet written to the base store.
  size_t unwritten_bytes() const { return pending_bytes_; }
  absl::Status VerifyChecksums() override { return base_->VerifyChecksums(); }

  // Rows in memory (pending or kept), and their bytes: for tests and the
  // benchmark's figures.
  size_t resident_rows() const { return rows_.size(); }
  size_t resident_bytes() const { return resident_bytes_; }

 private:
  struct Row {
    std::string value;  // the bytes; stale (older than message) if `stale`
    // The decoded row, after a PutMessage (until a Put or Delete).
    std::unique_ptr<google::protobuf::MessageLite> message;
    size_t size = 0;       // bytes of the value (serialized message)
    bool present = false;  // false: absent (deleted, or not in the base)
    bool dirty = false;    // changed since the last write to the base
    bool read = false;     // read by Get: kept in memory after a Commit
    bool stale = false;    // `value` is not the message's bytes (yet)
  };
  // The keys this FoldKv wrote to a base that held no row when it began: a
  // key not among them is not in the base, and a miss costs no base read
  // (issue 12: most reads of a rebuild are of rows not yet written). Bloom
  // filters, each twice the last: "may hold" can be a false yes, never a
  // false no.
  class WrittenKeys {
   public:
    void Add(std::string_view key);
    bool MayHold(std::string_view key) const;

   private:
    struct Filter {
      std::vector<uint64_t> bits;  // blocks of 512 bits
      size_t keys = 0;
      size_t capacity = 0;
    };
    std::vector<Filter> filters_;
  };
  using Rows = absl::flat_hash_map<std::string, Row>;
  // A row into memory, or out of it (ordered_ kept in step).
  Row& Insert(std::string_view key, Row row) const;
  void Erase(Rows::iterator it) const;
  bool Ordered(std::string_view key) const;
  // The row at `key`, read from the base into memory if it is not there;
  // nullptr on a read error (in `error`).
  Row* Load(std::string_view key, absl::Status* error) const;
  // The row's bytes (serializing its message if stale).
  static const std::string& Value(Row& row);
  // Starts changing the row at `key`: its old bytes out of the accounting
  // (with write-behind, the row as it was kept for Discard first).
  Row& Change(std::string_view key);
  // Writes the dirty rows to the base store and lets rows leave memory.
  absl::Status WriteDirty(bool sync);
  // Ends a change begun with Change.
  void Changed(std::string_view key, Row& row);
  // Ends a change that put row.message: its bytes are made when needed.
  void MessageChanged(std::string_view key, Row& row);
  void Set(std::string_view key, std::string_view value, bool present);
  // Bytes a row counts for in PendingBytes and resident_bytes: what it
  // writes (a decoded message takes more memory than that, as the hash map
  // and the allocator do: cache_bytes is a budget of row bytes).
  static size_t Bytes(size_t key_size, const Row& row) {
    return key_size + row.size + sizeof(Row);
  }

  KvStore* base_;
  const size_t cache_bytes_;
  const size_t write_behind_;  // Options::write_behind_bytes
  const std::vector<std::string> ordered_prefixes_;
  // The keys in rows_ under ordered_prefixes_, in order.
  mutable absl::btree_set<std::string> ordered_;
  // Write-behind: each row the open transaction changed, as it was before
  // (nullopt: not in memory); transaction_bytes_: what it wrote.
  absl::flat_hash_map<std::string, std::optional<Row>> undo_;
  size_t transaction_bytes_ = 0;
  // Set when the base held no row at construction.
  std::optional<WrittenKeys> written_;
  // mutable: Get remembers what it read from the base.
  mutable Rows rows_;
  mutable size_t resident_bytes_ = 0;
  size_t pending_bytes_ = 0;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_STORAGE_FOLD_KV_H_
