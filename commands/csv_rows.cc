// The CSV templates' rows made requests (see commands/csv_input.h): the
// cells of one admission or change row checked and set on a Request. The
// file and its header row are read in csv_input.cc.
#include "commands/csv_rows.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace xueji::csv_internal {
namespace {

using xueji::v1::Request;

// A template's change actions: the JSON name, the Chinese one(s), and the
// columns (besides requestId, actor, occurredOn, lateReason, action) it uses.
struct ChangeAction {
  const char* name;
  std::vector<const char*> zh;
  std::set<std::string> uses;
};
const std::vector<ChangeAction>& ChangeActions() {
  static const auto* actions = new std::vector<ChangeAction>{
      {"transferOut",
       {"转出"},
       {"studentNo", "toKindergarten", "applicantName", "applicantRelation",
        "applicantIdType", "applicantIdNumber"}},
      {"transferIn", {"转入"}, {"studentNo"}},
      {"leave",
       {"离园"},
       {"studentNo", "reason", "applicantName", "applicantRelation",
        "applicantIdType", "applicantIdNumber"}},
      {"graduate", {"毕业"}, {"studentNo"}},
      {"defer",
       {"缓学", "缓学留园"},
       {"studentNo", "untilDate", "evidence", "applicantName",
        "applicantRelation", "applicantIdType", "applicantIdNumber"}},
      {"cancel", {"注销"}, {"studentNo", "reason", "dateOfDeath", "evidence"}},
      {"withdrawTransfer", {"撤回转园"}, {"studentNo", "reason"}},
      {"refuseTransfer", {"拒绝转入"}, {"studentNo", "reason"}},
      {"editKeyInfo",
       {"修改关键信息", "关键信息修改"},
       {"studentNo", "name", "gender", "birthDate", "idType", "idNumber",
        "nationality", "ethnicity", "householdArea", "evidence",
        "applicantName", "applicantRelation", "applicantIdType",
        "applicantIdNumber"}},
      {"convertNumber", {"转换学籍号"}, {"studentNo", "idType", "idNumber"}},
  };
  return *actions;
}

const std::map<std::string, xueji::v1::IdType>& ChineseIdTypes() {
  static const auto* types = new std::map<std::string, xueji::v1::IdType>{
      {"居民身份证", xueji::v1::RESIDENT_ID},
      {"港澳台居民居住证", xueji::v1::HK_MO_TW_RESIDENCE_PERMIT},
      {"港澳居民来往内地通行证", xueji::v1::HK_MO_PERMIT},
      {"台湾居民来往大陆通行证", xueji::v1::TW_PERMIT},
      {"外国人永久居留身份证", xueji::v1::FOREIGN_PERMANENT_RESIDENCE},
      {"护照", xueji::v1::PASSPORT},
      {"无", xueji::v1::NONE},
      {"无证件", xueji::v1::NONE},
  };
  return *types;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// 2025/9/1, 2025-9-1 (as spreadsheets show dates) -> 2025-09-01; anything
// else is left as it is for the ledger's own date checks.
std::string NormalizeDate(const std::string& value) {
  for (char sep : {'/', '-', '.'}) {
    const size_t a = value.find(sep);
    if (a != 4) continue;
    const size_t b = value.find(sep, a + 1);
    if (b == std::string::npos) continue;
    const std::string y = value.substr(0, a),
                      m = value.substr(a + 1, b - a - 1),
                      d = value.substr(b + 1);
    if (!IsDigits(y) || !IsDigits(m) || !IsDigits(d) || m.size() > 2 ||
        d.size() > 2) {
      continue;
    }
    return absl::StrCat(y, "-", m.size() == 1 ? "0" : "", m, "-",
                        d.size() == 1 ? "0" : "", d);
  }
  return value;
}

// 3.50203E+17: what a spreadsheet makes of a long number in a cell not
// formatted as text (the digits are lost).
bool LooksRounded(const std::string& value) {
  const size_t e = value.find_first_of("eE");
  if (e == std::string::npos || e == 0 || e + 2 > value.size()) return false;
  const std::string mantissa = value.substr(0, e);
  std::string exponent = value.substr(e + 1);
  if (exponent[0] == '+') exponent = exponent.substr(1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  return IsDigits(digits) && IsDigits(exponent);
}

// An enum cell: one of its `chinese` names, or the enum's own name in any
// case (`parse`: the generated Enum_Parse), never its zero UNSPECIFIED value;
// nullopt for anything else.
template <typename Enum, typename Parse>
std::optional<Enum> EnumCell(const std::string& cell,
                             const std::map<std::string, Enum>& chinese,
                             Parse parse) {
  if (auto zh = chinese.find(cell); zh != chinese.end()) return zh->second;
  Enum parsed;
  if (parse(absl::AsciiStrToUpper(cell), &parsed) && parsed != Enum{}) {
    return parsed;
  }
  return std::nullopt;
}

std::optional<RowError> SetGender(const Row& r, xueji::v1::Child* child) {
  const std::string& v = r.Get("gender");
  if (v.empty()) return std::nullopt;
  const std::string upper = absl::AsciiStrToUpper(v);
  if (upper == "MALE" || v == "男") {
    child->set_gender(xueji::v1::MALE);
  } else if (upper == "FEMALE" || v == "女") {
    child->set_gender(xueji::v1::FEMALE);
  } else {
    return RowError("gender (性别) must be MALE or FEMALE (男 or 女)");
  }
  return std::nullopt;
}

std::optional<RowError> SetIdType(const Row& r, xueji::v1::IdType* type) {
  const std::string& v = r.Get("idType");
  if (v.empty()) return std::nullopt;
  if (auto parsed = EnumCell(v, ChineseIdTypes(), &xueji::v1::IdType_Parse)) {
    *type = *parsed;
    return std::nullopt;
  }
  return RowError(
      "idType (证件类型) must be RESIDENT_ID, HK_MO_TW_RESIDENCE_PERMIT, "
      "HK_MO_PERMIT, TW_PERMIT, FOREIGN_PERMANENT_RESIDENCE, PASSPORT or NONE "
      "(or their Chinese names, docs/csv-templates.md)");
}

// Issue 10: the applicant columns, when any is given (none: the request has
// no applicant, and the ledger refuses it naming the field).
std::optional<RowError> FillApplicant(const Row& r,
                                      xueji::v1::Applicant* applicant) {
  const std::string& name = r.Get("applicantName");
  const std::string& relation = r.Get("applicantRelation");
  const std::string& type = r.Get("applicantIdType");
  const std::string& number = r.Get("applicantIdNumber");
  if (name.empty() && relation.empty() && type.empty() && number.empty()) {
    return std::nullopt;
  }
  applicant->set_name(name);
  static const auto* relations =
      new std::map<std::string, xueji::v1::ApplicantRelation>{
          {"父亲", xueji::v1::FATHER},
          {"母亲", xueji::v1::MOTHER},
          {"监护人", xueji::v1::GUARDIAN},
          {"其他监护人", xueji::v1::GUARDIAN}};
  if (auto parsed =
          EnumCell(relation, *relations, &xueji::v1::ApplicantRelation_Parse)) {
    applicant->set_relation(*parsed);
  } else {
    return RowError(
        "applicantRelation (申请人关系) must be FATHER, MOTHER or GUARDIAN "
        "(父亲, 母亲, 其他监护人)");
  }
  if (auto parsed =
          EnumCell(type, ChineseIdTypes(), &xueji::v1::IdType_Parse)) {
    applicant->set_id_type(*parsed);
  } else {
    return RowError(
        "applicantIdType (申请人证件类型) must be a document type as idType "
        "(RESIDENT_ID, PASSPORT, ... or their Chinese names)");
  }
  applicant->set_id_number(number);
  return std::nullopt;
}

std::optional<RowError> CheckNumbers(const Row& r) {
  for (const char* name : {"idNumber", "studentNo", "applicantIdNumber"}) {
    if (LooksRounded(r.Get(name))) {
      return absl::StrCat(
          name,
          " is a number a spreadsheet rounded (its digits are lost): "
          "format the column as text and enter it again");
    }
  }
  return std::nullopt;
}

std::optional<RowError> FillChild(const Row& r, xueji::v1::Child* child) {
  child->set_name(r.Get("name"));
  if (auto e = SetGender(r, child)) return e;
  child->set_birth_date(NormalizeDate(r.Get("birthDate")));
  xueji::v1::IdType type = xueji::v1::ID_TYPE_UNSPECIFIED;
  if (auto e = SetIdType(r, &type)) return e;
  child->set_id_type(type);
  child->set_id_number(r.Get("idNumber"));
  child->set_nationality(r.Get("nationality"));
  child->set_ethnicity(r.Get("ethnicity"));
  child->set_household_area(r.Get("householdArea"));
  return std::nullopt;
}

void FillCommon(const Row& r, Request* request) {
  request->set_request_id(r.Get("requestId"));
  request->set_actor(r.Get("actor"));
  request->set_occurred_on(NormalizeDate(r.Get("occurredOn")));
  request->set_late_reason(r.Get("lateReason"));
}

}  // namespace

std::optional<RowError> AdmissionRequest(const Row& r, Request* request) {
  if (auto e = CheckNumbers(r)) return e;
  FillCommon(r, request);
  xueji::v1::Admit* admit = request->mutable_admit();
  admit->set_kindergarten(r.Get("kindergarten"));
  admit->set_entry_date(NormalizeDate(r.Get("entryDate")));
  return FillChild(r, admit->mutable_child());
}

std::optional<RowError> ChangeRequest(const Row& r, Request* request) {
  if (auto e = CheckNumbers(r)) return e;
  const std::string& name = r.Get("action");
  const ChangeAction* action = nullptr;
  for (const ChangeAction& a : ChangeActions()) {
    bool match = absl::AsciiStrToLower(name) == absl::AsciiStrToLower(a.name);
    for (const char* zh : a.zh) match = match || name == zh;
    if (match) action = &a;
  }
  if (action == nullptr) {
    std::vector<std::string> names;
    for (const ChangeAction& a : ChangeActions()) {
      names.push_back(absl::StrCat(a.name, " (", a.zh[0], ")"));
    }
    return name.empty() ? RowError("action (变动类型) is empty")
                        : absl::StrCat("action (变动类型) must be one of ",
                                       absl::StrJoin(names, ", "));
  }
  static const std::set<std::string> kCommon = {
      "requestId", "actor", "occurredOn", "lateReason", "action"};
  for (const auto& [column, value] : r.cells()) {
    if (!value.empty() && !kCommon.contains(column) &&
        !action->uses.contains(column)) {
      return absl::StrCat(column, " is not used by ", action->name,
                          " (leave it empty)");
    }
  }
  FillCommon(r, request);
  const std::string& no = r.Get("studentNo");
  const std::string a = action->name;
  if (a == "transferOut") {
    request->mutable_transfer_out()->set_student_no(no);
    request->mutable_transfer_out()->set_to_kindergarten(
        r.Get("toKindergarten"));
    if (auto e = FillApplicant(
            r, request->mutable_transfer_out()->mutable_applicant()))
      return e;
  } else if (a == "transferIn") {
    request->mutable_transfer_in()->set_student_no(no);
  } else if (a == "leave") {
    request->mutable_leave()->set_student_no(no);
    request->mutable_leave()->set_reason(r.Get("reason"));
    if (auto e =
            FillApplicant(r, request->mutable_leave()->mutable_applicant()))
      return e;
  } else if (a == "graduate") {
    request->mutable_graduate()->set_student_no(no);
  } else if (a == "defer") {
    request->mutable_defer()->set_student_no(no);
    request->mutable_defer()->set_until_date(NormalizeDate(r.Get("untilDate")));
    request->mutable_defer()->set_evidence(r.Get("evidence"));
    if (auto e =
            FillApplicant(r, request->mutable_defer()->mutable_applicant()))
      return e;
  } else if (a == "cancel") {
    request->mutable_cancel()->set_student_no(no);
    request->mutable_cancel()->set_reason(r.Get("reason"));
    request->mutable_cancel()->set_date_of_death(
        NormalizeDate(r.Get("dateOfDeath")));
    request->mutable_cancel()->set_evidence(r.Get("evidence"));
  } else if (a == "withdrawTransfer") {
    request->mutable_withdraw_transfer()->set_student_no(no);
    request->mutable_withdraw_transfer()->set_reason(r.Get("reason"));
  } else if (a == "refuseTransfer") {
    request->mutable_refuse_transfer()->set_student_no(no);
    request->mutable_refuse_transfer()->set_reason(r.Get("reason"));
  } else if (a == "editKeyInfo") {
    request->mutable_edit_key_info()->set_student_no(no);
    request->mutable_edit_key_info()->set_evidence(r.Get("evidence"));
    if (auto e = FillApplicant(
            r, request->mutable_edit_key_info()->mutable_applicant()))
      return e;
    if (auto e =
            FillChild(r, request->mutable_edit_key_info()->mutable_child()))
      return e;
  } else if (a == "convertNumber") {
    request->mutable_convert_number()->set_student_no(no);
    xueji::v1::IdType type = xueji::v1::ID_TYPE_UNSPECIFIED;
    if (auto e = SetIdType(r, &type)) return e;
    request->mutable_convert_number()->set_id_type(type);
    request->mutable_convert_number()->set_id_number(r.Get("idNumber"));
  }
  return std::nullopt;
}

}  // namespace xueji::csv_internal
