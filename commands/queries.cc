// ledger show | find | list | history | anomalies | stats | access-log
//
// Reads go to the views (read-only when another process is writing). Each
// names its reader (global --as OPERATOR, or the operator of --key) and is
// limited to that reader's region in every field it prints (Art. 22: each
// level reads only its own region): a registrar sees their kindergarten, an
// approver their county, officers and auditors their org. Each is recorded
// in the access log before it is shown (commands/reads.h).
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/access_log.h"
#include "commands/cli.h"
#include "commands/describe.h"
#include "commands/input/csv.h"
#include "commands/output/lang.h"
#include "commands/output/output.h"
#include "commands/reads.h"
#include "ledger/base/dates.h"
#include "ledger/base/sha256.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/jurisdiction.h"
#include "ledger/rules/policy.h"

namespace xueji {
namespace {

using xueji::v1::RecordState;

absl::StatusOr<absl::CivilDay> TodayByLedgerClock() {
  auto now = CommandNow();
  if (!now.ok()) return now.status();
  return BeijingDay(*now);
}

std::string KindergartenText(const Views& views, const std::string& code) {
  auto kg = views.Kindergarten(code);
  if (!kg.ok() || !kg->has_value()) return code;
  return absl::StrCat(code, " ", (*kg)->name());
}

void PrintRecord(const Views& views, const RecordState& r) {
  Table t({Tr("field"), Tr("value")});
  t.Add({Tr("student number"), r.student_no()});
  if (r.former_numbers_size() > 0)
    t.Add({Tr("former numbers"), absl::StrJoin(r.former_numbers(), ", ")});
  t.Add({Tr("status"), StatusText(r)});
  t.Add({Tr("kindergarten"), KindergartenText(views, r.kindergarten())});
  if (!r.transfer_to().empty())
    t.Add({Tr("transferring to"), KindergartenText(views, r.transfer_to())});
  t.Add({Tr("name"), r.child().name()});
  t.Add({Tr("gender"), GenderName(r.child().gender())});
  t.Add({Tr("birth date"), r.child().birth_date()});
  t.Add({Tr("document"), IdTypeName(r.child().id_type())});
  t.Add({Tr("entry date"), r.entry_date()});
  t.Add({Tr("requested on"), r.requested_on()});
  t.Add({Tr("established on"), r.established_on()});
  if (!r.closed_reason().empty()) t.Add({Tr("reason"), r.closed_reason()});
  t.Print(std::cout);
}

void PrintRecordTable(const std::vector<RecordState>& records) {
  Table t({Tr("student no"), Tr("status"), Tr("kindergarten"), Tr("name"),
           Tr("gender"), Tr("birth date")});
  for (const auto& r : records) {
    t.Add({r.student_no(), StatusText(r), r.kindergarten(), r.child().name(),
           GenderName(r.child().gender()), r.child().birth_date()});
  }
  t.Print(std::cout);
  std::cout << records.size() << " " << Tr("record(s)") << "\n";
}

// CSV for a spreadsheet (--csv): UTF-8 with a byte order mark, so that
// Excel reads the Chinese right; a header row of JSON field names; CRLF.
void PrintCsv(const std::vector<std::string>& header,
              const std::vector<std::vector<std::string>>& rows) {
  std::cout << "\xEF\xBB\xBF" << CsvLine(header);
  for (const auto& row : rows) std::cout << CsvLine(row);
}

int PrintRecords(const GlobalOptions& g,
                 const std::vector<RecordState>& records) {
  if (g.csv) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : records) {
      rows.push_back({r.student_no(), xueji::v1::RecordStatus_Name(r.status()),
                      r.kindergarten(), r.child().name(),
                      xueji::v1::Gender_Name(r.child().gender()),
                      r.child().birth_date(), r.entry_date(),
                      r.established_on(), r.transfer_to()});
    }
    PrintCsv({"studentNo", "status", "kindergarten", "name", "gender",
              "birthDate", "entryDate", "establishedOn", "transferTo"},
             rows);
    return kExitOk;
  }
  if (g.json) {
    xueji::v1::RecordList list;
    for (const auto& r : records) *list.add_records() = r;
    std::cout << ToJsonPretty(list) << "\n";
  } else {
    PrintRecordTable(records);
  }
  return kExitOk;
}

