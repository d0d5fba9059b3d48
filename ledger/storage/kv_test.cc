// Tests of RocksKv (overlay, tombstones, merged scans, commit, reopen, locking)
// against real RocksDB directories under the system temp dir.
#include "ledger/storage/kv.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/struct.pb.h"
#include "google/protobuf/timestamp.pb.h"
#include "ledger/base/deterministic.h"
#include "ledger/storage/fold_kv.h"
#include "ledger/storage/kv.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "rocksdb/perf_context.h"
#include "rocksdb/perf_level.h"
#include "rocksdb/table_properties.h"
#include "tests/support/damaged_wal.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<RocksKv> OpenKv(const std::string& path,
                                bool read_only = false) {
  RocksKv::Options options;
  options.read_only = read_only;
  auto kv = RocksKv::Open(path, options);
  REQUIRE(kv.ok());
  return *std::move(kv);
}

std::optional<std::string> GetOrFail(const KvStore& kv, std::string_view key) {
  auto value = kv.Get(key);
  REQUIRE(value.ok());
  return *value;
}

using Pairs = std::vector<std::pair<std::string, std::string>>;

Pairs Scan(const KvStore& kv, std::string_view prefix) {
  Pairs out;
  REQUIRE(kv.ScanPrefix(prefix, [&](std::string_view k, std::string_view v) {
              out.emplace_back(std::string(k), std::string(v));
              return true;
            }).ok());
  return out;
}

TEST_CASE("RocksKv: writes are visible at once but stored only on Commit") {
  TempDir dir;
  auto kv = OpenKv(dir.Sub("db"));
  kv->Put("a", "1");
  CHECK(GetOrFail(*kv, "a") == "1");
  {
    auto reader = OpenKv(dir.Sub("db"), /*read_only=*/true);
    CHECK(GetOrFail(*reader, "a") == std::nullopt);
  }
  REQUIRE(kv->Commit(/*sync=*/true).ok());
  CHECK(kv->PendingBytes() == 0);
  CHECK(GetOrFail(*kv, "a") == "1");
  auto reader = OpenKv(dir.Sub("db"), /*read_only=*/true);
  CHECK(GetOrFail(*reader, "a") == "1");
}

TEST_CASE(
    "CommittedView sees what was committed when it was made, nothing "
    "pending, nothing later") {
  TempDir dir;
  auto rocks = OpenKv(dir.Sub("db"));
  MemoryKv memory;
  for (KvStore* kv :
       {static_cast<KvStore*>(rocks.get()), static_cast<KvStore*>(&memory)}) {
    kv->Put("k/a", "1");
    kv->Put("k/b", "2");
    REQUIRE(kv->Commit(/*sync=*/false).ok());
    kv->Put("k/a", "pending");
    kv->Delete("k/b");
    kv->Put("k/c", "pending");
    std::unique_ptr<KvStore> view = kv->CommittedView();
    REQUIRE(view != nullptr);
    CHECK(GetOrFail(*view, "k/a") == "1");
    CHECK(GetOrFail(*view, "k/b") == "2");
    CHECK(GetOrFail(*view, "k/c") == std::nullopt);
    CHECK(Scan(*view, "k/") == Pairs{{"k/a", "1"}, {"k/b", "2"}});
    REQUIRE(kv->Commit(/*sync=*/false).ok());  // later: not in the view
    CHECK(GetOrFail(*view, "k/a") == "1");
    CHECK(GetOrFail(*view, "k/c") == std::nullopt);
    view->Put("k/d", "4");  // a view takes no writes
    CHECK_FALSE(view->Commit(/*sync=*/false).ok());
    CHECK(GetOrFail(*view, "k/d") == std::nullopt);
    CHECK(GetOrFail(*kv, "k/d") == std::nullopt);
    CHECK(GetOrFail(*kv, "k/c") == "pending");
  }
}

TEST_CASE("RocksKv: a tombstone hides the stored value until Discard") {
  TempDir dir;
  auto kv = OpenKv(dir.Sub("db"));
  kv->Put("k/a", "1");
  kv->Put("k/b", "2");
  REQUIRE(kv->Commit(false).ok());

  kv->Delete("k/a");
  CHECK(GetOrFail(*kv, "k/a") == std::nullopt);
  CHECK(Scan(*kv, "k/") == Pairs{{"k/b", "2"}});
  kv->Discard();
  CHECK(GetOrFail(*kv, "k/a") == "1");
  CHECK(kv->PendingBytes() == 0);

  kv->Delete("k/a");
  kv->Put("k/b", "3");
  REQUIRE(kv->Commit(true).ok());
  kv.reset();
  auto reopened = OpenKv(dir.Sub("db"));
  CHECK(Scan(*reopened, "k/") == Pairs{{"k/b", "3"}});
}

