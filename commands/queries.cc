// ledger show | find | list | history | anomalies | pending | stats | policy
// | access-log
//
// Reads go to the views (read-only when another process is writing). Each
// names its reader (global --as OPERATOR, or the operator of --key) and is
// limited to that reader's region in every field it prints (Art. 22: each
// level reads only its own region): a registrar sees their kindergarten, an
// approver their county, officers and auditors their org. Each is recorded
// in the access log before it is shown (commands/reads.h). The commands live
// in one file per group (queries.h); this one adds them and holds what they
// share.
#include "commands/queries.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "commands/input/csv.h"
#include "commands/output/output.h"
#include "ledger/base/dates.h"
#include "ledger/rules/jurisdiction.h"

namespace xueji {

void AddCsvFlag(CLI::App* command, GlobalOptions& g) {
  command
      ->add_flag("--csv", g.csv,
                 "CSV for a spreadsheet (UTF-8 with a BOM, JSON field names "
                 "as headers)")
      ->excludes("--json");
}

void PrintCsv(const std::vector<std::string>& header,
              const std::vector<std::vector<std::string>>& rows) {
  std::cout << "\xEF\xBB\xBF" << CsvLine(header);
  for (const auto& row : rows) std::cout << CsvLine(row);
}

int PrintJson(const google::protobuf::Message& report) {
  std::cout << ToJsonPretty(report) << "\n";
  return kExitOk;
}

absl::StatusOr<absl::CivilDay> TodayByLedgerClock() {
  auto now = CommandNow();
  if (!now.ok()) return now.status();
  return BeijingDay(*now);
}

absl::StatusOr<absl::CivilDay> DayOrToday(const std::string& flag,
                                          const std::string& text) {
  if (text.empty()) return TodayByLedgerClock();
  auto d = ParseDate(text);
  if (!d.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " ", text, ": not a date YYYY-MM-DD"));
  }
  return *d;
}

absl::StatusOr<std::optional<absl::Time>> TimeOption(const std::string& flag,
                                                     const std::string& text) {
  if (text.empty()) return std::nullopt;
  auto t = ParseRfc3339(text);
  if (!t.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, " ", text, ": not an RFC 3339 time (2025-10-01T00:00:00Z)"));
  }
  return *t;
}

std::optional<std::string> ReportRegion(const ReadContext& c,
                                        const std::string& command,
                                        const std::string& what,
                                        const std::string& region, int* exit) {
  auto scoped = NarrowRegion(c.scope, region);
  if (!scoped.ok()) {
    *exit = c.Refuse(command, what, "NOT_AUTHORIZED", scoped.status());
    return std::nullopt;
  }
  return *scoped;
}

void AddQueryCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  for (auto* add : {AddRecordQueries, AddReportQueries, AddAccessLogQuery,
                    AddGraduatesQuery, AddExportQuery, AddCaseQueries}) {
    add(app, g, run);
  }
}

}  // namespace xueji
