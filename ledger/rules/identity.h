// Identity rules: the identity documents of domain.md and GB 11643-1999.
//
// A resident ID (and the HK/Macao/Taiwan residence permit and the foreign
// permanent residence card, which share its layout) is 18 characters: 6-digit
// area code, 8-digit birth date, 3-digit sequence (odd = male, even = female)
// and an ISO 7064 MOD 11-2 check character. Area codes are checked for a known
// province prefix only: an ID keeps the code of the county where it was issued,
// which may since have been abolished (GB/T 2260 changes every year).
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_RULES_IDENTITY_H_
#define XUEJI_LEDGER_RULES_IDENTITY_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "xueji/v1/common.pb.h"

namespace xueji {

// MOD 11-2 check character ('0'-'9' or 'X') of the first 17 digits; '\0'
// if `first17` is not exactly 17 digits.
char Mod112CheckChar(std::string_view first17);

// Upper-cases and trims the number (a lower-case 'x' is accepted).
std::string NormalizeIdNumber(std::string_view number);

// Checks the document number's form for its type. Rejections carry
// INVALID_ID_NUMBER (bad form, area, date or check character).
absl::Status ValidateIdNumber(xueji::v1::IdType type, std::string_view number);

// Checks the whole child: a passport's issuingCountry (required, and only on
// a passport: INVALID_FIELD), name (1..50 characters of valid UTF-8, no control
// characters: INVALID_FIELD), gender and birth date present and valid
// (INVALID_FIELD), the number (INVALID_ID_NUMBER), and for numbers that encode
// them, that the entered birth date and gender agree (ID_MISMATCH). NONE
// requires an empty number.
absl::Status ValidateChild(const xueji::v1::Child& child);

// Issue 10: the parent or guardian applying for a transfer, leave, deferral
// or key-info edit (由父母或者其他监护人提出申请). Checks the name as a
// child's (INVALID_FIELD), the relation FATHER, MOTHER or GUARDIAN
// (INVALID_FIELD), a document type other than NONE (INVALID_FIELD) and its
// number as ValidateIdNumber does (INVALID_ID_NUMBER). Messages start with
// "applicant" and never contain the number.
absl::Status ValidateApplicant(const xueji::v1::Applicant& applicant);

// Key of the identity-document index: "<TYPE>:<normalized number>", or "" for
// NONE. Two records with the same non-empty key are duplicates.
std::string IdentityKey(xueji::v1::IdType type, std::string_view number);
// The key of a child's document: as above, and for a passport with an
// issuing country "PASSPORT:<country>:<number>" (issue 10: a Korean and a
// British passport may share a number). Every index of records uses this.
std::string IdentityKey(const xueji::v1::Child& child);

// Is `code` three capital letters (the form of ISO 3166-1 alpha-3)?
bool IsCountryCode(std::string_view code);
// Is `id` (normalized) a 2017-layout foreign permanent residence card: 15
// characters, 3 letters (nationality) and 12 digits (issuing office, birth
// date YYMMDD at characters 8-13, 2 more)? Accepted beside the 18-character
// card of 2023; its birth date must agree with the child's.
bool IsOldForeignPermanentResidence(xueji::v1::IdType type,
                                    std::string_view id);

// Key of the probable-duplicate index: normalized name (whitespace removed,
// full-width ASCII folded) + gender + birth date.
std::string ProbableIdentityKey(const xueji::v1::Child& child);

// Is `text` valid UTF-8?
bool IsValidUtf8(std::string_view text);

// Decodes one UTF-8 sequence at text[*pos] into *cp and advances *pos; false
// (nothing advanced) if it is malformed, overlong, a surrogate or above
// U+10FFFF. *pos must be < text.size().
bool NextCodePoint(std::string_view text, size_t* pos, uint32_t* cp);

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_IDENTITY_H_
