// Student numbers (学籍号): the G, L and J forms of student_number.h.
#include "ledger/rules/student_number.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/dates.h"
#include "ledger/base/enum_text.h"
#include "ledger/base/strings.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/reasons.h"

namespace xueji {
namespace {

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Yyyymmdd(absl::CivilDay day) {
  return absl::StrFormat("%04d%02d%02d", day.year(), day.month(), day.day());
}

absl::Status Bad(std::string_view what) {
  // Never echo the number: a G number contains a resident ID.
  return Rejection(xueji::v1::INVALID_FIELD,
                   absl::StrCat("the student number ", Av(what)));
}

// Area (6 digits) and a real birth date YYYYMMDD at number[1..14].
bool AreaAndBirthOk(std::string_view number) {
  std::string_view area = number.substr(1, 6);
  std::string_view date = number.substr(7, 8);
  if (!AllDigits(area) || !AllDigits(date)) return false;
  return ParseDate(absl::StrCat(Av(date.substr(0, 4)), "-",
                                Av(date.substr(4, 2)), "-",
                                Av(date.substr(6, 2))))
      .ok();
}

}  // namespace

std::string FormalNumber(std::string_view resident_id) {
  return absl::StrCat("G", NormalizeIdNumber(resident_id));
}

std::string NumberPrefix(char letter, std::string_view area,
                         absl::CivilDay birth) {
  return absl::StrCat(std::string(1, letter), Av(area), Yyyymmdd(birth));
}

std::string TemporaryNumber(std::string_view area, absl::CivilDay birth,
                            int seq) {
  return absl::StrCat(NumberPrefix('L', area, birth),
                      absl::StrFormat("%04d", seq));
}

std::string ForeignNumber(std::string_view area, absl::CivilDay birth,
                          int seq) {
  std::string body =
      absl::StrCat(Av(area), Yyyymmdd(birth), absl::StrFormat("%03d", seq));
  return absl::StrCat("J", body, std::string(1, Mod112CheckChar(body)));
}

char NumberLetter(xueji::v1::IdType type) {
  constexpr EnumText<xueji::v1::IdType, char> kLetters[] = {
      {xueji::v1::RESIDENT_ID, 'G'},
      {xueji::v1::NONE, 'L'},
  };
  return TextOf(kLetters, type).value_or('J');
}

absl::Status ValidateStudentNumber(std::string_view student_no) {
  if (student_no.size() != 19) return Bad("must be 19 characters");
  std::string_view rest = student_no.substr(1);
  switch (student_no[0]) {
    case 'G':
      if (NormalizeIdNumber(rest) != rest ||
          !ValidateIdNumber(xueji::v1::RESIDENT_ID, rest).ok()) {
        return Bad("does not hold a valid resident ID");
      }
      return absl::OkStatus();
    case 'L':
      if (!AreaAndBirthOk(student_no) || !AllDigits(student_no.substr(15)) ||
          student_no.substr(15) == "0000") {
        return Bad("must be L, area, birth date and a 4-digit sequence");
      }
      return absl::OkStatus();
    case 'J':
      if (!AreaAndBirthOk(student_no) || !AllDigits(student_no.substr(15, 3)) ||
          student_no.substr(15, 3) == "000") {
        return Bad(
            "must be J, area, birth date, a 3-digit sequence and a "
            "check character");
      }
      if (Mod112CheckChar(student_no.substr(1, 17)) != student_no[18]) {
        return Bad("check character is wrong");
      }
      return absl::OkStatus();
    default:
      return Bad("must start with G, L or J");
  }
}

std::optional<NumberSequence> SequenceOf(std::string_view no) {
  if (no.size() != 19 || (no[0] != 'L' && no[0] != 'J')) return std::nullopt;
  int digits = no[0] == 'L' ? 4 : 3;
  int seq = 0;
  for (int i = 15; i < 15 + digits; ++i) {
    if (no[i] < '0' || no[i] > '9') return std::nullopt;
    seq = seq * 10 + (no[i] - '0');
  }
  return NumberSequence{std::string(no.substr(0, 15)), seq};
}

}  // namespace xueji