TEST_CASE("RocksKv: ScanPrefix merges overlay and DB in unsigned key order") {
  TempDir dir;
  auto kv = OpenKv(dir.Sub("db"));
  for (const char* k : {"p/1", "p/3", "p/5", "p/\xff", "o/x", "q/x"}) {
    kv->Put(k, std::string("db") + k);
  }
  REQUIRE(kv->Commit(false).ok());
  kv->Put("p/2", "new2");
  kv->Put("p/3", "new3");  // overwrites a stored key
  kv->Delete("p/5");       // hides a stored key
  kv->Put("p/\x80", "new80");
  kv->Put("p/6", "new6");
  kv->Delete("p/7");  // a tombstone with nothing under it
  kv->Put("q/0", "outside");

  const Pairs expected = {{"p/1", "dbp/1"},    {"p/2", "new2"},
                          {"p/3", "new3"},     {"p/6", "new6"},
                          {"p/\x80", "new80"}, {"p/\xff", "dbp/\xff"}};
  CHECK(Scan(*kv, "p/") == expected);

  // The same contents, written the same way, in MemoryKv scan alike.
  MemoryKv memory;
  for (const auto& [k, v] : expected) memory.Put(k, v);
  CHECK(Scan(memory, "p/") == expected);

  SECTION("the visitor can stop early") {
    int visited = 0;
    REQUIRE(kv->ScanPrefix("p/", [&](std::string_view, std::string_view) {
                return ++visited < 3;
              }).ok());
    CHECK(visited == 3);
  }
  SECTION("after Commit the DB alone gives the same scan") {
    REQUIRE(kv->Commit(true).ok());
    kv.reset();
    auto reopened = OpenKv(dir.Sub("db"), /*read_only=*/true);
    CHECK(Scan(*reopened, "p/") == expected);
    CHECK(GetOrFail(*reopened, "p/5") == std::nullopt);
  }
}

TEST_CASE("RocksKv: PendingBytes follows the overlay") {
  TempDir dir;
  auto kv = OpenKv(dir.Sub("db"));
  CHECK(kv->PendingBytes() == 0);
  kv->Put("key", "value");  // 3 + 5
  CHECK(kv->PendingBytes() == 8);
  kv->Put("key", "v");  // replaced: 3 + 1
  CHECK(kv->PendingBytes() == 4);
  kv->Delete("other");  // 5 + 0
  CHECK(kv->PendingBytes() == 9);
  REQUIRE(kv->Commit(false).ok());
  CHECK(kv->PendingBytes() == 0);
}

TEST_CASE("RocksKv: committed data survives reopening") {
  TempDir dir;
  {
    auto kv = OpenKv(dir.Sub("db"));
    for (int i = 0; i < 100; ++i) {
      kv->Put("n/" + EncodeFixed32BE(i), std::to_string(i * i));
    }
    REQUIRE(kv->Commit(true).ok());
    kv->Put("n/uncommitted", "lost");  // dropped with the object
  }
  auto kv = OpenKv(dir.Sub("db"));
  const Pairs all = Scan(*kv, "n/");
  REQUIRE(all.size() == 100);
  CHECK(DecodeFixed32BE(all[42].first.substr(2)) == 42);
  CHECK(all[42].second == "1764");
  CHECK(GetOrFail(*kv, "n/uncommitted") == std::nullopt);
}

TEST_CASE("RocksKv: a reader opens beside the writer, a second writer cannot") {
  TempDir dir;
  auto writer = OpenKv(dir.Sub("db"));
  writer->Put("x", "committed");
  REQUIRE(writer->Commit(true).ok());
  writer->Put("y", "pending");

  auto reader = OpenKv(dir.Sub("db"), /*read_only=*/true);
  CHECK(GetOrFail(*reader, "x") == "committed");
  CHECK(GetOrFail(*reader, "y") == std::nullopt);

  reader->Put("z", "refused");
  CHECK(GetOrFail(*reader, "z") == std::nullopt);
  absl::Status commit = reader->Commit(true);
  CHECK(absl::IsFailedPrecondition(commit));

  auto second = RocksKv::Open(dir.Sub("db"), RocksKv::Options());
  REQUIRE_FALSE(second.ok());
  CHECK(absl::IsUnavailable(second.status()));
  CHECK(second.status().message().find("is locked by another process") !=
        absl::string_view::npos);
  CHECK(second.status().message().find(dir.Sub("db")) !=
        absl::string_view::npos);
}

TEST_CASE("RocksKv: read-only open of a missing database fails") {
  TempDir dir;
  RocksKv::Options options;
  options.read_only = true;
  auto kv = RocksKv::Open(dir.Sub("db"), options);
  REQUIRE_FALSE(kv.ok());
  CHECK(absl::IsNotFound(kv.status()));
  CHECK_FALSE(std::filesystem::exists(dir.Sub("db") + "/CURRENT"));
}

