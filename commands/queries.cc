// ledger show | find | list | history | anomalies | stats
//
// Reads go to the views (read-only when another process is writing). With
// the global --as OPERATOR, a read is limited to that operator's region
// (Art. 22: each level reads only its own region): a registrar sees their
// kindergarten, an approver their county, officers and auditors their org.
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/cli.h"
#include "commands/describe.h"
#include "commands/output/output.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/jurisdiction.h"
#include "ledger/rules/calendar.h"
#include "ledger/base/dates.h"
#include "ledger/rules/identity.h"

namespace xueji {
namespace {

using xueji::v1::RecordState;

absl::StatusOr<ReadScope> ScopeOf(const Views& views, const std::string& op_id) {
  if (op_id.empty()) return ReadScope{};
  auto op = views.Operator(op_id);
  if (!op.ok()) return op.status();
  if (!op->has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--as ", op_id, ": unknown operator"));
  }
  if ((*op)->sealed()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--as ", op_id, ": the account is sealed"));
  }
  std::optional<xueji::v1::KindergartenState> kg;
  if ((*op)->role() == xueji::v1::REGISTRAR) {
    auto found = views.Kindergarten((*op)->org());
    if (!found.ok()) return found.status();
    kg = *std::move(found);
  }
  return ReadScopeOf(&**op, kg.has_value() ? &*kg : nullptr);
}

absl::Status CheckRecordInScope(const Views& views, const ReadScope& scope,
                                const RecordState& r) {
  if (scope.region.empty()) return absl::OkStatus();
  auto kg = views.Kindergarten(r.kindergarten());
  if (!kg.ok()) return kg.status();
  if (kg->has_value() && MayRead(scope, **kg)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      "NOT_AUTHORIZED: that record is outside your region");
}

absl::StatusOr<absl::CivilDay> TodayByLedgerClock() {
  auto now = CommandNow();
  if (!now.ok()) return now.status();
  return absl::ToCivilDay(*now, absl::UTCTimeZone());
}

std::string JsonArray(const std::vector<std::string>& items) {
  return absl::StrCat("[", absl::StrJoin(items, ",\n "), "]");
}

std::string KindergartenText(const Views& views, const std::string& code) {
  auto kg = views.Kindergarten(code);
  if (!kg.ok() || !kg->has_value()) return code;
  return absl::StrCat(code, " ", (*kg)->name());
}

void PrintRecord(const Views& views, const RecordState& r) {
  Table t({"field", "value"});
  t.Add({"student number", r.student_no()});
  if (r.former_numbers_size() > 0)
    t.Add({"former numbers", absl::StrJoin(r.former_numbers(), ", ")});
  t.Add({"status", StatusText(r)});
  t.Add({"kindergarten", KindergartenText(views, r.kindergarten())});
  if (!r.transfer_to().empty())
    t.Add({"transferring to", KindergartenText(views, r.transfer_to())});
  t.Add({"name", r.child().name()});
  t.Add({"gender", xueji::v1::Gender_Name(r.child().gender())});
  t.Add({"birth date", r.child().birth_date()});
  t.Add({"document", xueji::v1::IdType_Name(r.child().id_type())});
  t.Add({"entry date", r.entry_date()});
  t.Add({"requested on", r.requested_on()});
  t.Add({"established on", r.established_on()});
  if (!r.closed_reason().empty()) t.Add({"reason", r.closed_reason()});
  t.Print(std::cout);
}

void PrintRecordTable(const std::vector<RecordState>& records) {
  Table t(
      {"student no", "status", "kindergarten", "name", "gender", "birth date"});
  for (const auto& r : records) {
    t.Add({r.student_no(), StatusText(r), r.kindergarten(), r.child().name(),
           xueji::v1::Gender_Name(r.child().gender()), r.child().birth_date()});
  }
  t.Print(std::cout);
  std::cout << records.size() << " record(s)\n";
}

int PrintRecords(const GlobalOptions& g,
                 const std::vector<RecordState>& records) {
  if (g.json) {
    std::vector<std::string> items;
    for (const auto& r : records) items.push_back(ToJsonLine(r));
    std::cout << JsonArray(items) << "\n";
  } else {
    PrintRecordTable(records);
  }
  return kExitOk;
}

// Opens the views and the caller's scope; on failure returns the exit code.
struct QueryContext {
  std::unique_ptr<Views> views;
  ReadScope scope;
};
absl::StatusOr<QueryContext> OpenQuery(const GlobalOptions& g) {
  auto views = OpenViewsForQuery(g);
  if (!views.ok()) return views.status();
  auto scope = ScopeOf(**views, g.as_operator);
  if (!scope.ok()) return scope.status();
  return QueryContext{*std::move(views), *scope};
}

int RunShow(const GlobalOptions& g, const std::string& no) {
  auto q = OpenQuery(g);
  if (!q.ok()) return Fail(q.status());
  auto record = q->views->RecordByNumber(no);
  if (!record.ok()) return Fail(record.status());
  if (!record->has_value()) {
    return Fail(
        absl::NotFoundError(absl::StrCat("UNKNOWN_STUDENT: no record ", no)));
  }
  if (auto s = CheckRecordInScope(*q->views, q->scope, **record); !s.ok())
    return Fail(s);
  if (g.json) {
    std::cout << ToJsonPretty(**record) << "\n";
  } else {
    PrintRecord(*q->views, **record);
  }
  return kExitOk;
}

int RunFind(const GlobalOptions& g, const std::string& type_name,
            const std::string& number) {
  xueji::v1::IdType type;
  if (!xueji::v1::IdType_Parse(type_name, &type) ||
      type == xueji::v1::ID_TYPE_UNSPECIFIED) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--id-type ", type_name,
                     ": not one of RESIDENT_ID, "
                     "HK_MO_TW_RESIDENCE_PERMIT, HK_MO_PERMIT, TW_PERMIT, "
                     "FOREIGN_PERMANENT_RESIDENCE, PASSPORT")));
  }
  auto q = OpenQuery(g);
  if (!q.ok()) return Fail(q.status());
  auto records = q->views->RecordsByIdentity(type, NormalizeIdNumber(number));
  if (!records.ok()) return Fail(records.status());
  std::vector<RecordState> visible;
  for (auto& r : *records) {
    if (CheckRecordInScope(*q->views, q->scope, r).ok()) visible.push_back(r);
  }
  return PrintRecords(g, visible);
}

