// Identity documents: GB 11643-1999 numbers and the other document forms.
//
// Forms accepted (after NormalizeIdNumber: trimmed, upper-cased):
//   RESIDENT_ID                  18: area(6) birth(8) seq(3) check; the area
//                                starts with a known province other than the
//                                residence-permit prefixes 81/82/83.
//   HK_MO_TW_RESIDENCE_PERMIT    18: same layout, area 810000/820000/830000.
//   FOREIGN_PERMANENT_RESIDENCE  18: the 2023 card (issued from 2023-12-01),
//                                modelled on GB 11643: '9', the 2-digit
//                                province that issued it, a 3-digit
//                                nationality code, birth(8), seq(3), MOD 11-2
//                                check. The older 15-character card (three
//                                letters + 12 digits) is not accepted.
//   HK_MO_PERMIT                 'H' or 'M' + 8 digits (the card-form permit;
//                                the renewal count printed beside it is not
//                                part of the number).
//   TW_PERMIT                    8 digits.
//   PASSPORT                     5..20 letters and digits.
//   NONE                         empty.
#include "ledger/rules/identity.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/base/enum_text.h"
#include "ledger/base/strings.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/reasons.h"

namespace xueji {
namespace {

using xueji::v1::IdType;
using xueji::v1::ReasonCode;

bool AllDigits(std::string_view text) {
  for (char c : text) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

constexpr EnumText<IdType, const char*> kDocNames[] = {
    {xueji::v1::RESIDENT_ID, "resident ID"},
    {xueji::v1::HK_MO_TW_RESIDENCE_PERMIT, "residence permit"},
    {xueji::v1::FOREIGN_PERMANENT_RESIDENCE,
     "foreign permanent residence card"},
    {xueji::v1::HK_MO_PERMIT, "Hong Kong/Macao travel permit"},
    {xueji::v1::TW_PERMIT, "Taiwan travel permit"},
    {xueji::v1::PASSPORT, "passport"},
};

const char* DocName(IdType type) {
  return TextOf(kDocNames, type).value_or("identity document");
}

absl::Status BadNumber(IdType type, std::string_view what) {
  return Rejection(xueji::v1::INVALID_ID_NUMBER,
                   absl::StrCat("the ", DocName(type), "'s ", Av(what)));
}

// The part of an 18-character number shared by all three GB 11643-style
// documents: digits, a real birth date and the check character. The area
// rule is the caller's.
absl::Status CheckGb11643Body(IdType type, std::string_view id) {
  if (id.size() != 18) {
    return BadNumber(type, "number must be 18 characters");
  }
  if (!AllDigits(id.substr(0, 17)) ||
      !(absl::ascii_isdigit(id[17]) || id[17] == 'X')) {
    return BadNumber(type, "number must be 17 digits and a digit or X");
  }
  std::string date =
      absl::StrCat(Av(id.substr(6, 4)), "-", Av(id.substr(10, 2)), "-",
                   Av(id.substr(12, 2)));
  if (!ParseDate(date).ok()) {
    return BadNumber(type, "birth date is not a real date");
  }
  if (Mod112CheckChar(id.substr(0, 17)) != id[17]) {
    return BadNumber(type, "check character is wrong");
  }
  return absl::OkStatus();
}

absl::Status CheckArea(IdType type, std::string_view id) {
  const AreaTable& areas = AreaTable::Default();
  std::string_view area = id.substr(0, 6);
  switch (type) {
    case xueji::v1::RESIDENT_ID:
      if (!areas.IsProvince(area.substr(0, 2)) || area[0] == '8') {
        return BadNumber(type, "area code has no known province");
      }
      return absl::OkStatus();
    case xueji::v1::HK_MO_TW_RESIDENCE_PERMIT:
      if (area != "810000" && area != "820000" && area != "830000") {
        return BadNumber(type, "area code must be 810000, 820000 or 830000");
      }
      return absl::OkStatus();
    default:  // FOREIGN_PERMANENT_RESIDENCE
      if (area[0] != '9') return BadNumber(type, "number must start with 9");
      if (!areas.IsProvince(area.substr(1, 2))) {
        return BadNumber(type, "issuing province code is not known");
      }
      return absl::OkStatus();
  }
}

bool EncodesBirthAndGender(IdType type) {
  return type == xueji::v1::RESIDENT_ID ||
         type == xueji::v1::HK_MO_TW_RESIDENCE_PERMIT ||
         type == xueji::v1::FOREIGN_PERMANENT_RESIDENCE;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

bool IsSpace(uint32_t cp) {
  return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' ||
         cp == '\f' || cp == 0xA0 || cp == 0x3000;
}

absl::Status CheckName(std::string_view name) {
  if (!IsValidUtf8(name)) {
    return Rejection(xueji::v1::INVALID_FIELD, "the name is not valid UTF-8");
  }
  size_t pos = 0;
  int count = 0;
  bool visible = false;
  while (pos < name.size()) {
    uint32_t cp;
    NextCodePoint(name, &pos, &cp);
    if (IsControl(cp)) {
      return Rejection(xueji::v1::INVALID_FIELD,
                       "the name contains a control character");
    }
    if (!IsSpace(cp)) visible = true;
    ++count;
  }
  if (!visible) {
    return Rejection(xueji::v1::INVALID_FIELD, "the name is empty");
  }
  if (count > 50) {
    return Rejection(xueji::v1::INVALID_FIELD,
                     "the name is longer than 50 characters");
  }
  return absl::OkStatus();
}

// Birth date and gender encoded in a GB 11643-style number must agree with
// the entered ones. `id` has passed ValidateIdNumber.
absl::Status CheckAgreement(IdType type, std::string_view id,
                            const xueji::v1::Child& child) {
  std::string date =
      absl::StrCat(Av(id.substr(6, 4)), "-", Av(id.substr(10, 2)), "-",
                   Av(id.substr(12, 2)));
  if (date != child.birth_date()) {
    return Rejection(xueji::v1::ID_MISMATCH,
                     absl::StrCat("the birth date entered does not match the "
                                  "one in the ",
                                  DocName(type)));
  }
  bool male = (id[16] - '0') % 2 == 1;
  if (male != (child.gender() == xueji::v1::MALE)) {
    return Rejection(xueji::v1::ID_MISMATCH,
                     absl::StrCat("the gender entered does not match the one "
                                  "in the ",
                                  DocName(type)));
  }
  return absl::OkStatus();
}

}  // namespace

bool NextCodePoint(std::string_view text, size_t* pos, uint32_t* cp) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  unsigned char b0 = byte(*pos);
  size_t len;
  uint32_t min;
  if (b0 < 0x80) {
    *cp = b0;
    ++*pos;
    return true;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2, min = 0x80, *cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, min = 0x800, *cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, min = 0x10000, *cp = b0 & 0x07;
  } else {
    return false;
  }
  if (*pos + len > text.size()) return false;
  for (size_t i = 1; i < len; ++i) {
    unsigned char b = byte(*pos + i);
    if ((b & 0xC0) != 0x80) return false;
    *cp = (*cp << 6) | (b & 0x3F);
  }
  if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) {
    return false;
  }
  *pos += len;
  return true;
}

char Mod112CheckChar(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                       3, 7, 9,  10, 5, 8, 4, 2};
  static constexpr char kMap[] = "10X98765432";
  if (first17.size() != 17 || !AllDigits(first17)) return '\0';
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return kMap[sum % 11];
}