TEST_CASE("RocksKv: random operations agree with MemoryKv") {
  TempDir dir;
  auto kv = OpenKv(dir.Sub("db"));
  MemoryKv model;
  std::mt19937 rng(20250901);
  auto key = [&] { return "r/" + std::to_string(rng() % 40); };
  for (int round = 0; round < 400; ++round) {
    const unsigned op = rng() % 10;
    if (op < 5) {
      const std::string k = key(), v = std::to_string(rng());
      kv->Put(k, v);
      model.Put(k, v);
    } else if (op < 8) {
      const std::string k = key();
      kv->Delete(k);
      model.Delete(k);
    } else {
      REQUIRE(kv->Commit(op == 9).ok());
    }
    if (round % 50 == 49) {
      REQUIRE(Scan(*kv, "r/") == Scan(model, "r/"));
      const std::string k = key();
      REQUIRE(GetOrFail(*kv, k) == GetOrFail(model, k));
    }
  }
  REQUIRE(kv->Commit(true).ok());
  kv.reset();
  auto reopened = OpenKv(dir.Sub("db"));
  CHECK(Scan(*reopened, "r/") == Scan(model, "r/"));
  CHECK_FALSE(Scan(model, "r/").empty());
}

TEST_CASE("RocksKv: a damaged write-ahead log is DataLoss naming the file") {
  TempDir dir;
  {
    auto kv = OpenKv(dir.Sub("db"));
    for (int i = 0; i < 20; ++i) {
      kv->Put("k" + std::to_string(i), std::string(100, 'v'));
      REQUIRE(kv->Commit(/*sync=*/true).ok());
    }
  }
  const fs::path wal = testing::WalOf(dir.Sub("db"));
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(wal) / 3));
    f.put('\x5a');
  }
  testing::CheckDamagedWalIsDataLoss(wal, [&](bool read_only) {
    RocksKv::Options options;
    options.read_only = read_only;
    return RocksKv::Open(dir.Sub("db"), options).status();
  });
}

TEST_CASE(
    "RocksKv: a torn last record is dropped, with a note, earlier "
    "commits stay") {
  TempDir dir;
  {
    auto kv = OpenKv(dir.Sub("db"));
    kv->Put("a", "1");
    REQUIRE(kv->Commit(/*sync=*/true).ok());
    kv->Put("b", std::string(1000, 'x'));
    REQUIRE(kv->Commit(/*sync=*/true).ok());
  }
  const fs::path wal = testing::WalOf(dir.Sub("db"));
  fs::resize_file(wal, fs::file_size(wal) - 500);
  auto kv = OpenKv(dir.Sub("db"));
  CHECK(kv->recovery_note().find("incomplete record") != std::string::npos);
  CHECK(GetOrFail(*kv, "a") == "1");
  CHECK(GetOrFail(*kv, "b") == std::nullopt);
  CHECK(kv->VerifyChecksums().ok());
}

TEST_CASE("RocksKv: a flipped bit in a table file fails VerifyChecksums") {
  TempDir dir;
  {
    auto kv = OpenKv(dir.Sub("db"));
    for (int i = 0; i < 200; ++i) {
      kv->Put("key" + std::to_string(i), std::string(50, 'a' + i % 26));
    }
    REQUIRE(kv->Commit(/*sync=*/true).ok());
  }
  { auto flushed = OpenKv(dir.Sub("db")); }  // the WAL into a table file
  fs::path table;
  for (const auto& entry : fs::directory_iterator(dir.Sub("db"))) {
    if (entry.path().extension() == ".sst") table = entry.path();
  }
  REQUIRE(!table.empty());
  {
    std::fstream f(table, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(100);
    char c = 0;
    f.get(c);
    f.seekp(100);
    f.put(static_cast<char>(c ^ 0x04));
  }
  RocksKv::Options read_only;
  read_only.read_only = true;
  auto kv = RocksKv::Open(dir.Sub("db"), read_only);
  REQUIRE(kv.ok());
  absl::Status verified = (*kv)->VerifyChecksums();
  CHECK(absl::IsDataLoss(verified));
  CHECK(std::string(verified.message()).find(table.filename().string()) !=
        std::string::npos);
}

}  // namespace
}  // namespace xueji

namespace xueji {
namespace {

TEST_CASE("MemoryKv: Discard undoes what was written since the last Commit") {
  MemoryKv kv;
  kv.Put("a", "1");
  kv.Put("b", "2");
  REQUIRE(kv.Commit(/*sync=*/false).ok());
  CHECK(kv.PendingBytes() == 0);
  kv.Put("a", "changed");
  kv.Put("a", "changed again");
  kv.Delete("b");
  kv.Put("c", "new");
  CHECK(kv.PendingBytes() > 0);
  CHECK(kv.Get("a")->value() == "changed again");  // read-your-writes
  kv.Discard();
  CHECK(kv.contents() ==
        std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}});
  CHECK(kv.PendingBytes() == 0);
}

}  // namespace
}  // namespace xueji

