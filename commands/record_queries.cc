// ledger show | find | list | history: one child's record, the records of an
// identity document or of a kindergarten, and a record's events. A scoped
// reader asking for a record outside its region is told what a number that
// does not exist gets (queries.h, commands/reads.h).
#include <algorithm>
#include <iostream>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/describe.h"
#include "commands/output/lang.h"
#include "commands/output/output.h"
#include "commands/queries.h"
#include "ledger/base/dates.h"
#include "ledger/base/sha256.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/jurisdiction.h"

namespace xueji {
namespace {

using xueji::v1::RecordState;

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
  // Problem record cases (issue 10): each with its status (`ledger cases`).
  for (const auto& c : r.cases()) {
    t.Add({Tr("problem case"), absl::StrCat(c.case_id(), " ", c.kind(), " ",
                                            Tr(CaseStatusText(c.status())))});
  }
  if (r.merged_from_size() > 0)
    t.Add({Tr("merged from"), absl::StrJoin(r.merged_from(), ", ")});
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
    return PrintJson(list);
  }
  PrintRecordTable(records);
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

// The options of each command, filled by the parse.
struct ShowArgs {
  std::string no;  // student number
};
struct FindArgs {
  std::string id_type, id_number;
};
struct ListArgs {
  std::string kg;  // kindergarten code
  bool all = false;
};
struct HistoryArgs {
  std::string no, as_of;
};

int RunShow(const GlobalOptions& g, const ShowArgs& args) {
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  int exit = kExitOk;
  auto record = RecordForReader(*c, "show", args.no, &exit);
  if (!record.has_value()) return exit;
  if (auto s = c->Record("show", args.no, 1); !s.ok()) return Fail(s);
  if (g.json) return PrintJson(*record);
  PrintRecord(*c->views, *record);
  return kExitOk;
}

int RunFind(const GlobalOptions& g, const FindArgs& args) {
  xueji::v1::IdType type;
  if (!xueji::v1::IdType_Parse(args.id_type, &type) ||
      type == xueji::v1::ID_TYPE_UNSPECIFIED) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("--id-type ", args.id_type,
                     ": not one of RESIDENT_ID, "
                     "HK_MO_TW_RESIDENCE_PERMIT, HK_MO_PERMIT, TW_PERMIT, "
                     "FOREIGN_PERMANENT_RESIDENCE, PASSPORT")));
  }
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  const std::string normalized = NormalizeIdNumber(args.id_number);
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
      absl::StrCat(args.id_type, " sha256:", HexEncode(Sha256(normalized)));
  if (auto s = c->Record("find", query, static_cast<int64_t>(visible.size()));
      !s.ok())
    return Fail(s);
  return PrintRecords(g, visible);
}

int RunList(const GlobalOptions& g, const ListArgs& args) {
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  const std::string query =
      absl::StrCat("kindergarten ", args.kg, args.all ? " --all" : "");
  auto known = c->views->Kindergarten(args.kg);
  if (!known.ok()) return Fail(known.status());
  if (!known->has_value()) {
    return c->Refuse("list", query, "UNKNOWN_KINDERGARTEN",
                     absl::NotFoundError(absl::StrCat(
                         "UNKNOWN_KINDERGARTEN: no kindergarten ", args.kg)));
  }
  if (!MayRead(c->scope, **known)) {
    return c->Refuse(
        "list", query, "NOT_AUTHORIZED",
        absl::InvalidArgumentError(
            "NOT_AUTHORIZED: that kindergarten is outside your region"));
  }
  auto records = c->views->RecordsAtKindergarten(args.kg, args.all);
  if (!records.ok()) return Fail(records.status());
  if (auto s = c->Record("list", query, static_cast<int64_t>(records->size()));
      !s.ok())
    return Fail(s);
  if (!g.json && !g.csv) {
    std::cout << TerminalSafe(args.kg) << " " << TerminalSafe((*known)->name())
              << ((*known)->closed() ? " (closed)" : "") << "\n";
  }
  return PrintRecords(g, *records);
}

