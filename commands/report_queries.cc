// ledger anomalies | pending | stats | policy: reports over a region as of a
// day (by default today by the ledger's clock), limited to the reader's
// region (queries.h, commands/reads.h).
#include <iostream>
#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/output/lang.h"
#include "commands/output/output.h"
#include "commands/queries.h"
#include "commands/stats_print.h"
#include "ledger/base/dates.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/jurisdiction.h"
#include "ledger/rules/policy.h"

namespace xueji {
namespace {

// What a report asks for, as the access log records it: "region 3502 kind
// DUPLICATE as of 2026-01-05" ("(own)" without --region).
std::string ReportQuery(const std::string& region, const std::string& kind_name,
                        absl::CivilDay as_of) {
  return absl::StrCat("region ", region.empty() ? "(own)" : region,
                      kind_name.empty() ? "" : " kind " + kind_name, " as of ",
                      FormatDate(as_of));
}

// Drops from each anomaly the related student numbers of records the
// reader may not see, saying how many in its detail.
absl::Status LimitRelated(const ReadContext& c,
                          xueji::v1::AnomalyReport* report) {
  if (!c.limited()) return absl::OkStatus();
  std::map<std::string, bool> visible;  // by student number
  for (auto& a : *report->mutable_anomalies()) {
    std::vector<std::string> kept;
    int hidden = 0;
    for (const std::string& no : a.related()) {
      auto it = visible.find(no);
      if (it == visible.end()) {
        auto record = c.views->RecordByNumber(no);
        if (!record.ok()) return record.status();
        bool may = false;
        if (record->has_value()) {
          auto m = c.MayReadRecord(**record);
          if (!m.ok()) return m.status();
          may = *m;
        }
        it = visible.emplace(no, may).first;
      }
      if (it->second) {
        kept.push_back(no);
      } else {
        ++hidden;
      }
    }
    if (hidden == 0) continue;
    a.clear_related();
    for (std::string& no : kept) a.add_related(std::move(no));
    a.set_detail(absl::StrCat(a.detail(), "; ", hidden,
                              " of them outside your region (not shown)"));
  }
  return absl::OkStatus();
}

// The options of each report, filled by the parse.
struct AnomaliesArgs {
  std::string region, kind, as_of;
};
struct PendingArgs {
  std::string region, kind;
};
struct StatsArgs {
  std::string region, as_of, from, to, by;
};
struct PolicyArgs {
  std::string as_of;
  bool all = false;
};

int RunAnomalies(const GlobalOptions& g, const AnomaliesArgs& args) {
  AnomalyQuery query;
  if (!args.kind.empty()) {  // checked by the option (IsMember)
    xueji::v1::Anomaly::Kind kind;
    xueji::v1::Anomaly::Kind_Parse(args.kind, &kind);
    query.kind = kind;
  }
  auto as_of = DayOrToday("--as-of", args.as_of);
  if (!as_of.ok()) return Fail(as_of.status());
  query.as_of = *as_of;
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  const std::string what = ReportQuery(args.region, args.kind, query.as_of);
  int exit = kExitOk;
  auto scoped = ReportRegion(*q, "anomalies", what, args.region, &exit);
  if (!scoped.has_value()) return exit;
  query.region = *scoped;
  query.calendar = &WorkingCalendar::Default();
  auto report = q->views->Anomalies(query);
  if (!report.ok()) return Fail(report.status());
  if (!q->scope.kindergarten.empty()) {  // a registrar: own kindergarten only
    auto* list = report->mutable_anomalies();
    for (int i = list->size() - 1; i >= 0; --i)
      if (list->Get(i).kindergarten() != q->scope.kindergarten)
        list->DeleteSubrange(i, 1);
  }
  if (absl::Status s = LimitRelated(*q, &*report); !s.ok()) return Fail(s);
  if (auto s = q->Record("anomalies", what, report->anomalies_size()); !s.ok())
    return Fail(s);
  if (g.csv) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& a : report->anomalies()) {
      rows.push_back({xueji::v1::Anomaly::Kind_Name(a.kind()), a.student_no(),
                      a.operator_(), a.kindergarten(), a.county(), a.since(),
                      a.detail(), absl::StrJoin(a.related(), " ")});
    }
    PrintCsv({"kind", "studentNo", "operator", "kindergarten", "county",
              "since", "detail", "related"},
             rows);
    return kExitOk;
  }
  if (g.json) return PrintJson(*report);
  Table t({Tr("kind"), Tr("student no / operator"), Tr("kindergarten"),
           Tr("county"), Tr("since"), Tr("detail")});
  for (const auto& a : report->anomalies()) {
    t.Add({AnomalyKindName(a.kind()),
           a.student_no().empty() ? a.operator_() : a.student_no(),
           a.kindergarten(), a.county(), a.since(), a.detail()});
  }
  std::cout << Tr("anomalies as of") << " " << report->as_of()
            << (report->region().empty() ? "" : " " + report->region()) << "\n";
  t.Print(std::cout);
  std::cout << report->anomalies_size() << " " << Tr("anomaly(ies)") << "\n";
  return kExitOk;
}

