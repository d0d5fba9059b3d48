// End-to-end tests of `ledger anomalies` for issue 10 item 1, through the
// binary on the demo registry with requests entered day by day:
//   - `--as-of` a past date reports what was true at the end of that day
//     (a problem fixed since is reported, one that arose since is not);
//   - Art. 17 ¶3: PRESENT_ELSEWHERE (人籍分离) and UNVERIFIED_KINDERGARTEN;
//   - Art. 8: CROSS_DOCUMENT_DUPLICATE (one child under an HK permit and an
//     HK residence permit), its related number limited to the reader's
//     region.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

using xueji::v1::Anomaly;
using xueji::v1::AnomalyReport;

// `ledger [--as READER] anomalies --json ARGS...` by the ledger's clock at
// the end of `day`, strictly parsed.
AnomalyReport Report(const TestLedger& ledger, const std::string& day,
                     std::vector<std::string> args,
                     const std::string& reader = "") {
  args.insert(args.begin(), {"anomalies", "--json"});
  if (!reader.empty()) args.insert(args.begin(), {"--as", reader});
  RunResult r = ledger.RunAt(EndOfDay(day), args);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  AnomalyReport report;
  REQUIRE(ParseJson(r.out, &report) == "");
  return report;
}

// The student numbers (or kindergartens, for a kindergarten's anomaly) of
// `kind` in `report`.
std::set<std::string> Of(const AnomalyReport& report, Anomaly::Kind kind) {
  std::set<std::string> out;
  for (const Anomaly& a : report.anomalies()) {
    if (a.kind() == kind) {
      out.insert(a.student_no().empty() ? a.kindergarten() : a.student_no());
    }
  }
  return out;
}

// Request lines (RequestLine): an admission entering on the day it is
// requested, an approval, a verification of 2025-autumn naming one child.
std::string Admit(const std::string& id, const std::string& actor,
                  const std::string& day, const std::string& kg,
                  const std::string& child) {
  return RequestLine(id, actor, day, AdmitBody(kg, child, day));
}

std::string Approve(const std::string& id, const std::string& actor,
                    const std::string& day, const std::string& request) {
  return RequestLine(id, actor, day, ApproveBody(request));
}

std::string Verify(const std::string& id, const std::string& actor,
                   const std::string& day, const std::string& kg,
                   const std::string& present) {
  return RequestLine(
      id, actor, day,
      "\"verify\":{\"kindergarten\":\"" + kg +
          "\",\"term\":\"2025-autumn\",\"presentStudentNos\":[\"" + present +
          "\"]}");
}

// The demo registry and `lines` entered day by day.
void Enter(const TestLedger& ledger, const std::vector<std::string>& lines) {
  ledger.LoadDemoRegistry();
  RunResult r = ledger.SubmitByDay(lines);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.exit_code == 0);
}

// The first two tests' ledger and child: 陈一鸣, born 2021-03-14, whom
// AdmitChen admits at 350203001 (思明) on 1 September.
struct ChenLedger {
  TestLedger ledger;
  const std::string id = SyntheticResidentId("20210314", 117);
  const std::string no = "G" + id;
  std::string AdmitChen(const std::string& request_id) const {
    return Admit(request_id, "reg-sm1", "2025-09-01", "350203001",
                 BoyJson("陈一鸣", "2021-03-14", 117));
  }
};

TEST_CASE_METHOD(
    ChenLedger,
    "Art. 23-24: anomalies --as-of a past date report what was true that "
    "day",
    "[e2e][anomalies]") {
  // Admitted on 1 September, approved only on 14 November: the approval
  // was overdue from 9 September (5 working days) until then, and the
  // record was established after its 2-month deadline (1 November).
  Enter(ledger,
        {AdmitChen("a-1"), Approve("a-2", "appr-siming", "2025-11-14", "a-1")});

  AnomalyReport then = Report(ledger, "2025-12-01", {"--as-of", "2025-10-15"});
  CHECK(then.as_of() == "2025-10-15");
  CHECK(Of(then, Anomaly::OVERDUE_APPROVAL) == std::set<std::string>{no});
  CHECK(Of(then, Anomaly::LATE_ESTABLISHMENT).empty());  // not yet then
  for (const Anomaly& a : then.anomalies()) {
    INFO(a.ShortDebugString());
    CHECK(a.since() <= then.as_of());  // no problem starts in the future
    CHECK(a.detail().find(id) == std::string::npos);
  }

  AnomalyReport today = Report(ledger, "2025-12-01", {});
  CHECK(Of(today, Anomaly::OVERDUE_APPROVAL).empty());
  CHECK(Of(today, Anomaly::LATE_ESTABLISHMENT) == std::set<std::string>{no});
  // A day before anything was entered: nothing at all.
  CHECK(Report(ledger, "2025-12-01", {"--as-of", "2025-08-31"})
            .anomalies_size() == 0);
}

