#include "commands/csv_input.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/output/output.h"
#include "ledger/rules/request_form.h"

namespace xueji {
namespace {

using xueji::v1::Request;
using xueji::v1::Result;

const std::vector<CsvColumn>& AdmissionColumns() {
  static const auto* columns = new std::vector<CsvColumn>{
      {"requestId", "请求编号", true},
      {"actor", "操作员", true},
      {"occurredOn", "业务日期", true},
      {"lateReason", "补录原因", false},
      {"kindergarten", "幼儿园代码", true},
      {"name", "姓名", true},
      {"gender", "性别", true},
      {"birthDate", "出生日期", true},
      {"idType", "证件类型", true},
      {"idNumber", "证件号码", true},
      {"entryDate", "入园日期", true},
      {"nationality", "国籍", false},
      {"ethnicity", "民族", false},
      {"householdArea", "户籍地区划代码", false},
  };
  return *columns;
}

const std::vector<CsvColumn>& ChangeColumns() {
  static const auto* columns = new std::vector<CsvColumn>{
      {"requestId", "请求编号", true},
      {"actor", "操作员", true},
      {"occurredOn", "业务日期", true},
      {"lateReason", "补录原因", false},
      {"action", "变动类型", true},
      {"studentNo", "学籍号", true},
      {"toKindergarten", "转入幼儿园代码", false},
      {"reason", "原因", false},
      {"untilDate", "缓学截止日期", false},
      {"dateOfDeath", "死亡日期", false},
      {"evidence", "证明材料", false},
      {"name", "姓名", false},
      {"gender", "性别", false},
      {"birthDate", "出生日期", false},
      {"idType", "证件类型", false},
      {"idNumber", "证件号码", false},
      {"nationality", "国籍", false},
      {"ethnicity", "民族", false},
      {"householdArea", "户籍地区划代码", false},
      // Issue 10: the parent or guardian applying (transferOut, leave,
      // defer, editKeyInfo).
      {"applicantName", "申请人姓名", false},
      {"applicantRelation", "申请人关系", false},
      {"applicantIdType", "申请人证件类型", false},
      {"applicantIdNumber", "申请人证件号码", false},
  };
  return *columns;
}

// Other Chinese headers seen in the national system's sheets.
const std::map<std::string, std::string>& Aliases() {
  static const auto* aliases = new std::map<std::string, std::string>{
      {"发生日期", "occurredOn"},       {"幼儿园", "kindergarten"},
      {"幼儿园标识码", "kindergarten"}, {"身份证件类型", "idType"},
      {"身份证件号码", "idNumber"},     {"身份证号", "idNumber"},
      {"转入幼儿园", "toKindergarten"}, {"变更类型", "action"},
      {"缓学至", "untilDate"},          {"户籍所在地", "householdArea"},
  };
  return *aliases;
}

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

std::string Trim(std::string_view s) {
  const size_t a = s.find_first_not_of(' ');
  if (a == std::string_view::npos) return "";
  const size_t b = s.find_last_not_of(' ');
  return std::string(s.substr(a, b - a + 1));
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

bool IsRequestIdText(const std::string& id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        std::strchr("._:/-", c) == nullptr) {
      return false;
    }
  }
  return true;
}

// One row of a template: its cells by column name.
class Row {
 public:
  Row(int64_t row, std::map<std::string, std::string> cells)
      : row_(row), cells_(std::move(cells)) {}
  const std::string& Get(const std::string& name) const {
    static const std::string* empty = new std::string;
    auto it = cells_.find(name);
    return it == cells_.end() ? *empty : it->second;
  }
  bool Has(const std::string& name) const { return !Get(name).empty(); }
  const std::map<std::string, std::string>& cells() const { return cells_; }
  int64_t row() const { return row_; }

