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
#include "commands/csv_rows.h"
#include "commands/output/output.h"
#include "ledger/rules/request_form.h"

namespace xueji {
namespace {

using csv_internal::AdmissionRequest;
using csv_internal::ChangeRequest;
using csv_internal::Row;
using csv_internal::RowError;
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

std::string Trim(std::string_view s) {
  const size_t a = s.find_first_not_of(' ');
  if (a == std::string_view::npos) return "";
  const size_t b = s.find_last_not_of(' ');
  return std::string(s.substr(a, b - a + 1));
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
