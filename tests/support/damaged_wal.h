// Write-ahead-log damage for the tests of the RocksDB-backed stores (RocksKv
// and the embedded log), instead of a copy in each: `WalOf` finds the WAL file
// of a RocksDB directory that holds data, `CheckDamagedWalIsDataLoss` opens the
// store read-write and read-only and CHECKs both are DataLoss naming that file.
// Test-only and header-only: it needs std::filesystem, absl::Status and
// Catch2, not xueji_test_support.
//
// Thread-safety: one test thread; the store must be closed.
#ifndef XUEJI_TESTS_SUPPORT_DAMAGED_WAL_H_
#define XUEJI_TESTS_SUPPORT_DAMAGED_WAL_H_

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "absl/status/status.h"

namespace xueji::testing {

// The write-ahead log file (*.log) of the RocksDB directory `path` that holds
// data (one after a write); REQUIREs there is one.
inline std::filesystem::path WalOf(const std::string& path) {
  std::filesystem::path found;
  for (const auto& entry : std::filesystem::directory_iterator(path)) {
    if (entry.path().extension() == ".log" && entry.file_size() > 0) {
      found = entry.path();
    }
  }
  REQUIRE(!found.empty());
  return found;
}

// `open(read_only)` opens the store whose write-ahead log `wal` was damaged
// and returns its status; CHECKs that it is DataLoss whose message names the
// file, read-write and read-only alike (never a shorter store).
template <typename Open>
void CheckDamagedWalIsDataLoss(const std::filesystem::path& wal, Open open) {
  for (bool read_only : {false, true}) {
    const absl::Status status = open(read_only);
    INFO("read-only " << read_only << ": " << status);
    CHECK(absl::IsDataLoss(status));
    CHECK(std::string(status.message()).find(wal.filename().string()) !=
          std::string::npos);
  }
}

}  // namespace xueji::testing

#endif  // XUEJI_TESTS_SUPPORT_DAMAGED_WAL_H_