namespace xueji {
namespace {

// FoldKv over a RocksKv (sorted files ingested) and over a MemoryKv, driven
// alongside a MemoryKv model with Discard: reads, scans and the stored rows
// agree at every step, with and without rows kept in memory.
TEST_CASE("FoldKv: random operations agree with MemoryKv — Commit ingests") {
  for (size_t cache : {size_t{1} << 20, size_t{0}}) {
    DYNAMIC_SECTION("cache bytes " << cache) {
      TempDir dir;
      auto rocks = OpenKv(dir.Sub("db"));
      rocks->Put("r/base", "from before");  // a row the fold must see
      REQUIRE(rocks->Commit(false).ok());
      MemoryKv model, memory_base;
      model.Put("r/base", "from before");
      memory_base.Put("r/base", "from before");
      REQUIRE(model.Commit(false).ok());
      REQUIRE(memory_base.Commit(false).ok());
      // One of the two keeps the keys under "r/1" in order too.
      FoldKv fold(rocks.get(), cache),
          fold_mem(&memory_base, FoldKv::Options{.cache_bytes = cache,
                                                 .ordered_prefixes = {"r/1"}});
      std::mt19937 rng(20261129);
      auto key = [&] { return "r/" + std::to_string(rng() % 40); };
      int commits = 0;
      for (int round = 0; round < 600; ++round) {
        const unsigned op = rng() % 12;
        if (op < 5) {
          const std::string k = key(), v = std::to_string(rng());
          fold.Put(k, v);
          fold_mem.Put(k, v);
          model.Put(k, v);
        } else if (op < 7) {
          const std::string k = op == 6 ? "r/base" : key();
          fold.Delete(k);
          fold_mem.Delete(k);
          model.Delete(k);
        } else if (op < 9) {
          const std::string k = key();
          REQUIRE(GetOrFail(fold, k) == GetOrFail(model, k));
          REQUIRE(GetOrFail(fold_mem, k) == GetOrFail(model, k));
        } else if (op < 11) {
          REQUIRE(fold.Commit(false).ok());
          REQUIRE(fold_mem.Commit(false).ok());
          REQUIRE(model.Commit(false).ok());
          ++commits;
          // What was committed is in the base store itself.
          REQUIRE(Scan(*rocks, "r/") == Scan(model, "r/"));
          REQUIRE(Scan(memory_base, "r/") == Scan(model, "r/"));
          REQUIRE(fold.PendingBytes() == 0);
        } else {
          fold.Discard();
          fold_mem.Discard();
          model.Discard();
        }
        if (round % 25 == 24) {
          REQUIRE(Scan(fold, "r/") == Scan(model, "r/"));
          REQUIRE(Scan(fold_mem, "r/") == Scan(model, "r/"));
          REQUIRE(Scan(fold, "r/1") == Scan(model, "r/1"));
        }
      }
      REQUIRE(fold.Commit(true).ok());
      REQUIRE(model.Commit(true).ok());
      CHECK(commits > 20);
      rocks.reset();
      auto reopened = OpenKv(dir.Sub("db"));
      CHECK(Scan(*reopened, "r/") == Scan(model, "r/"));
      CHECK_FALSE(Scan(model, "r/").empty());
      // The ingested files are checked like any other.
      CHECK(reopened->VerifyChecksums().ok());
    }
  }
}

// Write-behind (the decider state's use): Commit keeps the transaction in
// memory, Discard puts back what the open transaction changed (rows written
// earlier and only committed alike), and the base store holds what was
// committed as of the last write-out: never a pending write, never less than
// it had.
TEST_CASE("FoldKv write-behind: Discard undoes only the open transaction") {
  const size_t write_behind = GENERATE(size_t{1}, size_t{300}, size_t{1} << 30);
  const size_t cache = GENERATE(size_t{0}, size_t{1} << 20);
  const std::vector<std::string> ordered =
      GENERATE(std::vector<std::string>{}, std::vector<std::string>{"r/1"},
               std::vector<std::string>{"r/"});
  CAPTURE(write_behind, cache, ordered);
  TempDir dir;
  auto rocks = OpenKv(dir.Sub("db"));
  rocks->Put("r/base", "from before");
  REQUIRE(rocks->Commit(false).ok());
  MemoryKv model;  // what the fold reads
  model.Put("r/base", "from before");
  REQUIRE(model.Commit(false).ok());
  MemoryKv written;  // what the base must hold after a write-out
  written.Put("r/base", "from before");
  REQUIRE(written.Commit(false).ok());
  FoldKv fold(rocks.get(), FoldKv::Options{.cache_bytes = cache,
                                           .write_behind_bytes = write_behind,
                                           .ordered_prefixes = ordered});
  std::mt19937 rng(20261130);
  auto key = [&] { return "r/" + std::to_string(rng() % 40); };
  google::protobuf::Timestamp message;  // any message row will do
  int discards = 0, write_outs = 0;
  for (int round = 0; round < 800; ++round) {
    const unsigned op = rng() % 14;
    if (op < 4) {
      const std::string k = key(), v = std::to_string(rng());
      fold.Put(k, v);
      model.Put(k, v);
    } else if (op < 6) {
      const std::string k = key();
      message.set_seconds(static_cast<int64_t>(rng()));
      fold.PutMessage(k, message);
      model.PutMessage(k, message);
    } else if (op < 7) {
      const std::string k = rng() % 3 == 0 ? "r/base" : key();
      fold.Delete(k);
      model.Delete(k);
    } else if (op < 9) {
      const std::string k = key();
      REQUIRE(GetOrFail(fold, k) == GetOrFail(model, k));
    } else if (op < 11) {
      const size_t before = fold.unwritten_bytes();
      REQUIRE(fold.Commit(false).ok());
      REQUIRE(model.Commit(false).ok());
      REQUIRE(fold.PendingBytes() == 0);
      if (fold.unwritten_bytes() == 0 && before > 0) {
        written = MemoryKv();
        for (const auto& [k, v] : model.contents()) written.Put(k, v);
        REQUIRE(written.Commit(false).ok());
        ++write_outs;
      }
    } else if (op < 13) {
      fold.Discard();
      model.Discard();
      ++discards;
    } else {
      // Not with writes pending; else everything committed goes out.
      absl::Status out = fold.WriteOut(false);
      if (fold.PendingBytes() > 0) {
        REQUIRE(out.code() == absl::StatusCode::kFailedPrecondition);
      } else {
        REQUIRE(out.ok());
        REQUIRE(fold.unwritten_bytes() == 0);
        written = MemoryKv();
        for (const auto& [k, v] : model.contents()) written.Put(k, v);
        REQUIRE(written.Commit(false).ok());
      }
    }
    if (round % 20 == 19) {
      REQUIRE(Scan(fold, "r/") == Scan(model, "r/"));
      REQUIRE(Scan(fold, "r/1") == Scan(model, "r/1"));
      REQUIRE(Scan(*rocks, "r/") == Scan(written, "r/"));
    }
  }
  CHECK(discards > 50);
  if (write_behind == 1) CHECK(write_outs > 50);
  if (write_behind == (size_t{1} << 30)) CHECK(write_outs == 0);
  fold.Discard();
  model.Discard();
  REQUIRE(fold.WriteOut(true).ok());
  rocks.reset();
  auto reopened = OpenKv(dir.Sub("db"));
  CHECK(Scan(*reopened, "r/") == Scan(model, "r/"));
}

// A base store whose WriteSorted fails while `full` is set (a full disk).
class FullDiskKv : public MemoryKv {
 public:
  absl::Status WriteSorted(const std::vector<SortedRow>& rows,
                           bool sync) override {
    if (full) return absl::ResourceExhaustedError("disk full");
    return MemoryKv::WriteSorted(rows, sync);
  }
  bool full = false;
};

// Write-behind, a write-out that fails: the transaction stays committed in
// memory (reads see it, Discard does not take it back), the base store as
// it was, and the next write-out writes it all.
TEST_CASE("FoldKv write-behind: a write-out that fails loses nothing") {
  FullDiskKv base;
  base.Put("r/base", "from before");
  REQUIRE(base.Commit(false).ok());
  FoldKv fold(&base, FoldKv::Options{.write_behind_bytes = 1});
  fold.Put("r/a", "1");
  fold.Delete("r/base");
  base.full = true;
  absl::Status committed = fold.Commit(false);
  CHECK(committed.code() == absl::StatusCode::kResourceExhausted);
  fold.Discard();  // nothing pending: the failed write-out's rows stay
  CHECK(GetOrFail(fold, "r/a") == "1");
  CHECK_FALSE(GetOrFail(fold, "r/base").has_value());
  CHECK(Scan(base, "r/") == Pairs{{"r/base", "from before"}});
  CHECK(fold.unwritten_bytes() > 0);
  CHECK(fold.WriteOut(false).code() == absl::StatusCode::kResourceExhausted);
  base.full = false;
  REQUIRE(fold.WriteOut(false).ok());
  CHECK(fold.unwritten_bytes() == 0);
  CHECK(Scan(base, "r/") == Pairs{{"r/a", "1"}});
}

std::unique_ptr<RocksKv> OpenWithPrefixFilter(const std::string& path,
                                              bool prefix_filter) {
  RocksKv::Options options;
  options.prefix_filter = prefix_filter;
  auto kv = RocksKv::Open(path, options);
  REQUIRE(kv.ok());
  return *std::move(kv);
}

// Keys as the views lay them out: a namespace byte, an id ended by '\0',
// then more bytes (which may hold zeros and 0xff); some keys without '\0'.
std::string ViewsLikeKey(std::mt19937& rng) {
  static const char* kIds[] = {"a", "ab", "b", "b\xff", "\xff", ""};
  std::string key(1, "HIRN"[rng() % 4]);
  key.append(kIds[rng() % 6]);
  if (rng() % 5 == 0) return key;  // no zero byte: outside the domain
  key.push_back('\0');
  for (unsigned i = rng() % 3; i > 0; --i) {
    key.push_back(static_cast<char>("\0\x01\xff"[rng() % 3]));
  }
  return key;
}

TEST_CASE(
    "RocksKv prefix_filter: scans and reads agree with MemoryKv, whichever "
    "way the files were written") {
  TempDir dir;
  const bool write_with = GENERATE(false, true);
  const bool read_with = GENERATE(false, true);
  CAPTURE(write_with, read_with);
  MemoryKv model;
  std::mt19937 rng(20261130);
  std::vector<std::string> probes = {
      "",        "H",   "Ha", "Ha\0",      "Hb\xff\0",     "H\xff",
      "H\xff\0", "I\0", "N",  "Rab\0\xff", "Rab\0\xff\xff"};
  for (int i = 0; i < 60; ++i) probes.push_back(ViewsLikeKey(rng));
  auto check = [&](const KvStore& kv) {
    for (const std::string& prefix : probes) {
      CAPTURE(prefix);
      REQUIRE(Scan(kv, prefix) == Scan(model, prefix));
      REQUIRE(GetOrFail(kv, prefix) == GetOrFail(model, prefix));
    }
  };
  {
    auto kv = OpenWithPrefixFilter(dir.Sub("db"), write_with);
    for (int round = 0; round < 12; ++round) {
      // Table files (sorted rows ingested), then memtable and overlay rows.
      std::map<std::string, std::optional<std::string>> sorted;
      for (int i = 0; i < 40; ++i) {
        const std::string k = ViewsLikeKey(rng);
        sorted[k] = rng() % 4 == 0 ? std::nullopt
                                   : std::optional(std::to_string(rng()));
      }
      std::vector<KvStore::SortedRow> rows;
      for (const auto& [k, v] : sorted) {
        rows.push_back({k, v});
        if (v.has_value()) {
          model.Put(k, *v);
        } else {
          model.Delete(k);
        }
      }
      REQUIRE(kv->WriteSorted(rows, false).ok());
      for (int i = 0; i < 10; ++i) {
        const std::string k = ViewsLikeKey(rng);
        if (rng() % 3 == 0) {
          kv->Delete(k);
          model.Delete(k);
        } else {
          const std::string v = std::to_string(rng());
          kv->Put(k, v);
          model.Put(k, v);
        }
      }
      if (round % 2 == 0) REQUIRE(kv->Commit(false).ok());
      check(*kv);  // overlay and store
    }
    REQUIRE(kv->Commit(true).ok());
    check(*kv->CommittedView());
  }
  auto reopened = OpenWithPrefixFilter(dir.Sub("db"), read_with);
  check(*reopened);
  check(*reopened->CommittedView());
  CHECK_FALSE(Scan(model, "H").empty());
}

TEST_CASE(
    "RocksKv prefix_filter: a scan of one id reads only the table files that "
    "may hold it") {
  TempDir dir;
  auto kv = OpenWithPrefixFilter(dir.Sub("db"), /*prefix_filter=*/true);
  // Three table files (fewer than the 4 that start a compaction), each
  // spanning the whole key range (as the views' files do), each with the
  // rows of one id.
  constexpr int kFiles = 3;
  for (int f = 0; f < kFiles; ++f) {
    const std::string id = "s" + std::to_string(f);
    std::vector<std::string> keys = {"A" + id, "H" + id + std::string(1, '\0'),
                                     "H" + id + std::string("\0\x01", 2),
                                     "Z" + id};
    std::vector<KvStore::SortedRow> rows;
    for (const std::string& k : keys) rows.push_back({k, "v" + k});
    REQUIRE(kv->WriteSorted(rows, false).ok());
  }
  kv.reset();
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir.Sub("db"))) {
    files += entry.path().extension() == ".sst" ? 1 : 0;
  }
  REQUIRE(files == kFiles);
  auto reader = OpenWithPrefixFilter(dir.Sub("db"), /*prefix_filter=*/true);
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  const Pairs rows = Scan(*reader, std::string("Hs1\0", 4));
  // Data blocks visited, from the block cache (ingesting a file reads its
  // first and last keys, and caches their blocks) or from the file.
  auto visited = [] {
    const rocksdb::PerfContext& perf = *rocksdb::get_perf_context();
    return perf.block_cache_hit_count + perf.block_read_count;
  };
  const uint64_t blocks = visited();
  rocksdb::get_perf_context()->Reset();
  const Pairs all = Scan(*reader, "H");  // no zero byte: every file
  const uint64_t blocks_all = visited();
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kDisable);
  CHECK(rows.size() == 2);
  CHECK(all.size() == 2 * kFiles);
  CHECK(blocks == 1);  // one data block of one file (index and filter
                       // blocks are held by the table readers)
  CHECK(blocks_all >= kFiles);
}

