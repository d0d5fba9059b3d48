// Strict date and RFC 3339 parsing, month arithmetic and the ledger clock.
#include "ledger/base/dates.h"

#include <cstdlib>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/strings.h"

namespace xueji {
namespace {

// Reads exactly `width` decimal digits at `text[pos]`; -1 if not digits.
int Digits(std::string_view text, size_t pos, size_t width) {
  if (pos + width > text.size()) return -1;
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(text[i]))) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

absl::Status BadDate(std::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "not a real date in the form YYYY-MM-DD: \"", Av(text), "\""));
}

absl::Status BadInstant(std::string_view text) {
  return absl::InvalidArgumentError(absl::StrCat(
      "not an RFC 3339 instant (YYYY-MM-DDTHH:MM:SS[.fff](Z|+HH:MM)): \"",
      Av(text), "\""));
}

// Parses the offset at the end of an RFC 3339 instant: "Z" or "+HH:MM".
bool ParseOffset(std::string_view text, absl::Duration* offset) {
  if (text == "Z" || text == "z") {
    *offset = absl::ZeroDuration();
    return true;
  }
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') ||
      text[3] != ':') {
    return false;
  }
  int hours = Digits(text, 1, 2);
  int minutes = Digits(text, 4, 2);
  if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return false;
  *offset = absl::Hours(hours) + absl::Minutes(minutes);
  if (text[0] == '-') *offset = -*offset;
  return true;
}

}  // namespace

absl::StatusOr<absl::CivilDay> ParseDate(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') {
    return BadDate(text);
  }
  int year = Digits(text, 0, 4);
  int month = Digits(text, 5, 2);
  int day = Digits(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return BadDate(text);
  absl::CivilDay civil(year, month, day);
  if (civil.year() != year || civil.month() != month || civil.day() != day) {
    return BadDate(text);  // e.g. 2025-02-30 would normalise to March
  }
  return civil;
}

std::string FormatDate(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

absl::StatusOr<absl::Time> ParseRfc3339(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS is 19 characters; fraction and offset follow.
  if (text.size() < 20 || (text[10] != 'T' && text[10] != 't') ||
      text[13] != ':' || text[16] != ':') {
    return BadInstant(text);
  }
  absl::StatusOr<absl::CivilDay> day = ParseDate(text.substr(0, 10));
  if (!day.ok()) return BadInstant(text);
  int hour = Digits(text, 11, 2);
  int minute = Digits(text, 14, 2);
  int second = Digits(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
      second > 59) {
    return BadInstant(text);
  }
  size_t pos = 19;
  absl::Duration fraction = absl::ZeroDuration();
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t nanos = 0;
    while (pos < text.size() &&
           absl::ascii_isdigit(static_cast<unsigned char>(text[pos]))) {
      if (pos - start < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++pos;
    }
    size_t count = pos - start;
    if (count == 0) return BadInstant(text);
    for (size_t i = count; i < 9; ++i) nanos *= 10;
    fraction = absl::Nanoseconds(nanos);
  }
  absl::Duration offset;
  if (!ParseOffset(text.substr(pos), &offset)) return BadInstant(text);
  absl::CivilSecond local(day->year(), day->month(), day->day(), hour, minute,
                          second);
  return absl::FromCivil(local, absl::UTCTimeZone()) - offset + fraction;
}

std::string FormatRfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%E*SZ", t, absl::UTCTimeZone());
}

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  absl::CivilMonth month = absl::CivilMonth(day) + months;
  absl::CivilDay first(month);
  int last_day = absl::CivilDay(month + 1) - first;  // days in the month
  int d = day.day() < last_day ? day.day() : last_day;
  return first + (d - 1);
}

absl::CivilDay BeijingDay(absl::Time t) {
  static const absl::TimeZone* beijing =
      new absl::TimeZone(absl::FixedTimeZone(8 * 60 * 60));
  return absl::ToCivilDay(t, *beijing);
}

int AgeInYears(absl::CivilDay birth, absl::CivilDay on) {
  int years = static_cast<int>(on.year() - birth.year());
  if (on.month() < birth.month() ||
      (on.month() == birth.month() && on.day() < birth.day())) {
    --years;
  }
  return years;
}

absl::StatusOr<absl::Time> LedgerNow() {
  const char* env = std::getenv("LEDGER_NOW");
  if (env == nullptr || *env == '\0') return absl::Now();
  std::string_view text(env);
  absl::StatusOr<absl::Time> t = ParseRfc3339(text);
  if (t.ok()) return t;
  // A plain business date is taken as its midnight UTC.
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (day.ok()) return absl::FromCivil(*day, absl::UTCTimeZone());
  return absl::InvalidArgumentError(
      absl::StrCat("LEDGER_NOW is set but is not an RFC 3339 instant such as "
                   "2025-09-01T08:00:00Z: \"",
                   Av(text), "\""));
}

}  // namespace xueji
