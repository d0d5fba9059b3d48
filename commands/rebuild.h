// Rebuilding views, shared by the embedded and the Kafka backends' `replay`
// and `verify --views`: build fresh views of a log beside the live ones,
// swap a rebuilt store into place, digest a store, report a replay.
//
// Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_REBUILD_H_
#define XUEJI_COMMANDS_REBUILD_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/log/event_log.h"
#include "projections/views.h"

namespace xueji {

// Builds fresh views of `log` at `dir` (removed first); returns their digest
// and sets *applied to the events applied. `gaps_allowed` for Kafka (commit
// markers take offsets).
absl::StatusOr<std::string> BuildViews(EventLog& log, const std::string& dir,
                                       const CatchUpOptions& options,
                                       int64_t* applied,
                                       bool gaps_allowed = false);

// Puts the store built at `fresh` in place of `target` and removes the old
// one; a reader opening `target` meanwhile finds the old store or the new one.
absl::Status SwapInto(const std::string& fresh, const std::string& target);

// Digest of the views store at `dir`, opened as a secondary instance (a
// projector or a writer may hold it).
absl::StatusOr<std::string> DigestOfStore(const std::string& dir);

// "replayed N events[ up to T]; views digest D[ (identical ...)]".
void PrintReplayed(int64_t applied, const std::string& until_text,
                   const std::string& digest,
                   const std::optional<std::string>& before);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_REBUILD_H_