// A scoped reader asking for a record it may not see is told the same as for
// a number that does not exist: a read does not reveal what lies outside the
// reader's region. Returns the record when it may be shown; otherwise the
// refusal is recorded and *exit is set.
std::optional<RecordState> RecordForReader(const ReadContext& c,
                                           const std::string& command,
                                           const std::string& no, int* exit) {
  auto record = c.views->RecordByNumber(no);
  if (!record.ok()) {
    *exit = Fail(record.status());
    return std::nullopt;
  }
  bool visible = record->has_value();
  if (visible) {
    auto may = c.MayReadRecord(**record);
    if (!may.ok()) {
      *exit = Fail(may.status());
      return std::nullopt;
    }
    visible = *may;
  }
  if (visible) return **record;
  const std::string code =
      record->has_value() ? "NOT_AUTHORIZED" : "UNKNOWN_STUDENT";
  *exit = c.Refuse(command, no, code,
                   c.limited()
                       ? absl::NotFoundError(absl::StrCat(
                             "NOT_AUTHORIZED or UNKNOWN_STUDENT: no record ",
                             no, " in your region"))
                       : absl::NotFoundError(
                             absl::StrCat("UNKNOWN_STUDENT: no record ", no)));
  return std::nullopt;
}

int RunShow(const GlobalOptions& g, const std::string& no) {
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  int exit = kExitOk;
  auto record = RecordForReader(*c, "show", no, &exit);
  if (!record.has_value()) return exit;
  if (auto s = c->Record("show", no, 1); !s.ok()) return Fail(s);
  if (g.json) {
    std::cout << ToJsonPretty(*record) << "\n";
  } else {
    PrintRecord(*c->views, *record);
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
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  const std::string normalized = NormalizeIdNumber(number);
  auto records = c->views->RecordsByIdentity(type, normalized);
  if (!records.ok()) return Fail(records.status());
  std::vector<RecordState> visible;
  for (auto& r : *records) {
    auto may = c->MayReadRecord(r);
    if (!may.ok()) return Fail(may.status());
    if (*may) visible.push_back(r);
  }
  // The access log keeps no document number: only its SHA-256.
  const std::string query =
      absl::StrCat(type_name, " sha256:", HexEncode(Sha256(normalized)));
  if (auto s = c->Record("find", query, static_cast<int64_t>(visible.size()));
      !s.ok())
    return Fail(s);
  return PrintRecords(g, visible);
}

int RunList(const GlobalOptions& g, const std::string& kg, bool all) {
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  const std::string query =
      absl::StrCat("kindergarten ", kg, all ? " --all" : "");
  auto known = c->views->Kindergarten(kg);
  if (!known.ok()) return Fail(known.status());
  if (!known->has_value()) {
    return c->Refuse("list", query, "UNKNOWN_KINDERGARTEN",
                     absl::NotFoundError(absl::StrCat(
                         "UNKNOWN_KINDERGARTEN: no kindergarten ", kg)));
  }
  if (!MayRead(c->scope, **known)) {
    return c->Refuse(
        "list", query, "NOT_AUTHORIZED",
        absl::InvalidArgumentError(
            "NOT_AUTHORIZED: that kindergarten is outside your region"));
  }
  auto records = c->views->RecordsAtKindergarten(kg, all);
  if (!records.ok()) return Fail(records.status());
  if (auto s = c->Record("list", query, static_cast<int64_t>(records->size()));
      !s.ok())
    return Fail(s);
  if (!g.json && !g.csv) {
    std::cout << TerminalSafe(kg) << " " << TerminalSafe((*known)->name())
              << ((*known)->closed() ? " (closed)" : "") << "\n";
  }
  return PrintRecords(g, *records);
}

int RunHistory(const GlobalOptions& g, const std::string& no,
               const std::string& as_of_text) {
  std::optional<absl::Time> as_of;
  if (!as_of_text.empty()) {
    auto t = ParseRfc3339(as_of_text);
    if (!t.ok())
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--as-of ", as_of_text,
                       ": not an RFC 3339 time (2025-10-01T00:00:00Z)")));
    as_of = *t;
  }
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  int exit = kExitOk;
  if (!RecordForReader(*c, "history", no, &exit).has_value()) return exit;
  auto events = c->views->HistoryOfStudent(no);
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
    auto s = c->views->StateAsOf(no, *as_of);
    if (!s.ok()) return Fail(s.status());
    state_then = *s;
  }
  if (auto s = c->Record(
          "history",
          as_of_text.empty() ? no : absl::StrCat(no, " as of ", as_of_text), 1);
      !s.ok())
    return Fail(s);
  if (g.json) {
    xueji::v1::History history;
    history.set_student_no(no);
    history.set_as_of(as_of_text);
    if (state_then.has_value()) *history.mutable_state_as_of() = *state_then;
    for (const auto* e : shown) {
      xueji::v1::HistoryEntry* entry = history.add_events();
      *entry->mutable_event() = e->event;
      entry->mutable_event()->clear_hash();
      entry->mutable_event()->clear_prev_hash();
      entry->set_hash(HexEncode(e->event.hash()));
      entry->set_prev_hash(HexEncode(e->event.prev_hash()));
    }
    std::cout << ToJsonPretty(history) << "\n";
    return kExitOk;
  }
  // Who signed with which key: a column when any event was signed.
  const bool any_signed =
      std::any_of(shown.begin(), shown.end(),
                  [](const auto* e) { return !e->event.key_id().empty(); });
  std::vector<std::string> header = {
      "#",         Tr("recorded at"), Tr("date"), Tr("event"),
      Tr("actor"), Tr("request"),     Tr("what")};
  if (any_signed) header.insert(header.begin() + 5, Tr("signed with"));
  Table t(header);
  for (const auto* e : shown) {
    const auto& ev = e->event;
    std::vector<std::string> row = {
        absl::StrCat(ev.partition(), "/", ev.offset()),
        ev.recorded_at(),
        ev.business_date(),
        EventType(ev),
        ActorText(ev.actor()),
        ev.request_id(),
        ev.late_reason().empty()
            ? EventSummary(ev)
            : absl::StrCat(EventSummary(ev),
                           " [entered late: ", ev.late_reason(), "]")};
    if (any_signed) row.insert(row.begin() + 5, SignerText(ev));
    t.Add(row);
  }
  t.Print(std::cout);
  if (as_of.has_value()) {
    std::cout << "\n" << Tr("state as of") << " " << as_of_text << ":\n";
    if (state_then.has_value() && state_then->status() != 0) {
      PrintRecord(*c->views, *state_then);
    } else {
      std::cout << Tr("(no record yet)") << "\n";
    }
  }
  return kExitOk;
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

