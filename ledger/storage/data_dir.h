// DataDir: the layout of a ledger data directory and its writer lock.
//
//   DIR/log     the embedded event log (RocksDB) — the source of truth
//   DIR/state   the request processor's decider state (RocksDB)
//   DIR/views   the read models (RocksDB)
//   DIR/LOCK    flock()ed by the one process allowed to write DIR
//
// A writer holds a WriterLock for as long as it writes. A second writer waits
// up to its timeout, then gets Unavailable("ledger is busy ..."). Readers take
// no lock: they open the stores read-only.
//
// Thread-safety: a WriterLock is owned by one thread; release by destruction.
#ifndef XUEJI_LEDGER_STORAGE_DATA_DIR_H_
#define XUEJI_LEDGER_STORAGE_DATA_DIR_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace xueji {

struct DataDir {
  std::string root;
  std::string log() const { return root + "/log"; }
  std::string state() const { return root + "/state"; }
  std::string views() const { return root + "/views"; }
  std::string lock() const { return root + "/LOCK"; }
};

class WriterLock {
 public:
  // Creates `dir.root` if needed and locks it; waits up to `timeout`.
  static absl::StatusOr<std::unique_ptr<WriterLock>> Acquire(
      const DataDir& dir, absl::Duration timeout);
  ~WriterLock();
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;

 private:
  explicit WriterLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_STORAGE_DATA_DIR_H_