// `pending`: the approver's queue. An approver sees its county's, an officer
// or auditor its region's (narrowed by --region), a registrar its
// kindergarten's own requests.
int RunPending(const GlobalOptions& g, const PendingArgs& args) {
  PendingQuery query;
  if (!args.kind.empty()) {  // checked by the option (IsMember)
    xueji::v1::PendingItem::Kind kind;
    xueji::v1::PendingItem::Kind_Parse(args.kind, &kind);
    query.kind = kind;
  }
  // Today: the queue is what waits now, judged by the ledger's clock.
  auto today = TodayByLedgerClock();
  if (!today.ok()) return Fail(today.status());
  query.as_of = *today;
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  const std::string what = ReportQuery(args.region, args.kind, query.as_of);
  int exit = kExitOk;
  auto scoped = ReportRegion(*q, "pending", what, args.region, &exit);
  if (!scoped.has_value()) return exit;
  query.region = *scoped;
  query.kindergarten = q->scope.kindergarten;  // a registrar: its own
  query.calendar = &WorkingCalendar::Default();
  auto report = q->views->Pending(query);
  if (!report.ok()) return Fail(report.status());
  if (auto s = q->Record("pending", what, report->items_size()); !s.ok())
    return Fail(s);
  if (g.csv) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& item : report->items()) {
      rows.push_back(
          {item.requested_on(), xueji::v1::PendingItem::Kind_Name(item.kind()),
           item.request_id(), item.student_no(), item.name(),
           item.kindergarten(), item.county(), item.requested_by(),
           item.detail(), item.due(),
           // No deadline (an EXPORT): no working days left either.
           item.due().empty() ? "" : absl::StrCat(item.working_days_left()),
           item.overdue() ? "true" : "false"});
    }
    PrintCsv({"requestedOn", "kind", "requestId", "studentNo", "name",
              "kindergarten", "county", "requestedBy", "detail", "due",
              "workingDaysLeft", "overdue"},
             rows);
    return kExitOk;
  }
  if (g.json) return PrintJson(*report);
  Table t({Tr("requested on"), Tr("kind"), Tr("request"), Tr("student no"),
           Tr("name"), Tr("kindergarten"), Tr("detail"), Tr("due"),
           Tr("working days left")});
  int overdue = 0;
  for (const auto& item : report->items()) {
    std::string left = absl::StrCat(item.working_days_left());
    if (item.due().empty()) {
      left = "-";  // no deadline (an EXPORT, decided by the level above)
    } else if (item.overdue()) {
      ++overdue;
      left = absl::StrCat(Tr("OVERDUE by"), " ", -item.working_days_left());
    } else if (item.working_days_left() == 0) {
      left = "0 " + Tr("(due today)");
    }
    t.Add({item.requested_on(), PendingKindName(item.kind()), item.request_id(),
           item.student_no(), item.name(), item.kindergarten(), item.detail(),
           item.due().empty() ? "-" : item.due(), left});
  }
  std::cout << Tr("waiting for approval as of") << " " << report->as_of()
            << (report->region().empty() ? "" : " " + report->region())
            << (query.kindergarten.empty() ? "" : " " + query.kindergarten)
            << "\n";
  t.Print(std::cout);
  std::cout << report->items_size() << " " << Tr("waiting") << ", " << overdue
            << " " << Tr("overdue") << "\n";
  return kExitOk;
}