std::string NormalizeIdNumber(std::string_view number) {
  return absl::AsciiStrToUpper(absl::StripAsciiWhitespace(Av(number)));
}

absl::Status ValidateIdNumber(IdType type, std::string_view number) {
  std::string id = NormalizeIdNumber(number);
  if (IsOldForeignPermanentResidence(type, id)) {
    // 2017 card: 3 letters (nationality), 4 digits (issuing office), birth
    // date YYMMDD, 2 digits. No published check character to test.
    std::string_view yymmdd = std::string_view(id).substr(7, 6);
    if (!ParseDate(absl::StrCat("20", Av(yymmdd.substr(0, 2)), "-",
                                Av(yymmdd.substr(2, 2)), "-",
                                Av(yymmdd.substr(4, 2))))
             .ok() &&
        !ParseDate(absl::StrCat("19", Av(yymmdd.substr(0, 2)), "-",
                                Av(yymmdd.substr(2, 2)), "-",
                                Av(yymmdd.substr(4, 2))))
             .ok()) {
      return BadNumber(type, "birth date (characters 8-13) is not a date");
    }
    return absl::OkStatus();
  }
  switch (type) {
    case xueji::v1::RESIDENT_ID:
    case xueji::v1::HK_MO_TW_RESIDENCE_PERMIT:
    case xueji::v1::FOREIGN_PERMANENT_RESIDENCE: {
      if (absl::Status s = CheckGb11643Body(type, id); !s.ok()) return s;
      return CheckArea(type, id);
    }
    case xueji::v1::HK_MO_PERMIT:
      if (id.size() != 9 || (id[0] != 'H' && id[0] != 'M') ||
          !AllDigits(id.substr(1))) {
        return BadNumber(type, "number must be H or M and 8 digits");
      }
      return absl::OkStatus();
    case xueji::v1::TW_PERMIT:
      if (id.size() != 8 || !AllDigits(id)) {
        return BadNumber(type, "number must be 8 digits");
      }
      return absl::OkStatus();
    case xueji::v1::PASSPORT: {
      bool alnum = true;
      for (char c : id) alnum = alnum && absl::ascii_isalnum(c);
      if (id.size() < 5 || id.size() > 20 || !alnum) {
        return BadNumber(type, "number must be 5 to 20 letters and digits");
      }
      return absl::OkStatus();
    }
    case xueji::v1::NONE:
      if (!id.empty()) {
        return Rejection(xueji::v1::INVALID_ID_NUMBER,
                         "a child without a document must have no number");
      }
      return absl::OkStatus();
    default:
      return Rejection(xueji::v1::INVALID_FIELD,
                       "the identity document type is missing or unknown");
  }
}

