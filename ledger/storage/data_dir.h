// DataDir: the layout of a ledger data directory and its writer lock.
//
//   DIR/log     the embedded event log (RocksDB) — the source of truth
//   DIR/state   the request processor's decider state (RocksDB)
//   DIR/views   the read models (RocksDB)
//   DIR/LOCK    flock()ed by the one process allowed to write DIR
//   DIR/DAMAGED the damage mark: present while the ledger is known to be
//               damaged (docs/design.md, "Integrity"); one line per finding
//   DIR/views.rebuild, DIR/state.rebuild
//               a rebuild in progress (`ledger replay`), swapped in when done
//
// A writer holds a WriterLock for as long as it writes. A second writer waits
// up to its timeout, then gets Unavailable("ledger is busy ..."). Readers take
// no lock: they open the stores read-only.
//
// Thread-safety: a WriterLock is owned by one thread; release by destruction.
#ifndef XUEJI_LEDGER_STORAGE_DATA_DIR_H_
#define XUEJI_LEDGER_STORAGE_DATA_DIR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace xueji {

struct DataDir {
  std::string root;
  std::string log() const { return root + "/log"; }
  std::string state() const { return root + "/state"; }
  std::string views() const { return root + "/views"; }
  std::string lock() const { return root + "/LOCK"; }
  std::string damage_mark() const { return root + "/DAMAGED"; }
  std::string views_rebuild() const { return root + "/views.rebuild"; }
  std::string state_rebuild() const { return root + "/state.rebuild"; }
};

// Does `path` hold a RocksDB store (a CURRENT file)?
bool StoreExists(const std::string& path);

// The damage mark. MarkDamaged adds `found` (a DataLoss, say) as a line to
// DIR/DAMAGED, creating it; DamageMark returns its text (nullopt when there
// is none); ClearDamageMark removes it. Only a process that holds the writer
// lock (or saw the damage through stores it had already opened) should mark:
// a reader racing a writer may see files come and go.
absl::Status MarkDamaged(const DataDir& dir, const absl::Status& found);
std::optional<std::string> DamageMark(const DataDir& dir);
absl::Status ClearDamageMark(const DataDir& dir);

// Removes what an interrupted `ledger replay` left behind: views.rebuild,
// state.rebuild (and views.old of older versions). Hold the writer lock.
// Returns the directories removed.
std::vector<std::string> RemoveLeftovers(const DataDir& dir);

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