 private:
  int64_t row_;
  std::map<std::string, std::string> cells_;
};

// A row's problem: the message after "row N: ".
using RowError = std::string;

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
  auto zh = ChineseIdTypes().find(v);
  if (zh != ChineseIdTypes().end()) {
    *type = zh->second;
    return std::nullopt;
  }
  xueji::v1::IdType parsed;
  if (xueji::v1::IdType_Parse(absl::AsciiStrToUpper(v), &parsed) &&
      parsed != xueji::v1::ID_TYPE_UNSPECIFIED) {
    *type = parsed;
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
  xueji::v1::ApplicantRelation parsed_relation;
  if (auto zh = relations->find(relation); zh != relations->end()) {
    applicant->set_relation(zh->second);
  } else if (xueji::v1::ApplicantRelation_Parse(absl::AsciiStrToUpper(relation),
                                                &parsed_relation) &&
             parsed_relation != xueji::v1::APPLICANT_RELATION_UNSPECIFIED) {
    applicant->set_relation(parsed_relation);
  } else {
    return RowError(
        "applicantRelation (申请人关系) must be FATHER, MOTHER or GUARDIAN "
        "(父亲, 母亲, 其他监护人)");
  }
  xueji::v1::IdType parsed_type;
  if (auto zh = ChineseIdTypes().find(type); zh != ChineseIdTypes().end()) {
    applicant->set_id_type(zh->second);
  } else if (xueji::v1::IdType_Parse(absl::AsciiStrToUpper(type),
                                     &parsed_type) &&
             parsed_type != xueji::v1::ID_TYPE_UNSPECIFIED) {
    applicant->set_id_type(parsed_type);
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

std::string ColumnList(CsvTemplate kind) {
  std::vector<std::string> names;
  for (const CsvColumn& c : CsvColumns(kind)) {
    names.push_back(absl::StrCat(c.name, "/", c.zh, c.required ? "" : "?"));
  }
  return absl::StrJoin(names, ", ");
}

const char* TemplateName(CsvTemplate kind) {
  return kind == CsvTemplate::kAdmission ? "admission (入园登记)"
                                         : "change (学籍变动)";
}

}  // namespace

const std::vector<CsvColumn>& CsvColumns(CsvTemplate kind) {
  return kind == CsvTemplate::kAdmission ? AdmissionColumns() : ChangeColumns();
}

absl::StatusOr<CsvRequests> ReadCsvRequests(std::string_view text) {
  auto records = ParseCsv(text);
  if (!records.ok()) return records.status();
  size_t first = 0;
  while (first < records->size() && (*records)[first].blank) ++first;
  if (first == records->size()) {
    return absl::InvalidArgumentError(
        "no header row: the file is empty (docs/csv-templates.md)");
  }
  const CsvRecord& header = (*records)[first];
  // The header's names, as JSON field names.
  std::vector<std::string> names;
  for (const std::string& raw : header.cells) {
    const std::string cell = Trim(raw);
    std::string name;
    for (CsvTemplate kind : {CsvTemplate::kAdmission, CsvTemplate::kChange}) {
      for (const CsvColumn& c : CsvColumns(kind)) {
        if (absl::AsciiStrToLower(cell) == absl::AsciiStrToLower(c.name) ||
            cell == c.zh) {
          name = c.name;
        }
      }
    }
    if (auto alias = Aliases().find(cell); alias != Aliases().end()) {
      name = alias->second;
    }
    if (name.empty() && !cell.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "row ", header.row, ": unknown column \"", cell,
          "\" in the header (admission template: ",
          ColumnList(CsvTemplate::kAdmission),
          "; change template: ", ColumnList(CsvTemplate::kChange), ")"));
    }
    names.push_back(name);
  }
  CsvRequests out;
  out.kind = std::find(names.begin(), names.end(), "action") != names.end()
                 ? CsvTemplate::kChange
                 : CsvTemplate::kAdmission;
  std::set<std::string> seen;
  std::set<std::string> allowed;
  for (const CsvColumn& c : CsvColumns(out.kind)) allowed.insert(c.name);
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "row ", header.row, ": column ", i + 1, " of the header is empty"));
    }
    if (!allowed.contains(names[i])) {
      return absl::InvalidArgumentError(absl::StrCat(
          "row ", header.row, ": column ", names[i], " is not in the ",
          TemplateName(out.kind), " template (", ColumnList(out.kind), ")"));
    }
    if (!seen.insert(names[i]).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", header.row, ": column ", names[i],
                       " appears twice in the header"));
    }
  }
  for (const CsvColumn& c : CsvColumns(out.kind)) {
    if (c.required && !seen.contains(c.name)) {
      return absl::InvalidArgumentError(
          absl::StrCat("row ", header.row, ": the ", TemplateName(out.kind),
                       " template needs a column ", c.name, " (", c.zh, ")"));
    }
  }

  // Line N of the JSONL is row N: empty lines up to the header's row.
  std::string& jsonl = out.jsonl;
  int64_t line = 0;
  auto line_up_to = [&](int64_t row) {
    while (line + 1 < row) {
      jsonl.push_back('\n');
      ++line;
    }
  };
  for (size_t k = first + 1; k < records->size(); ++k) {
    const CsvRecord& record = (*records)[k];
    if (record.blank) continue;
    ++out.rows;
    line_up_to(record.row);
    std::map<std::string, std::string> cells;
    for (size_t i = 0; i < record.cells.size() && i < names.size(); ++i) {
      cells[names[i]] = Trim(record.cells[i]);
    }
    Row row(record.row, std::move(cells));
    Request request;
    std::optional<RowError> error;
    if (record.cells.size() != names.size()) {
      error = absl::StrCat(record.cells.size(), " cells, the header has ",
                           names.size());
    } else if (out.kind == CsvTemplate::kAdmission) {
      error = AdmissionRequest(row, &request);
    } else {
      error = ChangeRequest(row, &request);
    }
    if (error.has_value()) {
      Result r;
      const std::string& id = row.Get("requestId");
      if (IsRequestIdText(id)) r.set_request_id(id);
      r.set_status(xueji::v1::REJECTED);
      r.set_code(xueji::v1::MALFORMED_REQUEST);
      r.set_message(absl::StrCat("row ", record.row, ": ", *error));
      out.bad_rows[record.row] = std::move(r);
      jsonl += "{}";  // answered from bad_rows, never parsed
    } else {
      jsonl += ToJsonLine(request);
    }
    jsonl.push_back('\n');
    ++line;
  }
  return out;
}

