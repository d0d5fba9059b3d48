// The columns a de-identified export may carry (issue 10, item 5; Art. 22;
// docs/design.md, "De-identified export (Art. 22)"). One owner for the
// decider (which refuses an unknown field, INVALID_FIELD) and the export
// writer (projections/deidentify.h). Never a name, a document number or a
// student number (a G number embeds the resident ID): those are not fields.
//
// Thread-safety: constants and a pure function.
#ifndef XUEJI_LEDGER_RULES_EXPORT_FIELDS_H_
#define XUEJI_LEDGER_RULES_EXPORT_FIELDS_H_

#include <string_view>

namespace xueji {

// birthMonth: YYYY-MM of the birth date; gender; kindergarten: its code;
// county: the kindergarten's 6-digit county; status: the record's status;
// entryMonth: YYYY-MM of the entry registration.
inline constexpr std::string_view kExportFields[] = {
    "birthMonth", "gender", "kindergarten", "county", "status", "entryMonth"};

inline bool IsExportField(std::string_view field) {
  for (std::string_view known : kExportFields) {
    if (known == field) return true;
  }
  return false;
}

// "birthMonth, gender, ...": for messages.
inline constexpr char kExportFieldList[] =
    "birthMonth, gender, kindergarten, county, status, entryMonth";

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_EXPORT_FIELDS_H_