// The table files of the store at `path` (opened read-only, plain options):
// file name -> (compression name, mean stored bytes per data block).
std::map<std::string, std::pair<std::string, double>> TableLayouts(
    const std::string& path) {
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::Options(), path, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::TablePropertiesCollection tables;
  REQUIRE(db->GetPropertiesOfAllTables(&tables).ok());
  std::map<std::string, std::pair<std::string, double>> out;
  for (const auto& [file, props] : tables) {
    REQUIRE(props->num_data_blocks > 0);
    out[fs::path(file).filename().string()] = {
        props->compression_name,
        static_cast<double>(props->data_size) / props->num_data_blocks};
  }
  return out;
}

TEST_CASE(
    "RocksKv small_write_bytes: a small WriteSorted goes through the "
    "write-ahead log, a large one is a table file") {
  TempDir dir;
  RocksKv::Options options;
  options.small_write_bytes = 4096;
  auto kv = RocksKv::Open(dir.Sub("db"), options);
  REQUIRE(kv.ok());
  // 100 rows of ~105 bytes: past the bound, one table file.
  std::vector<std::string> keys;
  for (int i = 0; i < 100; ++i) keys.push_back("k" + std::to_string(100 + i));
  const std::string value(100, 'v');
  std::vector<KvStore::SortedRow> large;
  for (const std::string& k : keys) large.push_back({k, value});
  REQUIRE((*kv)->WriteSorted(large, false).ok());
  CHECK(TableLayouts(dir.Sub("db")).size() == 1);
  // Three rows (a change, a delete, a new row): under it, no new file.
  const std::vector<KvStore::SortedRow> small = {
      {"k101", "changed"}, {"k150", std::nullopt}, {"k300", "new"}};
  REQUIRE((*kv)->WriteSorted(small, false).ok());
  CHECK(TableLayouts(dir.Sub("db")).size() == 1);
  auto check = [&](const KvStore& store) {
    CHECK(GetOrFail(store, "k100") == value);
    CHECK(GetOrFail(store, "k101") == "changed");
    CHECK_FALSE(store.Get("k150")->has_value());
    CHECK(GetOrFail(store, "k300") == "new");
  };
  check(**kv);
  kv->reset();
  // Durable: a store opened again (without the option) reads the same.
  auto reopened = RocksKv::Open(dir.Sub("db"), RocksKv::Options{});
  REQUIRE(reopened.ok());
  check(**reopened);
}

