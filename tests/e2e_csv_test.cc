// End-to-end tests of the spreadsheet templates (issue 13): `ledger submit
// --format csv` of the admission and change templates (docs/csv-templates.md)
// in UTF-8 with a BOM and in GB18030, headers in English or Chinese; one
// result per row naming its row, bad rows answered and the rest applied; and
// `--csv` output of list, anomalies and stats.
#include <iconv.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "commands/input/csv.h"
#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

using xueji::v1::Result;

constexpr char kFirstDay[] = "2025-09-01";
const std::string kFirstDayEnd = std::string(kFirstDay) + "T17:00:00+08:00";

// The demo's kindergartens and their registrars.
const std::vector<std::pair<std::string, std::string>>& Places() {
  static const auto* places =
      new std::vector<std::pair<std::string, std::string>>{
          {"350203001", "reg-sm1"},
          {"350203002", "reg-sm2"},
          {"350203003", "reg-sm3"},
          {"350206001", "reg-hl1"},
          {"350206002", "reg-hl2"}};
  return *places;
}

// What a planted row should get.
struct Expect {
  int row = 0;
  std::string request_id;
  xueji::v1::ResultStatus status = xueji::v1::PENDING_APPROVAL;
  xueji::v1::ReasonCode code = xueji::v1::REASON_CODE_UNSPECIFIED;
  std::string student_no;  // for the applied ones
};

// 1,000 admission rows (English header, UTF-8 with a BOM, CRLF as a
// spreadsheet saves it), blank rows between, one in 25 planted bad in one of
// ten ways; `expect` gets one entry per non-blank row, in order.
std::string ThousandRows(std::vector<Expect>* expect) {
  std::string text = "\xEF\xBB\xBF";
  text +=
      "requestId,actor,occurredOn,kindergarten,name,gender,birthDate,idType,"
      "idNumber,entryDate\r\n";
  int row = 1;
  for (int n = 0; n < 1000; ++n) {
    if (n % 97 == 50) {  // a blank row: no answer
      text += ",,,,,,,,,\r\n";
      ++row;
    }
    const int month = n % 12 + 1, day = n / 12 % 28 + 1;
    const int seq = 200 + n / 336 * 2 + n % 2;  // odd: a boy
    char birth[9], dashed[11];
    std::snprintf(birth, sizeof birth, "2021%02d%02d", month, day);
    std::snprintf(dashed, sizeof dashed, "2021/%d/%d", month, day);
    const auto& [kg, registrar] = Places()[n % Places().size()];
    const std::string id = SyntheticResidentId(birth, seq);
    std::vector<std::string> cells = {absl::StrCat("csv-", n),
                                      registrar,
                                      kFirstDay,
                                      kg,
                                      absl::StrCat("儿童", n),
                                      seq % 2 ? "男" : "女",
                                      dashed,
                                      n % 3 ? "RESIDENT_ID" : "居民身份证",
                                      id,
                                      "2025-09-01"};
    Expect e;
    e.request_id = cells[0];
    e.student_no = "G" + id;
    if (n % 25 == 7) {
      e.status = xueji::v1::REJECTED;
      e.student_no.clear();
      switch (n / 25 % 10) {
        case 0:
          cells[5] = "X";  // not a gender
          e.code = xueji::v1::MALFORMED_REQUEST;
          break;
        case 1:
          cells.resize(7);  // a row cut short
          e.code = xueji::v1::MALFORMED_REQUEST;
          break;
        case 2:
          cells[8] = "3.50203E+17";  // Excel's rounding of the number
          e.code = xueji::v1::MALFORMED_REQUEST;
          break;
        case 3:
          cells[8][17] = cells[8][17] == '1' ? '2' : '1';  // check character
          e.code = xueji::v1::INVALID_ID_NUMBER;
          break;
        case 4:
          cells[3] = "350203999";  // no such kindergarten
          e.code = xueji::v1::UNKNOWN_KINDERGARTEN;
          break;
        case 5:
          cells[1] = cells[1] == "reg-sm1" ? "reg-hl1" : "reg-sm1";
          e.code = xueji::v1::NOT_AUTHORIZED;  // another's kindergarten
          break;
        case 6:
          cells[7] = "驾驶证";  // not a document type of the template
          e.code = xueji::v1::MALFORMED_REQUEST;
          break;
        case 7:
          cells[4] = "两行\r\n名字";  // a quoted line break: INVALID_TEXT
          e.code = xueji::v1::INVALID_TEXT;
          break;
        case 8:
          cells[6] = "2021-02-30";  // no such day
          e.code = xueji::v1::INVALID_FIELD;
          break;
        case 9:
          cells[0] = absl::StrCat("csv-", n - 1);  // the row before's id
          e.request_id = cells[0];
          e.status = xueji::v1::DUPLICATE_REQUEST;
          break;
      }
    }
    std::vector<std::string> quoted;
    for (const std::string& c : cells) {
      quoted.push_back(c.find_first_of(",\"\r\n") == std::string::npos
                           ? c
                           : "\"" + c + "\"");
    }
    text += absl::StrJoin(quoted, ",") + "\r\n";
    e.row = ++row;
    expect->push_back(e);
  }
  return text;
}

