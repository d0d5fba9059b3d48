// The RocksDB helpers of rocks_util.h: the options every ledger database opens
// with (one block cache per process, one StoreDbOptions), opening with the
// chosen WAL recovery mode, checksum verification, and rocksdb::Status ->
// absl::Status at the boundary. Used by rocks_kv.cc and ledger/log.
#include "ledger/storage/rocks_util.h"

#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/log.h"
#include "rocksdb/cache.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/table.h"
#include "rocksdb/transaction_log.h"

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
  if (open.tiered) {
    // Measured at 1M children (docs/benchmarks.md, session 16): compaction
    // wrote 30-35 % less for the views and the state; a submit took 13 %
    // less wall time and 12 % less CPU (means of four runs each), a replay
    // 9 % less wall time (three each); the reads' p99 was no worse. A
    // submit's peak memory rose from 1.1-1.3 to 1.4-1.5 GB.
    options.compaction_style = rocksdb::kCompactionStyleUniversal;
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

void CloseWritableDb(std::unique_ptr<rocksdb::DB> db, uint64_t flush_above) {
  if (db == nullptr) return;
  // What the next open would replay: the live write-ahead log files.
  rocksdb::VectorLogPtr wals;
  uint64_t wal_bytes = 0;
  if (db->GetSortedWalFiles(wals).ok()) {
    for (const auto& wal : wals) {
      if (wal->Type() == rocksdb::kAliveLogFile)
        wal_bytes += wal->SizeFileBytes();
    }
  }
  if (wal_bytes > flush_above) {
    rocksdb::FlushOptions flush;
    flush.wait = true;
    db->Flush(flush).PermitUncheckedError();  // on failure the WAL stays
  }
  db.reset();
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

}  // namespace xueji