int RunList(const GlobalOptions& g, const std::string& kg, bool all) {
  auto q = OpenQuery(g);
  if (!q.ok()) return Fail(q.status());
  auto known = q->views->Kindergarten(kg);
  if (!known.ok()) return Fail(known.status());
  if (!known->has_value()) {
    return Fail(absl::NotFoundError(
        absl::StrCat("UNKNOWN_KINDERGARTEN: no kindergarten ", kg)));
  }
  if (!MayRead(q->scope, **known)) {
    return Fail(absl::InvalidArgumentError(
        "NOT_AUTHORIZED: that kindergarten is outside your region"));
  }
  auto records = q->views->RecordsAtKindergarten(kg, all);
  if (!records.ok()) return Fail(records.status());
  if (!g.json) {
    std::cout << TerminalSafe(kg) << " " << TerminalSafe((*known)->name())
              << ((*known)->closed() ? " (closed)" : "") << "\n";
  }
  return PrintRecords(g, *records);
}

int RunHistory(const GlobalOptions& g, const std::string& no,
               const std::string& as_of_text) {
  auto q = OpenQuery(g);
  if (!q.ok()) return Fail(q.status());
  auto current = q->views->RecordByNumber(no);
  if (!current.ok()) return Fail(current.status());
  if (!current->has_value()) {
    return Fail(
        absl::NotFoundError(absl::StrCat("UNKNOWN_STUDENT: no record ", no)));
  }
  if (auto s = CheckRecordInScope(*q->views, q->scope, **current); !s.ok())
    return Fail(s);
  std::optional<absl::Time> as_of;
  if (!as_of_text.empty()) {
    auto t = ParseRfc3339(as_of_text);
    if (!t.ok())
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--as-of ", as_of_text,
                       ": not an RFC 3339 time (2025-10-01T00:00:00Z)")));
    as_of = *t;
  }
  auto events = q->views->HistoryOfStudent(no);
  if (!events.ok()) return Fail(events.status());
  std::vector<const StoredEvent*> shown;
  for (const auto& e : *events) {
    if (as_of.has_value()) {
      auto at = ParseRfc3339(e.event.recorded_at());
      if (at.ok() && *at > *as_of) continue;
    }
    shown.push_back(&e);
  }
  std::optional<RecordState> state_then;
  if (as_of.has_value()) {
    auto s = q->views->StateAsOf(no, *as_of);
    if (!s.ok()) return Fail(s.status());
    state_then = *s;
  }
  if (g.json) {
    std::vector<std::string> items;
    for (const auto* e : shown) items.push_back(ToJsonLine(e->event));
    std::cout << "{\"studentNo\":\"" << no << "\",";
    if (state_then.has_value())
      std::cout << "\"stateAsOf\":" << ToJsonLine(*state_then) << ",";
    std::cout << "\"events\":" << JsonArray(items) << "}\n";
    return kExitOk;
  }
  // Who signed with which key: a column when any event was signed.
  const bool any_signed =
      std::any_of(shown.begin(), shown.end(),
                  [](const auto* e) { return !e->event.key_id().empty(); });
  std::vector<std::string> header = {"#",     "recorded at", "date", "event",
                                     "actor", "request",     "what"};
  if (any_signed) header.insert(header.begin() + 5, "signed with");
  Table t(header);
  for (const auto* e : shown) {
    const auto& ev = e->event;
    std::vector<std::string> row = {
        absl::StrCat(ev.partition(), "/", ev.offset()), ev.recorded_at(),
        ev.business_date(), EventType(ev), ActorText(ev.actor()),
        ev.request_id(), EventSummary(ev)};
    if (any_signed) row.insert(row.begin() + 5, SignerText(ev));
    t.Add(row);
  }
  t.Print(std::cout);
  if (as_of.has_value()) {
    std::cout << "\nstate as of " << as_of_text << ":\n";
    if (state_then.has_value() && state_then->status() != 0) {
      PrintRecord(*q->views, *state_then);
    } else {
      std::cout << "(no record yet)\n";
    }
  }
  return kExitOk;
}

