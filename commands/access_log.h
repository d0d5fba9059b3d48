// The access log (issue 9, docs/accountability.md "Reads are attributed"):
// every read of personal data is appended to DATA/access.log -- or, for reads
// of another views store (--views DIR, a Kafka projector's), to access.log
// beside that store -- before its answer is shown. One AccessEntry
// (proto/xueji/v1/views.proto) per line, as one-line protobuf JSON; the lines
// form a hash chain like the event log's: hash = hex SHA-256 of the entry's
// deterministic bytes with `hash` empty, prev_hash = the previous entry's
// hash, seq = the previous entry's seq + 1 (the first: 1, prev_hash "").
//
// Append takes an exclusive flock on the file (appenders queue; nothing else
// takes it), writes the line with O_APPEND in one write and fdatasyncs before
// returning: a read is shown only once its entry is on disk. A line cut short
// by a crash (no final newline) is left as it is: the next entry starts on a
// new line and chains to the last whole entry, and ReadAccessLog reports the
// fragment as a note, not a break. The file is created 0600.
//
// ReadAccessLog re-checks the whole chain: an edited, removed or inserted
// line breaks it at that entry. (Cutting entries off the end leaves a shorter
// chain that still verifies; copies of the log kept elsewhere, or the
// ledger's signed digests, bound that.)
//
// Thread-safety: the functions are safe to call from several processes at
// once (the flock orders them); an AccessLog is not shared between threads.
#ifndef XUEJI_COMMANDS_ACCESS_LOG_H_
#define XUEJI_COMMANDS_ACCESS_LOG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "xueji/v1/views.pb.h"

namespace xueji {

// DATA/access.log, or access.log beside the views store `views_dir` when a
// read goes to one ("" = the data directory's own views).
std::string AccessLogPath(const std::string& data_dir,
                          const std::string& views_dir);

// hex SHA-256 of the deterministic bytes of `entry` with `hash` empty.
std::string AccessEntryHash(const xueji::v1::AccessEntry& entry);

// Appends `entry` (operator, command, query, records, refused filled in) to
// the log at `path`, setting seq, at (from `now`), prev_hash and hash, and
// returns it as written. Unavailable / DataLoss (the last entry cannot be
// read, so nothing can be chained to it) naming the file.
absl::StatusOr<xueji::v1::AccessEntry> AppendAccess(
    const std::string& path, xueji::v1::AccessEntry entry, absl::Time now);

// A whole access log, read and checked.
struct AccessLogBreak {
  int64_t line = 0;  // 1-based line number in the file
  int64_t seq = 0;   // the entry's seq, 0 when the line is not an entry
  std::string problem;
};
struct AccessLogReport {
  std::vector<xueji::v1::AccessEntry> entries;  // every readable entry
  std::vector<AccessLogBreak> breaks;           // empty: the chain is intact
  std::vector<std::string> notes;  // lines cut short by a crash, skipped
};
// NotFound when there is no log at `path` yet; Unavailable when it cannot be
// read. Breaks are in the report, not the status.
absl::StatusOr<AccessLogReport> ReadAccessLog(const std::string& path);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_ACCESS_LOG_H_
