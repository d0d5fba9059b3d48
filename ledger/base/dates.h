// Calendar dates and instants in the ledger's text forms: business dates are
// "YYYY-MM-DD" (absl::CivilDay), instants are RFC 3339 (absl::Time, printed
// in UTC with a "Z"). Parsing is strict: a date that does not exist
// (2025-02-30) is an error, not normalised.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_BASE_DATES_H_
#define XUEJI_LEDGER_BASE_DATES_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace xueji {

absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text);
std::string FormatDate(absl::CivilDay day);

absl::StatusOr<absl::Time> ParseRfc3339(std::string_view text);
std::string FormatRfc3339(absl::Time t);  // UTC, e.g. 2025-09-01T08:00:00Z

// Adds calendar months, clamping the day (2025-08-31 + 6 months = 2026-02-28).
absl::CivilDay AddMonths(absl::CivilDay day, int months);

// The calendar day of `t` in China (UTC+8, no daylight saving). Business
// dates are Beijing dates: "today" by the ledger's clock is BeijingDay(now).
absl::CivilDay BeijingDay(absl::Time t);

// Whole years of age on `on` for a child born on `birth`.
int AgeInYears(absl::CivilDay birth, absl::CivilDay on);

// The ledger clock: LEDGER_NOW (RFC 3339) when set, else the system clock.
// A plain YYYY-MM-DD in LEDGER_NOW is taken as that day's midnight UTC; any
// other value is InvalidArgument naming LEDGER_NOW.
absl::StatusOr<absl::Time> LedgerNow();

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_DATES_H_
