// Student numbers (学籍号), 19 characters, one per child, never reused:
//   G + 18-character resident ID                          (formal)
//   L + 6-digit area + 8-digit birth date + 4-digit seq   (temporary, Art. 7)
//   J + 6-digit area + 8-digit birth date + 3-digit seq + MOD 11-2 check
//     (children whose document is not a mainland resident ID, Art. 9)
// Sequences are per prefix (letter + area + birth date), starting at 1.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_RULES_STUDENT_NUMBER_H_
#define XUEJI_LEDGER_RULES_STUDENT_NUMBER_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "xueji/v1/common.pb.h"

namespace xueji {

std::string FormalNumber(std::string_view resident_id);  // "G" + id
// "L" + area + YYYYMMDD (the prefix that sequences count under).
std::string NumberPrefix(char letter, std::string_view area,
                         absl::CivilDay birth);
std::string TemporaryNumber(std::string_view area, absl::CivilDay birth,
                            int seq);  // seq 1..9999
std::string ForeignNumber(std::string_view area, absl::CivilDay birth,
                          int seq);  // seq 1..999, with check character

// Which letter a child gets: 'G' for RESIDENT_ID, 'L' for NONE, 'J' otherwise.
char NumberLetter(xueji::v1::IdType type);

// Checks form and (for G and J) the check character. INVALID_FIELD otherwise.
absl::Status ValidateStudentNumber(std::string_view student_no);

// The prefix (letter + area + birth date) and sequence of an L or J student
// number; nullopt for any other number.
struct NumberSequence {
  std::string prefix;
  int seq = 0;
};
std::optional<NumberSequence> SequenceOf(std::string_view student_no);

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_STUDENT_NUMBER_H_
