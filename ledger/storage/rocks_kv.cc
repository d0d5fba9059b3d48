// RocksKv: a KvStore over one RocksDB database (default column family), with
// a write overlay committed as one WriteBatch.
//
// Key layout: none of its own — keys and values are the caller's bytes, in
// RocksDB's bytewise order (the same unsigned-byte order as std::string's).
// The overlay maps key -> value, or key -> nullopt for a pending delete
// (a tombstone that hides the DB's value until Commit).
//
// This file also holds the RocksDB helpers shared with embedded_log.cc (the
// options the ledger's databases use, and rocksdb::Status -> absl::Status),
// in namespace xueji::rocks_internal. They are declared again there; move them
// to a header if a third user appears.
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/log.h"
#include "ledger/storage/kv.h"
#include "ledger/storage/rocks_util.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace xueji {
namespace rocks_internal {

namespace {

// One block cache for every database the process opens (log, state, views).
std::shared_ptr<rocksdb::Cache> SharedBlockCache() {
  static const auto* cache =
      new std::shared_ptr<rocksdb::Cache>(rocksdb::NewLRUCache(32 << 20));
  return *cache;
}

bool Supported(rocksdb::CompressionType type) {
  static const auto* supported = new std::vector<rocksdb::CompressionType>(
      rocksdb::GetSupportedCompressions());
  return std::find(supported->begin(), supported->end(), type) !=
         supported->end();
}

}  // namespace

// Options for an append-heavy store: small shared block cache, bloom filters
// for point reads, LZ4 (cheap) where the library has it.
// RocksDB's own diagnostics go to stderr (ERROR lines of ledger/base/log.h),
// fatal ones only, never to a LOG file
// in the database directory: the Debian build asserts (and aborts the process)
// when writing that file fails, which is exactly what a full disk does. With
// no file to write, a full disk is an ordinary error the command reports.
// (Errors still reach the ledger as the rocksdb::Status of each call; RocksDB
// logs benign ERROR lines, e.g. on creating a database.)
//
// While a store opens, its warnings are also kept (OpenLogger): RocksDB names
// the write-ahead log it found damaged there, not in the Status it returns.
class StderrFatalLogger : public rocksdb::Logger {
 public:
  StderrFatalLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::FATAL_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char buf[1024];
    std::vsnprintf(buf, sizeof buf, format, ap);
    LogError(absl::StrCat("rocksdb: ", buf));
  }
};

class OpenLogger : public rocksdb::Logger {
 public:
  OpenLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::WARN_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format,
            va_list ap) override {
    if (level < rocksdb::InfoLogLevel::WARN_LEVEL) return;
    char buf[1024];
    va_list copy;
    va_copy(copy, ap);
    std::vsnprintf(buf, sizeof buf, format, copy);
    va_end(copy);
    if (level >= rocksdb::InfoLogLevel::FATAL_LEVEL) {
      LogError(absl::StrCat("rocksdb: ", buf));
    }
    std::lock_guard<std::mutex> hold(mu_);
    if (lines_.size() < 64) lines_.emplace_back(buf);
  }
  // The first write-ahead log file ("000123.log") a warning names, or "".
  std::string DamagedWal() {
    std::lock_guard<std::mutex> hold(mu_);
    for (const std::string& line : lines_) {
      for (size_t at = line.find(".log"); at != std::string::npos;
           at = line.find(".log", at + 1)) {
        size_t begin = at;
        while (begin > 0 &&
               std::isdigit(static_cast<unsigned char>(line[begin - 1]))) {
          --begin;
        }
        if (at - begin >= 6) return line.substr(begin, at - begin) + ".log";
      }
    }
    return "";
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

rocksdb::Options LedgerDbOptions(bool create_if_missing) {
  rocksdb::Options options;
  options.create_if_missing = create_if_missing;
  options.max_background_jobs = 2;
  options.info_log = std::make_shared<StderrFatalLogger>();
  options.max_manifest_file_size = 64 << 20;
  // Integrity (docs/design.md): a damaged WAL is an error, never a silent
  // truncation (OpenDb may relax this to a torn tail, see rocks_util.h); the
  // cheap paranoid checks stay on: every block's checksum on every read, the
  // table files' sizes and unique ids against the MANIFEST at open, and the
  // LSM shape after each flush and compaction.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kAbsoluteConsistency;
  options.paranoid_checks = true;
  options.skip_checking_sst_file_sizes_on_db_open = false;
  options.verify_sst_unique_id_in_manifest = true;
  options.force_consistency_checks = true;
  // Most decider lookups miss (a new document, no pending change): a bloom
  // filter on the memtable answers those without walking the skip list
  // (callgrind, 7,351 generated requests: 5.74 G -> 5.36 G instructions).
  options.memtable_prefix_bloom_size_ratio = 0.1;
  options.memtable_whole_key_filtering = true;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = SharedBlockCache();
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.format_version = 5;
  options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  if (Supported(rocksdb::kLZ4Compression)) {
    options.compression = rocksdb::kLZ4Compression;
  }
  return options;
}

namespace {

// RocksKv::Options::prefix_filter: a key's bytes up to and including its
// first zero byte ("H<subject>\0" of "H<subject>\0<offset>"); a key without
// one has no prefix. Prefixes are ordered as their keys are (a key that
// sorts before another has a prefix that sorts before or equals the other's).
class ZeroTerminatedPrefix final : public rocksdb::SliceTransform {
 public:
  // Recorded in every table file: a file written under another name (or
  // none) is read without its prefix entries.
  const char* Name() const override { return "xueji.ZeroTerminatedPrefix.1"; }
  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    const char* zero =
        static_cast<const char*>(std::memchr(key.data(), 0, key.size()));
    return rocksdb::Slice(key.data(), zero - key.data() + 1);
  }
  bool InDomain(const rocksdb::Slice& key) const override {
    return std::memchr(key.data(), 0, key.size()) != nullptr;
  }
};

}  // namespace