absl::Status ValidateChild(const xueji::v1::Child& child) {
  if (absl::Status s = CheckName(child.name()); !s.ok()) return s;
  if (child.id_type() == xueji::v1::PASSPORT) {
    if (!IsCountryCode(child.issuing_country())) {
      return Rejection(xueji::v1::INVALID_FIELD,
                       "a passport needs child.issuingCountry, the issuing "
                       "country as three capital letters (ISO 3166-1 "
                       "alpha-3, e.g. KOR)");
    }
  } else if (!child.issuing_country().empty()) {
    return Rejection(xueji::v1::INVALID_FIELD,
                     "child.issuingCountry is for passports only");
  }
  if (child.gender() != xueji::v1::MALE &&
      child.gender() != xueji::v1::FEMALE) {
    return Rejection(xueji::v1::INVALID_FIELD,
                     "the gender must be MALE or FEMALE");
  }
  if (!ParseDate(child.birth_date()).ok()) {
    return Rejection(xueji::v1::INVALID_FIELD,
                     absl::StrCat("the birth date must be a real date "
                                  "YYYY-MM-DD, got \"",
                                  absl::CHexEscape(child.birth_date()), "\""));
  }
  if (absl::Status s = ValidateIdNumber(child.id_type(), child.id_number());
      !s.ok()) {
    return s;
  }
  if (IsOldForeignPermanentResidence(child.id_type(),
                                     NormalizeIdNumber(child.id_number()))) {
    // The birth date YYMMDD at characters 8-13.
    const std::string id = NormalizeIdNumber(child.id_number());
    const std::string& birth = child.birth_date();
    if (birth.size() != 10 || id.substr(7, 2) != birth.substr(2, 2) ||
        id.substr(9, 2) != birth.substr(5, 2) ||
        id.substr(11, 2) != birth.substr(8, 2)) {
      return Rejection(xueji::v1::ID_MISMATCH,
                       absl::StrCat("the birth date entered does not match the "
                                    "one in the ",
                                    DocName(child.id_type())));
    }
    return absl::OkStatus();
  }
  if (!EncodesBirthAndGender(child.id_type())) return absl::OkStatus();
  return CheckAgreement(child.id_type(), NormalizeIdNumber(child.id_number()),
                        child);
}