TEST_CASE_METHOD(
    ChenLedger,
    "Art. 17 ¶3: a child confirmed present at another kindergarten is "
    "PRESENT_ELSEWHERE — a kindergarten that never verifies is "
    "UNVERIFIED_KINDERGARTEN",
    "[e2e][anomalies]") {
  // Registered at 350203001 (思明), but 湖里's 350206001 confirms the child
  // present at its verification of 5 November; 350203001 does not verify
  // until 1 December.
  Enter(ledger,
        {AdmitChen("b-1"), Approve("b-2", "appr-siming", "2025-09-03", "b-1"),
         Verify("b-3", "reg-hl1", "2025-11-05", "350206001", no),
         Verify("b-4", "reg-sm1", "2025-12-01", "350203001", no)});

  AnomalyReport r =
      Report(ledger, "2025-12-01", {"--kind", "PRESENT_ELSEWHERE"});
  REQUIRE(r.anomalies_size() == 1);
  const Anomaly& a = r.anomalies(0);
  CHECK(a.student_no() == no);
  CHECK(a.kindergarten() == "350203001");
  CHECK(a.county() == kSiming);
  CHECK(a.since() == "2025-11-05");
  CHECK(a.detail().find("350206001") != std::string::npos);
  CHECK(a.detail().find(id) == std::string::npos);
  CHECK(Report(ledger, "2025-12-01",
               {"--kind", "PRESENT_ELSEWHERE", "--as-of", "2025-11-04"})
            .anomalies_size() == 0);

  // 350203001 has a live record and no verification this term: flagged
  // from 21 October (1 September + 50 days) until it verified.
  AnomalyReport unverified =
      Report(ledger, "2025-12-01",
             {"--kind", "UNVERIFIED_KINDERGARTEN", "--as-of", "2025-11-30"});
  CHECK(Of(unverified, Anomaly::UNVERIFIED_KINDERGARTEN) ==
        std::set<std::string>{"350203001"});
  REQUIRE(unverified.anomalies_size() == 1);
  CHECK(unverified.anomalies(0).since() == "2025-10-21");
  CHECK(Report(ledger, "2025-12-01", {"--kind", "UNVERIFIED_KINDERGARTEN"})
            .anomalies_size() == 0);
  // The zh table names the kinds.
  RunResult zh =
      ledger.RunAt(EndOfDay("2025-12-01"),
                   {"--lang", "zh", "anomalies", "--as-of", "2025-11-30"});
  REQUIRE(zh.exit_code == 0);
  CHECK(zh.out.find("人籍分离") != std::string::npos);
  CHECK(zh.out.find("未按期核验") != std::string::npos);
}

TEST_CASE(
    "Art. 8: one child under an HK permit and an HK residence permit is "
    "CROSS_DOCUMENT_DUPLICATE, the other record hidden outside the reader's "
    "region",
    "[e2e][anomalies]") {
  TestLedger ledger;
  const std::string permit =
      R"({"name":"陈小明","gender":"MALE","birthDate":"2021-03-15",)"
      R"("idType":"HK_MO_PERMIT","idNumber":"H12345678"})";
  const std::string residence =
      R"({"name":"陈小明","gender":"MALE","birthDate":"2021-03-15",)"
      R"("idType":"HK_MO_TW_RESIDENCE_PERMIT","idNumber":"810000202103150017"})";
  Enter(ledger, {Admit("c-1", "reg-sm1", "2025-09-01", "350203001", permit),
                 Admit("c-2", "reg-hl1", "2025-09-02", "350206001", residence),
                 Approve("c-3", "appr-siming", "2025-09-03", "c-1"),
                 Approve("c-4", "appr-huli", "2025-09-04", "c-2")});

  AnomalyReport r =
      Report(ledger, "2025-12-01", {"--kind", "CROSS_DOCUMENT_DUPLICATE"});
  REQUIRE(r.anomalies_size() == 2);
  CHECK(r.anomalies(0).related_size() == 1);
  CHECK(r.anomalies(0).related(0) == r.anomalies(1).student_no());
  CHECK(r.anomalies(1).related(0) == r.anomalies(0).student_no());
  for (const Anomaly& a : r.anomalies()) {
    CHECK(a.detail().find("H12345678") == std::string::npos);
    CHECK(a.detail().find("810000202103150017") == std::string::npos);
  }
  // Not a DUPLICATE: two documents.
  CHECK(Of(Report(ledger, "2025-12-01", {}), Anomaly::DUPLICATE).empty());
  // 思明's approver sees its record, not the number of 湖里's.
  AnomalyReport siming =
      Report(ledger, "2025-12-01", {"--kind", "CROSS_DOCUMENT_DUPLICATE"},
             "appr-siming");
  REQUIRE(siming.anomalies_size() == 1);
  CHECK(siming.anomalies(0).county() == kSiming);
  CHECK(siming.anomalies(0).related_size() == 0);
  CHECK(siming.anomalies(0).detail().find("outside your region") !=
        std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
