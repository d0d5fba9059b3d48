// End-to-end test of issue 10 item 2 through the real binary: problem
// records worked to closure (docs/design.md, "Problem records (cases)").
// Real anomalies (a phantom after a verification, two cross-county probable
// duplicates) become cases with `ledger cases --detected` and openCase; the
// kindergarten answers (resolveCase), the county or the common superior
// decides (decideCase); a DELETE frees the identity (the child is admitted
// again), two records of one child are merged (mergeRecords). Refusals carry
// stable codes. `ledger cases` (table, JSON, CSV, --status) is a read limited
// to the reader's region and recorded; replay and verify --views rebuild it.
#include <catch2/catch.hpp>
#include <map>

#include "absl/strings/str_split.h"
#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

std::string Admit(const std::string& kg, const std::string& child) {
  return AdmitBody(kg, child, "2025-09-01");
}

// The bodies of the case requests: resolveCase, decideCase accepting the
// answer (with a reason, if any), mergeRecords.
std::string ResolveBody(const std::string& case_id,
                        const std::string& resolution,
                        const std::string& evidence) {
  return "\"resolveCase\":{\"caseId\":\"" + case_id + "\",\"resolution\":\"" +
         resolution + "\",\"evidence\":\"" + evidence + "\"}";
}

std::string AcceptBody(const std::string& case_id,
                       const std::string& reason = "") {
  return "\"decideCase\":{\"caseId\":\"" + case_id + "\",\"accept\":true" +
         (reason.empty() ? "" : ",\"reason\":\"" + reason + "\"") + "}";
}

std::string MergeBody(const std::string& keep, const std::string& retire) {
  return "\"mergeRecords\":{\"keep\":\"" + keep + "\",\"retire\":\"" + retire +
         "\"}";
}

xueji::v1::CaseReport Cases(const TestLedger& ledger, const std::string& as,
                            std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--as", as, "cases", "--json"};
  args.insert(args.end(), more.begin(), more.end());
  RunResult r = ledger.RunAt(EndOfDay("2025-09-16"), args);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  xueji::v1::CaseReport report;
  REQUIRE(ParseJson(r.out, &report) == "");
  return report;
}

std::string CaseOf(const xueji::v1::CaseReport& report, const std::string& no,
                   const std::string& kind) {
  for (const auto& c : report.cases()) {
    if (c.student_no() == no && c.kind() == kind) return c.case_id();
  }
  FAIL("no " << kind << " case of the record");
  return "";
}

xueji::v1::RecordState Show(const TestLedger& ledger, const std::string& no) {
  return ledger.ShowAt(EndOfDay("2025-09-16"), no);
}