int RunAnomalies(const GlobalOptions& g, const std::string& region,
                 const std::string& kind_name, const std::string& as_of_text) {
  AnomalyQuery query;
  if (!kind_name.empty()) {
    xueji::v1::Anomaly::Kind kind;
    if (!xueji::v1::Anomaly::Kind_Parse(kind_name, &kind) ||
        kind == xueji::v1::Anomaly::KIND_UNSPECIFIED) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--kind ", kind_name, ": unknown anomaly kind")));
    }
    query.kind = kind;
  }
  if (!as_of_text.empty()) {
    auto d = ParseDate(as_of_text);
    if (!d.ok())
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--as-of ", as_of_text, ": not a date YYYY-MM-DD")));
    query.as_of = *d;
  } else {
    auto today = TodayByLedgerClock();
    if (!today.ok()) return Fail(today.status());
    query.as_of = *today;
  }
  auto q = OpenQuery(g);
  if (!q.ok()) return Fail(q.status());
  auto scoped = NarrowRegion(q->scope, region);
  if (!scoped.ok()) return Fail(scoped.status());
  auto policy = LoadPolicy(g);
  if (!policy.ok()) return Fail(policy.status());
  query.region = *scoped;
  query.policy = &*policy;
  query.calendar = &WorkingCalendar::Default();
  auto report = q->views->Anomalies(query);
  if (!report.ok()) return Fail(report.status());
  if (!q->scope.kindergarten.empty()) {  // a registrar: own kindergarten only
    auto* list = report->mutable_anomalies();
    for (int i = list->size() - 1; i >= 0; --i)
      if (list->Get(i).kindergarten() != q->scope.kindergarten)
        list->DeleteSubrange(i, 1);
  }
  if (g.json) {
    std::cout << ToJsonPretty(*report) << "\n";
    return kExitOk;
  }
  Table t({"kind", "student no", "kindergarten", "county", "since", "detail"});
  for (const auto& a : report->anomalies()) {
    t.Add({xueji::v1::Anomaly::Kind_Name(a.kind()), a.student_no(),
           a.kindergarten(), a.county(), a.since(), a.detail()});
  }
  std::cout << "anomalies as of " << report->as_of()
            << (report->region().empty() ? "" : " in " + report->region())
            << "\n";
  t.Print(std::cout);
  std::cout << report->anomalies_size() << " anomaly(ies)\n";
  return kExitOk;
}

void PrintCounts(
    const std::string& title,
    const google::protobuf::RepeatedPtrField<xueji::v1::CountRow>& rows) {
  if (rows.empty()) return;
  std::cout << "\n" << title << "\n";
  Table t({"key", "count"});
  for (const auto& row : rows) t.Add({row.key(), absl::StrCat(row.count())});
  t.Print(std::cout);
}

