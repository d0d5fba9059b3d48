// The read commands (AddQueryCommands, cli.h), one file per group:
// record_queries.cc (show, find, list, history: one child's record or a
// kindergarten's), report_queries.cc (anomalies, pending, stats, policy:
// reports over a region as of a day) and access_log_query.cc (access-log: who
// read what). queries.cc adds them in that order and holds what they share:
// option parsing, CSV output and the refusals of a scoped reader.
//
// Every read names its reader and is recorded before it is shown
// (commands/reads.h). Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_QUERIES_H_
#define XUEJI_COMMANDS_QUERIES_H_

#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "commands/cli.h"
#include "commands/reads.h"
#include "commands/session.h"
#include "google/protobuf/message.h"

namespace xueji {

void AddRecordQueries(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddReportQueries(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddAccessLogQuery(CLI::App& app, GlobalOptions& g, RunFn& run);
// graduates_query.cc: `graduates`, the 升学 hand-over file (Art. 13).
void AddGraduatesQuery(CLI::App& app, GlobalOptions& g, RunFn& run);
// export_query.cc: `export`, the de-identified export (Art. 22; issue 10).
void AddExportQuery(CLI::App& app, GlobalOptions& g, RunFn& run);
// case_queries.cc: `cases`, the problem record cases (issue 10).
void AddCaseQueries(CLI::App& app, GlobalOptions& g, RunFn& run);

// `--csv` on `command`: CSV for a spreadsheet, excluding `--json`.
void AddCsvFlag(CLI::App* command, GlobalOptions& g);

// CSV for a spreadsheet (--csv): UTF-8 with a byte order mark, so that
// Excel reads the Chinese right; a header row of JSON field names; CRLF.
void PrintCsv(const std::vector<std::string>& header,
              const std::vector<std::vector<std::string>>& rows);

// --json: `report` as protobuf JSON (indented) and a newline. Returns
// kExitOk.
int PrintJson(const google::protobuf::Message& report);

// Today in Beijing time by the ledger's clock.
absl::StatusOr<absl::CivilDay> TodayByLedgerClock();

// The day an option names (`flag` YYYY-MM-DD), or today by the ledger's
// clock when `text` is empty. InvalidArgument naming the option when it is
// not a date.
absl::StatusOr<absl::CivilDay> DayOrToday(const std::string& flag,
                                          const std::string& text);

// The time an option names (`flag` RFC 3339), nullopt when `text` is empty.
// InvalidArgument naming the option when it is not an RFC 3339 time.
absl::StatusOr<std::optional<absl::Time>> TimeOption(const std::string& flag,
                                                     const std::string& text);

// The region a report covers: the reader's, narrowed to --region `region`.
// When the reader may not read that region, the refusal of `command` asking
// `what` is recorded, *exit is set and nullopt returned.
std::optional<std::string> ReportRegion(const ReadContext& c,
                                        const std::string& command,
                                        const std::string& what,
                                        const std::string& region, int* exit);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_QUERIES_H_
