// `replay` and `verify` of the embedded backend (embedded_backend.cc): the
// integrity of a data directory (docs/design.md, "Integrity").
//
// EmbeddedVerify checks every store of DATA: the log's chains, checksums and
// signatures, the state's and the views' checksums, and that the log holds
// everything they have seen. EmbeddedReplay rebuilds the views (and a
// damaged decider state) beside the live ones from a log that verifies, and
// swaps them in. Each runs the subcommand to its end and returns its exit
// code (session.h). Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_EMBEDDED_INTEGRITY_H_
#define XUEJI_COMMANDS_EMBEDDED_INTEGRITY_H_

#include "commands/backend.h"
#include "commands/session.h"

namespace xueji {

int EmbeddedReplay(const GlobalOptions& g, const ReplayRequest& request);
int EmbeddedVerify(const GlobalOptions& g, const VerifyRequest& request);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_EMBEDDED_INTEGRITY_H_
