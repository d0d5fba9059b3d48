// Appending an event to a data directory's embedded log through the library,
// behind the CLI's back: how the tests put into a log what today's CLI would
// refuse (data written by an older version, or by other means), to check
// that readers still show it safely.
//
// The ledger must not be running on the directory. Thread-safety: none.
#ifndef XUEJI_TESTS_LOG_WRITER_H_
#define XUEJI_TESTS_LOG_WRITER_H_

#include <string>

#include "xueji/v1/events.pb.h"

namespace xueji::e2e {

// Appends `event` (envelope and payload filled; partition, offset and hashes
// empty) to the embedded log in `log_dir`. "" on success, else the error.
std::string AppendEventToLog(const std::string& log_dir,
                             const xueji::v1::Event& event);

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_LOG_WRITER_H_
