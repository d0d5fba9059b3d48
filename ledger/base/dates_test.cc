// Dates: strict parsing, RFC 3339, month arithmetic, ages and the clock.
#include "ledger/base/dates.h"

#include <catch2/catch.hpp>
#include <cstdlib>

namespace xueji {
namespace {

TEST_CASE("dates parse strictly") {
  absl::StatusOr<absl::CivilDay> d = ParseDate("2025-09-01");
  REQUIRE(d.ok());
  CHECK(*d == absl::CivilDay(2025, 9, 1));
  CHECK(ParseDate("2024-02-29").ok());
  for (const char* bad :
       {"2025-02-29", "2025-02-30", "2025-13-01", "2025-00-10", "2025-9-1",
        "2025-09-01x", " 2025-09-01", "2025/09/01", ""}) {
    INFO('"' << bad << '"');
    CHECK_FALSE(ParseDate(bad).ok());
  }
  CHECK(ParseDate("2025-02-30").status().code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(FormatDate(absl::CivilDay(2025, 9, 1)) == "2025-09-01");
  CHECK(FormatDate(absl::CivilDay(987, 1, 2)) == "0987-01-02");
}

TEST_CASE("RFC 3339 instants") {
  absl::StatusOr<absl::Time> t = ParseRfc3339("2025-09-01T08:00:00Z");
  REQUIRE(t.ok());
  CHECK(FormatRfc3339(*t) == "2025-09-01T08:00:00Z");
  // An offset is accepted on input; output is always UTC.
  absl::StatusOr<absl::Time> beijing =
      ParseRfc3339("2025-09-01T16:00:00+08:00");
  REQUIRE(beijing.ok());
  CHECK(*beijing == *t);
  absl::StatusOr<absl::Time> west = ParseRfc3339("2025-09-01T03:30:00-04:30");
  REQUIRE(west.ok());
  CHECK(*west == *t);
  absl::StatusOr<absl::Time> frac = ParseRfc3339("2025-09-01T08:00:00.25Z");
  REQUIRE(frac.ok());
  CHECK(*frac - *t == absl::Milliseconds(250));
  CHECK(FormatRfc3339(*frac) == "2025-09-01T08:00:00.25Z");

  for (const char* bad :
       {"2025-09-01", "2025-09-01T08:00:00" /* no offset */,
        "2025-02-30T08:00:00Z", "2025-09-01T24:00:00Z",
        "2025-09-01T08:00:00Zjunk", "2025-09-01 08:00:00Z",
        "2025-09-01T08:00:00+0800", "2025-09-01T08:00:00.Z"}) {
    INFO('"' << bad << '"');
    CHECK_FALSE(ParseRfc3339(bad).ok());
  }
}

TEST_CASE("adding months clamps the day") {
  CHECK(AddMonths(absl::CivilDay(2025, 8, 31), 6) ==
        absl::CivilDay(2026, 2, 28));
  CHECK(AddMonths(absl::CivilDay(2023, 8, 31), 6) ==
        absl::CivilDay(2024, 2, 29));
  CHECK(AddMonths(absl::CivilDay(2025, 9, 1), 2) ==
        absl::CivilDay(2025, 11, 1));
  CHECK(AddMonths(absl::CivilDay(2025, 3, 31), -1) ==
        absl::CivilDay(2025, 2, 28));
  CHECK(AddMonths(absl::CivilDay(2025, 12, 15), 1) ==
        absl::CivilDay(2026, 1, 15));
}

TEST_CASE("the Beijing day of an instant (UTC+8)") {
  CHECK(BeijingDay(*ParseRfc3339("2025-09-01T15:59:59Z")) ==
        absl::CivilDay(2025, 9, 1));
  CHECK(BeijingDay(*ParseRfc3339("2025-09-01T16:00:00Z")) ==
        absl::CivilDay(2025, 9, 2));
  CHECK(BeijingDay(*ParseRfc3339("2025-09-01T00:30:00+08:00")) ==
        absl::CivilDay(2025, 9, 1));
}

TEST_CASE("age in whole years") {
  absl::CivilDay birth(2021, 3, 15);
  CHECK(AgeInYears(birth, absl::CivilDay(2024, 3, 14)) == 2);
  CHECK(AgeInYears(birth, absl::CivilDay(2024, 3, 15)) == 3);
  CHECK(AgeInYears(birth, absl::CivilDay(2027, 8, 31)) == 6);
  absl::CivilDay leap(2020, 2, 29);
  CHECK(AgeInYears(leap, absl::CivilDay(2023, 2, 28)) == 2);
  CHECK(AgeInYears(leap, absl::CivilDay(2023, 3, 1)) == 3);
}

TEST_CASE("the ledger clock reads LEDGER_NOW") {
  const char* saved = std::getenv("LEDGER_NOW");
  std::string saved_value = saved ? saved : "";

  setenv("LEDGER_NOW", "2025-10-09T02:00:00Z", 1);
  absl::StatusOr<absl::Time> now = LedgerNow();
  REQUIRE(now.ok());
  CHECK(FormatRfc3339(*now) == "2025-10-09T02:00:00Z");

  setenv("LEDGER_NOW", "yesterday", 1);
  now = LedgerNow();
  REQUIRE_FALSE(now.ok());
  CHECK(now.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(now.status().message()).find("LEDGER_NOW") !=
        std::string::npos);

  unsetenv("LEDGER_NOW");
  now = LedgerNow();
  REQUIRE(now.ok());
  CHECK(*now >
        absl::FromCivil(absl::CivilDay(2024, 1, 1), absl::UTCTimeZone()));

  if (saved) setenv("LEDGER_NOW", saved_value.c_str(), 1);
}

}  // namespace
}  // namespace xueji