int RunStats(const GlobalOptions& g, const StatsArgs& args) {
  auto as_of = DayOrToday("--as-of", args.as_of);
  if (!as_of.ok()) return Fail(as_of.status());
  StatsQuery query;
  query.as_of = *as_of;
  query.by = absl::AsciiStrToLower(args.by);
  if (args.from.empty() != args.to.empty()) {
    return Fail(absl::InvalidArgumentError(
        "a period needs both --from and --to (YYYY-MM-DD)"));
  }
  if (!args.from.empty()) {
    auto from = DayOrToday("--from", args.from);
    if (!from.ok()) return Fail(from.status());
    auto to = DayOrToday("--to", args.to);
    if (!to.ok()) return Fail(to.status());
    if (*from > *to) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--from ", args.from, " is after --to ", args.to)));
    }
    query.from = *from;
    query.to = *to;
  }
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  std::string what = ReportQuery(args.region, "", query.as_of);
  if (query.from) absl::StrAppend(&what, " from ", args.from, " to ", args.to);
  if (!query.by.empty()) absl::StrAppend(&what, " by ", query.by);
  int exit = kExitOk;
  auto scoped = ReportRegion(*q, "stats", what, args.region, &exit);
  if (!scoped.has_value()) return exit;
  query.region = *scoped;
  // A registrar counts its own kindergarten only, not its county's.
  query.kindergarten = q->scope.kindergarten;
  query.calendar = &WorkingCalendar::Default();
  auto stats = q->views->Statistics(query);
  if (!stats.ok()) return Fail(stats.status());
  if (auto s = q->Record("stats", what, 0); !s.ok()) return Fail(s);
  if (g.csv) {
    PrintStatsCsv(*stats);
    return kExitOk;
  }
  if (g.json) return PrintJson(*stats);
  const std::string where =
      !q->scope.kindergarten.empty()
          ? Tr("kindergarten") + " " + q->scope.kindergarten
          : *scoped;
  if (Chinese()) {
    std::cout << (where.empty() ? "" : where + " ") << stats->as_of() << " "
              << Tr("live records") << "：" << stats->live_records() << "\n";
  } else {
    std::cout << "live records"
              << (!q->scope.kindergarten.empty()
                      ? " at kindergarten " + q->scope.kindergarten
                      : (scoped->empty() ? "" : " in " + *scoped))
              << " on " << stats->as_of() << ": " << stats->live_records()
              << "\n";
  }
  PrintStatsTable(*stats);
  return kExitOk;
}

// The policy versions the log records: those in force on a day, or all.
int RunPolicy(const GlobalOptions& g, const PolicyArgs& args) {
  auto day = DayOrToday("--as-of", args.as_of);
  if (!day.ok()) return Fail(day.status());
  const absl::CivilDay as_of = *day;
  auto views = OpenViewsForQuery(g);
  if (!views.ok()) return Fail(views.status());
  auto history = (*views)->Policies();
  if (!history.ok()) return Fail(history.status());
  const std::vector<xueji::v1::PolicySet> versions =
      args.all ? history->Versions() : history->VersionsInForce(as_of);
  if (g.json) {
    xueji::v1::PolicyVersions out;
    for (const auto& v : versions) *out.add_versions() = v;
    if (!args.all) out.set_as_of(FormatDate(as_of));
    out.set_all(args.all);
    return PrintJson(out);
  }
  if (args.all) {
    std::cout << "every policy version recorded\n";
  } else {
    std::cout << "policy in force on " << FormatDate(as_of) << "\n";
  }
  Table t({Tr("region"), Tr("version"), Tr("effective from"), Tr("settings")});
  for (const auto& v : versions) {
    t.Add({v.region(), absl::StrCat(v.version()), v.effective_from(),
           ToJsonLine(v.policy())});
  }
  t.Print(std::cout);
  if (versions.empty()) {
    std::cout << "(no version recorded: the built-in national defaults "
                 "apply)\n";
  }
  std::cout << "built-in national defaults: "
            << ToJsonLine(ToSettings(Policy())) << "\n";
  return kExitOk;
}

}  // namespace

