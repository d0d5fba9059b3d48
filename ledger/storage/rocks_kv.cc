// RocksKv: a KvStore over one RocksDB database (default column family), with
// a write overlay committed as one WriteBatch.
//
// Key layout: none of its own — keys and values are the caller's bytes, in
// RocksDB's bytewise order (the same unsigned-byte order as std::string's).
// The overlay maps key -> value, or key -> nullopt for a pending delete
// (a tombstone that hides the DB's value until Commit).
//
// The RocksDB options and Status translation it opens with are rocks_util.h's
// (rocks_util.cc), shared with ledger/log.
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "ledger/storage/kv.h"
#include "ledger/storage/rocks_util.h"
#include "rocksdb/convenience.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/sst_file_writer.h"
#include "rocksdb/write_batch.h"

namespace xueji {
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
  rocksdb::Options options =
      rocks_internal::StoreDbOptions({.prefix_filter = open.prefix_filter,
                                      .point_reads = open.point_reads,
                                      .tiered = true});
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
        small_write_bytes_(options.small_write_bytes),
        secondary_dir_(std::move(secondary_dir)),
        recovery_note_(std::move(recovery_note)) {}
  ~RocksKvImpl() override {
    if (read_only_) {
      db_.reset();  // before its secondary directory goes
    } else {
      rocks_internal::CloseWritableDb(std::move(db_));
    }
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
  // WriteSorted below small_write_bytes_: one synced WriteBatch.
  absl::Status WriteBatchOf(const std::vector<SortedRow>& rows);

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
  const size_t small_write_bytes_;   // RocksKv::Options::small_write_bytes
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

absl::Status RocksKvImpl::WriteBatchOf(const std::vector<SortedRow>& rows) {
  // Through the overlay (empty: WriteSorted committed it first) and Commit's
  // one WriteBatch, synced: durable on return, as a table file would be. A
  // failure leaves the store and the overlay as they were.
  for (const SortedRow& row : rows) {
    Set(row.key, row.value.has_value()
                     ? std::optional<std::string>(std::string(*row.value))
                     : std::nullopt);
  }
  absl::Status written = Commit(/*sync=*/true);
  if (!written.ok()) Discard();
  return written;
}

absl::Status RocksKvImpl::WriteSorted(const std::vector<SortedRow>& rows,
                                      bool sync) {
  if (read_only_) {
    return absl::FailedPreconditionError(
        absl::StrCat(path_, " is open read-only; nothing can be written"));
  }
  if (absl::Status s = Commit(sync); !s.ok()) return s;
  if (rows.empty()) return absl::OkStatus();
  if (small_write_bytes_ > 0) {
    size_t bytes = 0;
    for (const SortedRow& row : rows) {
      bytes += row.key.size() + (row.value.has_value() ? row.value->size() : 0);
    }
    if (bytes < small_write_bytes_) return WriteBatchOf(rows);
  }
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
          .point_reads = options.point_reads,
          .tiered = true},
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