absl::Status ValidateApplicant(const xueji::v1::Applicant& applicant) {
  if (absl::Status s = CheckName(applicant.name()); !s.ok()) {
    return Rejection(xueji::v1::INVALID_FIELD,
                     absl::StrCat("applicant.name: ", s.message()));
  }
  switch (applicant.relation()) {
    case xueji::v1::FATHER:
    case xueji::v1::MOTHER:
    case xueji::v1::GUARDIAN:
      break;
    default:
      return Rejection(xueji::v1::INVALID_FIELD,
                       "applicant.relation must be FATHER, MOTHER or GUARDIAN "
                       "(父母或者其他监护人)");
  }
  if (applicant.id_type() == xueji::v1::ID_TYPE_UNSPECIFIED ||
      applicant.id_type() == xueji::v1::NONE ||
      !xueji::v1::IdType_IsValid(applicant.id_type())) {
    return Rejection(xueji::v1::INVALID_FIELD,
                     "applicant.idType must name the applicant's identity "
                     "document (RESIDENT_ID, PASSPORT, ...)");
  }
  if (absl::Status s =
          ValidateIdNumber(applicant.id_type(), applicant.id_number());
      !s.ok()) {
    return Rejection(ReasonOf(s).value_or(xueji::v1::INVALID_ID_NUMBER),
                     absl::StrCat("applicant: ", s.message()));
  }
  return absl::OkStatus();
}

std::string IdentityKey(IdType type, std::string_view number) {
  if (type == xueji::v1::NONE) return "";
  return absl::StrCat(xueji::v1::IdType_Name(type), ":",
                      NormalizeIdNumber(number));
}

std::string IdentityKey(const xueji::v1::Child& child) {
  if (child.id_type() == xueji::v1::PASSPORT &&
      !child.issuing_country().empty()) {
    return absl::StrCat(xueji::v1::IdType_Name(child.id_type()), ":",
                        absl::AsciiStrToUpper(child.issuing_country()), ":",
                        NormalizeIdNumber(child.id_number()));
  }
  return IdentityKey(child.id_type(), child.id_number());
}

bool IsCountryCode(std::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

bool IsOldForeignPermanentResidence(IdType type, std::string_view id) {
  if (type != xueji::v1::FOREIGN_PERMANENT_RESIDENCE || id.size() != 15) {
    return false;
  }
  for (int i = 0; i < 3; ++i) {
    if (id[i] < 'A' || id[i] > 'Z') return false;
  }
  return AllDigits(id.substr(3));
}

std::string ProbableIdentityKey(const xueji::v1::Child& child) {
  std::string name;
  std::string_view text = child.name();
  size_t pos = 0;
  while (pos < text.size()) {
    uint32_t cp;
    if (!NextCodePoint(text, &pos, &cp)) {  // keep stray bytes as they are
      name.push_back(text[pos++]);
      continue;
    }
    if (IsSpace(cp)) continue;
    if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII
    if (cp == 0x2022 || cp == 0x30FB || cp == 0xFF65 || cp == 0x2027 ||
        cp == 0x2E) {
      cp = 0xB7;  // the dots that separate parts of a name: 阿依古丽·买买提
    }
    if (cp < 0x80) cp = absl::ascii_toupper(static_cast<unsigned char>(cp));
    AppendUtf8(cp, &name);
  }
  return absl::StrCat(name, "|", xueji::v1::Gender_Name(child.gender()), "|",
                      child.birth_date());
}

bool IsValidUtf8(std::string_view text) {
  size_t pos = 0;
  uint32_t cp;
  while (pos < text.size()) {
    if (!NextCodePoint(text, &pos, &cp)) return false;
  }
  return true;
}

}  // namespace xueji
