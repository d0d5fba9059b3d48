#include "tests/e2e_support.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <cstdio>
#include <map>
#include <string_view>
#include <utility>

#include "commands/input/csv.h"
#include "google/protobuf/util/json_util.h"

namespace xueji::e2e {
namespace {

using google::protobuf::util::JsonParseOptions;
using google::protobuf::util::JsonStringToMessage;
using google::protobuf::util::MessageToJsonString;

std::string Field(const google::protobuf::Struct& s, const std::string& name) {
  auto it = s.fields().find(name);
  return it == s.fields().end() ? "" : it->second.string_value();
}

std::string Trim(const std::string& text) {
  size_t b = text.find_first_not_of(" \t\r\n");
  size_t e = text.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? "" : text.substr(b, e - b + 1);
}

}  // namespace

TestLedger::TestLedger() {
  RunResult r = RunAt(kLedgerInit, {"init", "--dev"});
  INFO("ledger init --dev: " << r.err);
  REQUIRE(r.exit_code == 0);
}

RunResult TestLedger::Run(std::vector<std::string> args,
                          const std::string& stdin_text) const {
  return RunAt(now_, std::move(args), stdin_text);
}

RunResult TestLedger::RunAt(const std::string& now,
                            std::vector<std::string> args,
                            const std::string& stdin_text) const {
  args.insert(args.begin(), {"--data", data_dir()});
  RunOptions options;
  options.env = {{"LEDGER_NOW", now}};
  options.unset_env = {"LEDGER_DATA", "LEDGER_POLICY"};
  options.stdin_text = stdin_text;
  options.cwd = tmp_.path().string();
  return RunLedger(args, options);
}

void TestLedger::LoadDemoRegistry() const {
  RunResult r =
      RunAt(kBeforeTerm, {"registry", "load", DemoFile("registry.jsonl")});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
}

void TestLedger::LoadRegistry(const std::string& now,
                              const std::vector<std::string>& lines) const {
  RunResult r =
      RunAt(now, {"registry", "load", WriteLines(lines, "registry.jsonl")});
  INFO("registry load: " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
}

xueji::v1::RecordState TestLedger::ShowAt(const std::string& now,
                                          const std::string& no) const {
  RunResult r = RunAt(now, {"show", no, "--json"});
  INFO("show " << no << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  xueji::v1::RecordState record;
  REQUIRE(ParseJson(r.out, &record) == "");
  return record;
}

std::string TestLedger::WriteLines(const std::vector<std::string>& lines,
                                   const std::string& file_name) const {
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  WriteFile(tmp_.path() / file_name, text);
  return tmp_.Sub(file_name);
}

std::string TestLedger::TermInOneSitting() const {
  return WriteLines(DatedOn(DemoRequestLines(), kEndOfTermDay),
                    "term-in-one-sitting.jsonl");
}

RunResult TestLedger::SubmitLines(const std::vector<std::string>& lines,
                                  const std::string& file_name) const {
  return Run({"submit", WriteLines(lines, file_name)});
}

RunResult TestLedger::SubmitByDay(const std::vector<std::string>& lines) const {
  return e2e::SubmitByDay(
      lines, tmp_.path(),
      [this](const std::string& now, const std::string& file) {
        return RunAt(now, {"submit", file});
      });
}

RunResult SubmitByDay(
    const std::vector<std::string>& lines, const std::filesystem::path& dir,
    const std::function<RunResult(const std::string& now,
                                  const std::string& file)>& submit) {
  RunResult all;
  all.exit_code = 0;
  for (const auto& [day, day_lines] : LinesByDay(lines)) {
    std::string text;
    for (const auto& line : day_lines) text += line + "\n";
    const std::filesystem::path file = dir / ("day-" + day + ".jsonl");
    WriteFile(file, text);
    RunResult r = submit(EndOfDay(day), file.string());
    all.out += r.out;
    all.err += r.err;
    if (r.exit_code != 0 && r.exit_code != 1) {
      all.exit_code = r.exit_code;
      return all;
    }
    all.exit_code = std::max(all.exit_code, r.exit_code);
  }
  return all;
}

RunResult TestLedger::SubmitDemoTerm() const {
  return SubmitByDay(DemoRequestLines());
}

void TestLedger::EnterDemoTerm() const {
  LoadDemoRegistry();
  RunResult r = SubmitDemoTerm();
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 1);  // the term has requests that are refused
}

std::vector<std::map<std::string, std::string>> ReadCsvOutput(
    const RunResult& r, const std::vector<std::string>& header) {
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.starts_with("\xEF\xBB\xBF"));
  auto records = ParseCsv(std::string_view(r.out).substr(3));
  REQUIRE(records.ok());
  REQUIRE(!records->empty());
  CHECK((*records)[0].cells == header);
  std::vector<std::map<std::string, std::string>> rows;
  for (size_t i = 1; i < records->size(); ++i) {
    const auto& cells = (*records)[i].cells;
    REQUIRE(cells.size() == header.size());
    std::map<std::string, std::string> row;
    for (size_t k = 0; k < header.size(); ++k) row[header[k]] = cells[k];
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string RequestLine(const std::string& id, const std::string& actor,
                        const std::string& day, const std::string& body) {
  return "{\"requestId\":\"" + id + "\",\"actor\":\"" + actor +
         "\",\"occurredOn\":\"" + day + "\"," + body + "}";
}

std::string BoyJson(const std::string& name, const std::string& birth,
                    int seq) {
  const std::string compact =
      birth.substr(0, 4) + birth.substr(5, 2) + birth.substr(8, 2);
  return "{\"name\":\"" + name + "\",\"gender\":\"MALE\",\"birthDate\":\"" +
         birth + "\",\"idType\":\"RESIDENT_ID\",\"idNumber\":\"" +
         SyntheticResidentId(compact, seq) + "\"}";
}

std::string ApproveBody(const std::string& request_id) {
  return "\"approve\":{\"requestId\":\"" + request_id + "\"}";
}

std::string AdmitBody(const std::string& kindergarten,
                      const std::string& child_json,
                      const std::string& entry_date) {
  return "\"admit\":{\"kindergarten\":\"" + kindergarten +
         "\",\"child\":" + child_json + ",\"entryDate\":\"" + entry_date +
         "\"}";
}

std::string TransferOutBody(const std::string& student_no,
                            const std::string& to_kindergarten) {
  return "\"transferOut\":{\"studentNo\":\"" + student_no +
         "\",\"toKindergarten\":\"" + to_kindergarten + "\"" + kApplicantJson +
         "}";
}

const std::string kApplicantJson =
    R"(,"applicant":{"name":"测试妈妈","relation":"MOTHER",)"
    R"("idType":"RESIDENT_ID","idNumber":"350502199001011248"})";

std::vector<std::string> TwoCountiesRegistry(std::vector<std::string> more) {
  std::vector<std::string> lines = {
      R"({"kindergarten":{"code":"350203001","name":"鹭岛幼儿园","county":"350203"}})",
      R"({"kindergarten":{"code":"350206001","name":"海湾幼儿园","county":"350206"}})",
      R"({"operator":{"id":"reg-sm","role":"REGISTRAR","org":"350203001"}})",
      R"({"operator":{"id":"reg-hl","role":"REGISTRAR","org":"350206001"}})",
      R"({"operator":{"id":"appr-sm","role":"APPROVER","org":"350203"}})",
      R"({"operator":{"id":"appr-hl","role":"APPROVER","org":"350206"}})",
  };
  lines.insert(lines.end(), more.begin(), more.end());
  return lines;
}

std::string SyntheticResidentId(const std::string& birth, int seq) {
  char digits[4];
  std::snprintf(digits, sizeof digits, "%03d", seq);
  const std::string first17 = "350203" + birth + digits;
  static const int kWeights[] = {7, 9, 10, 5,  8, 4, 2, 1, 6,
                                 3, 7, 9,  10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  return first17 + "10X98765432"[sum % 11];
}

std::string EndOfDay(const std::string& day) { return day + "T17:00:00+08:00"; }

std::vector<std::pair<std::string, std::vector<std::string>>> LinesByDay(
    const std::vector<std::string>& lines) {
  static constexpr std::string_view kKey = "\"occurredOn\":\"";
  std::map<std::string, std::vector<std::string>> by_day;
  std::vector<std::string> undated;  // before the first dated line
  std::string day;
  for (const std::string& line : lines) {
    const size_t at = line.find(kKey);
    if (at != std::string::npos && line.size() >= at + kKey.size() + 10) {
      day = line.substr(at + kKey.size(), 10);
    }
    if (day.empty()) {
      undated.push_back(line);
    } else {
      by_day[day].push_back(line);
    }
  }
  if (!undated.empty() && !by_day.empty()) {
    auto& first = by_day.begin()->second;
    first.insert(first.begin(), undated.begin(), undated.end());
  }
  return {by_day.begin(), by_day.end()};
}

std::vector<std::string> DatedOn(const std::vector<std::string>& lines,
                                 const std::string& day) {
  static constexpr std::string_view kKey = "\"occurredOn\":\"";
  std::vector<std::string> out;
  out.reserve(lines.size());
  for (std::string line : lines) {
    const size_t at = line.find(kKey);
    if (at != std::string::npos && line.size() >= at + kKey.size() + 10) {
      line.replace(at + kKey.size(), 10, day);
    }
    out.push_back(std::move(line));
  }
  return out;
}

std::string JsonField(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  size_t at = json.find(quoted);
  if (at == std::string::npos) return "";
  at = json.find('"', json.find(':', at + quoted.size()) + 1);
  return json.substr(at + 1, json.find('"', at + 1) - at - 1);
}

std::string DemoFile(const std::string& name) {
  return (SourceDir() / "tools" / "demo" / name).string();
}

std::vector<std::string> DemoRequestLines() {
  return Lines(ReadFile(DemoFile("requests.jsonl")));
}

std::vector<xueji::v1::Result> ExpectedDemoResults() {
  std::vector<std::string> errors;
  auto results =
      ParseResults(ReadFile(DemoFile("expected_results.jsonl")), &errors);
  REQUIRE(errors.empty());
  REQUIRE(!results.empty());
  return results;
}

std::map<std::string, ExpectedRecord> ExpectedDemoRecords() {
  std::map<std::string, ExpectedRecord> out;
  for (const auto& line : Lines(ReadFile(DemoFile("expected_records.jsonl")))) {
    google::protobuf::Struct s;
    REQUIRE(JsonStringToMessage(line, &s).ok());
    ExpectedRecord r{Field(s, "key"),
                     Field(s, "studentNo"),
                     Field(s, "formerStudentNo"),
                     Field(s, "status"),
                     Field(s, "kindergarten"),
                     Field(s, "name"),
                     Field(s, "idType"),
                     Field(s, "idNumber"),
                     Field(s, "anomaly")};
    out[r.key] = r;
  }
  REQUIRE(!out.empty());
  return out;
}

std::vector<xueji::v1::Result> ParseResults(const std::string& out,
                                            std::vector<std::string>* errors) {
  std::vector<xueji::v1::Result> results;
  JsonParseOptions strict;
  strict.ignore_unknown_fields = false;
  for (const auto& line : Lines(out)) {
    xueji::v1::Result r;
    auto status = JsonStringToMessage(line, &r, strict);
    if (!status.ok()) {
      errors->push_back(std::string(status.message()) + " in: " + line);
    }
    results.push_back(r);
  }
  return results;
}

std::vector<xueji::v1::Result> ResultsOf(const RunResult& run) {
  std::vector<std::string> errors;
  std::vector<xueji::v1::Result> results = ParseResults(run.out, &errors);
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  for (const auto& e : errors) FAIL_CHECK("bad result line: " << e);
  REQUIRE(errors.empty());
  return results;
}

std::vector<std::vector<std::string>> FileReadingCommands(
    const std::string& path) {
  return {{"submit", path}, {"registry", "load", path}};
}

Statuses StatusesOf(const std::vector<xueji::v1::Result>& results) {
  Statuses statuses;
  for (const xueji::v1::Result& r : results) statuses.push_back(r.status());
  return statuses;
}

xueji::v1::Result OnlyResultOf(const RunResult& run) {
  std::vector<xueji::v1::Result> results = ResultsOf(run);
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  REQUIRE(results.size() == 1);
  return results[0];
}

void CheckOnlyResult(const RunResult& run, xueji::v1::ResultStatus status,
                     xueji::v1::ReasonCode code) {
  xueji::v1::Result result = OnlyResultOf(run);
  INFO("stdout: " << run.out << "\nstderr: " << run.err);
  CHECK(result.status() == status);
  CHECK(result.code() == code);
  CHECK(run.exit_code == (status == xueji::v1::REJECTED ? 1 : 0));
}

std::map<std::string, xueji::v1::Result> ResultsById(const RunResult& run) {
  std::map<std::string, xueji::v1::Result> by_id;
  for (const auto& result : ResultsOf(run)) {
    by_id[result.request_id()] = result;
  }
  return by_id;
}

std::string ParseJson(const std::string& text, google::protobuf::Message* m) {
  JsonParseOptions lenient;
  lenient.ignore_unknown_fields = true;
  auto status = JsonStringToMessage(text, m, lenient);
  return status.ok() ? "" : std::string(status.message()) + " in: " + text;
}

std::string SplitJsonList(const std::string& text,
                          std::vector<std::string>* elements) {
  const std::string trimmed = Trim(text);
  if (trimmed.empty()) return "";  // an empty list printed as nothing
  google::protobuf::Value value;
  if (JsonStringToMessage(trimmed, &value).ok()) {
    const google::protobuf::ListValue* list = nullptr;
    if (value.has_list_value()) {
      list = &value.list_value();
    } else if (value.has_struct_value()) {
      // {"records": [{...}, ...]}: the one array of objects; else the
      // object itself is the only element.
      int arrays = 0;
      for (const auto& [name, field] : value.struct_value().fields()) {
        if (field.has_list_value() && field.list_value().values_size() > 0 &&
            field.list_value().values(0).has_struct_value()) {
          list = &field.list_value();
          ++arrays;
        }
      }
      if (arrays != 1) list = nullptr;
    }
    if (list == nullptr) {
      elements->push_back(trimmed);
      return "";
    }
    for (const auto& element : list->values()) {
      std::string json;
      if (!MessageToJsonString(element, &json).ok()) return "bad element";
      elements->push_back(json);
    }
    return "";
  }
  for (const auto& line : Lines(trimmed)) {  // JSONL
    if (!JsonStringToMessage(line, &value).ok()) {
      return "neither JSON nor JSONL: " + line;
    }
    elements->push_back(line);
  }
  return "";
}

bool ContainsBareIdNumber(const std::string& text) {
  size_t run = 0;
  char before = ' ';
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      if (run == 0) before = i > 0 ? text[i - 1] : ' ';
      ++run;
      continue;
    }
    if (run >= 15 && before != 'G' && before != 'L' && before != 'J') {
      return true;
    }
    run = 0;
  }
  return false;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

}  // namespace xueji::e2e