void SetBlockSize(size_t bytes, rocksdb::Options* options) {
  rocksdb::BlockBasedTableOptions table;
  if (const auto* own =
          options->table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
      own != nullptr) {
    table = *own;
  }
  table.block_size = bytes;
  options->table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
}

rocksdb::Options StoreDbOptions(const OpenDbOptions& open) {
  rocksdb::Options options =
      LedgerDbOptions(open.create_if_missing && !open.read_only);
  if (open.wal == WalRecovery::kTolerateTornTail) {
    options.wal_recovery_mode =
        rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  }
  if (open.ascending_prefix > 0) {
    options.memtable_insert_with_hint_prefix_extractor.reset(
        rocksdb::NewFixedPrefixTransform(open.ascending_prefix));
  }
  if (open.prefix_filter) {
    static const auto* transform =
        new std::shared_ptr<const rocksdb::SliceTransform>(
            std::make_shared<ZeroTerminatedPrefix>());
    options.prefix_extractor = *transform;
  }
  if (open.point_reads) {
    // RocksKv::Options::point_reads: 4 KiB blocks, LZ4 as everywhere.
    // Measured at 1M children, the rows as one sorted run (callgrind,
    // instructions per call, docs/benchmarks.md "Reads at 1M, session 10"):
    // show / find / history 103k / 125k / 147k with 16 KiB LZ4 blocks
    // (718 MiB of views), 52k / 67k / 86k with 4 KiB LZ4 blocks (787 MiB),
    // 41k / 54k / 76k with 4 KiB uncompressed ones (1,635 MiB: twice the
    // disk for 20 % fewer instructions, not kept at a national register's
    // size); a hash index inside each block saved 1 %.
    SetBlockSize(4 << 10, &options);
  }
  return options;
}

// rocksdb::Status -> absl::Status, naming `path`.
absl::Status FromRocks(const rocksdb::Status& s, const std::string& path) {
  if (s.ok()) return absl::OkStatus();
  const std::string text = s.ToString();
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(c));
  if (s.IsIOError() &&
      (absl::StrContains(lower, "resource temporarily unavailable") ||
       absl::StrContains(lower, "lock"))) {
    return absl::UnavailableError(
        absl::StrCat(path, " is locked by another process (", text, ")"));
  }
  if (s.IsCorruption())
    return absl::DataLossError(absl::StrCat(path, ": ", text));
  if (s.IsNoSpace()) {
    return absl::ResourceExhaustedError(absl::StrCat(path, ": ", text));
  }
  if (s.IsPathNotFound() || absl::StrContains(lower, "does not exist")) {
    return absl::NotFoundError(absl::StrCat(path, ": ", text));
  }
  return absl::InternalError(absl::StrCat(path, ": ", text));
}

absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenDb(const std::string& path,
                                                    const OpenDbOptions& open) {
  rocksdb::Options options = StoreDbOptions(open);
  auto logger = std::make_shared<OpenLogger>();
  options.info_log = logger;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = open.read_only
                          ? rocksdb::DB::OpenForReadOnly(options, path, &raw)
                          : rocksdb::DB::Open(options, path, &raw);
  if (s.ok()) return std::unique_ptr<rocksdb::DB>(raw);
  delete raw;
  std::string text = s.ToString();
  if (s.IsCorruption() && text.find(".log") == std::string::npos &&
      text.find(".sst") == std::string::npos &&
      text.find("MANIFEST") == std::string::npos) {
    if (std::string wal = logger->DamagedWal(); !wal.empty()) {
      text = absl::StrCat(text, " in the write-ahead log ", path, "/", wal);
    }
  }
  std::error_code ec;
  const bool exists =
      std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec);
  const bool permission =
      absl::StrContains(absl::AsciiStrToLower(text), "permission");
  absl::Status status = FromRocks(s, path);
  if (absl::IsDataLoss(status)) {
    return absl::DataLossError(absl::StrCat(path, ": ", text));
  }
  if (exists && !absl::IsUnavailable(status) &&
      !absl::IsResourceExhausted(status) && !permission) {
    // The store is there (CURRENT names its MANIFEST) but does not open:
    // a damaged CURRENT or MANIFEST, a missing or unreadable table file.
    return absl::DataLossError(absl::StrCat(
        path, ": the store is damaged and cannot be opened: ", text));
  }
  return status;
}

absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenDbForgivingTornTail(
    const std::string& path, OpenDbOptions options, std::string* torn_tail) {
  options.wal = WalRecovery::kStrict;
  auto strict = OpenDb(path, options);
  if (strict.ok() || !absl::IsDataLoss(strict.status())) return strict;
  options.wal = WalRecovery::kTolerateTornTail;
  auto tolerant = OpenDb(path, options);
  if (!tolerant.ok()) return strict.status();  // damage beyond a torn tail
  *torn_tail = std::string(strict.status().message());
  return tolerant;
}

absl::Status VerifyChecksums(rocksdb::DB& db, const std::string& path) {
  rocksdb::Status s = db.VerifyChecksum();
  if (s.ok()) return absl::OkStatus();
  absl::Status status = FromRocks(s, path);
  if (absl::IsDataLoss(status)) return status;
  // A table file that vanished or cannot be read is damage as well.
  return absl::DataLossError(
      absl::StrCat(path, ": checksum verification failed: ", s.ToString()));
}

}  // namespace rocks_internal

namespace {

// Opens `path` as a secondary instance whose own files live in a fresh
// directory under the system temp dir (returned in *secondary_dir; removed
// again on failure), and catches up with the primary once.
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenSecondary(
    const std::string& path, const RocksKv::Options& open,
    std::string* secondary_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec)) {
    return absl::NotFoundError(
        absl::StrCat(path, ": no RocksDB store there (nothing written yet?)"));
  }
  std::string pattern =
      (std::filesystem::temp_directory_path() / "xueji-secondary-XXXXXX")
          .string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat(
        "cannot create a secondary directory for ", path, " under ",
        std::filesystem::temp_directory_path().string()));
  }
  rocksdb::Options options = rocks_internal::StoreDbOptions(
      {.prefix_filter = open.prefix_filter, .point_reads = open.point_reads});
  options.max_open_files = -1;  // required by secondary instances
  // It follows a primary that may be in the middle of writing a record.
  options.wal_recovery_mode = rocksdb::WALRecoveryMode::kPointInTimeRecovery;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::OpenAsSecondary(options, path, pattern, &raw);
  if (s.ok()) s = raw->TryCatchUpWithPrimary();
  if (!s.ok()) {
    delete raw;
    std::filesystem::remove_all(pattern, ec);
    return rocks_internal::FromRocks(s, path);
  }
  *secondary_dir = pattern;
  return std::unique_ptr<rocksdb::DB>(raw);
}