absl::StatusOr<CsvRequests> ReadCsvRequestFile(const std::string& path,
                                               TextEncoding encoding,
                                               size_t max_bytes) {
  std::string bytes;
  const std::string name = path == "-" ? "standard input" : path;
  if (path == "-") {
    char buf[65536];
    while (true) {
      const ssize_t n = ::read(0, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        return absl::UnknownError(
            absl::StrCat("reading standard input: ", std::strerror(errno)));
      }
      if (n == 0) break;
      bytes.append(buf, static_cast<size_t>(n));
      if (bytes.size() > max_bytes) break;
    }
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::NotFoundError(absl::StrCat("cannot open ", path));
    }
    bytes.assign(std::istreambuf_iterator<char>(in), {});
    if (in.bad()) {
      return absl::UnknownError(absl::StrCat("reading ", path, " failed"));
    }
  }
  if (bytes.size() > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": larger than ", max_bytes >> 20,
                     " MiB; split the sheet, or submit JSONL"));
  }
  std::string used;
  auto text = DecodeText(bytes, encoding, name, &used);
  if (!text.ok()) return text.status();
  auto requests = ReadCsvRequests(*text);
  if (!requests.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, ": ", requests.status().message()));
  }
  requests->encoding = used;
  return requests;
}

absl::StatusOr<RequestInput> OpenRequestInput(const std::string& path, bool csv,
                                              TextEncoding encoding) {
  RequestInput input;
  if (!csv) {
    auto reader = LineReader::Open(path);
    if (!reader.ok()) return reader.status();
    input.reader = *std::move(reader);
    return input;
  }
  auto requests = ReadCsvRequestFile(path, encoding);
  if (!requests.ok()) return requests.status();
  input.csv = std::make_shared<CsvRequests>(*std::move(requests));
  LineReaderOptions options;
  // A row is one line of JSON; a spreadsheet cell may be long, but not
  // longer than a JSONL line may be.
  input.reader = LineReader::FromString(input.csv->jsonl, options);
  return input;
}

void ConfigureRequestPipeline(const RequestInput& input,
                              JsonlPipeline<Request>* pipeline) {
  if (input.csv == nullptr) {
    pipeline->validate = ValidateRequestLine;
    return;
  }
  std::shared_ptr<CsvRequests> csv = input.csv;
  pipeline->preparse = [csv](std::string_view, int64_t row, Result* early) {
    auto it = csv->bad_rows.find(row);
    if (it == csv->bad_rows.end()) return true;
    *early = std::move(it->second);
    csv->bad_rows.erase(it);
    return false;
  };
  pipeline->validate = [](const Request& request, int64_t row, Result* early) {
    std::optional<FormRefusal> refusal = CheckRequestForm(request);
    if (!refusal.has_value()) return true;
    *early = FormRefusalResult(request.request_id(), *refusal,
                               absl::StrCat("row ", row, ": "));
    return false;
  };
  pipeline->number_rows = true;
}

}  // namespace xueji