TEST_CASE(
    "RocksKv point_reads: flushed and ingested table files have 4 KiB "
    "blocks, and a store written without it reads the same") {
  TempDir dir;
  MemoryKv model;
  std::mt19937 rng(20261130);
  // Random values (LZ4 cannot shrink them, so stored block sizes show the
  // configured ones), 300 bytes each, under views-like keys.
  auto sorted_rows = [&](char ns, int n) {
    std::map<std::string, std::string> rows;
    for (int i = 0; i < n; ++i) {
      std::string value(300, '\0');
      for (char& c : value) c = static_cast<char>(rng());
      rows[std::string(1, ns) + std::to_string(rng()) + std::string(1, '\0') +
           std::to_string(i)] = value;
    }
    for (const auto& [k, v] : rows) model.Put(k, v);
    return rows;
  };
  auto write_sorted = [](RocksKv& kv,
                         const std::map<std::string, std::string>& rows) {
    std::vector<KvStore::SortedRow> out;
    for (const auto& [k, v] : rows) out.push_back({k, v});
    REQUIRE(kv.WriteSorted(out, true).ok());
  };
  auto open = [&](bool point_reads) {
    RocksKv::Options options;
    options.prefix_filter = true;
    options.point_reads = point_reads;
    auto kv = RocksKv::Open(dir.Sub("db"), options);
    REQUIRE(kv.ok());
    return *std::move(kv);
  };
  std::set<std::string> before;
  {
    auto kv = open(/*point_reads=*/false);  // as views were written before
    write_sorted(*kv, sorted_rows('H', 400));
  }
  for (const auto& [file, layout] : TableLayouts(dir.Sub("db"))) {
    CHECK(layout.first == "LZ4");
    CHECK(layout.second > 12 << 10);  // 16 KiB blocks
    before.insert(file);
  }
  {
    auto kv = open(/*point_reads=*/true);
    write_sorted(*kv, sorted_rows('I', 400));
    for (const auto& [k, v] : sorted_rows('R', 400)) kv->Put(k, v);
    REQUIRE(kv->Commit(true).ok());  // to the WAL and the memtable
  }
  // Reopening flushes the recovered memtable to a table file.
  auto kv = open(/*point_reads=*/true);
  CHECK(Scan(*kv, "") == Scan(model, ""));
  CHECK(Scan(*kv, "H").size() == 400);
  kv.reset();
  const auto layouts = TableLayouts(dir.Sub("db"));
  int written_after = 0;
  for (const auto& [file, layout] : layouts) {
    CAPTURE(file);
    if (before.count(file) > 0) continue;
    ++written_after;
    CHECK(layout.first == "LZ4");
    CHECK(layout.second <= 4 << 10);
    CHECK(layout.second > 3 << 10);
  }
  CHECK(written_after == 2);  // the ingested file and the flushed one
}