int RunAnomalies(const GlobalOptions& g, const std::string& region,
                 const std::string& kind_name, const std::string& as_of_text) {
  AnomalyQuery query;
  if (!kind_name.empty()) {  // checked by the option (IsMember)
    xueji::v1::Anomaly::Kind kind;
    xueji::v1::Anomaly::Kind_Parse(kind_name, &kind);
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
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  const std::string what =
      absl::StrCat("region ", region.empty() ? "(own)" : region,
                   kind_name.empty() ? "" : " kind " + kind_name, " as of ",
                   FormatDate(query.as_of));
  auto scoped = NarrowRegion(q->scope, region);
  if (!scoped.ok()) {
    return q->Refuse("anomalies", what, "NOT_AUTHORIZED", scoped.status());
  }
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
  if (g.json) {
    std::cout << ToJsonPretty(*report) << "\n";
    return kExitOk;
  }
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
int RunPending(const GlobalOptions& g, const std::string& region,
               const std::string& kind_name) {
  PendingQuery query;
  if (!kind_name.empty()) {  // checked by the option (IsMember)
    xueji::v1::PendingItem::Kind kind;
    xueji::v1::PendingItem::Kind_Parse(kind_name, &kind);
    query.kind = kind;
  }
  // Today: the queue is what waits now, judged by the ledger's clock.
  auto today = TodayByLedgerClock();
  if (!today.ok()) return Fail(today.status());
  query.as_of = *today;
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  const std::string what =
      absl::StrCat("region ", region.empty() ? "(own)" : region,
                   kind_name.empty() ? "" : " kind " + kind_name, " as of ",
                   FormatDate(query.as_of));
  auto scoped = NarrowRegion(q->scope, region);
  if (!scoped.ok()) {
    return q->Refuse("pending", what, "NOT_AUTHORIZED", scoped.status());
  }
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
           item.detail(), item.due(), absl::StrCat(item.working_days_left()),
           item.overdue() ? "true" : "false"});
    }
    PrintCsv({"requestedOn", "kind", "requestId", "studentNo", "name",
              "kindergarten", "county", "requestedBy", "detail", "due",
              "workingDaysLeft", "overdue"},
             rows);
    return kExitOk;
  }
  if (g.json) {
    std::cout << ToJsonPretty(*report) << "\n";
    return kExitOk;
  }
  Table t({Tr("requested on"), Tr("kind"), Tr("request"), Tr("student no"),
           Tr("name"), Tr("kindergarten"), Tr("detail"), Tr("due"),
           Tr("working days left")});
  int overdue = 0;
  for (const auto& item : report->items()) {
    std::string left = absl::StrCat(item.working_days_left());
    if (item.overdue()) {
      ++overdue;
      left = absl::StrCat(Tr("OVERDUE by"), " ", -item.working_days_left());
    } else if (item.working_days_left() == 0) {
      left = "0 " + Tr("(due today)");
    }
    t.Add({item.requested_on(), PendingKindName(item.kind()), item.request_id(),
           item.student_no(), item.name(), item.kindergarten(), item.detail(),
           item.due(), left});
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

void PrintCounts(
    const std::string& title,
    const google::protobuf::RepeatedPtrField<xueji::v1::CountRow>& rows) {
  if (rows.empty()) return;
  std::cout << "\n" << title << "\n";
  Table t({Tr("key"), Tr("count")});
  for (const auto& row : rows) {
    xueji::v1::RecordStatus status;  // by status: the status's own name
    const bool is_status = xueji::v1::RecordStatus_Parse(row.key(), &status);
    t.Add({is_status ? StatusName(status) : row.key(),
           absl::StrCat(row.count())});
  }
  t.Print(std::cout);
}

int RunStats(const GlobalOptions& g, const std::string& region) {
  auto today = TodayByLedgerClock();
  if (!today.ok()) return Fail(today.status());
  auto q = OpenRead(g);
  if (!q.ok()) return Fail(q.status());
  const std::string what =
      absl::StrCat("region ", region.empty() ? "(own)" : region);
  auto scoped = NarrowRegion(q->scope, region);
  if (!scoped.ok()) {
    return q->Refuse("stats", what, "NOT_AUTHORIZED", scoped.status());
  }
  // A registrar counts its own kindergarten only, not its county's.
  auto stats = q->views->ComputeStats(*scoped, *today, q->scope.kindergarten);
  if (!stats.ok()) return Fail(stats.status());
  if (auto s = q->Record("stats", what, 0); !s.ok()) return Fail(s);
  if (g.csv) {
    // One count per row: the group (the Stats field) and its key.
    std::vector<std::vector<std::string>> rows = {
        {"liveRecords", "", absl::StrCat(stats->live_records())}};
    auto add = [&](const char* group, const auto& counts) {
      for (const auto& row : counts) {
        rows.push_back({group, row.key(), absl::StrCat(row.count())});
      }
    };
    add("byCounty", stats->by_county());
    add("byKindergarten", stats->by_kindergarten());
    add("byStatus", stats->by_status());
    add("byAge", stats->by_age());
    PrintCsv({"group", "key", "count"}, rows);
    return kExitOk;
  }
  if (g.json) {
    std::cout << ToJsonPretty(*stats) << "\n";
    return kExitOk;
  }
  const std::string where =
      !q->scope.kindergarten.empty()
          ? Tr("kindergarten") + " " + q->scope.kindergarten
          : *scoped;
  if (Chinese()) {
    std::cout << (where.empty() ? "" : where + " ") << FormatDate(*today) << " "
              << Tr("live records") << "：" << stats->live_records() << "\n";
  } else {
    std::cout << "live records"
              << (!q->scope.kindergarten.empty()
                      ? " at kindergarten " + q->scope.kindergarten
                      : (scoped->empty() ? "" : " in " + *scoped))
              << " on " << FormatDate(*today) << ": " << stats->live_records()
              << "\n";
  }
  PrintCounts(Tr("by county"), stats->by_county());
  PrintCounts(Tr("by kindergarten"), stats->by_kindergarten());
  PrintCounts(Tr("by status (all records)"), stats->by_status());
  PrintCounts(Tr("by age (years)"), stats->by_age());
  return kExitOk;
}

// The policy versions the log records: those in force on a day, or all.
int RunPolicy(const GlobalOptions& g, const std::string& as_of_text, bool all) {
  absl::CivilDay as_of;
  if (!as_of_text.empty()) {
    auto d = ParseDate(as_of_text);
    if (!d.ok())
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--as-of ", as_of_text, ": not a date YYYY-MM-DD")));
    as_of = *d;
  } else {
    auto today = TodayByLedgerClock();
    if (!today.ok()) return Fail(today.status());
    as_of = *today;
  }
  auto views = OpenViewsForQuery(g);
  if (!views.ok()) return Fail(views.status());
  auto history = (*views)->Policies();
  if (!history.ok()) return Fail(history.status());
  const std::vector<xueji::v1::PolicySet> versions =
      all ? history->Versions() : history->VersionsInForce(as_of);
  if (g.json) {
    xueji::v1::PolicyVersions out;
    for (const auto& v : versions) *out.add_versions() = v;
    if (!all) out.set_as_of(FormatDate(as_of));
    out.set_all(all);
    std::cout << ToJsonPretty(out) << "\n";
    return kExitOk;
  }
  if (all) {
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

// The region an operator acts in, for scoping the access log: a registrar's
// kindergarten's county, else its org. "" when unknown.
std::string RegionOfOperator(const Views& views, const std::string& id,
                             std::map<std::string, std::string>* cache) {
  auto it = cache->find(id);
  if (it != cache->end()) return it->second;
  std::string region;
  auto op = views.Operator(id);
  if (op.ok() && op->has_value()) {
    region = (*op)->org();
    if ((*op)->role() == xueji::v1::REGISTRAR) {
      auto kg = views.Kindergarten(region);
      region = kg.ok() && kg->has_value() ? (*kg)->county() : "";
    }
  }
  return cache->emplace(id, region).first->second;
}

// ledger access-log: the reads recorded, checked as a chain. Auditors and
// officers read the reads of the operators of their region.
int RunAccessLog(const GlobalOptions& g, const std::string& op,
                 const std::string& since_text) {
  std::optional<absl::Time> since;
  if (!since_text.empty()) {
    auto t = ParseRfc3339(since_text);
    if (!t.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--since ", since_text,
                       ": not an RFC 3339 time (2025-10-01T00:00:00Z)")));
    }
    since = *t;
  }
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  const std::string what =
      absl::StrCat(op.empty() ? "" : "operator " + op,
                   !op.empty() && since.has_value() ? " " : "",
                   since.has_value() ? "since " + since_text : "");
  if (!c->reader.empty()) {
    auto reader = c->views->Operator(c->reader);
    if (!reader.ok()) return Fail(reader.status());
    const auto role = (*reader)->role();
    if (role != xueji::v1::AUDITOR && role != xueji::v1::OFFICER) {
      return c->Refuse("access-log", what, "NOT_AUTHORIZED",
                       absl::InvalidArgumentError(
                           "NOT_AUTHORIZED: the access log is read by "
                           "auditors and officers"));
    }
  }
  auto report = ReadAccessLog(c->access_log);
  if (!report.ok() && !absl::IsNotFound(report.status())) {
    return Fail(report.status());
  }
  AccessLogReport log = report.ok() ? *std::move(report) : AccessLogReport{};
  std::map<std::string, std::string> regions;
  std::vector<const xueji::v1::AccessEntry*> shown;
  for (const auto& e : log.entries) {
    if (!op.empty() && e.operator_() != op) continue;
    if (since.has_value()) {
      auto at = ParseRfc3339(e.at());
      if (at.ok() && *at < *since) continue;
    }
    if (c->limited()) {
      const std::string region =
          RegionOfOperator(*c->views, e.operator_(), &regions);
      if (region.empty() || !AreaTable::InRegion(region, c->scope.region)) {
        continue;
      }
    }
    shown.push_back(&e);
  }
  if (auto s =
          c->Record("access-log", what, static_cast<int64_t>(shown.size()));
      !s.ok())
    return Fail(s);
  if (g.json) {
    xueji::v1::AccessLogView out;
    for (const auto* e : shown) *out.add_entries() = *e;
    out.set_total(static_cast<int64_t>(log.entries.size()));
    out.set_intact(log.breaks.empty());
    for (const AccessLogBreak& b : log.breaks) {
      auto* brk = out.add_breaks();
      brk->set_line(b.line);
      brk->set_seq(b.seq);
      brk->set_problem(b.problem);
    }
    std::cout << ToJsonPretty(out) << "\n";
  } else {
    Table t({Tr("seq"), Tr("at"), Tr("operator"), Tr("command"), Tr("query"),
             Tr("records"), Tr("refused")});
    for (const auto* e : shown) {
      t.Add({absl::StrCat(e->seq()), e->at(), e->operator_(), e->command(),
             e->query(), absl::StrCat(e->records()), e->refused()});
    }
    t.Print(std::cout);
    std::cout << shown.size() << " of " << log.entries.size() << " entries\n";
  }
  for (const std::string& note : log.notes) {
    std::cerr << "ledger: note: access log " << c->access_log << ": " << note
              << "\n";
  }
  if (!log.breaks.empty()) {
    for (const AccessLogBreak& b : log.breaks) {
      std::cerr << "ledger: BREAK in the access log at line " << b.line
                << (b.seq > 0 ? absl::StrCat(" (entry ", b.seq, ")") : "")
                << ": " << b.problem << "\n";
    }
    const AccessLogBreak& first = log.breaks[0];
    return Fail(absl::DataLossError(absl::StrCat(
        "the access log ", c->access_log, " is broken in ", log.breaks.size(),
        " place(s): the first at line ", first.line,
        first.seq > 0 ? absl::StrCat(" (entry ", first.seq, ")") : "", ": ",
        first.problem)));
  }
  if (!g.json) std::cout << "access log chain intact\n";
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
  find->add_option("--id-type", *type, "document type (any case)")
      ->required()
      ->transform(CLI::IsMember(EnumNames(xueji::v1::IdType_descriptor()),
                                CLI::ignore_case));
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
  list->add_flag("--csv", g.csv,
                 "CSV for a spreadsheet (UTF-8 with a BOM, JSON field names "
                 "as headers)")
      ->excludes("--json");
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
  anomalies->add_option("--kind", *kind, "only this kind (any case)")
      ->transform(CLI::IsMember(
          EnumNames(xueji::v1::Anomaly::Kind_descriptor()), CLI::ignore_case));
  anomalies->add_option(
      "--as-of", *date,
      "YYYY-MM-DD (default: today in Beijing time by the ledger clock)");
  anomalies->add_flag("--json", g.json, "JSON instead of a table");
  anomalies
      ->add_flag("--csv", g.csv,
                 "CSV for a spreadsheet (UTF-8 with a BOM, JSON field names "
                 "as headers)")
      ->excludes("--json");
  anomalies->callback([&g, &run, region, kind, date] {
    run = [&g, region, kind, date] {
      return RunAnomalies(g, *region, *kind, *date);
    };
  });

  auto pregion = std::make_shared<std::string>();
  auto pkind = std::make_shared<std::string>();
  auto pending = app.add_subcommand(
      "pending",
      "What waits for a county approver's decision (admissions, transfers, "
      "deferrals, cancellations, key-information edits), oldest first, with "
      "the day each is due (approveWorkingDays working days after the "
      "request, the policy in force) and the working days left, today by the "
      "ledger's clock. A read: the reader's region (an approver: its "
      "county; a registrar: its kindergarten).");
  pending->add_option(
      "--region", *pregion,
      "GB/T 2260 prefix within the reader's region: 2, 4 or 6 digits");
  pending
      ->add_option("--kind", *pkind,
                   "only this kind: ADMISSION, TRANSFER, DEFERRAL, "
                   "CANCELLATION, KEY_INFO_EDIT (any case)")
      ->transform(
          CLI::IsMember(EnumNames(xueji::v1::PendingItem::Kind_descriptor()),
                        CLI::ignore_case));
  pending->add_flag("--json", g.json,
                    "JSON instead of a table (xueji.v1.PendingReport)");
  pending
      ->add_flag("--csv", g.csv,
                 "CSV for a spreadsheet (UTF-8 with a BOM, JSON field names "
                 "as headers)")
      ->excludes("--json");
  pending->callback([&g, &run, pregion, pkind] {
    run = [&g, pregion, pkind] { return RunPending(g, *pregion, *pkind); };
  });

  auto sregion = std::make_shared<std::string>();
  auto stats = app.add_subcommand(
      "stats", "Counts of records by county, kindergarten, status and age.");
  stats->add_option("--region", *sregion, "GB/T 2260 prefix");
  stats->add_flag("--json", g.json, "JSON instead of a table");
  stats
      ->add_flag("--csv", g.csv,
                 "CSV for a spreadsheet (UTF-8 with a BOM, JSON field names "
                 "as headers)")
      ->excludes("--json");
  stats->callback([&g, &run, sregion] {
    run = [&g, sregion] { return RunStats(g, *sregion); };
  });

  auto pdate = std::make_shared<std::string>();
  auto pall = std::make_shared<bool>(false);
  auto policy = app.add_subcommand(
      "policy",
      "The policy versions the log records (setPolicy requests, Art. 26): "
      "those in force on a day, national first.");
  policy->add_option("--as-of", *pdate,
                     "YYYY-MM-DD (default: today by the ledger clock)");
  policy->add_flag("--all", *pall, "every version recorded");
  policy->add_flag("--json", g.json, "JSON instead of a table");
  policy->callback([&g, &run, pdate, pall] {
    run = [&g, pdate, pall] { return RunPolicy(g, *pdate, *pall); };
  });

  auto aop = std::make_shared<std::string>();
  auto since = std::make_shared<std::string>();
  auto access = app.add_subcommand(
      "access-log",
      "Who read what, when (DATA/access.log, or access.log beside --views "
      "DIR): every read of personal data, refused ones included; checks its "
      "hash chain (exit 3 naming the entry where it breaks). For auditors and "
      "officers: the reads of their region's operators.");
  access->add_option("--operator", *aop, "only this operator's reads");
  access->add_option("--since", *since, "RFC 3339 time: only reads from then");
  access->add_flag("--json", g.json, "JSON instead of a table");
  access->callback([&g, &run, aop, since] {
    run = [&g, aop, since] { return RunAccessLog(g, *aop, *since); };
  });
}

}  // namespace xueji