// One key's value as `db` holds it (nullopt: absent).
absl::StatusOr<std::optional<std::string>> DbGet(
    rocksdb::DB& db, const rocksdb::ReadOptions& options, std::string_view key,
    const std::string& path) {
  std::string value;
  rocksdb::Status s =
      db.Get(options, rocksdb::Slice(key.data(), key.size()), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok()) return rocks_internal::FromRocks(s, path);
  return std::optional<std::string>(std::move(value));
}

// How ScanPrefix iterates. With the store's prefix filter and a prefix that
// holds a whole extracted prefix (a zero byte), only the table files whose
// filter may have it are read; otherwise every file is (total order: the
// extractor must not be used for a prefix outside its domain). The upper
// bound spares the block after the last matching row.
struct ScanReadOptions {
  ScanReadOptions(rocksdb::ReadOptions base, bool prefix_filter,
                  std::string_view prefix)
      : read(std::move(base)) {
    if (!prefix_filter) return;
    if (prefix.find('\0') != std::string_view::npos) {
      read.prefix_same_as_start = true;
    } else {
      read.total_order_seek = true;
    }
    // The least key above every key starting with `prefix`, if any.
    upper.assign(prefix.data(), prefix.size());
    while (!upper.empty() && static_cast<unsigned char>(upper.back()) == 0xff) {
      upper.pop_back();
    }
    if (!upper.empty()) {
      ++upper.back();
      upper_slice = rocksdb::Slice(upper);
      read.iterate_upper_bound = &upper_slice;
    }
  }
  ScanReadOptions(const ScanReadOptions&) = delete;
  ScanReadOptions& operator=(const ScanReadOptions&) = delete;

  rocksdb::ReadOptions read;
  std::string upper;
  rocksdb::Slice upper_slice;
};

class RocksKvImpl final : public RocksKv {
 public:
  RocksKvImpl(std::string path, std::unique_ptr<rocksdb::DB> db, bool read_only,
              const RocksKv::Options& options, std::string secondary_dir = "",
              std::string recovery_note = "")
      : path_(std::move(path)),
        db_(std::move(db)),
        read_only_(read_only),
        prefix_filter_(options.prefix_filter),
        point_reads_(options.point_reads),
        secondary_dir_(std::move(secondary_dir)),
        recovery_note_(std::move(recovery_note)) {}
  ~RocksKvImpl() override {
    db_.reset();  // before its secondary directory goes
    if (!secondary_dir_.empty()) {
      std::error_code ignored;
      std::filesystem::remove_all(secondary_dir_, ignored);
    }
  }

  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override {
    if (auto it = overlay_.find(key); it != overlay_.end()) return it->second;
    return DbGet(*db_, rocksdb::ReadOptions(), key, path_);
  }

  absl::Status ScanPrefix(std::string_view prefix,
                          const Visitor& visit) const override;

  void Put(std::string_view key, std::string_view value) override {
    if (read_only_) return;  // refused: Commit reports it
    Set(key, std::string(value));
  }

  void Delete(std::string_view key) override {
    if (read_only_) return;  // refused: Commit reports it
    Set(key, std::nullopt);
  }

  absl::Status Commit(bool sync) override;

  absl::Status WriteSorted(const std::vector<SortedRow>& rows,
                           bool sync) override;

  void Discard() override {
    overlay_.clear();
    pending_bytes_ = 0;
  }

  size_t PendingBytes() const override { return pending_bytes_; }

  absl::Status VerifyChecksums() override {
    return rocks_internal::VerifyChecksums(*db_, path_);
  }

  const std::string& recovery_note() const override { return recovery_note_; }

  std::unique_ptr<KvStore> CommittedView() const override;

 private:
  static size_t EntryBytes(const std::string& key,
                           const std::optional<std::string>& value) {
    return key.size() + (value ? value->size() : 0);
  }

  void Set(std::string_view key, std::optional<std::string> value) {
    auto it = overlay_.find(key);
    if (it == overlay_.end()) {
      it = overlay_.emplace(std::string(key), std::nullopt).first;
    } else {
      pending_bytes_ -= EntryBytes(it->first, it->second);
    }
    it->second = std::move(value);
    pending_bytes_ += EntryBytes(it->first, it->second);
  }

