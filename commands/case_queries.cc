// ledger cases [--region CODE] [--status open|answered|closed] [--json|--csv]
// [--detected]: the problem record cases (问题学籍; docs/design.md, "Problem
// records (cases)"). A read like the others (commands/reads.h): limited to
// the reader's region (a registrar: its kindergarten), recorded in the access
// log before anything is shown.
//
// --detected prints, instead, one openCase request (protobuf JSON, a line
// each) for every anomaly of a record (`ledger anomalies`, evaluated today by
// the ledger's clock) that has no case yet: the county signs and submits
// them (`ledger submit`), so that every anomaly it found becomes a case.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/output/lang.h"
#include "commands/output/output.h"
#include "commands/queries.h"
#include "ledger/base/dates.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/subjects.h"

namespace xueji {
namespace {

// The openCase requests of the anomalies in `region` with no case yet.
int PrintDetected(const ReadContext& q, const std::string& region,
                  const std::string& what) {
  auto today = TodayByLedgerClock();
  if (!today.ok()) return Fail(today.status());
  AnomalyQuery query;
  query.region = region;
  query.as_of = *today;
  query.calendar = &WorkingCalendar::Default();
  auto report = q.views->Anomalies(query);
  if (!report.ok()) return Fail(report.status());
  std::vector<xueji::v1::Request> requests;
  for (const xueji::v1::Anomaly& a : report->anomalies()) {
    if (a.student_no().empty()) continue;  // an account's, not a record's
    if (!q.scope.kindergarten.empty() &&
        a.kindergarten() != q.scope.kindergarten) {
      continue;
    }
    auto record = q.views->RecordByNumber(a.student_no());
    if (!record.ok()) return Fail(record.status());
    if (!record->has_value()) continue;
    const std::string kind = xueji::v1::Anomaly::Kind_Name(a.kind());
    const std::string id = CaseId(kind, (*record)->subject(), a.since());
    bool known = false;
    for (const auto& c : (*record)->cases()) known |= c.case_id() == id;
    if (known) continue;
    xueji::v1::Request request;
    request.set_request_id(absl::StrCat("open-", id));
    auto* open = request.mutable_open_case();
    open->set_kind(kind);
    open->set_student_no(a.student_no());
    open->set_since(a.since());
    open->set_detail(a.detail());
    for (const std::string& no : a.related()) {
      auto other = q.views->RecordByNumber(no);
      if (!other.ok()) return Fail(other.status());
      if (!other->has_value()) continue;
      auto may = q.MayReadRecord(**other);
      if (!may.ok()) return Fail(may.status());
      if (*may) open->add_related(no);
    }
    requests.push_back(std::move(request));
  }
  if (auto s = q.Record("cases", what + " detected",
                        static_cast<int64_t>(requests.size()));
      !s.ok()) {
    return Fail(s);
  }
  for (const auto& request : requests) std::cout << ToJsonLine(request) << "\n";
  return kExitOk;
}

int RunCases(const GlobalOptions& g, const std::string& region,
             const std::string& status, bool detected) {
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  const std::string what =
      absl::StrCat("region ", region.empty() ? "(own)" : region,
                   status.empty() ? "" : " status " + status);
  int exit = kExitOk;
  auto scoped = ReportRegion(*q, "cases", what, region, &exit);
  if (!scoped.has_value()) return exit;
  if (detected) return PrintDetected(*q, *scoped, what);
  CaseQuery query;
  query.region = *scoped;
  query.kindergarten = q->scope.kindergarten;  // a registrar: its own only
  query.status = status;
  auto report = q->views->Cases(query);
  if (!report.ok()) return Fail(report.status());
  if (auto s = q->Record("cases", what, report->cases_size()); !s.ok()) {
    return Fail(s);
  }
  if (g.csv) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& c : report->cases()) {
      rows.push_back({c.case_id(),
                      c.status(),
                      c.kind(),
                      c.student_no(),
                      c.kindergarten(),
                      c.county(),
                      c.since(),
                      c.detail(),
                      absl::StrJoin(c.related(), " "),
                      c.decider_region(),
                      c.opened_on(),
                      c.opened_by(),
                      c.resolution(),
                      c.evidence(),
                      c.answered_on(),
                      c.answered_by(),
                      c.decided_on(),
                      c.decided_by(),
                      c.accepted() ? "true" : "false",
                      c.reason(),
                      absl::StrCat(c.answers()),
                      c.record_status()});
    }
    PrintCsv({"caseId",       "status",        "kind",       "studentNo",
              "kindergarten", "county",        "since",      "detail",
              "related",      "deciderRegion", "openedOn",   "openedBy",
              "resolution",   "evidence",      "answeredOn", "answeredBy",
              "decidedOn",    "decidedBy",     "accepted",   "reason",
              "answers",      "recordStatus"},
             rows);
    return kExitOk;
  }
  if (g.json) return PrintJson(*report);
  Table t({Tr("case"), Tr("status"), Tr("kind"), Tr("student no"),
           Tr("kindergarten"), Tr("since"), Tr("answer"), Tr("decided by")});
  for (const auto& c : report->cases()) {
    std::string answer = c.resolution();
    if (c.status() == "closed") {
      absl::StrAppend(&answer, answer.empty() ? "" : " ", "accepted ",
                      c.decided_on());
    } else if (!c.reason().empty()) {
      absl::StrAppend(&answer, answer.empty() ? "" : " ", "(sent back)");
    }
    t.Add({c.case_id(), Tr(c.status()), c.kind(), c.student_no(),
           c.kindergarten(), c.since(), answer, c.decider_region()});
  }
  std::cout << Tr("problem record cases")
            << (report->region().empty() ? "" : " " + report->region())
            << (status.empty() ? "" : " (" + Tr(status) + ")") << "\n";
  t.Print(std::cout);
  std::cout << report->cases_size() << " " << Tr("case(s)") << "\n";
  return kExitOk;
}

}  // namespace

void AddCaseQueries(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto region = std::make_shared<std::string>();
  auto status = std::make_shared<std::string>();
  auto detected = std::make_shared<bool>(false);
  auto cases = app.add_subcommand(
      "cases",
      "Problem record cases (问题学籍, Art. 17, 24): each anomaly of a record "
      "opened as a case (openCase), answered by the kindergarten "
      "(resolveCase: EVIDENCE, CORRECTED or DELETE), decided by the county "
      "or the common superior (decideCase), closed. A read: the reader's "
      "region (a registrar: its kindergarten).");
  cases->add_option(
      "--region", *region,
      "GB/T 2260 prefix within the reader's region: 2, 4 or 6 digits");
  cases->add_option("--status", *status, "only open, answered or closed cases")
      ->transform(
          CLI::IsMember({"open", "answered", "closed"}, CLI::ignore_case));
  cases->add_flag("--detected", *detected,
                  "print an openCase request (JSON line) for every anomaly "
                  "of a record in the region that has no case yet, to sign "
                  "and submit");
  cases->add_flag("--json", g.json,
                  "JSON instead of a table (xueji.v1.CaseReport)");
  AddCsvFlag(cases, g);
  cases->callback([&g, &run, region, status, detected] {
    run = [&g, region, status, detected] {
      return RunCases(g, *region, *status, *detected);
    };
  });
}

}  // namespace xueji
