// Internal to the storage library (defined in rocks_util.cc; used by
// rocks_kv.cc and embedded_log.cc): opening the ledger's RocksDB databases
// with one set of options, and translating rocksdb::Status into absl::Status
// at the boundary.
//
// WAL recovery (docs/design.md, "Integrity"): a store opens with
// kAbsoluteConsistency, so a damaged write-ahead log is an error naming the
// file, never a silent truncation. OpenDb can also open with
// kTolerateCorruptedTailRecords, which forgives only an incomplete record at
// the end of a WAL (a write cut short by a crash, or a truncated file); the
// callers decide when that is safe (never without checking that nothing a
// projection saw is lost). A read-only open beside a writer must tolerate such
// a tail: the writer may be in the middle of a record.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_STORAGE_ROCKS_UTIL_H_
#define XUEJI_LEDGER_STORAGE_ROCKS_UTIL_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "rocksdb/db.h"

namespace xueji::rocks_internal {

// rocksdb::Status -> absl::Status, naming `path`: lock -> Unavailable,
// Corruption -> DataLoss, NoSpace -> ResourceExhausted, missing -> NotFound,
// anything else Internal.
absl::Status FromRocks(const rocksdb::Status& s, const std::string& path);

enum class WalRecovery {
  kStrict,           // kAbsoluteConsistency: any WAL damage is an error
  kTolerateTornTail  // kTolerateCorruptedTailRecords
};

struct OpenDbOptions {
  bool create_if_missing = false;
  bool read_only = false;  // no lock taken, nothing written
  WalRecovery wal = WalRecovery::kStrict;
  // > 0: keys come in ascending order within each prefix of this many bytes
  // (an append-only log): the memtable remembers where the last key of each
  // prefix went and inserts the next one there instead of searching.
  size_t ascending_prefix = 0;
  // RocksKv::Options::prefix_filter (a store laid out as the views are).
  bool prefix_filter = false;
  // RocksKv::Options::point_reads (the views' table layout).
  bool point_reads = false;
  // A store written mostly in sorted files that each span its whole key
  // range (RocksKv: the decider state and the views, written out by FoldKv):
  // universal (tiered) compaction, which merges such files as runs of
  // similar size instead of rewriting all of level 1 with each batch of
  // level 0 files (docs/benchmarks.md, session 16).
  bool tiered = false;
};

// The one translation of OpenDbOptions into RocksDB's: the ledger's options
// for a database (LedgerDbOptions), creating it only when `create_if_missing`
// and not `read_only`; the WAL recovery mode of `wal`; the memtable insert
// hint of `ascending_prefix`; the prefix extractor of `prefix_filter`; the
// table layout of `point_reads`; the compaction of `tiered`.
rocksdb::Options StoreDbOptions(const OpenDbOptions& options);

// `options` with its block-based table files written in blocks of `bytes`
// (their other table options kept).
void SetBlockSize(size_t bytes, rocksdb::Options* options);

// Opens the database at `path`. When the store exists (it has a CURRENT
// file), a failure other than a lock, a full disk or a permission problem is
// DataLoss: the store is there but cannot be read back.
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenDb(
    const std::string& path, const OpenDbOptions& options);

// Strict open; if that fails with DataLoss and the same open tolerating a
// torn WAL tail succeeds, returns the tolerant one and sets *torn_tail to the
// strict error (what was dropped, naming the WAL file). Only for stores whose
// lost tail is harmless (projections, which catch up from their checkpoints).
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenDbForgivingTornTail(
    const std::string& path, OpenDbOptions options, std::string* torn_tail);

// Closes a database this process opened for writing. When its live
// write-ahead log files hold more than `flush_above` bytes, its memtables
// are flushed to a table file first,
// so that the next open finds the rows in a table file instead of a
// write-ahead log to replay (a read-only open replays it into memory every
// time, a writable one replays and then flushes it): after a submit of 100k
// generated children the first command that opened the stores spent 2-4 s
// there (issue 12). A flush that fails (a full disk) leaves the log as it
// was: nothing is lost, the next open replays it.
void CloseWritableDb(std::unique_ptr<rocksdb::DB> db,
                     uint64_t flush_above = uint64_t{1} << 20);

// Reads every block of every table file and checks its checksum (RocksDB's
// VerifyChecksum): DataLoss naming the file on a mismatch.
absl::Status VerifyChecksums(rocksdb::DB& db, const std::string& path);

}  // namespace xueji::rocks_internal

#endif  // XUEJI_LEDGER_STORAGE_ROCKS_UTIL_H_