TEST_CASE("csv: 1,000 admission rows, bad ones answered by row, the rest in",
          "[e2e][csv]") {
  TestLedger ledger;
  ledger.LoadDemoRegistry();
  std::vector<Expect> expect;
  const std::string text = ThousandRows(&expect);
  WriteFile(ledger.tmp().path() / "admissions.csv", text);
  RunResult r = ledger.RunAt(
      kFirstDayEnd,
      {"submit", "--format", "csv", ledger.tmp().Sub("admissions.csv")});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);  // some rows refused
  const std::vector<Result> results = ResultsOf(r);
  REQUIRE(results.size() == expect.size());
  int applied = 0, refused = 0;
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& got = results[i];
    const Expect& want = expect[i];
    INFO("row " << want.row << ": " << got.ShortDebugString());
    CHECK(got.row() == want.row);
    CHECK(got.request_id() == want.request_id);
    CHECK(got.status() == want.status);
    if (want.status == xueji::v1::PENDING_APPROVAL) {
      CHECK(got.student_no() == want.student_no);
      ++applied;
      continue;
    }
    ++refused;
    if (want.status == xueji::v1::DUPLICATE_REQUEST) continue;
    CHECK(got.code() == want.code);
    if (want.code == xueji::v1::MALFORMED_REQUEST ||
        want.code == xueji::v1::INVALID_TEXT) {
      // Answered before the ledger decides: the message names the row.
      CHECK(got.message().starts_with(absl::StrCat("row ", want.row, ": ")));
    }
    CHECK_FALSE(ContainsBareIdNumber(got.message()));
  }
  CHECK(applied == 960);
  CHECK(refused == 40);
  // The applied rows wait for approval in their counties, by the ledger.
  RunResult pending = ledger.RunAt(
      kFirstDayEnd, {"--as", "officer-xiamen", "pending", "--json"});
  REQUIRE(pending.exit_code == 0);
  const auto queue = JsonAs<xueji::v1::PendingReport>(pending.out);
  CHECK(queue.items_size() == applied);
  // A row's child as entered: the Chinese gender and document type, the
  // spreadsheet's date.
  const xueji::v1::RecordState record =
      ledger.ShowAt(kFirstDayEnd, expect[0].student_no);
  CHECK(record.child().name() == "儿童0");
  CHECK(record.child().gender() == xueji::v1::FEMALE);
  CHECK(record.child().birth_date() == "2021-01-01");
  CHECK(record.child().id_type() == xueji::v1::RESIDENT_ID);
  CHECK(record.kindergarten() == "350203001");
  // Sent again: every row that was taken answers DUPLICATE_REQUEST, the
  // malformed ones are answered as before (they used up no id).
  RunResult again = ledger.RunAt(
      kFirstDayEnd,
      {"submit", "--format", "csv", ledger.tmp().Sub("admissions.csv")});
  const std::vector<Result> second = ResultsOf(again);
  REQUIRE(second.size() == expect.size());
  for (size_t i = 0; i < second.size(); ++i) {
    CHECK(second[i].row() == expect[i].row);
  }
  CHECK(second[0].status() == xueji::v1::DUPLICATE_REQUEST);
}