int RunHistory(const GlobalOptions& g, const HistoryArgs& args) {
  auto parsed = TimeOption("--as-of", args.as_of);
  if (!parsed.ok()) return Fail(parsed.status());
  const std::optional<absl::Time> as_of = *parsed;
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  int exit = kExitOk;
  if (!RecordForReader(*c, "history", args.no, &exit).has_value()) return exit;
  auto events = c->views->HistoryOfStudent(args.no);
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
    auto s = c->views->StateAsOf(args.no, *as_of);
    if (!s.ok()) return Fail(s.status());
    state_then = *s;
  }
  if (auto s = c->Record("history",
                         args.as_of.empty()
                             ? args.no
                             : absl::StrCat(args.no, " as of ", args.as_of),
                         1);
      !s.ok())
    return Fail(s);
  if (g.json) {
    xueji::v1::History history;
    history.set_student_no(args.no);
    history.set_as_of(args.as_of);
    if (state_then.has_value()) *history.mutable_state_as_of() = *state_then;
    for (const auto* e : shown) {
      xueji::v1::HistoryEntry* entry = history.add_events();
      *entry->mutable_event() = e->event;
      entry->mutable_event()->clear_hash();
      entry->mutable_event()->clear_prev_hash();
      // A signed batch kept on this event: who signed with which key is
      // shown; its bytes, which hold the batch's other requests, are not
      // (`ledger verify` checks them).
      if (entry->event().has_signed_batch()) {
        entry->mutable_event()->mutable_signed_batch()->clear_body();
      }
      entry->set_hash(HexEncode(e->event.hash()));
      entry->set_prev_hash(HexEncode(e->event.prev_hash()));
    }
    return PrintJson(history);
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
    std::cout << "\n" << Tr("state as of") << " " << args.as_of << ":\n";
    if (state_then.has_value() && state_then->status() != 0) {
      PrintRecord(*c->views, *state_then);
    } else {
      std::cout << Tr("(no record yet)") << "\n";
    }
  }
  return kExitOk;
}

}  // namespace

void AddRecordQueries(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto show = app.add_subcommand(
      "show", "One child's record by student number (current or former).");
  auto s = BindRun(show, g, run, RunShow);
  show->add_option("STUDENT_NO", s->no, "student number (学籍号)")->required();
  show->add_flag("--json", g.json, "JSON instead of a table");

  auto find = app.add_subcommand("find", "Records by identity document.");
  auto f = BindRun(find, g, run, RunFind);
  find->add_option("--id-type", f->id_type, "document type (any case)")
      ->required()
      ->transform(CLI::IsMember(EnumNames(xueji::v1::IdType_descriptor()),
                                CLI::ignore_case));
  find->add_option("--id-number", f->id_number, "document number")->required();
  find->add_flag("--json", g.json, "JSON instead of a table");

  auto list = app.add_subcommand(
      "list", "Records at a kindergarten (live ones unless --all).");
  auto l = BindRun(list, g, run, RunList);
  list->add_option("--kindergarten", l->kg, "kindergarten code")->required();
  list->add_flag(
      "--all", l->all,
      "include records that left, graduated, were cancelled or moved on");
  list->add_flag("--json", g.json, "JSON instead of a table");
  AddCsvFlag(list, g);

  auto history =
      app.add_subcommand("history",
                         "Every event of a record: who did what, when; with "
                         "--as-of, the record as it stood then.");
  auto h = BindRun(history, g, run, RunHistory);
  history->add_option("STUDENT_NO", h->no, "student number")->required();
  history->add_option(
      "--as-of", h->as_of,
      "RFC 3339 time: show the history up to it and the record's state then");
  history->add_flag("--json", g.json, "JSON instead of a table");
}

}  // namespace xueji