TEST_CASE(
    "FoldKv: a row only written leaves memory on Commit, one read stays") {
  MemoryKv base;
  FoldKv fold(&base);
  fold.Put("written", "1");
  REQUIRE(GetOrFail(fold, "read") == std::nullopt);
  fold.Put("read", "2");
  CHECK(fold.PendingBytes() > 0);
  REQUIRE(fold.Commit(false).ok());
  CHECK(fold.resident_rows() == 1);  // "read"
  CHECK(GetOrFail(base, "written") == "1");
  CHECK(GetOrFail(base, "read") == "2");
  CHECK(GetOrFail(fold, "written") == "1");  // back from the base
}

// Message rows stay decoded in a FoldKv; what it stores and what Get,
// ScanPrefix and GetMessage see are those of the default (MemoryKv): the
// deterministic bytes (a Struct's map entries in key order).
TEST_CASE("FoldKv: message rows read and store as their deterministic bytes") {
  for (size_t cache : {size_t{1} << 20, size_t{0}}) {
    DYNAMIC_SECTION("cache bytes " << cache) {
      MemoryKv base, model;
      std::mt19937 rng(20261130);
      auto message = [&] {
        google::protobuf::Struct m;
        for (unsigned i = rng() % 5; i > 0; --i) {
          (*m.mutable_fields())["f" + std::to_string(rng() % 9)]
              .set_string_value(std::string(rng() % 30, 'x'));
        }
        return m;
      };
      const google::protobuf::Struct first = message();
      base.PutMessage("m/base", first);
      model.PutMessage("m/base", first);
      REQUIRE(base.Commit(false).ok());
      REQUIRE(model.Commit(false).ok());
      FoldKv fold(&base, cache);
      auto key = [&] { return "m/" + std::to_string(rng() % 12); };
      auto got = [](const KvStore& kv, const std::string& k) {
        google::protobuf::Struct m;
        auto row = kv.GetMessage(k, &m);
        REQUIRE(row.ok());
        return std::make_pair(*row, DeterministicBytes(m));
      };
      for (int round = 0; round < 800; ++round) {
        const unsigned op = rng() % 14;
        const std::string k = op % 7 == 0 ? "m/base" : key();
        if (op < 6) {
          const google::protobuf::Struct m = message();
          fold.PutMessage(k, m);
          model.PutMessage(k, m);
        } else if (op < 7) {  // another type at the same key
          google::protobuf::Timestamp t;
          t.set_seconds(rng() % 1000);
          fold.PutMessage(k, t);
          model.PutMessage(k, t);
        } else if (op < 8) {
          const std::string v = std::to_string(rng());
          fold.Put(k, v);
          model.Put(k, v);
        } else if (op < 9) {
          fold.Delete(k);
          model.Delete(k);
        } else if (op < 11) {
          REQUIRE(got(fold, k) == got(model, k));
          REQUIRE(GetOrFail(fold, k) == GetOrFail(model, k));
        } else if (op < 13) {
          REQUIRE(fold.Commit(false).ok());
          REQUIRE(model.Commit(false).ok());
          REQUIRE(Scan(base, "m/") == Scan(model, "m/"));
        } else {
          fold.Discard();
          model.Discard();
        }
        if (round % 25 == 24) REQUIRE(Scan(fold, "m/") == Scan(model, "m/"));
      }
      REQUIRE(fold.Commit(false).ok());
      REQUIRE(model.Commit(false).ok());
      CHECK(Scan(base, "m/") == Scan(model, "m/"));
      CHECK(Scan(model, "m/").size() > 5);
    }
  }
}

}  // namespace
}  // namespace xueji