void AddReportQueries(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto anomalies = app.add_subcommand(
      "anomalies",
      "Problem records (问题学籍) as of a date: DUPLICATE, PROBABLE_DUPLICATE, "
      "PHANTOM, INVALID_IDENTITY, AGE_OUT_OF_RANGE, OVERDUE_APPROVAL, "
      "OVERDUE_TRANSFER, LATE_ESTABLISHMENT, STALE_TEMPORARY_NUMBER, "
      "DORMANT_ACCOUNT.");
  auto a = BindRun(anomalies, g, run, RunAnomalies);
  anomalies->add_option(
      "--region", a->region,
      "GB/T 2260 prefix: 2 (province), 4 (city) or 6 (county) digits");
  anomalies->add_option("--kind", a->kind, "only this kind (any case)")
      ->transform(CLI::IsMember(
          EnumNames(xueji::v1::Anomaly::Kind_descriptor()), CLI::ignore_case));
  anomalies->add_option(
      "--as-of", a->as_of,
      "YYYY-MM-DD (default: today in Beijing time by the ledger clock)");
  anomalies->add_flag("--json", g.json, "JSON instead of a table");
  AddCsvFlag(anomalies, g);

  auto pending = app.add_subcommand(
      "pending",
      "What waits for a county approver's decision (admissions, transfers, "
      "deferrals, cancellations, key-information edits, number "
      "conversions), oldest first, with the day each is due "
      "(approveWorkingDays working days after the request, the policy in "
      "force) and the working days left, today by the ledger's clock; and the "
      "export requests of the region waiting for the level above (no due "
      "day). A read: the reader's region (an approver: its county; a "
      "registrar: its kindergarten).");
  auto p = BindRun(pending, g, run, RunPending);
  pending->add_option(
      "--region", p->region,
      "GB/T 2260 prefix within the reader's region: 2, 4 or 6 digits");
  pending
      ->add_option("--kind", p->kind,
                   "only this kind: ADMISSION, TRANSFER, DEFERRAL, "
                   "CANCELLATION, KEY_INFO_EDIT, NUMBER_CONVERSION, EXPORT "
                   "(any case)")
      ->transform(
          CLI::IsMember(EnumNames(xueji::v1::PendingItem::Kind_descriptor()),
                        CLI::ignore_case));
  pending->add_flag("--json", g.json,
                    "JSON instead of a table (xueji.v1.PendingReport)");
  AddCsvFlag(pending, g);

  auto stats = app.add_subcommand(
      "stats",
      "Statistics (Art. 4, 23) as of a day (what was true then, from the "
      "history): records by county, kindergarten, status, age and gender; "
      "with --from/--to the flows of the period (admissions, transfers in "
      "and out, leaves, graduations, deferrals, cancellations); problem "
      "records and their rate; county approval timeliness. A read: the "
      "reader's region.");
  auto s = BindRun(stats, g, run, RunStats);
  stats->add_option(
      "--region", s->region,
      "GB/T 2260 prefix within the reader's region: 2, 4 or 6 digits");
  stats->add_option(
      "--as-of", s->as_of,
      "YYYY-MM-DD (default: today in Beijing time by the ledger clock)");
  stats->add_option("--from", s->from,
                    "first day of the period (YYYY-MM-DD, with --to)");
  stats->add_option("--to", s->to,
                    "last day of the period (YYYY-MM-DD, inclusive)");
  stats
      ->add_option("--by", s->by,
                   "one row per kindergarten, county, age or gender")
      ->transform(CLI::IsMember({"kindergarten", "county", "age", "gender"},
                                CLI::ignore_case));
  stats->add_flag("--json", g.json, "JSON instead of a table (xueji.v1.Stats)");
  AddCsvFlag(stats, g);

  auto policy = app.add_subcommand(
      "policy",
      "The policy versions the log records (setPolicy requests, Art. 26): "
      "those in force on a day, national first.");
  auto pol = BindRun(policy, g, run, RunPolicy);
  policy->add_option("--as-of", pol->as_of,
                     "YYYY-MM-DD (default: today by the ledger clock)");
  policy->add_flag("--all", pol->all, "every version recorded");
  policy->add_flag("--json", g.json, "JSON instead of a table");
}

}  // namespace xueji