TEST_CASE(
    "e2e issue 10 item 2: problem records opened from real anomalies, "
    "answered, decided and closed — DELETE frees the identity — records merged",
    "[e2e][issue10][cases]") {
  TestLedger ledger;
  ledger.LoadRegistry(
      kBeforeTerm,
      TwoCountiesRegistry({
          R"({"operator":{"id":"officer-xm","role":"OFFICER","org":"3502"}})",
      }));

  // Two children without a document, each admitted in both counties (two
  // probable duplicates), and one child with a resident ID.
  const std::string boy =
      R"({"name":"无证男孩","gender":"MALE","birthDate":"2021-04-01","idType":"NONE"})";
  const std::string girl =
      R"({"name":"无证女孩","gender":"FEMALE","birthDate":"2021-02-03","idType":"NONE"})";
  const std::string id = SyntheticResidentId("20210506", 21);
  const std::string phantom_child =
      R"({"name":"空挂男孩","gender":"MALE","birthDate":"2021-05-06","idType":"RESIDENT_ID","idNumber":")" +
      id + "\"}";
  RunResult admitted = ledger.SubmitByDay({
      RequestLine("a-1", "reg-sm", "2025-09-01", Admit("350203001", boy)),
      RequestLine("a-2", "reg-hl", "2025-09-01", Admit("350206001", boy)),
      RequestLine("a-3", "reg-sm", "2025-09-01",
                  Admit("350203001", phantom_child)),
      RequestLine("a-4", "reg-sm", "2025-09-01", Admit("350203001", girl)),
      RequestLine("a-5", "reg-hl", "2025-09-01", Admit("350206001", girl)),
      RequestLine("p-1", "appr-sm", "2025-09-02", ApproveBody("a-1")),
      RequestLine("p-2", "appr-hl", "2025-09-02", ApproveBody("a-2")),
      RequestLine("p-3", "appr-sm", "2025-09-02", ApproveBody("a-3")),
      RequestLine("p-4", "appr-sm", "2025-09-02", ApproveBody("a-4")),
      RequestLine("p-5", "appr-hl", "2025-09-02", ApproveBody("a-5")),
  });
  REQUIRE(admitted.exit_code == 0);
  auto adm = ResultsById(admitted);
  const std::string boy_sm = adm["a-1"].student_no(),
                    boy_hl = adm["a-2"].student_no(),
                    phantom = adm["a-3"].student_no(),
                    girl_sm = adm["a-4"].student_no(),
                    girl_hl = adm["a-5"].student_no();
  REQUIRE(phantom == "G" + id);
  // The term's verification: the phantom child is not there.
  RunResult verified = ledger.SubmitByDay({RequestLine(
      "v-1", "reg-sm", "2025-09-10",
      "\"verify\":{\"kindergarten\":\"350203001\",\"term\":\"2025-autumn\","
      "\"presentStudentNos\":[\"" +
          boy_sm + "\",\"" + girl_sm + "\"]}")});
  REQUIRE(verified.exit_code == 0);

  // The officer of the city finds the anomalies and opens their cases.
  RunResult detected = ledger.RunAt(
      EndOfDay("2025-09-11"), {"--as", "officer-xm", "cases", "--detected"});
  INFO(detected.out << detected.err);
  REQUIRE(detected.exit_code == 0);
  std::vector<std::string> opens;
  for (absl::string_view piece : absl::StrSplit(detected.out, '\n')) {
    const std::string line(piece.data(), piece.size());
    if (line.empty()) continue;
    // A development ledger takes unsigned requests at their actor.
    opens.push_back("{\"actor\":\"officer-xm\",\"occurredOn\":\"2025-09-11\"," +
                    line.substr(1));
  }
  CHECK(opens.size() == 5);  // 4 PROBABLE_DUPLICATE, 1 PHANTOM
  RunResult opened = ledger.SubmitByDay(opens);
  INFO(opened.out << opened.err);
  REQUIRE(opened.exit_code == 0);
  // Detected again: every anomaly has its case.
  RunResult again = ledger.RunAt(EndOfDay("2025-09-11"),
                                 {"--as", "officer-xm", "cases", "--detected"});
  CHECK(again.exit_code == 0);
  CHECK(again.out.empty());

  xueji::v1::CaseReport all = Cases(ledger, "officer-xm");
  CHECK(all.cases_size() == 5);
  const std::string phantom_case = CaseOf(all, phantom, "PHANTOM");
  const std::string dup_case = CaseOf(all, boy_hl, "PROBABLE_DUPLICATE");
  for (const auto& c : all.cases()) {
    CHECK(c.status() == "open");
    CHECK(c.case_id().find(id) == std::string::npos);
  }
  CHECK(CaseOf(all, boy_sm, "PROBABLE_DUPLICATE") != dup_case);

  RunResult worked = ledger.SubmitByDay({
      // Refusals first: nothing but the refusal is appended.
      RequestLine("r-1", "reg-hl", "2025-09-12",
                  ResolveBody(phantom_case, "DELETE", "x")),
      RequestLine("r-2", "appr-sm", "2025-09-12", AcceptBody(phantom_case)),
      RequestLine("r-3", "reg-sm", "2025-09-12",
                  ResolveBody("case-0000000000000000", "EVIDENCE", "x")),
      // The phantom: 鹭岛 asks to delete it; 湖里's approver may not
      // decide; 思明's accepts.
      RequestLine("c-1", "reg-sm", "2025-09-12",
                  ResolveBody(phantom_case, "DELETE", "幼儿从未入园")),
      RequestLine("r-4", "appr-hl", "2025-09-15", AcceptBody(phantom_case)),
      RequestLine("c-2", "appr-sm", "2025-09-15",
                  AcceptBody(phantom_case, "核实为空挂学籍")),
      RequestLine("r-5", "appr-sm", "2025-09-15", AcceptBody(phantom_case)),
      // The cross-county duplicate: 海湾 asks to delete its record; a
      // county may not decide, the city (common superior) does.
      RequestLine("c-3", "reg-hl", "2025-09-12",
                  ResolveBody(dup_case, "DELETE", "已在鹭岛入园")),
      RequestLine("r-6", "appr-hl", "2025-09-15", AcceptBody(dup_case)),
      RequestLine("c-4", "officer-xm", "2025-09-15", AcceptBody(dup_case)),
      // The girl's two records: merged by the city, 鹭岛's kept.
      RequestLine("r-7", "appr-sm", "2025-09-15", MergeBody(girl_sm, girl_hl)),
      RequestLine("m-1", "officer-xm", "2025-09-15",
                  MergeBody(girl_sm, girl_hl)),
      // The deleted phantom's document is free: the child is admitted
      // again (when it really comes).
      RequestLine("a-6", "reg-sm", "2025-09-16",
                  Admit("350203001", phantom_child)),
  });
  REQUIRE(worked.exit_code == 1);
  auto res = ResultsById(worked);
  const std::map<std::string, xueji::v1::ReasonCode> refused = {
      {"r-1", xueji::v1::NOT_AUTHORIZED}, {"r-2", xueji::v1::CASE_NOT_ANSWERED},
      {"r-3", xueji::v1::UNKNOWN_CASE},   {"r-4", xueji::v1::NOT_AUTHORIZED},
      {"r-5", xueji::v1::CASE_CLOSED},    {"r-6", xueji::v1::NOT_AUTHORIZED},
      {"r-7", xueji::v1::NOT_AUTHORIZED},
  };
  for (const auto& [rid, code] : refused) {
    INFO(rid << ": " << res[rid].message());
    CHECK(res[rid].status() == xueji::v1::REJECTED);
    CHECK(res[rid].code() == code);
  }
  for (const char* rid : {"c-1", "c-2", "c-3", "c-4", "m-1"}) {
    INFO(rid << ": " << res[rid].message());
    CHECK(res[rid].status() == xueji::v1::APPLIED);
  }
  CHECK(res["a-6"].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(res["a-6"].student_no() == phantom);  // the same record, for life

  // The records: deleted, retired, kept; history keeps everything.
  xueji::v1::RecordState deleted = Show(ledger, boy_hl);
  CHECK(deleted.status() == xueji::v1::CANCELLED);
  CHECK(deleted.deleted());
  xueji::v1::RecordState retired = Show(ledger, girl_hl);
  CHECK(retired.status() == xueji::v1::CANCELLED);
  CHECK(retired.retired_into() == girl_sm);
  CHECK(Show(ledger, girl_sm).status() == xueji::v1::ENROLLED);
  CHECK(Show(ledger, phantom).status() == xueji::v1::PENDING);
  RunResult shown = ledger.RunAt(EndOfDay("2025-09-16"), {"show", girl_hl});
  CHECK(shown.out.find("retired into " + girl_sm) != std::string::npos);
  RunResult history = ledger.RunAt(EndOfDay("2025-09-16"), {"history", boy_hl});
  CHECK(history.out.find("CaseOpened") != std::string::npos);
  CHECK(history.out.find("CaseAnswered") != std::string::npos);
  CHECK(history.out.find("RecordDeleted") != std::string::npos);

  // `ledger cases`: statuses, --status, the reader's region, CSV.
  xueji::v1::CaseReport after = Cases(ledger, "officer-xm");
  std::map<std::string, xueji::v1::CaseItem> by_case;
  for (const auto& c : after.cases()) by_case[c.case_id()] = c;
  CHECK(by_case[phantom_case].status() == "closed");
  CHECK(by_case[phantom_case].resolution() == "DELETE");
  CHECK(by_case[phantom_case].decided_by() == "appr-sm");
  CHECK(by_case[dup_case].status() == "closed");
  CHECK(by_case[dup_case].decider_region() == "3502");
  CHECK(by_case[dup_case].decided_by() == "officer-xm");
  CHECK(by_case[CaseOf(after, girl_hl, "PROBABLE_DUPLICATE")].status() ==
        "closed");  // settled by the merge
  xueji::v1::CaseReport open =
      Cases(ledger, "officer-xm", {"--status", "open"});
  for (const auto& c : open.cases()) CHECK(c.status() == "open");
  CHECK(open.cases_size() == 2);  // the boy's and the girl's at 鹭岛
  xueji::v1::CaseReport huli = Cases(ledger, "appr-hl");
  CHECK(huli.cases_size() == 2);
  for (const auto& c : huli.cases()) CHECK(c.county() == "350206");
  xueji::v1::CaseReport own = Cases(ledger, "reg-sm");
  for (const auto& c : own.cases()) CHECK(c.kindergarten() == "350203001");
  RunResult outside =
      ledger.RunAt(EndOfDay("2025-09-16"),
                   {"--as", "appr-hl", "cases", "--region", "350203"});
  CHECK(outside.exit_code != 0);
  RunResult csv = ledger.RunAt(EndOfDay("2025-09-16"),
                               {"--as", "officer-xm", "cases", "--csv"});
  REQUIRE(csv.exit_code == 0);
  auto rows = ReadCsvOutput(
      csv,
      {"caseId",     "status",      "kind",       "studentNo", "kindergarten",
       "county",     "since",       "detail",     "related",   "deciderRegion",
       "openedOn",   "openedBy",    "resolution", "evidence",  "answeredOn",
       "answeredBy", "decidedOn",   "decidedBy",  "accepted",  "reason",
       "answers",    "recordStatus"});
  CHECK(rows.size() == 5);
  RunResult table =
      ledger.RunAt(EndOfDay("2025-09-16"), {"--as", "officer-xm", "cases"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find(phantom_case) != std::string::npos);
  RunResult access = ledger.RunAt(EndOfDay("2025-09-16"), {"access-log"});
  CHECK(access.out.find("cases") != std::string::npos);

  // The cases view is rebuilt by replay, and checked by verify --views.
  RunResult replay = ledger.RunAt(EndOfDay("2025-09-16"), {"replay"});
  INFO(replay.out << replay.err);
  CHECK(replay.exit_code == 0);
  CHECK(Cases(ledger, "officer-xm").SerializeAsString() ==
        after.SerializeAsString());
  RunResult views = ledger.RunAt(EndOfDay("2025-09-16"), {"verify", "--views"});
  INFO(views.out << views.err);
  CHECK(views.exit_code == 0);
}

}  // namespace
}  // namespace xueji::e2e
