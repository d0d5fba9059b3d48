// The compiled-in working-day calendar (ledger/data/calendar.tsv).
#include "ledger/calendar.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "absl/strings/ascii.h"
#include "ledger/dates.h"

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

// "chinese-days 1.5.7" from the header comment "… from chinese-days 1.5.7 (MIT) …".
std::string VersionFromComment(std::string_view comment) {
  size_t from = comment.find("from ");
  if (from == std::string_view::npos) return std::string(comment);
  std::string_view rest = comment.substr(from + 5);
  return std::string(rest.substr(0, rest.find(" (")));
}

const WorkingCalendar::Impl* Parse(std::string_view tsv) {
  auto* impl = new WorkingCalendar::Impl;
  while (!tsv.empty()) {
    size_t eol = tsv.find('\n');
    std::string_view line = tsv.substr(0, eol);
    tsv.remove_prefix(eol == std::string_view::npos ? tsv.size() : eol + 1);
    while (!line.empty() && absl::ascii_isspace(line.back())) {
      line.remove_suffix(1);
    }
    if (line.starts_with('#')) {
      if (impl->version.empty()) impl->version = VersionFromComment(line);
      continue;
    }
    size_t tab = line.find('\t');
    if (tab == std::string_view::npos) continue;
    absl::StatusOr<absl::CivilDay> day = ParseDate(line.substr(0, tab));
    if (!day.ok()) continue;
    std::string_view kind = line.substr(tab + 1);
    bool working = kind == "workday";
    if (!working && kind != "holiday") continue;
    int year = static_cast<int>(day->year());
    if (impl->exceptions.empty() || year < impl->first_year) {
      impl->first_year = year;
    }
    if (impl->exceptions.empty() || year > impl->last_year) {
      impl->last_year = year;
    }
    // Only days that change the weekend rule matter.
    if (working == IsWeekend(*day)) impl->exceptions[Key(*day)] = working;
  }
  return impl;
}

}  // namespace

const WorkingCalendar& WorkingCalendar::Default() {
  static const WorkingCalendar* calendar = new WorkingCalendar(Parse(
      std::string_view(xueji::data::kCalendarTsv,
                       xueji::data::kCalendarTsvSize)));
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
