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
#include "ledger/log/hash_chain.h"
#include "projections/views.h"
#include "xueji/v1/views.pb.h"

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
// With `content`, Views::ContentDigest (no log positions).
absl::StatusOr<std::string> DigestOfStore(const std::string& dir,
                                          bool content = false);

// "replayed N events[ up to T]; views digest D[ (identical ...)]".
void PrintReplayed(int64_t applied, const std::string& until_text,
                   const std::string& digest,
                   const std::optional<std::string>& before);

// `verify`'s findings on the chains as the message `verify --json` prints:
// one Partition per partition (events = heads[p]), events checked, breaks.
xueji::v1::VerifyReport VerifyReportOf(const VerifyReport& chains,
                                       const std::vector<int64_t>& heads);

// Prints `report` on stdout: protobuf JSON with `json`, else the text of
// `ledger verify` (the partitions' table, "N events checked", "BREAK at ...",
// "DAMAGE: ...", "hash chains intact" when intact, and the views' lines).
void PrintVerifyReport(const xueji::v1::VerifyReport& report, bool json);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_REBUILD_H_