  const std::string path_;
  std::unique_ptr<rocksdb::DB> db_;
  int64_t ingested_files_ = 0;  // names this process's table files
  const bool read_only_;
  const bool prefix_filter_;         // RocksKv::Options::prefix_filter
  const bool point_reads_;           // RocksKv::Options::point_reads
  const std::string secondary_dir_;  // "" unless a secondary instance
  const std::string recovery_note_;
  std::map<std::string, std::optional<std::string>, std::less<>> overlay_;
  size_t pending_bytes_ = 0;
};

// RocksKvImpl's CommittedView: reads the database at a snapshot taken when
// the view is made (DB::Get and iterators are thread-safe).
class CommittedSnapshot final : public KvStore {
 public:
  CommittedSnapshot(rocksdb::DB* db, const std::string& path,
                    bool prefix_filter)
      : db_(db),
        path_(path),
        prefix_filter_(prefix_filter),
        snapshot_(db->GetSnapshot()) {
    read_.snapshot = snapshot_;
  }
  ~CommittedSnapshot() override { db_->ReleaseSnapshot(snapshot_); }
  CommittedSnapshot(const CommittedSnapshot&) = delete;
  CommittedSnapshot& operator=(const CommittedSnapshot&) = delete;

  absl::StatusOr<std::optional<std::string>> Get(
      std::string_view key) const override {
    return DbGet(*db_, read_, key, path_);
  }
  absl::Status ScanPrefix(std::string_view prefix,
                          const Visitor& visit) const override {
    ScanReadOptions scan(read_, prefix_filter_, prefix);
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(scan.read));
    const rocksdb::Slice start(prefix.data(), prefix.size());
    for (it->Seek(start); it->Valid() && it->key().starts_with(start);
         it->Next()) {
      const rocksdb::Slice k = it->key(), v = it->value();
      if (!visit(std::string_view(k.data(), k.size()),
                 std::string_view(v.data(), v.size()))) {
        break;
      }
    }
    return rocks_internal::FromRocks(it->status(), path_);
  }
  void Put(std::string_view, std::string_view) override {}
  void Delete(std::string_view) override {}
  absl::Status Commit(bool) override {
    return absl::FailedPreconditionError(
        absl::StrCat("a committed view of ", path_, " takes no writes"));
  }
  void Discard() override {}
  size_t PendingBytes() const override { return 0; }

 private:
  rocksdb::DB* const db_;
  const std::string path_;
  const bool prefix_filter_;
  const rocksdb::Snapshot* const snapshot_;
  rocksdb::ReadOptions read_;
};

std::unique_ptr<KvStore> RocksKvImpl::CommittedView() const {
  return std::make_unique<CommittedSnapshot>(db_.get(), path_, prefix_filter_);
}

absl::Status RocksKvImpl::ScanPrefix(std::string_view prefix,
                                     const Visitor& visit) const {
  ScanReadOptions scan(rocksdb::ReadOptions(), prefix_filter_, prefix);
  std::unique_ptr<rocksdb::Iterator> db_it(db_->NewIterator(scan.read));
  db_it->Seek(rocksdb::Slice(prefix.data(), prefix.size()));
  auto db_valid = [&] {
    return db_it->Valid() && db_it->key().starts_with(
                                 rocksdb::Slice(prefix.data(), prefix.size()));
  };
  auto ov = overlay_.lower_bound(prefix);
  auto ov_valid = [&] {
    return ov != overlay_.end() &&
           std::string_view(ov->first).starts_with(prefix);
  };
  while (true) {
    const bool has_db = db_valid();
    const bool has_ov = ov_valid();
    if (!has_db && !has_ov) break;
    int order = 0;  // <0: DB key first, >0: overlay key first, 0: same key
    if (!has_ov) {
      order = -1;
    } else if (!has_db) {
      order = 1;
    } else {
      order = db_it->key().compare(rocksdb::Slice(ov->first));
    }
    if (order < 0) {
      rocksdb::Slice k = db_it->key(), v = db_it->value();
      if (!visit(std::string_view(k.data(), k.size()),
                 std::string_view(v.data(), v.size()))) {
        return absl::OkStatus();
      }
      db_it->Next();
      continue;
    }
    if (order == 0) db_it->Next();  // the overlay shadows the DB's value
    auto current = ov++;
    if (current->second.has_value() &&
        !visit(current->first, *current->second)) {
      return absl::OkStatus();
    }
  }
  return rocks_internal::FromRocks(db_it->status(), path_);
}

