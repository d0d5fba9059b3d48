// Internal to the storage library (rocks_kv.cc, embedded_log.cc): opening the
// ledger's RocksDB databases with one set of options, and translating
// rocksdb::Status into absl::Status at the boundary.
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

// Opens the database at `path`; read-only opens take no lock.
absl::StatusOr<std::unique_ptr<rocksdb::DB>> OpenDb(const std::string& path,
                                                    bool create_if_missing,
                                                    bool read_only);

}  // namespace xueji::rocks_internal

#endif  // XUEJI_LEDGER_STORAGE_ROCKS_UTIL_H_
