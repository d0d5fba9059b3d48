// Reads of personal data are attributed (issue 9, docs/accountability.md
// "Reads are attributed"; Art. 22, PIPL): show, find, list, history,
// anomalies, stats, status and access-log each name their reader -- `--as
// ID`, or the operator whose key `--key` holds -- are limited to that
// reader's region (ledger/rules/jurisdiction.h) in every field they print,
// and leave one entry in the access log (commands/access_log.h) before they
// show anything. On a production ledger a read that names nobody is refused;
// on a development ledger it reads everything, recorded with no operator.
//
// Ownership: a ReadContext owns the views it opened. Thread-safety:
// single-threaded CLI.
#ifndef XUEJI_COMMANDS_READS_H_
#define XUEJI_COMMANDS_READS_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "commands/session.h"
#include "ledger/rules/jurisdiction.h"
#include "projections/views.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

struct ReadContext {
  std::unique_ptr<Views> views;
  std::string reader;      // operator id; "" = nobody named (development only)
  ReadScope scope;         // what the reader may see ({} = everything)
  std::string access_log;  // where the read is recorded
  // Records the read (AppendAccess at the ledger's clock). An error means
  // nothing may be shown.
  absl::Status Record(const std::string& command, const std::string& query,
                      int64_t records) const;
  // Records a refused read and returns the exit code for `why` (printed).
  int Refuse(const std::string& command, const std::string& query,
             const std::string& code, const absl::Status& why) const;
  // May the reader see `record` (by its current kindergarten)?
  absl::StatusOr<bool> MayReadRecord(
      const xueji::v1::RecordState& record) const;
  bool limited() const { return !scope.region.empty(); }
};

// `status REQUEST_ID` is a read like the others: the answer a request got
// (`result`; nullopt when there is none) is shown only to its submitter or
// to a reader whose region covers what it concerns (its record, kindergarten
// or operator); anyone else is told exactly what an unknown request id gets,
// so a request id reveals nothing. Records the read, prints the answer and
// returns the exit code (1 for a REJECTED answer).
int AnswerStatus(const ReadContext& c, const std::string& request_id,
                 const std::optional<xueji::v1::Result>& result,
                 const std::string& not_found_hint);

// The ledger's mode as its first event (LedgerInitialized) recorded it, read
// from the views; LEDGER_MODE_UNSPECIFIED for a ledger that has none.
absl::StatusOr<xueji::v1::LedgerMode> LedgerModeOf(const Views& views);

// Opens the views for a read (OpenViewsForQuery: never waits for a writer)
// and establishes who reads: `--as`, else the operator of `--key`. An unknown
// or sealed reader is InvalidArgument; so is a read naming nobody on a
// production ledger (the message says how to name one).
absl::StatusOr<ReadContext> OpenRead(const GlobalOptions& options);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_READS_H_