absl::Status RocksKvImpl::Commit(bool sync) {
  if (read_only_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, " is open read-only; nothing can be committed"));
  }
  if (overlay_.empty()) return absl::OkStatus();
  rocksdb::WriteBatch batch;
  for (const auto& [key, value] : overlay_) {
    rocksdb::Status s = value ? batch.Put(key, *value) : batch.Delete(key);
    if (!s.ok()) return rocks_internal::FromRocks(s, path_);
  }
  rocksdb::WriteOptions options;
  options.sync = sync;
  absl::Status status =
      rocks_internal::FromRocks(db_->Write(options, &batch), path_);
  if (!status.ok()) return status;  // the overlay is kept for a retry
  Discard();
  return absl::OkStatus();
}

absl::Status RocksKvImpl::WriteSorted(const std::vector<SortedRow>& rows,
                                      bool sync) {
  if (read_only_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, " is open read-only; nothing can be written"));
  }
  if (absl::Status s = Commit(sync); !s.ok()) return s;
  if (rows.empty()) return absl::OkStatus();
  // Written beside the store's own files (the same file system, so the
  // ingest moves it by a link), under a name RocksDB never uses; a crash
  // leaves it behind, and the next write with the same name replaces it.
  const std::string file = absl::StrCat(path_, "/ingest-", ::getpid(), "-",
                                        ++ingested_files_, ".sst.tmp");
  std::error_code ignored;
  std::filesystem::remove(file, ignored);
  auto fail = [&](const rocksdb::Status& s) {
    std::filesystem::remove(file, ignored);
    return rocks_internal::FromRocks(s, path_);
  };
  // The store's table options. Without point_reads, 16 KiB blocks instead
  // of 4 KiB: a quarter of the blocks to compress (RocksDB starts an LZ4
  // stream per block), at ~2 µs more per uncached point read; with it, the
  // store's own 4 KiB blocks, as its reads want them.
  rocksdb::Options options = rocks_internal::StoreDbOptions(
      {.prefix_filter = prefix_filter_, .point_reads = point_reads_});
  if (!point_reads_) {
    rocks_internal::SetBlockSize(16 << 10, &options);
  }
  rocksdb::SstFileWriter writer(rocksdb::EnvOptions(), options);
  rocksdb::Status s = writer.Open(file);
  if (!s.ok()) return fail(s);
  for (const SortedRow& row : rows) {
    const rocksdb::Slice key(row.key.data(), row.key.size());
    s = row.value.has_value()
            ? writer.Put(key,
                         rocksdb::Slice(row.value->data(), row.value->size()))
            : writer.Delete(key);
    if (!s.ok()) return fail(s);
  }
  s = writer.Finish();  // fsyncs the file
  if (!s.ok()) return fail(s);
  rocksdb::IngestExternalFileOptions ingest;
  ingest.move_files = true;
  s = db_->IngestExternalFile({file}, ingest);
  std::filesystem::remove(file, ignored);  // the store links its own copy
  if (!s.ok()) return rocks_internal::FromRocks(s, path_);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RocksKv>> RocksKv::Open(const std::string& path,
                                                       const Options& options) {
  if (options.secondary) {
    std::string secondary_dir;
    auto db = OpenSecondary(path, options, &secondary_dir);
    if (!db.ok()) return db.status();
    return std::unique_ptr<RocksKv>(new RocksKvImpl(path, *std::move(db),
                                                    /*read_only=*/true, options,
                                                    std::move(secondary_dir)));
  }
  // A projection's store: a torn WAL tail only takes it back to an earlier
  // checkpoint, from which it catches up (rocks_util.h).
  std::string torn_tail;
  auto db = rocks_internal::OpenDbForgivingTornTail(
      path,
      rocks_internal::OpenDbOptions{
          .create_if_missing = options.create_if_missing,
          .read_only = options.read_only,
          .prefix_filter = options.prefix_filter,
          .point_reads = options.point_reads},
      &torn_tail);
  if (!db.ok()) return db.status();
  std::string note;
  if (!torn_tail.empty()) {
    note = absl::StrCat(
        path,
        ": dropped an incomplete record at the end of its write-ahead "
        "log (a write cut short); the store catches up from the log (",
        torn_tail, ")");
  }
  return std::unique_ptr<RocksKv>(new RocksKvImpl(
      path, *std::move(db), options.read_only, options, "", std::move(note)));
}

}  // namespace xueji
