// Chinese working days: weekends off, public holidays off, and the weekend
// days declared working days (调休) on. Data generated from the npm package
// chinese-days by tools/gen_calendar.sh (ledger/data/calendar.tsv), compiled
// in. Outside the years the data covers, only weekends are off.
//
// Thread-safety: immutable; safe to share.
#ifndef XUEJI_LEDGER_RULES_CALENDAR_H_
#define XUEJI_LEDGER_RULES_CALENDAR_H_

#include <string_view>

#include "absl/time/civil_time.h"

namespace xueji {

class WorkingCalendar {
 public:
  static const WorkingCalendar& Default();

  bool IsWorkingDay(absl::CivilDay day) const;
  // The day that is `n` working days after `day` (n >= 0); `day` itself does
  // not count. AddWorkingDays(2025-09-25, 10) == 2025-10-15.
  absl::CivilDay AddWorkingDays(absl::CivilDay day, int n) const;
  // Working days in (from, to]; 0 when to <= from.
  int WorkingDaysBetween(absl::CivilDay from, absl::CivilDay to) const;
  // First and last year the holiday data covers.
  int first_year() const;
  int last_year() const;
  std::string_view version() const;

  struct Impl;

 private:
  explicit WorkingCalendar(const Impl* impl) : impl_(impl) {}
  const Impl* impl_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_CALENDAR_H_
