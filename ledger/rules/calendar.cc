// The compiled-in working-day calendar (ledger/data/calendar.tsv).
#include "ledger/rules/calendar.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "ledger/base/dates.h"
#include "ledger/rules/embedded_data.h"

namespace xueji::data {
extern const char kCalendarTsv[];
extern const unsigned long kCalendarTsvSize;
}  // namespace xueji::data

namespace xueji {

struct WorkingCalendar::Impl {
  // Days that differ from the weekend rule: true = working (调休 weekend),
  // false = holiday. Keys are days since 1970-01-01.
  std::map<int64_t, bool> exceptions;
  int first_year = 0;
  int last_year = 0;
  std::string version;
};

namespace {

const absl::CivilDay kEpoch(1970, 1, 1);
const absl::CivilDay kMonday(1970, 1, 5);

int64_t Key(absl::CivilDay day) { return day - kEpoch; }

bool IsWeekend(absl::CivilDay day) {
  absl::Weekday w = absl::GetWeekday(day);
  return w == absl::Weekday::saturday || w == absl::Weekday::sunday;
}

// Monday-to-Friday days in [kMonday, day) (negative before kMonday).
int64_t WeekdaysBefore(absl::CivilDay day) {
  int64_t k = day - kMonday;
  int64_t weeks = k >= 0 ? k / 7 : -((-k + 6) / 7);
  int64_t rem = k - weeks * 7;  // 0..6, 0 = Monday
  return weeks * 5 + std::min<int64_t>(rem, 5);
}

const WorkingCalendar::Impl* Parse(std::string_view tsv) {
  auto* impl = new WorkingCalendar::Impl;
  bool any_row = false;
  impl->version =
      ForEachTsvRow(tsv, [&](std::string_view date, std::string_view kind) {
        absl::StatusOr<absl::CivilDay> day = ParseDate(date);
        if (!day.ok()) return;
        const bool working = kind == "workday";
        if (!working && kind != "holiday") return;
        const int year = static_cast<int>(day->year());
        if (!any_row || year < impl->first_year) impl->first_year = year;
        if (!any_row || year > impl->last_year) impl->last_year = year;
        any_row = true;
        // Only days that change the weekend rule matter.
        if (working == IsWeekend(*day)) impl->exceptions[Key(*day)] = working;
      });
  return impl;
}

}  // namespace

const WorkingCalendar& WorkingCalendar::Default() {
  static const WorkingCalendar* calendar =
      new WorkingCalendar(Parse(std::string_view(
          xueji::data::kCalendarTsv, xueji::data::kCalendarTsvSize)));
  return *calendar;
}

bool WorkingCalendar::IsWorkingDay(absl::CivilDay day) const {
  auto it = impl_->exceptions.find(Key(day));
  if (it != impl_->exceptions.end()) return it->second;
  return !IsWeekend(day);
}

absl::CivilDay WorkingCalendar::AddWorkingDays(absl::CivilDay day,
                                               int n) const {
  while (n > 0) {
    ++day;
    if (IsWorkingDay(day)) --n;
  }
  return day;
}

int WorkingCalendar::WorkingDaysBetween(absl::CivilDay from,
                                        absl::CivilDay to) const {
  if (to <= from) return 0;
  int64_t count = WeekdaysBefore(to + 1) - WeekdaysBefore(from + 1);
  auto begin = impl_->exceptions.lower_bound(Key(from + 1));
  auto end = impl_->exceptions.upper_bound(Key(to));
  for (auto it = begin; it != end; ++it) count += it->second ? 1 : -1;
  return static_cast<int>(count);
}

int WorkingCalendar::first_year() const { return impl_->first_year; }
int WorkingCalendar::last_year() const { return impl_->last_year; }
std::string_view WorkingCalendar::version() const { return impl_->version; }

}  // namespace xueji
