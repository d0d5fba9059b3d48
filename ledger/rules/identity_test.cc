// Identity rules: GB 11643 numbers, the other documents and the child check.
// All numbers are synthetic (tools/synthetic_id.py) or the standard's examples.
#include "ledger/rules/identity.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/rules/reasons.h"

namespace xueji {
namespace {

using xueji::v1::Child;
using xueji::v1::IdType;
using xueji::v1::ReasonCode;

ReasonCode CodeOf(const absl::Status& s) {
  return ReasonOf(s).value_or(xueji::v1::REASON_CODE_UNSPECIFIED);
}

ReasonCode IdCode(IdType type, const std::string& number) {
  absl::Status s = ValidateIdNumber(type, number);
  return s.ok() ? xueji::v1::REASON_CODE_UNSPECIFIED : CodeOf(s);
}

constexpr ReasonCode kOk = xueji::v1::REASON_CODE_UNSPECIFIED;
constexpr ReasonCode kBadId = xueji::v1::INVALID_ID_NUMBER;

Child MakeChild(IdType type, std::string number, std::string birth,
                xueji::v1::Gender gender) {
  Child c;
  c.set_name("林小雨");
  c.set_gender(gender);
  c.set_birth_date(std::move(birth));
  c.set_id_type(type);
  c.set_id_number(std::move(number));
  return c;
}

TEST_CASE("MOD 11-2 check characters of the standard's examples") {
  CHECK(Mod112CheckChar("11010519491231002") == 'X');
  CHECK(Mod112CheckChar("44052418800101001") == '4');
  CHECK(Mod112CheckChar("35020320210315001") == '6');
  CHECK(Mod112CheckChar("1234") == '\0');
  CHECK(Mod112CheckChar("1101051949123100A") == '\0');
}

// Numbers of one document type that validate, and numbers refused with
// INVALID_ID_NUMBER.
struct Numbers {
  IdType type;
  std::vector<std::string> accepted;
  std::vector<std::string> refused;
};

void CheckNumbers(const Numbers& numbers) {
  INFO(xueji::v1::IdType_Name(numbers.type));
  for (const std::string& number : numbers.accepted) {
    INFO("accepted: \"" << number << '"');
    CHECK(IdCode(numbers.type, number) == kOk);
  }
  for (const std::string& number : numbers.refused) {
    INFO("refused: \"" << number << '"');
    CHECK(IdCode(numbers.type, number) == kBadId);
  }
}

TEST_CASE("resident ID numbers") {
  CheckNumbers({xueji::v1::RESIDENT_ID,
                {"11010519491231002X",
                 "11010519491231002x",  // lower-case x accepted
                 " 440524188001010014 "},
                {"110105194912310021",   // wrong check char
                 "11010519491231002",    // 17 characters
                 "11010519491231002X1",  // 19 characters
                 "1101051949123100XX", "",
                 // 2025-02-30 does not exist; the check character is right
                 // for it.
                 "350203202502300018",
                 // Province 00 and 99 do not exist (check characters
                 // computed for them).
                 "000000202103150016",
                 // A residence-permit area is not a resident ID.
                 "810000202103150017"}});
}

TEST_CASE("rejection messages never contain the number") {
  absl::Status s =
      ValidateIdNumber(xueji::v1::RESIDENT_ID, "110105194912310021");
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == absl::StatusCode::kInvalidArgument);
  std::string msg(s.message());
  CHECK(msg.find("110105") == std::string::npos);
  CHECK(msg.find("check character") != std::string::npos);
}

TEST_CASE("residence permits, foreign cards and the other documents") {
  const Numbers documents[] = {
      {xueji::v1::HK_MO_TW_RESIDENCE_PERMIT,
       {"810000202103150017", "830000202001010025"},
       {"350203202103150016",    // mainland area
        "810000202103150018"}},  // check char
      {xueji::v1::FOREIGN_PERMANENT_RESIDENCE,
       {"911840202103150016"},
       {"350203202103150016",  // not 9…
        "911840202103150017",  // check char
        "USA110000150315"}},   // 2017 form
      {xueji::v1::HK_MO_PERMIT,
       {"H12345678", "m87654321"},
       {"X12345678", "H1234567", "H1234567A"}},
      {xueji::v1::TW_PERMIT, {"01234567"}, {"0123456", "0123456A"}},
      {xueji::v1::PASSPORT,
       {"E12345678", "ab123"},
       {"A123", "A1234567890123456789X", "E1234-5678"}},
      {xueji::v1::NONE, {""}, {"123"}},
  };
  for (const Numbers& numbers : documents) CheckNumbers(numbers);
  CHECK(IdCode(xueji::v1::ID_TYPE_UNSPECIFIED, "123") ==
        xueji::v1::INVALID_FIELD);
}

TEST_CASE("the child: birth date and gender must agree with the number") {
  const IdType t = xueji::v1::RESIDENT_ID;
  // Sequence 001: male, born 2021-03-15.
  Child boy = MakeChild(t, "350203202103150016", "2021-03-15", xueji::v1::MALE);
  CHECK(ValidateChild(boy).ok());

  Child wrong_gender = boy;
  wrong_gender.set_gender(xueji::v1::FEMALE);
  CHECK(CodeOf(ValidateChild(wrong_gender)) == xueji::v1::ID_MISMATCH);

  Child wrong_birth = boy;
  wrong_birth.set_birth_date("2021-03-16");
  absl::Status s = ValidateChild(wrong_birth);
  CHECK(CodeOf(s) == xueji::v1::ID_MISMATCH);
  CHECK(std::string(s.message()).find("350203") == std::string::npos);

  Child girl =
      MakeChild(t, "350203202103150024", "2021-03-15", xueji::v1::FEMALE);
  CHECK(ValidateChild(girl).ok());

  Child permit = MakeChild(xueji::v1::HK_MO_TW_RESIDENCE_PERMIT,
                           "830000202001010025", "2020-01-01", xueji::v1::MALE);
  CHECK(CodeOf(ValidateChild(permit)) == xueji::v1::ID_MISMATCH);
  permit.set_gender(xueji::v1::FEMALE);
  CHECK(ValidateChild(permit).ok());

  Child foreign =
      MakeChild(xueji::v1::FOREIGN_PERMANENT_RESIDENCE, "911840202103150016",
                "2021-03-14", xueji::v1::MALE);
  CHECK(CodeOf(ValidateChild(foreign)) == xueji::v1::ID_MISMATCH);

  // Documents that do not encode birth and gender are not compared.
  Child passport = MakeChild(xueji::v1::PASSPORT, "E12345678", "2021-03-15",
                             xueji::v1::FEMALE);
  passport.set_issuing_country("KOR");
  CHECK(ValidateChild(passport).ok());

  Child bad_number = boy;
  bad_number.set_id_number("350203202103150017");
  CHECK(CodeOf(ValidateChild(bad_number)) == xueji::v1::INVALID_ID_NUMBER);
}

TEST_CASE("the child: name, gender and birth date fields") {
  Child c = MakeChild(xueji::v1::NONE, "", "2021-03-15", xueji::v1::MALE);
  CHECK(ValidateChild(c).ok());

  auto code_with = [&](auto change) {
    Child copy = c;
    change(copy);
    return CodeOf(ValidateChild(copy));
  };
  const ReasonCode field = xueji::v1::INVALID_FIELD;
  CHECK(code_with([](Child& x) { x.set_name(""); }) == field);
  CHECK(code_with([](Child& x) { x.set_name("  \u3000 "); }) == field);
  CHECK(code_with([](Child& x) { x.set_name("林\n小雨"); }) == field);
  CHECK(code_with([](Child& x) { x.set_name("林\x7f"); }) == field);
  CHECK(code_with([](Child& x) { x.set_name("\xe6\x9e"); }) == field);
  CHECK(code_with([](Child& x) { x.set_name(std::string(51, 'a')); }) == field);
  std::string fifty_han;
  for (int i = 0; i < 50; ++i) fifty_han += "雨";  // 150 bytes, 50 chars
  CHECK(code_with([&](Child& x) { x.set_name(fifty_han); }) ==
        xueji::v1::REASON_CODE_UNSPECIFIED);
  CHECK(code_with([](Child& x) { x.set_name("阿依古丽·买买提"); }) ==
        xueji::v1::REASON_CODE_UNSPECIFIED);
  CHECK(code_with([](Child& x) {
          x.set_gender(xueji::v1::GENDER_UNSPECIFIED);
        }) == field);
  CHECK(code_with([](Child& x) { x.set_birth_date("2025-02-30"); }) == field);
  CHECK(code_with([](Child& x) { x.set_birth_date("2021-3-15"); }) == field);
  CHECK(code_with([](Child& x) { x.set_birth_date(""); }) == field);
  CHECK(code_with([](Child& x) { x.set_id_number("350203202103150016"); }) ==
        xueji::v1::INVALID_ID_NUMBER);
}

TEST_CASE("identity keys") {
  CHECK(IdentityKey(xueji::v1::RESIDENT_ID, " 11010519491231002x") ==
        "RESIDENT_ID:11010519491231002X");
  CHECK(IdentityKey(xueji::v1::PASSPORT, "e1234567") == "PASSPORT:E1234567");
  CHECK(IdentityKey(xueji::v1::NONE, "") == "");
  // The same number under two document types is two documents.
  CHECK(IdentityKey(xueji::v1::TW_PERMIT, "01234567") !=
        IdentityKey(xueji::v1::PASSPORT, "01234567"));

  Child a = MakeChild(xueji::v1::NONE, "", "2021-03-15", xueji::v1::MALE);
  a.set_name("林 小雨");
  Child b = a;
  b.set_name("林小雨\u3000");
  CHECK(ProbableIdentityKey(a) == ProbableIdentityKey(b));
  CHECK(ProbableIdentityKey(a) == "林小雨|MALE|2021-03-15");
  Child latin = a, wide = a;
  latin.set_name("Anna Li");
  wide.set_name("ａｎｎａ　ＬＩ");  // full-width letters and space
  CHECK(ProbableIdentityKey(latin) == ProbableIdentityKey(wide));
  Child dot1 = a, dot2 = a;
  dot1.set_name("阿依古丽·买买提");
  dot2.set_name("阿依古丽•买买提");
  CHECK(ProbableIdentityKey(dot1) == ProbableIdentityKey(dot2));
  Child other = a;
  other.set_gender(xueji::v1::FEMALE);
  CHECK(ProbableIdentityKey(other) != ProbableIdentityKey(a));
}

TEST_CASE("Art. 9 (issue 10): a passport's key includes its issuing country") {
  Child korean = MakeChild(xueji::v1::PASSPORT, "E12345678", "2021-03-15",
                           xueji::v1::FEMALE);
  korean.set_issuing_country("KOR");
  Child british = korean;
  british.set_issuing_country("GBR");
  CHECK(IdentityKey(korean) == "PASSPORT:KOR:E12345678");
  CHECK(IdentityKey(korean) != IdentityKey(british));
  Child resident = MakeChild(xueji::v1::RESIDENT_ID, "11010519491231002x",
                             "1949-12-31", xueji::v1::FEMALE);
  CHECK(IdentityKey(resident) == "RESIDENT_ID:11010519491231002X");
  // Required on a passport, refused elsewhere, three capital letters.
  Child bare = korean;
  bare.clear_issuing_country();
  CHECK(CodeOf(ValidateChild(bare)) == xueji::v1::INVALID_FIELD);
  Child odd = korean;
  odd.set_issuing_country("KO");
  CHECK(CodeOf(ValidateChild(odd)) == xueji::v1::INVALID_FIELD);
  resident.set_issuing_country("CHN");
  CHECK(CodeOf(ValidateChild(resident)) == xueji::v1::INVALID_FIELD);
}

TEST_CASE(
    "Art. 9 (issue 10): the 15-character foreign permanent residence "
    "card of 2017") {
  const IdType card = xueji::v1::FOREIGN_PERMANENT_RESIDENCE;
  CHECK(ValidateIdNumber(card, "USA350221031501").ok());
  CHECK(ValidateIdNumber(card, "usa350221031501").ok());  // normalized
  CHECK(CodeOf(ValidateIdNumber(card, "US3350221031501")) ==
        xueji::v1::INVALID_ID_NUMBER);
  CHECK(CodeOf(ValidateIdNumber(card, "USA350221133201")) ==
        xueji::v1::INVALID_ID_NUMBER);  // month 13
  Child child =
      MakeChild(card, "USA350221031501", "2021-03-15", xueji::v1::FEMALE);
  CHECK(ValidateChild(child).ok());
  child.set_birth_date("2021-03-16");
  CHECK(CodeOf(ValidateChild(child)) == xueji::v1::ID_MISMATCH);
  CHECK(IsOldForeignPermanentResidence(card, "USA350221031501"));
  CHECK_FALSE(
      IsOldForeignPermanentResidence(xueji::v1::PASSPORT, "USA350221031501"));
}

TEST_CASE("UTF-8 validity") {
  CHECK(IsValidUtf8(""));
  CHECK(IsValidUtf8("plain"));
  CHECK(IsValidUtf8("林小雨 𠀀"));
  CHECK_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(IsValidUtf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // above U+10FFFF
  CHECK_FALSE(IsValidUtf8("\xe6\x9e"));          // truncated
  CHECK_FALSE(IsValidUtf8("\x80"));
}

TEST_CASE("rejections carry their reason code and canonical code") {
  absl::Status s = Rejection(xueji::v1::DUPLICATE_REGISTRATION, "dup");
  CHECK(s.code() == absl::StatusCode::kAlreadyExists);
  CHECK(ReasonOf(s) == xueji::v1::DUPLICATE_REGISTRATION);
  CHECK(Rejection(xueji::v1::UNKNOWN_STUDENT, "x").code() ==
        absl::StatusCode::kNotFound);
  CHECK(Rejection(xueji::v1::OPERATOR_SEALED, "x").code() ==
        absl::StatusCode::kPermissionDenied);
  CHECK(Rejection(xueji::v1::KINDERGARTEN_CLOSED, "x").code() ==
        absl::StatusCode::kFailedPrecondition);
  CHECK(Rejection(xueji::v1::AGE_OUT_OF_RANGE, "x").code() ==
        absl::StatusCode::kInvalidArgument);
  CHECK(ReasonName(xueji::v1::INVALID_ID_NUMBER) == "INVALID_ID_NUMBER");
  CHECK_FALSE(ReasonOf(absl::InternalError("boom")).has_value());
  CHECK_FALSE(ReasonOf(absl::OkStatus()).has_value());
}

}  // namespace
}  // namespace xueji
