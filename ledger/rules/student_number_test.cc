// Student numbers: the G, L and J forms and their validation.
#include "ledger/rules/student_number.h"

#include <catch2/catch.hpp>

#include "ledger/rules/identity.h"
#include "ledger/rules/reasons.h"

namespace xueji {
namespace {

const absl::CivilDay kBirth(2021, 3, 15);

TEST_CASE("formal numbers are G and the resident ID") {
  std::string no = FormalNumber("11010519491231002x");
  CHECK(no == "G11010519491231002X");
  CHECK(no.size() == 19);
  CHECK(ValidateStudentNumber(no).ok());
}

TEST_CASE("temporary numbers: L, area, birth date, 4-digit sequence") {
  CHECK(NumberPrefix('L', "350203", kBirth) == "L35020320210315");
  std::string no = TemporaryNumber("350203", kBirth, 7);
  CHECK(no == "L350203202103150007");
  CHECK(ValidateStudentNumber(no).ok());
  CHECK(ValidateStudentNumber(TemporaryNumber("350203", kBirth, 9999)).ok());
  CHECK_FALSE(ValidateStudentNumber("L350203202103150000").ok());
  CHECK_FALSE(ValidateStudentNumber("L350203202102300001").ok());  // Feb 30
}

TEST_CASE("foreign numbers: J, area, birth date, sequence, check") {
  std::string no = ForeignNumber("350203", kBirth, 1);
  REQUIRE(no.size() == 19);
  CHECK(no.substr(0, 18) == "J35020320210315001");
  CHECK(no[18] == Mod112CheckChar("35020320210315001"));
  CHECK(no[18] == '6');
  CHECK(ValidateStudentNumber(no).ok());
  std::string tampered = no;
  tampered[18] = tampered[18] == '0' ? '1' : '0';
  absl::Status s = ValidateStudentNumber(tampered);
  CHECK(ReasonOf(s) == xueji::v1::INVALID_FIELD);
  CHECK(std::string(s.message()).find("check character") != std::string::npos);
  CHECK_FALSE(ValidateStudentNumber("J350203202103150000").ok());
}

TEST_CASE("number letters by document type") {
  CHECK(NumberLetter(xueji::v1::RESIDENT_ID) == 'G');
  CHECK(NumberLetter(xueji::v1::NONE) == 'L');
  CHECK(NumberLetter(xueji::v1::HK_MO_TW_RESIDENCE_PERMIT) == 'J');
  CHECK(NumberLetter(xueji::v1::FOREIGN_PERMANENT_RESIDENCE) == 'J');
  CHECK(NumberLetter(xueji::v1::PASSPORT) == 'J');
}

TEST_CASE("malformed student numbers") {
  CHECK_FALSE(ValidateStudentNumber("").ok());
  CHECK_FALSE(ValidateStudentNumber("G11010519491231002").ok());   // 18
  CHECK_FALSE(ValidateStudentNumber("G110105194912310021").ok());  // check
  CHECK_FALSE(ValidateStudentNumber("G11010519491231002x").ok());  // lower x
  CHECK_FALSE(ValidateStudentNumber("X11010519491231002X").ok());
  CHECK_FALSE(ValidateStudentNumber("LABCDEF202103150001").ok());
  absl::Status s = ValidateStudentNumber("G110105194912310021");
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  CHECK(std::string(s.message()).find("110105") == std::string::npos);
}

}  // namespace
}  // namespace xueji
