// StoreDbOptions, the one place OpenDbOptions become RocksDB's options:
// every field of OpenDbOptions is read there.
#include "ledger/storage/rocks_util.h"

#include <catch2/catch.hpp>
#include <string>

#include "rocksdb/slice_transform.h"

namespace xueji::rocks_internal {
namespace {

TEST_CASE("StoreDbOptions: the defaults are the ledger's strict options",
          "[unit][rocks]") {
  const rocksdb::Options options = StoreDbOptions({});
  CHECK_FALSE(options.create_if_missing);
  CHECK(options.wal_recovery_mode ==
        rocksdb::WALRecoveryMode::kAbsoluteConsistency);
  CHECK(options.memtable_insert_with_hint_prefix_extractor == nullptr);
  CHECK(options.prefix_extractor == nullptr);
}

TEST_CASE("StoreDbOptions: every field of OpenDbOptions", "[unit][rocks]") {
  CHECK(StoreDbOptions({.create_if_missing = true}).create_if_missing);
  CHECK_FALSE(StoreDbOptions({.create_if_missing = true, .read_only = true})
                  .create_if_missing);
  CHECK(StoreDbOptions({.wal = WalRecovery::kTolerateTornTail})
            .wal_recovery_mode ==
        rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords);

  // The embedded log's memtable insert hint ("e" + partition).
  const rocksdb::Options log = StoreDbOptions({.ascending_prefix = 5});
  REQUIRE(log.memtable_insert_with_hint_prefix_extractor != nullptr);
  CHECK(log.memtable_insert_with_hint_prefix_extractor->Transform("e0123456789")
            .ToString() == "e0123");
  CHECK(log.prefix_extractor == nullptr);

  // The views' prefix bloom filters.
  const rocksdb::Options views = StoreDbOptions({.prefix_filter = true});
  REQUIRE(views.prefix_extractor != nullptr);
  CHECK(std::string(views.prefix_extractor->Name()) ==
        "xueji.ZeroTerminatedPrefix.1");
  CHECK(views.memtable_insert_with_hint_prefix_extractor == nullptr);
}

}  // namespace
}  // namespace xueji::rocks_internal