int RunStats(const GlobalOptions& g, const std::string& region) {
  auto today = TodayByLedgerClock();
  if (!today.ok()) return Fail(today.status());
  auto q = OpenQuery(g);
  if (!q.ok()) return Fail(q.status());
  auto scoped = NarrowRegion(q->scope, region);
  if (!scoped.ok()) return Fail(scoped.status());
  auto stats = q->views->ComputeStats(*scoped, *today);
  if (!stats.ok()) return Fail(stats.status());
  if (g.json) {
    std::cout << ToJsonPretty(*stats) << "\n";
    return kExitOk;
  }
  std::cout << "live records" << (scoped->empty() ? "" : " in " + *scoped)
            << " on " << FormatDate(*today) << ": " << stats->live_records()
            << "\n";
  PrintCounts("by county", stats->by_county());
  PrintCounts("by kindergarten", stats->by_kindergarten());
  PrintCounts("by status (all records)", stats->by_status());
  PrintCounts("by age (years)", stats->by_age());
  return kExitOk;
}

}  // namespace

void AddQueryCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto no = std::make_shared<std::string>();
  auto show = app.add_subcommand(
      "show", "One child's record by student number (current or former).");
  show->add_option("STUDENT_NO", *no, "student number (学籍号)")->required();
  show->add_flag("--json", g.json, "JSON instead of a table");
  show->callback(
      [&g, &run, no] { run = [&g, no] { return RunShow(g, *no); }; });

  auto type = std::make_shared<std::string>();
  auto number = std::make_shared<std::string>();
  auto find = app.add_subcommand("find", "Records by identity document.");
  find->add_option("--id-type", *type,
                   "RESIDENT_ID, HK_MO_TW_RESIDENCE_PERMIT, HK_MO_PERMIT, "
                   "TW_PERMIT, FOREIGN_PERMANENT_RESIDENCE or PASSPORT")
      ->required();
  find->add_option("--id-number", *number, "document number")->required();
  find->add_flag("--json", g.json, "JSON instead of a table");
  find->callback([&g, &run, type, number] {
    run = [&g, type, number] { return RunFind(g, *type, *number); };
  });

  auto kg = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  auto list = app.add_subcommand(
      "list", "Records at a kindergarten (live ones unless --all).");
  list->add_option("--kindergarten", *kg, "kindergarten code")->required();
  list->add_flag(
      "--all", *all,
      "include records that left, graduated, were cancelled or moved on");
  list->add_flag("--json", g.json, "JSON instead of a table");
  list->callback([&g, &run, kg, all] {
    run = [&g, kg, all] { return RunList(g, *kg, *all); };
  });

  auto hno = std::make_shared<std::string>();
  auto as_of = std::make_shared<std::string>();
  auto history =
      app.add_subcommand("history",
                         "Every event of a record: who did what, when; with "
                         "--as-of, the record as it stood then.");
  history->add_option("STUDENT_NO", *hno, "student number")->required();
  history->add_option(
      "--as-of", *as_of,
      "RFC 3339 time: show the history up to it and the record's state then");
  history->add_flag("--json", g.json, "JSON instead of a table");
  history->callback([&g, &run, hno, as_of] {
    run = [&g, hno, as_of] { return RunHistory(g, *hno, *as_of); };
  });

  auto region = std::make_shared<std::string>();
  auto kind = std::make_shared<std::string>();
  auto date = std::make_shared<std::string>();
  auto anomalies = app.add_subcommand(
      "anomalies",
      "Problem records (问题学籍) as of a date: DUPLICATE, PROBABLE_DUPLICATE, "
      "PHANTOM, INVALID_IDENTITY, AGE_OUT_OF_RANGE, OVERDUE_APPROVAL, "
      "OVERDUE_TRANSFER, LATE_ESTABLISHMENT, STALE_TEMPORARY_NUMBER, "
      "DORMANT_ACCOUNT.");
  anomalies->add_option(
      "--region", *region,
      "GB/T 2260 prefix: 2 (province), 4 (city) or 6 (county) digits");
  anomalies->add_option("--kind", *kind, "only this kind");
  anomalies->add_option("--as-of", *date,
                        "YYYY-MM-DD (default: today by the ledger clock)");
  anomalies->add_flag("--json", g.json, "JSON instead of a table");
  anomalies->callback([&g, &run, region, kind, date] {
    run = [&g, region, kind, date] {
      return RunAnomalies(g, *region, *kind, *date);
    };
  });

  auto sregion = std::make_shared<std::string>();
  auto stats = app.add_subcommand(
      "stats", "Counts of records by county, kindergarten, status and age.");
  stats->add_option("--region", *sregion, "GB/T 2260 prefix");
  stats->add_flag("--json", g.json, "JSON instead of a table");
  stats->callback([&g, &run, sregion] {
    run = [&g, sregion] { return RunStats(g, *sregion); };
  });
}

}  // namespace xueji