// `text` converted to GB18030 by glibc's iconv.
std::string ToGb18030(const std::string& text) {
  iconv_t cd = iconv_open("GB18030", "UTF-8");
  REQUIRE(cd != reinterpret_cast<iconv_t>(-1));
  std::string out(text.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(text.data());
  size_t in_left = text.size(), out_left = out.size();
  char* o = out.data();
  REQUIRE(iconv(cd, &in, &in_left, &o, &out_left) != static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - out_left);
  return out;
}

TEST_CASE("csv: a GB18030 sheet with Chinese headers", "[e2e][csv]") {
  TestLedger ledger;
  ledger.LoadDemoRegistry();
  const std::string id1 = SyntheticResidentId("20210314", 301);
  const std::string id2 = SyntheticResidentId("20201102", 302);
  const std::string utf8 =
      "请求编号,操作员,业务日期,幼儿园代码,姓名,性别,出生日期,证件类型,"
      "证件号码,入园日期,民族\r\n"
      "gb-1,reg-sm1,2025/9/1,350203001,陈一鸣,男,2021/3/14,居民身份证," +
      id1 + ",2025/9/1,汉族\r\n" +
      "gb-2,reg-sm1,2025/9/1,350203001,林若溪,女,2020/11/2,居民身份证," + id2 +
      ",2025/9/1,回族\r\n" + "gb-3,reg-sm1,2025/9/1,350203001,王,未知\r\n";
  const std::string gb = ToGb18030(utf8);
  REQUIRE(gb != utf8);  // the Chinese text is not in UTF-8 any more
  WriteFile(ledger.tmp().path() / "gb.csv", gb);
  RunResult r = ledger.RunAt(
      kFirstDayEnd, {"submit", "--format", "csv", ledger.tmp().Sub("gb.csv")});
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  const std::vector<Result> results = ResultsOf(r);
  REQUIRE(results.size() == 3);
  CHECK(results[0].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(results[0].row() == 2);
  CHECK(results[1].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(results[2].row() == 4);
  CHECK(results[2].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(results[2].message() == "row 4: 6 cells, the header has 11");
  const xueji::v1::RecordState record = ledger.ShowAt(kFirstDayEnd, "G" + id2);
  CHECK(record.child().name() == "林若溪");  // decoded from GB18030
  CHECK(record.child().ethnicity() == "回族");
  CHECK(record.child().gender() == xueji::v1::FEMALE);

  // Forced UTF-8: the file is refused whole, naming the byte; nothing in.
  RunResult forced =
      ledger.RunAt(kFirstDayEnd, {"submit", "--format", "csv", "--encoding",
                                  "utf-8", ledger.tmp().Sub("gb.csv")});
  CHECK(forced.exit_code == 2);
  CHECK(forced.out.empty());
  CHECK(forced.err.find("is not UTF-8") != std::string::npos);
}

TEST_CASE("csv: a header that is not a template refuses the file",
          "[e2e][csv]") {
  TestLedger ledger;
  ledger.LoadDemoRegistry();
  auto submit = [&](const std::string& text) {
    WriteFile(ledger.tmp().path() / "h.csv", text);
    return ledger.RunAt(
        kFirstDayEnd, {"submit", "--format", "csv", ledger.tmp().Sub("h.csv")});
  };
  RunResult unknown = submit("requestId,actor,occurredOn,shoeSize\r\n");
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.find("unknown column \"shoeSize\"") != std::string::npos);
  RunResult missing = submit(
      "requestId,actor,occurredOn,kindergarten,name,gender,birthDate,idType,"
      "idNumber\r\nx,reg-sm1,2025-09-01,350203001,a,男,2021-01-01,NONE,\r\n");
  CHECK(missing.exit_code == 2);
  CHECK(missing.err.find("needs a column entryDate (入园日期)") !=
        std::string::npos);
  RunResult twice = submit("requestId,请求编号\r\n");
  CHECK(twice.exit_code == 2);
  CHECK(twice.err.find("requestId appears twice") != std::string::npos);
  RunResult empty = submit("\xEF\xBB\xBF\r\n\r\n");
  CHECK(empty.exit_code == 2);
  RunResult jsonl = submit(DemoRequestLines()[0] + "\n");
  CHECK(jsonl.exit_code == 2);
  // Nothing of these reached the ledger.
  RunResult registry_only = ledger.RunAt(kFirstDayEnd, {"stats", "--json"});
  CHECK(JsonAs<xueji::v1::Stats>(registry_only.out).live_records() == 0);
}

TEST_CASE("csv: the change template, actions in English or Chinese",
          "[e2e][csv]") {
  TestLedger ledger;
  ledger.EnterDemoTerm();
  const auto records = ExpectedDemoRecords();
  // Two children enrolled at 350203001 at the end of term (reg-sm1's).
  std::vector<std::string> at_sm1;
  for (const auto& [key, r] : records) {
    if (r.kindergarten == "350203001" && r.status == "ENROLLED") {
      at_sm1.push_back(r.student_no);
    }
  }
  REQUIRE(at_sm1.size() >= 2);
  const std::string text =
      "requestId,actor,occurredOn,action,studentNo,toKindergarten,reason,"
      "申请人姓名,申请人关系,申请人证件类型,申请人证件号码\r\n"
      "ch-1,reg-sm1,2026-01-05,转出," +
      at_sm1[0] + ",350206002,,林妈妈,母亲,居民身份证,350502199001011248\r\n" +
      "ch-2,reg-sm1,2026-01-05,leave," + at_sm1[1] +
      ",,\"family moved, out of the city\",林爸爸,FATHER,RESIDENT_ID,"
      "350502198808081357\r\n" +
      "ch-3,reg-sm1,2026-01-05,promote," + at_sm1[1] + ",,,,,,\r\n" +
      "ch-4,reg-sm1,2026-01-05,transferIn," + at_sm1[1] + ",350206002,,,,,\r\n";
  WriteFile(ledger.tmp().path() / "changes.csv", text);
  RunResult r = ledger.Run(
      {"submit", "--format", "csv", ledger.tmp().Sub("changes.csv")});
  INFO("stderr: " << r.err);
  const std::vector<Result> results = ResultsOf(r);
  REQUIRE(results.size() == 4);
  CHECK(results[0].status() == xueji::v1::PENDING_APPROVAL);  // transfer out
  CHECK(results[1].status() == xueji::v1::APPLIED);           // left
  CHECK(results[2].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(results[2].message().starts_with(
      "row 4: action (变动类型) must be one of transferOut (转出)"));
  CHECK(results[3].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(results[3].message() ==
        "row 5: toKindergarten is not used by transferIn (leave it empty)");
  const xueji::v1::RecordState moving = ledger.Show(at_sm1[0]);
  CHECK(moving.status() == xueji::v1::TRANSFERRING);
  CHECK(moving.transfer_to() == "350206002");
  const xueji::v1::RecordState left = ledger.Show(at_sm1[1]);
  CHECK(left.status() == xueji::v1::LEFT);
  CHECK(left.closed_reason() == "family moved, out of the city");
}

TEST_CASE("csv: list, anomalies, stats and pending --csv say what --json says",
          "[e2e][csv]") {
  TestLedger ledger;
  ledger.EnterDemoTerm();

  const auto list = JsonAs<xueji::v1::RecordList>(
      ledger.Run({"list", "--kindergarten", "350203001", "--all", "--json"})
          .out);
  auto rows = ReadCsvOutput(
      ledger.Run({"list", "--kindergarten", "350203001", "--all", "--csv"}),
      {"studentNo", "status", "kindergarten", "name", "gender", "birthDate",
       "entryDate", "establishedOn", "transferTo"});
  REQUIRE(rows.size() == static_cast<size_t>(list.records_size()));
  REQUIRE(!rows.empty());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = list.records(static_cast<int>(i));
    CHECK(rows[i]["studentNo"] == r.student_no());
    CHECK(rows[i]["status"] == xueji::v1::RecordStatus_Name(r.status()));
    CHECK(rows[i]["name"] == r.child().name());
    CHECK(rows[i]["birthDate"] == r.child().birth_date());
  }

  const auto anomalies =
      JsonAs<xueji::v1::AnomalyReport>(ledger.Run({"anomalies", "--json"}).out);
  rows = ReadCsvOutput(ledger.Run({"anomalies", "--csv"}),
                       {"kind", "studentNo", "operator", "kindergarten",
                        "county", "since", "detail", "related"});
  REQUIRE(rows.size() == static_cast<size_t>(anomalies.anomalies_size()));
  REQUIRE(!rows.empty());
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& a = anomalies.anomalies(static_cast<int>(i));
    CHECK(rows[i]["kind"] == xueji::v1::Anomaly::Kind_Name(a.kind()));
    CHECK(rows[i]["studentNo"] == a.student_no());
    CHECK(rows[i]["detail"] == a.detail());
    CHECK(rows[i]["related"] == absl::StrJoin(a.related(), " "));
  }

  const auto stats =
      JsonAs<xueji::v1::Stats>(ledger.Run({"stats", "--json"}).out);
  rows =
      ReadCsvOutput(ledger.Run({"stats", "--csv"}), {"group", "key", "count"});
  // liveRecords, the five breakdowns, problemRecords and problemRate, the
  // anomalies by kind and the seven approval measures.
  REQUIRE(rows.size() ==
          1u + stats.by_county_size() + stats.by_kindergarten_size() +
              stats.by_status_size() + stats.by_age_size() +
              stats.by_gender_size() + 2 + stats.anomalies_by_kind_size() + 7);
  CHECK(rows[0]["group"] == "liveRecords");
  CHECK(rows[0]["count"] == std::to_string(stats.live_records()));
  int64_t by_county = 0;
  for (auto& row : rows) {
    if (row["group"] == "byCounty") by_county += std::stoll(row["count"]);
  }
  CHECK(by_county == stats.live_records());

  // pending: the first two days of term, their admissions waiting.
  const std::string csv_now = "2025-09-02T17:30:00+08:00";
  TestLedger early;
  early.LoadDemoRegistry();
  std::vector<std::string> first_days;
  for (const auto& [day, lines] : LinesByDay(DemoRequestLines())) {
    if (day <= "2025-09-02") {
      first_days.insert(first_days.end(), lines.begin(), lines.end());
    }
  }
  REQUIRE(early.SubmitByDay(first_days).exit_code <= 1);
  const auto queue = JsonAs<xueji::v1::PendingReport>(
      early.RunAt(csv_now, {"pending", "--json"}).out);
  rows = ReadCsvOutput(
      early.RunAt(csv_now, {"pending", "--csv"}),
      {"requestedOn", "kind", "requestId", "studentNo", "name", "kindergarten",
       "county", "requestedBy", "detail", "due", "workingDaysLeft", "overdue"});
  REQUIRE(rows.size() == static_cast<size_t>(queue.items_size()));
  REQUIRE(!rows.empty());
  CHECK(rows[0]["requestId"] == queue.items(0).request_id());
  CHECK(rows[0]["due"] == queue.items(0).due());

  // Both at once: a usage error.
  CHECK(ledger.Run({"stats", "--csv", "--json"}).exit_code == 2);
}

}  // namespace
}  // namespace xueji::e2e
