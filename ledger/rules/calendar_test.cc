// Chinese working days from the compiled-in chinese-days data.
#include "ledger/rules/calendar.h"

#include <catch2/catch.hpp>

namespace xueji {
namespace {

using absl::CivilDay;

TEST_CASE("ten working days across the 2025 National Day week") {
  const WorkingCalendar& cal = WorkingCalendar::Default();
  // Skips 10-01..10-08 and counts Sunday 09-28 and Saturday 10-11 (调休).
  CHECK(cal.AddWorkingDays(CivilDay(2025, 9, 25), 10) ==
        CivilDay(2025, 10, 15));
  CHECK(cal.AddWorkingDays(CivilDay(2025, 9, 25), 0) == CivilDay(2025, 9, 25));
  CHECK(cal.AddWorkingDays(CivilDay(2025, 9, 30), 1) == CivilDay(2025, 10, 9));
  CHECK(cal.WorkingDaysBetween(CivilDay(2025, 9, 25), CivilDay(2025, 10, 15)) ==
        10);
}

TEST_CASE("holidays, weekends and weekend working days") {
  const WorkingCalendar& cal = WorkingCalendar::Default();
  CHECK(cal.IsWorkingDay(CivilDay(2025, 9, 28)));        // Sunday, 调休
  CHECK_FALSE(cal.IsWorkingDay(CivilDay(2025, 10, 1)));  // National Day
  CHECK_FALSE(cal.IsWorkingDay(CivilDay(2025, 10, 8)));  // holiday Wednesday
  CHECK_FALSE(cal.IsWorkingDay(CivilDay(2025, 9, 27)));  // plain Saturday
  CHECK(cal.IsWorkingDay(CivilDay(2025, 9, 26)));        // plain Friday
  CHECK_FALSE(cal.IsWorkingDay(CivilDay(2025, 1, 1)));   // New Year
}

TEST_CASE("working days between two dates") {
  const WorkingCalendar& cal = WorkingCalendar::Default();
  CivilDay a(2025, 9, 29);
  CHECK(cal.WorkingDaysBetween(a, a) == 0);
  CHECK(cal.WorkingDaysBetween(a, a - 5) == 0);
  CHECK(cal.WorkingDaysBetween(CivilDay(2025, 9, 30), CivilDay(2025, 10, 8)) ==
        0);
  CHECK(cal.WorkingDaysBetween(CivilDay(2025, 9, 26), CivilDay(2025, 9, 28)) ==
        1);
  // The fast count agrees with walking day by day, across the whole data
  // range and both edges of it.
  for (CivilDay from(2003, 12, 20); from < CivilDay(2027, 1, 10); from += 97) {
    CivilDay to = from + 400;
    int walked = 0;
    for (CivilDay d = from + 1; d <= to; ++d) walked += cal.IsWorkingDay(d);
    INFO("from " << from);
    CHECK(cal.WorkingDaysBetween(from, to) == walked);
    CHECK(cal.WorkingDaysBetween(from, cal.AddWorkingDays(from, 37)) == 37);
  }
}

TEST_CASE("outside the covered years only weekends are off") {
  const WorkingCalendar& cal = WorkingCalendar::Default();
  CHECK(cal.first_year() == 2004);
  CHECK(cal.last_year() >= 2026);
  CHECK(cal.version() == "chinese-days 1.5.7");
  CivilDay national_day(cal.last_year() + 2, 10, 1);
  bool weekend = absl::GetWeekday(national_day) == absl::Weekday::saturday ||
                 absl::GetWeekday(national_day) == absl::Weekday::sunday;
  CHECK(cal.IsWorkingDay(national_day) == !weekend);
  CHECK(cal.IsWorkingDay(CivilDay(2030, 10, 1)));        // a Tuesday
  CHECK_FALSE(cal.IsWorkingDay(CivilDay(2030, 10, 5)));  // a Saturday
  CHECK(cal.AddWorkingDays(CivilDay(2030, 9, 27), 1) == CivilDay(2030, 9, 30));
}

}  // namespace
}  // namespace xueji
