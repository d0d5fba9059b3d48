// `ledger stats` printed: a Stats view as tables (in the reader's language)
// or as CSV. Private to the report commands (report_queries.cc), which read
// the view; this only prints it.
//
// Thread-safety: writes to std::cout; one caller at a time.
#ifndef XUEJI_COMMANDS_STATS_PRINT_H_
#define XUEJI_COMMANDS_STATS_PRINT_H_

#include "xueji/v1/views.pb.h"

namespace xueji {

// The stats as CSV: one line per figure.
void PrintStatsCsv(const xueji::v1::Stats& stats);

// The stats as tables.
void PrintStatsTable(const xueji::v1::Stats& stats);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_STATS_PRINT_H_
