// Anomalies: each kind planted with hand-built events in a real embedded log
// (so no decider rule can stop the planting), reported as of a date; clean
// records are not; region filtering; order; no identity numbers in details.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "ledger/base/dates.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/subjects.h"
#include "projections/test_support.h"
#include "projections/views.h"

namespace xueji {
namespace {

using testing::MakeChild;
using testing::ResidentId;
using xueji::v1::Anomaly;
using xueji::v1::AnomalyReport;
using xueji::v1::Event;

const absl::CivilDay kAsOf(2025, 12, 1);

// A log with kindergartens K1, K2 (county 350502), K3 (350503), K9 (350502,
// to be closed) and active operators, and helpers to plant records.
class Plant : public testing::HandWrittenLog {
 public:
  Plant() {
    Kg("350502001", "350502");
    Kg("350502002", "350502");
    Kg("350503001", "350503");
    Kg("350502009", "350502");
    Op("op-k1", xueji::v1::REGISTRAR, "350502001", "2025-08-01");
    Op("op-c1", xueji::v1::APPROVER, "350502", "2025-08-01");
    Op("op-c2", xueji::v1::APPROVER, "350503", "2025-08-01");
  }

  void Op(const std::string& id, xueji::v1::Role role, const std::string& org,
          const std::string& date) {
    Event e = writer_->Envelope("op:" + id, "", date, "registry");
    e.mutable_operator_registered()->set_id(id);
    e.mutable_operator_registered()->set_role(role);
    e.mutable_operator_registered()->set_org(org);
    REQUIRE(writer_->Append(e));
  }
  void Seal(const std::string& id, const std::string& date) {
    Event e = writer_->Envelope("op:" + id, "", date, id);
    e.mutable_operator_sealed()->set_id(id);
    REQUIRE(writer_->Append(e));
  }
  void Verify(const std::string& kg, const std::string& date,
              const std::vector<std::string>& present,
              const std::string& op = "op-k1") {
    Event e = writer_->Envelope("kg:" + kg, "", date, op);
    e.mutable_verification_recorded()->set_kindergarten(kg);
    e.mutable_verification_recorded()->set_term("2025-autumn");
    for (const auto& no : present) {
      e.mutable_verification_recorded()->add_present_student_nos(no);
    }
    REQUIRE(writer_->Append(e));
  }
  void Close(const std::string& kg, const std::string& date) {
    Event e = writer_->Envelope("kg:" + kg, "", date, "op-c1");
    e.mutable_kindergarten_closed()->set_kindergarten(kg);
    e.mutable_kindergarten_closed()->set_forced(true);
    REQUIRE(writer_->Append(e));
  }

  // An envelope on the record first numbered `no`.
  Event Rec(const std::string& no, const std::string& date,
            const std::string& op = "op-k1") {
    return writer_->Envelope("stu:" + subject_of_[no], no, date, op);
  }
  // Admission requested (and, for an L number, the number assigned).
  void Request(const std::string& no, const std::string& kg,
               const xueji::v1::Child& child, const std::string& entry,
               const std::string& date) {
    subject_of_[no] = no;
    kg_of_[no] = kg;
    Event e = Rec(no, date);
    e.mutable_record_requested()->set_kindergarten(kg);
    *e.mutable_record_requested()->mutable_child() = child;
    e.mutable_record_requested()->set_entry_date(entry);
    std::vector<Event> batch = {e};
    if (no[0] == 'L') {
      Event t = Rec(no, date);
      t.mutable_temporary_number_assigned()->set_student_no(no);
      t.mutable_temporary_number_assigned()->set_area(no.substr(1, 6));
      batch.push_back(t);
    }
    REQUIRE(writer_->Append(batch).size() == batch.size());
  }
  void Establish(const std::string& no, const std::string& date) {
    Event e = Rec(no, date, "op-c1");
    e.mutable_record_established()->set_kindergarten(kg_of_[no]);
    REQUIRE(writer_->Append(e));
  }
  // Requested on `entry` (entering that day), established on `established`;
  // by default the first days of the autumn term.
  void Enroll(const std::string& no, const std::string& kg,
              const xueji::v1::Child& child,
              const std::string& entry = "2025-09-01",
              const std::string& established = "2025-09-03") {
    Request(no, kg, child, entry, entry);
    Establish(no, established);
  }

  AnomalyReport Report(const std::string& region = "",
                       std::optional<Anomaly::Kind> kind = std::nullopt,
                       absl::CivilDay as_of = kAsOf) {
    std::unique_ptr<Views> views = CaughtUpViews();
    AnomalyQuery q;
    q.region = region;
    q.kind = kind;
    q.as_of = as_of;
    q.calendar = &WorkingCalendar::Default();
    auto report = views->Anomalies(q);
    REQUIRE(report.ok());
    return *report;
  }

  // The approver's queue (Views::Pending) as of `q.as_of` (default kAsOf).
  xueji::v1::PendingReport Queue(PendingQuery q = {}) {
    std::unique_ptr<Views> views = CaughtUpViews();
    if (q.as_of == absl::CivilDay()) q.as_of = kAsOf;
    q.calendar = &WorkingCalendar::Default();
    auto report = views->Pending(q);
    REQUIRE(report.ok());
    return *report;
  }

 private:
  std::map<std::string, std::string> subject_of_, kg_of_;
};

xueji::v1::Child Kid(const std::string& name, const std::string& birth,
                     const std::string& id, bool male = true) {
  return MakeChild(name, male ? xueji::v1::MALE : xueji::v1::FEMALE, birth,
                   id.empty() ? xueji::v1::NONE : xueji::v1::RESIDENT_ID, id);
}

// A child born 2021-05-06 with a valid resident ID (sequence `seq`, odd).
struct Clean {
  std::string id, no;
  xueji::v1::Child child;
  explicit Clean(int seq) {
    id = ResidentId("350502", "20210506", seq);
    no = "G" + id;
    child = Kid("清白" + std::to_string(seq), "2021-05-06", id);
  }
};

// The student numbers (or, for an account, the operator ids) of `kind`.
std::vector<std::string> Flagged(const AnomalyReport& r, Anomaly::Kind kind) {
  std::vector<std::string> out;
  for (const auto& a : r.anomalies()) {
    if (a.kind() == kind) {
      out.push_back(a.student_no().empty() ? a.operator_() : a.student_no());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

const Anomaly* Find(const AnomalyReport& r, Anomaly::Kind kind,
                    const std::string& no) {
  for (const auto& a : r.anomalies()) {
    // An account's anomaly is found by its operator id, a record's by its
    // student number ("" for a kindergarten's).
    const std::string& who =
        a.operator_().empty() ? a.student_no() : a.operator_();
    if (a.kind() == kind && who == no) return &a;
  }
  return nullptr;
}

// `no`'s anomaly of `kind` in `r`, which must be there.
const Anomaly& Found(const AnomalyReport& r, Anomaly::Kind kind,
                     const std::string& no) {
  const Anomaly* a = Find(r, kind, no);
  REQUIRE(a != nullptr);
  return *a;
}

// The records related to `no`'s anomaly of `kind`, which must be reported.
std::vector<std::string> RelatedOf(const AnomalyReport& r, Anomaly::Kind kind,
                                   const std::string& no) {
  const Anomaly& a = Found(r, kind, no);
  return {a.related().begin(), a.related().end()};
}

// `v` in ascending order, as Flagged lists.
std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

void CheckNoIdNumbers(const AnomalyReport& r,
                      const std::vector<std::string>& ids) {
  for (const auto& a : r.anomalies()) {
    for (const auto& id : ids) CHECK(a.detail().find(id) == std::string::npos);
  }
}

TEST_CASE("clean records and active operators report nothing") {
  Plant p;
  Clean c1(101), c2(103);
  p.Enroll(c1.no, "350502001", c1.child);
  p.Enroll(c2.no, "350503001", c2.child);
  p.Verify("350502001", "2025-11-21", {c1.no});
  p.Verify("350503001", "2025-10-20", {c2.no}, "op-c2");
  AnomalyReport r = p.Report();
  CHECK(r.as_of() == "2025-12-01");
  CHECK(r.anomalies_size() == 0);
}

TEST_CASE("DUPLICATE: one document in two live records, region filtered") {
  Plant p;
  Clean clean(101);
  p.Enroll(clean.no, "350502001", clean.child);
  std::string id = ResidentId("350502", "20210708", 105);
  xueji::v1::Child child = Kid("重复", "2021-07-08", id);
  // Two live records for one child (e.g. a race under older software), and a
  // third that left (does not count).
  p.Enroll("G" + id, "350502001", child);
  p.Enroll("Ldup", "350503001", child, "2025-09-02", "2025-09-04");
  p.Enroll("Lold", "350502002", child, "2025-03-01", "2025-03-03");
  Event left = p.Rec("Lold", "2025-06-01");
  left.mutable_left()->set_kindergarten("350502002");
  p.Append(left);

  AnomalyReport all = p.Report("", Anomaly::DUPLICATE);
  CHECK(Flagged(all, Anomaly::DUPLICATE) ==
        std::vector<std::string>{"G" + id, "Ldup"});
  const Anomaly& a = Found(all, Anomaly::DUPLICATE, "G" + id);
  REQUIRE(a.related_size() == 1);
  CHECK(a.related(0) == "Ldup");
  CHECK(a.county() == "350502");
  CheckNoIdNumbers(all, {id});

  AnomalyReport county = p.Report("350502", Anomaly::DUPLICATE);
  CHECK(Flagged(county, Anomaly::DUPLICATE) ==
        std::vector<std::string>{"G" + id});
  AnomalyReport other = p.Report("350503", Anomaly::DUPLICATE);
  CHECK(Flagged(other, Anomaly::DUPLICATE) == std::vector<std::string>{"Ldup"});
  CHECK(p.Report("36", Anomaly::DUPLICATE).anomalies_size() == 0);
}

TEST_CASE("PROBABLE_DUPLICATE: no document, same name, gender and birth date") {
  Plant p;
  Clean clean(101);
  p.Enroll(clean.no, "350502001", clean.child);
  p.Enroll("L1", "350502001", Kid("张 三", "2022-01-02", ""));
  p.Enroll("L2", "350502002", Kid("张三", "2022-01-02", ""), "2025-09-05",
           "2025-09-08");
  // Same name but another birth date, and a same-key record that left.
  p.Enroll("L3", "350502001", Kid("李四", "2022-01-02", ""));
  p.Enroll("L4", "350502001", Kid("李四", "2022-01-03", ""));
  p.Enroll("L5", "350502001", Kid("王五", "2022-01-02", ""));
  p.Enroll("L6", "350502001", Kid("王五", "2022-01-02", ""));
  Event left = p.Rec("L6", "2025-10-01");
  left.mutable_left()->set_kindergarten("350502001");
  p.Append(left);

  AnomalyReport r = p.Report("", Anomaly::PROBABLE_DUPLICATE);
  CHECK(Flagged(r, Anomaly::PROBABLE_DUPLICATE) ==
        std::vector<std::string>{"L1", "L2"});
  CHECK(RelatedOf(r, Anomaly::PROBABLE_DUPLICATE, "L1") ==
        std::vector<std::string>{"L2"});
}

TEST_CASE(
    "PHANTOM: unconfirmed at verification, closed kindergarten, lost "
    "transfer") {
  Plant p;
  Clean c1(101), c2(103), c3(105), c4(107), c5(109), c6(111);
  p.Enroll(c1.no, "350502002", c1.child);
  p.Enroll(c2.no, "350502002", c2.child);
  p.Verify("350502002", "2025-11-01", {c1.no});
  // Arrived after the verification: not expected on its list.
  p.Enroll(c3.no, "350502002", c3.child, "2025-11-10", "2025-11-12");
  // At a kindergarten closed with live records.
  p.Enroll(c4.no, "350502009", c4.child);
  p.Close("350502009", "2025-10-01");
  // Transferred out, never in: c5 long ago, c6 recently.
  p.Enroll(c5.no, "350502001", c5.child);
  p.Enroll(c6.no, "350502001", c6.child);
  for (const auto& [no, day] : std::vector<std::pair<std::string, std::string>>{
           {c5.no, "2025-10-09"}, {c6.no, "2025-11-20"}}) {
    Event req = p.Rec(no, day);
    req.mutable_transfer_requested()->set_from_kindergarten("350502001");
    req.mutable_transfer_requested()->set_to_kindergarten("350502002");
    p.Append(req);
    Event out = p.Rec(no, day, "op-c1");
    out.mutable_transferred_out()->set_from_kindergarten("350502001");
    out.mutable_transferred_out()->set_to_kindergarten("350502002");
    p.Append(out);
  }
  p.Verify("350502001", "2025-11-21", {c5.no, c6.no});

  AnomalyReport r = p.Report("", Anomaly::PHANTOM);
  CHECK(Flagged(r, Anomaly::PHANTOM) == Sorted({c2.no, c4.no, c5.no}));
  const Anomaly& unconfirmed = Found(r, Anomaly::PHANTOM, c2.no);
  CHECK(unconfirmed.since() == "2025-11-01");
  const Anomaly* closed = Find(r, Anomaly::PHANTOM, c4.no);
  REQUIRE(closed != nullptr);
  CHECK(closed->since() == "2025-10-01");
  CHECK(closed->kindergarten() == "350502009");
  CheckNoIdNumbers(r, {c1.id, c2.id, c3.id, c4.id, c5.id, c6.id});

  // Before the lost transfer's 20 working days ran out: not yet.
  AnomalyReport early =
      p.Report("", Anomaly::PHANTOM, absl::CivilDay(2025, 11, 2));
  CHECK(Find(early, Anomaly::PHANTOM, c5.no) == nullptr);
}

TEST_CASE("INVALID_IDENTITY: a stored document that fails validation") {
  Plant p;
  Clean clean(101);
  p.Enroll(clean.no, "350502001", clean.child);
  std::string good = ResidentId("350502", "20210506", 113);
  std::string bad = good.substr(0, 17) + (good[17] == '1' ? "2" : "1");
  p.Enroll("G" + bad, "350502001", Kid("错号", "2021-05-06", bad));
  // Birth date disagreeing with the number.
  std::string other = ResidentId("350502", "20210506", 115);
  p.Enroll("G" + other, "350502001", Kid("错日", "2021-06-06", other));
  AnomalyReport r = p.Report("", Anomaly::INVALID_IDENTITY);
  CHECK(Flagged(r, Anomaly::INVALID_IDENTITY) ==
        Sorted({"G" + bad, "G" + other}));
  CheckNoIdNumbers(r, {bad, other, good});
}

TEST_CASE(
    "AGE_OUT_OF_RANGE: past primary entry without deferral, or too young") {
  Plant p;
  Clean clean(101);
  p.Enroll(clean.no, "350502001", clean.child);
  std::string old_id = ResidentId("350502", "20190301", 117);
  std::string deferred_id = ResidentId("350502", "20190302", 119);
  std::string young_id = ResidentId("350502", "20240101", 121);
  p.Enroll("G" + old_id, "350502001", Kid("大龄", "2019-03-01", old_id),
           "2024-09-01", "2024-09-03");
  p.Enroll("G" + deferred_id, "350502001",
           Kid("缓学", "2019-03-02", deferred_id), "2024-09-01", "2024-09-03");
  Event deferral = p.Rec("G" + deferred_id, "2025-06-01", "op-c1");
  deferral.mutable_deferral_approved()->set_until_date("2026-08-31");
  p.Append(deferral);
  p.Enroll("G" + young_id, "350502001", Kid("幼小", "2024-01-01", young_id));

  AnomalyReport r = p.Report("", Anomaly::AGE_OUT_OF_RANGE);
  CHECK(Flagged(r, Anomaly::AGE_OUT_OF_RANGE) ==
        Sorted({"G" + old_id, "G" + young_id}));
  const Anomaly& old = Found(r, Anomaly::AGE_OUT_OF_RANGE, "G" + old_id);
  CHECK(old.since() == "2025-09-01");
  // After the deferral ends, the deferred child is reported too.
  AnomalyReport later =
      p.Report("", Anomaly::AGE_OUT_OF_RANGE, absl::CivilDay(2026, 9, 1));
  CHECK(Find(later, Anomaly::AGE_OUT_OF_RANGE, "G" + deferred_id) != nullptr);
  CheckNoIdNumbers(r, {old_id, deferred_id, young_id});
}

TEST_CASE("OVERDUE_APPROVAL: pending longer than approveWorkingDays") {
  Plant p;
  Clean late(101), recent(103), change(105);
  p.Request(late.no, "350502001", late.child, "2025-11-10", "2025-11-10");
  p.Request(recent.no, "350502001", recent.child, "2025-11-28", "2025-11-28");
  p.Enroll(change.no, "350502001", change.child);
  Event edit = p.Rec(change.no, "2025-11-03");
  *edit.mutable_key_info_edit_requested()->mutable_child() = change.child;
  p.Append(edit);

  AnomalyReport r = p.Report("", Anomaly::OVERDUE_APPROVAL);
  CHECK(Flagged(r, Anomaly::OVERDUE_APPROVAL) == Sorted({late.no, change.no}));
  const Anomaly& a = Found(r, Anomaly::OVERDUE_APPROVAL, late.no);
  CHECK(a.since() == "2025-11-17");  // 5 working days after 2025-11-10
}

TEST_CASE("OVERDUE_TRANSFER: a side not done within transferWorkingDays") {
  Plant p;
  Clean not_out(101), not_in(103), fresh(105);
  for (const Clean* c : {&not_out, &not_in, &fresh}) {
    p.Enroll(c->no, "350502001", c->child);
  }
  auto request = [&](const std::string& no, const std::string& day) {
    Event e = p.Rec(no, day);
    e.mutable_transfer_requested()->set_from_kindergarten("350502001");
    e.mutable_transfer_requested()->set_to_kindergarten("350503001");
    p.Append(e);
  };
  request(not_out.no, "2025-11-03");
  request(not_in.no, "2025-11-05");
  Event out = p.Rec(not_in.no, "2025-11-10", "op-c1");
  out.mutable_transferred_out()->set_to_kindergarten("350503001");
  p.Append(out);
  request(fresh.no, "2025-11-25");

  AnomalyReport r = p.Report("", Anomaly::OVERDUE_TRANSFER);
  CHECK(Flagged(r, Anomaly::OVERDUE_TRANSFER) ==
        Sorted({not_out.no, not_in.no}));
  const Anomaly& a = Found(r, Anomaly::OVERDUE_TRANSFER, not_out.no);
  CHECK(a.since() == "2025-11-17");  // 10 working days after 2025-11-03
}

TEST_CASE(
    "LATE_ESTABLISHMENT: established, or still pending, past establishMonths") {
  Plant p;
  Clean clean(101), late(103), pending(105);
  p.Enroll(clean.no, "350502001", clean.child);
  p.Enroll(late.no, "350502001", late.child, "2025-06-01", "2025-08-15");
  p.Request(pending.no, "350502001", pending.child, "2025-09-01", "2025-09-01");
  AnomalyReport r = p.Report("", Anomaly::LATE_ESTABLISHMENT);
  CHECK(Flagged(r, Anomaly::LATE_ESTABLISHMENT) ==
        Sorted({late.no, pending.no}));
  const Anomaly& a = Found(r, Anomaly::LATE_ESTABLISHMENT, late.no);
  CHECK(a.since() == "2025-08-01");
  // Before the pending one's deadline (2025-11-01) only the late one.
  AnomalyReport early =
      p.Report("", Anomaly::LATE_ESTABLISHMENT, absl::CivilDay(2025, 10, 31));
  CHECK(Flagged(early, Anomaly::LATE_ESTABLISHMENT) ==
        std::vector<std::string>{late.no});
}

TEST_CASE("STALE_TEMPORARY_NUMBER: an L number kept more than 6 months") {
  Plant p;
  p.Enroll("Lstale", "350502001", Kid("旧号", "2021-02-03", ""), "2025-03-01",
           "2025-03-03");
  p.Enroll("Lfresh", "350502001", Kid("新号", "2021-02-04", ""));
  p.Enroll("Lconv", "350502001", Kid("已转", "2021-02-05", ""), "2025-03-01",
           "2025-03-03");
  std::string id = ResidentId("350502", "20210205", 123);
  Event converted = p.Rec("Lconv", "2025-05-01");
  converted.mutable_number_converted()->set_from_student_no("Lconv");
  converted.mutable_number_converted()->set_to_student_no("G" + id);
  converted.mutable_number_converted()->set_id_type(xueji::v1::RESIDENT_ID);
  converted.mutable_number_converted()->set_id_number(id);
  p.Append(converted);
  AnomalyReport r = p.Report("", Anomaly::STALE_TEMPORARY_NUMBER);
  CHECK(Flagged(r, Anomaly::STALE_TEMPORARY_NUMBER) ==
        std::vector<std::string>{"Lstale"});
  const Anomaly& a = Found(r, Anomaly::STALE_TEMPORARY_NUMBER, "Lstale");
  CHECK(a.since() == "2025-09-01");
}

TEST_CASE("DORMANT_ACCOUNT: unsealed operators unused past sealAfterMonths") {
  Plant p;
  p.Op("op-idle", xueji::v1::REGISTRAR, "350503001", "2025-01-01");
  p.Op("op-sealed", xueji::v1::REGISTRAR, "350502001", "2025-01-01");
  p.Seal("op-sealed", "2025-08-01");
  p.Op("op-busy", xueji::v1::APPROVER, "350502", "2025-01-01");
  // Read-only accounts: their reads are not events, so they are not judged.
  p.Op("op-auditor", xueji::v1::AUDITOR, "35", "2025-01-01");
  p.Op("op-officer", xueji::v1::OFFICER, "3505", "2025-01-01");
  // Activity on a record subject counts, whatever its partition.
  Clean c(101);
  p.Request(c.no, "350502001", c.child, "2025-09-01", "2025-09-01");
  Event approved = p.Rec(c.no, "2025-10-01", "op-busy");
  approved.mutable_record_established()->set_kindergarten("350502001");
  p.Append(approved);

  AnomalyReport r = p.Report("", Anomaly::DORMANT_ACCOUNT);
  CHECK(Flagged(r, Anomaly::DORMANT_ACCOUNT) ==
        std::vector<std::string>{"op-idle"});
  const Anomaly& a = Found(r, Anomaly::DORMANT_ACCOUNT, "op-idle");
  CHECK(a.operator_() == "op-idle");  // an account, not a record:
  CHECK(a.student_no().empty());      // no student number
  CHECK(a.county() == "350503");      // the registrar's kindergarten's county
  CHECK(a.kindergarten() == "350503001");
  CHECK(a.since() == "2025-07-01");
  CHECK(p.Report("350502", Anomaly::DORMANT_ACCOUNT).anomalies_size() == 0);
}

TEST_CASE(
    "DORMANT_ACCOUNT: activity is the day an event was recorded, not "
    "the business date it claims",
    "[clock]") {
  Plant p;
  p.Op("op-late", xueji::v1::APPROVER, "350503", "2025-01-01");
  Clean c(101);
  p.Request(c.no, "350503001", c.child, "2025-03-01", "2025-03-01");
  // Approved for 1 March, but entered on 1 November.
  Event approved = p.Rec(c.no, "2025-03-01", "op-late");
  approved.set_recorded_at("2025-11-01T02:00:00Z");
  approved.mutable_record_established()->set_kindergarten("350503001");
  p.Append(approved);
  AnomalyReport r = p.Report("", Anomaly::DORMANT_ACCOUNT);
  CHECK(Find(r, Anomaly::DORMANT_ACCOUNT, "op-late") == nullptr);
  // Six months after 1 November it is.
  AnomalyReport later =
      p.Report("", Anomaly::DORMANT_ACCOUNT, absl::CivilDay(2026, 5, 2));
  const Anomaly& a = Found(later, Anomaly::DORMANT_ACCOUNT, "op-late");
  CHECK(a.since() == "2026-05-01");
}

// A decider's event ids: the first event of a decision is the request's 0th.
void FirstOfItsDecision(Event& e) {
  e.set_event_id(EventId(e.request_id(), 0));
}

TEST_CASE("LATE_ENTRY: entries recorded late, with their reason", "[clock]") {
  Plant p;
  Clean late(101), refused(103), timely(105);
  for (const Clean* c : {&late, &refused, &timely}) {
    p.Request(c->no, c->no == timely.no ? "350503001" : "350502001", c->child,
              "2025-10-09", "2025-10-09");
  }
  // Approved on 10 October, entered on 24 October (11 working days later:
  // Saturday 11 October was one) with a reason.
  Event approved = p.Rec(late.no, "2025-10-10", "op-c1");
  approved.set_recorded_at("2025-10-24T03:00:00Z");
  approved.set_late_reason("审核当日系统故障");
  FirstOfItsDecision(approved);
  approved.mutable_record_established()->set_kindergarten("350502001");
  p.Append(approved);
  // A late request that was refused changed nothing: not reported.
  Event rejected = p.Rec(refused.no, "2025-10-10", "op-c1");
  rejected.set_recorded_at("2025-10-24T03:00:00Z");
  rejected.set_late_reason("补录");
  FirstOfItsDecision(rejected);
  rejected.set_outcome(xueji::v1::REJECTED);
  rejected.mutable_request_rejected()->set_code(xueji::v1::NOT_AUTHORIZED);
  p.Append(rejected);
  // Approved on time.
  Event on_time = p.Rec(timely.no, "2025-10-10", "op-c2");
  on_time.mutable_record_established()->set_kindergarten("350503001");
  p.Append(on_time);
  // A kindergarten's verification entered late.
  Event verified =
      p.Rec(late.no, "2025-10-13", "op-k1");  // envelope only, moved below
  verified.set_subject("kg:350503001");
  verified.set_student_no("");
  verified.set_recorded_at("2025-10-27T03:00:00Z");
  verified.set_late_reason("纸质核查后补录");
  FirstOfItsDecision(verified);
  verified.mutable_verification_recorded()->set_kindergarten("350503001");
  verified.mutable_verification_recorded()->set_term("2025-autumn");
  p.Append(verified);

  AnomalyReport r = p.Report("", Anomaly::LATE_ENTRY);
  REQUIRE(r.anomalies_size() == 2);
  const Anomaly& a = Found(r, Anomaly::LATE_ENTRY, late.no);
  CHECK(a.kindergarten() == "350502001");
  CHECK(a.county() == "350502");
  CHECK(a.since() == "2025-10-10");
  INFO(a.detail());
  CHECK(a.detail().find("record_established for 2025-10-10 entered on "
                        "2025-10-24, 11 working days later, by op-c1") !=
        std::string::npos);
  CHECK(a.detail().find("审核当日系统故障") != std::string::npos);
  const Anomaly* kg = Find(r, Anomaly::LATE_ENTRY, "");
  REQUIRE(kg != nullptr);
  CHECK(kg->kindergarten() == "350503001");
  CHECK(kg->county() == "350503");
  CheckNoIdNumbers(r, {late.id, refused.id, timely.id});
  // By region, and as of a day before they were entered.
  CHECK(p.Report("350503", Anomaly::LATE_ENTRY).anomalies_size() == 1);
  CHECK(p.Report("", Anomaly::LATE_ENTRY, absl::CivilDay(2025, 10, 24))
            .anomalies_size() == 1);
  CHECK(p.Report("", Anomaly::LATE_ENTRY, absl::CivilDay(2025, 10, 23))
            .anomalies_size() == 0);
}

TEST_CASE("the anomalies use the log's policy in force on the as-of date",
          "[policy]") {
  Plant p;
  // Fujian: approvals within 2 working days, from 1 December.
  Event set = p.Rec("x", "2025-11-20", "op-35");
  set.set_subject("policy:35");
  set.set_student_no("");
  set.mutable_policy_set()->set_region("35");
  set.mutable_policy_set()->set_version(1);
  set.mutable_policy_set()->set_effective_from("2025-12-01");
  set.mutable_policy_set()->mutable_policy()->set_approve_working_days(2);
  p.Append(set);
  Clean c(101);
  p.Request(c.no, "350502001", c.child, "2025-11-25", "2025-11-25");
  // As of 28 November (3 working days) the national 5 still apply...
  CHECK(p.Report("", Anomaly::OVERDUE_APPROVAL, absl::CivilDay(2025, 11, 28))
            .anomalies_size() == 0);
  // ... as of 1 December (4 working days) Fujian's 2 do.
  AnomalyReport r = p.Report("", Anomaly::OVERDUE_APPROVAL);
  const Anomaly& a = Found(r, Anomaly::OVERDUE_APPROVAL, c.no);
  CHECK(a.since() == "2025-11-27");  // 2 working days after 25 November
}

TEST_CASE(
    "the report is filtered by region and sorted by kind, county, kg, no") {
  Plant p;
  std::string a = ResidentId("350502", "20190301", 117);
  std::string b = ResidentId("350503", "20190301", 119);
  p.Enroll("G" + a, "350502001", Kid("甲", "2019-03-01", a), "2024-09-01",
           "2024-09-03");
  p.Enroll("G" + b, "350503001", Kid("乙", "2019-03-01", b), "2024-09-01",
           "2024-09-03");
  p.Request("Lp", "350503001", Kid("丙", "2022-01-01", ""), "2025-11-03",
            "2025-11-03");
  AnomalyReport all = p.Report();
  REQUIRE(all.anomalies_size() >= 3);
  auto key = [](const Anomaly& x) {
    return std::make_tuple(static_cast<int>(x.kind()), x.county(),
                           x.kindergarten(), x.student_no());
  };
  CHECK(std::is_sorted(
      all.anomalies().begin(), all.anomalies().end(),
      [&](const Anomaly& x, const Anomaly& y) { return key(x) < key(y); }));
  AnomalyReport county = p.Report("350503");
  CHECK(county.region() == "350503");
  REQUIRE(county.anomalies_size() > 0);
  for (const auto& x : county.anomalies()) CHECK(x.county() == "350503");
  CHECK(Find(county, Anomaly::AGE_OUT_OF_RANGE, "G" + b) != nullptr);
  CHECK(Find(county, Anomaly::AGE_OUT_OF_RANGE, "G" + a) == nullptr);
  AnomalyReport province = p.Report("35", Anomaly::AGE_OUT_OF_RANGE);
  CHECK(province.anomalies_size() == 2);
  CheckNoIdNumbers(all, {a, b});
}

// ---- issue 10: as of a past date, verification, HK/Macao documents --------

TEST_CASE(
    "Art. 23-24: anomalies as of a past date are what was true then: a "
    "problem fixed since is reported, one that arose since is not") {
  Plant p;
  // DUPLICATE from 1 September until the second record left on 15 October.
  std::string id = ResidentId("350502", "20210708", 105);
  xueji::v1::Child child = Kid("重复", "2021-07-08", id);
  p.Enroll("G" + id, "350502001", child);
  p.Enroll("Ldup", "350503001", child, "2025-09-02", "2025-09-04");
  Event left = p.Rec("Ldup", "2025-10-15");
  left.mutable_left()->set_kindergarten("350503001");
  p.Append(left);
  // A kindergarten closed on 15 November with a live record: PHANTOM from
  // then on, not before.
  Clean c(101);
  p.Enroll(c.no, "350502009", c.child);
  p.Close("350502009", "2025-11-15");
  // An account unused from January until it acted on 1 November: DORMANT
  // from 1 July until then.
  p.Op("op-idle", xueji::v1::REGISTRAR, "350502002", "2025-01-01");
  Clean d(103);
  Event request = p.Rec(d.no, "2025-11-01", "op-idle");
  request.set_subject("stu:" + d.no);
  request.mutable_record_requested()->set_kindergarten("350502002");
  *request.mutable_record_requested()->mutable_child() = d.child;
  request.mutable_record_requested()->set_entry_date("2025-11-01");
  p.Append(request);

  const absl::CivilDay then(2025, 10, 1);
  AnomalyReport past = p.Report("", std::nullopt, then);
  CHECK(past.as_of() == "2025-10-01");
  CHECK(Flagged(past, Anomaly::DUPLICATE) ==
        std::vector<std::string>{"G" + id, "Ldup"});
  const Anomaly& dup = Found(past, Anomaly::DUPLICATE, "Ldup");
  CHECK(dup.kindergarten() == "350503001");  // where it was then
  CHECK(Find(past, Anomaly::PHANTOM, c.no) == nullptr);
  CHECK(Find(past, Anomaly::DORMANT_ACCOUNT, "op-idle") != nullptr);
  // The county where the second record was then sees it; today it does not.
  CHECK(Flagged(p.Report("350503", Anomaly::DUPLICATE, then),
                Anomaly::DUPLICATE) == std::vector<std::string>{"Ldup"});
  CHECK(p.Report("350503", Anomaly::DUPLICATE).anomalies_size() == 0);
  // The record requested on 1 November did not exist then.
  for (const auto& a : past.anomalies()) CHECK(a.student_no() != d.no);

  AnomalyReport now = p.Report();
  CHECK(Flagged(now, Anomaly::DUPLICATE).empty());
  CHECK(Find(now, Anomaly::PHANTOM, c.no) != nullptr);
  CHECK(Find(now, Anomaly::DORMANT_ACCOUNT, "op-idle") == nullptr);
  CheckNoIdNumbers(past, {id, c.id, d.id});
}

TEST_CASE(
    "Art. 17 ¶3: PRESENT_ELSEWHERE when another kindergarten's latest "
    "verification confirms the child, UNVERIFIED_KINDERGARTEN past the "
    "term's deadline") {
  Plant p;
  Clean a(101), b(103), c(105);
  p.Enroll(a.no, "350502001", a.child);
  p.Enroll(b.no, "350502001", b.child);
  p.Enroll(c.no, "350503001", c.child);
  p.Verify("350502001", "2025-10-10", {a.no, b.no});
  // 350503001 (county 350503) lists b, registered at 350502001, as present:
  // the decider puts such a number among the unknown ones.
  auto verify_k3 = [&](const std::string& date, bool with_b) {
    Event e = p.Rec(c.no, date, "op-c2");
    e.set_subject("kg:350503001");
    e.set_student_no("");
    auto* v = e.mutable_verification_recorded();
    v->set_kindergarten("350503001");
    v->set_term("2025-autumn");
    v->add_present_student_nos(c.no);
    if (with_b) v->add_unknown_student_nos(b.no);
    p.Append(e);
  };
  verify_k3("2025-11-05", true);

  AnomalyReport r = p.Report("", Anomaly::PRESENT_ELSEWHERE);
  CHECK(Flagged(r, Anomaly::PRESENT_ELSEWHERE) ==
        std::vector<std::string>{b.no});
  const Anomaly& x = Found(r, Anomaly::PRESENT_ELSEWHERE, b.no);
  CHECK(x.kindergarten() == "350502001");
  CHECK(x.county() == "350502");
  CHECK(x.since() == "2025-11-05");
  CHECK(x.detail().find("350503001") != std::string::npos);
  CheckNoIdNumbers(r, {a.id, b.id, c.id});
  // Registered in 350502: its county's report has it, 350503's not.
  CHECK(p.Report("350502", Anomaly::PRESENT_ELSEWHERE).anomalies_size() == 1);
  CHECK(p.Report("350503", Anomaly::PRESENT_ELSEWHERE).anomalies_size() == 0);
  // Not before the verification; not once a later one no longer lists b.
  CHECK(p.Report("", Anomaly::PRESENT_ELSEWHERE, absl::CivilDay(2025, 11, 4))
            .anomalies_size() == 0);
  verify_k3("2025-11-20", false);
  CHECK(p.Report("", Anomaly::PRESENT_ELSEWHERE).anomalies_size() == 0);
  CHECK(p.Report("", Anomaly::PRESENT_ELSEWHERE, absl::CivilDay(2025, 11, 10))
            .anomalies_size() == 1);

  // 350502002 has a live record and never verifies: flagged after 21
  // October (1 September + 50 days), the others verified this term.
  Clean d(107);
  p.Enroll(d.no, "350502002", d.child);
  AnomalyReport u = p.Report("", Anomaly::UNVERIFIED_KINDERGARTEN);
  REQUIRE(u.anomalies_size() == 1);
  CHECK(u.anomalies(0).kindergarten() == "350502002");
  CHECK(u.anomalies(0).student_no().empty());
  CHECK(u.anomalies(0).since() == "2025-10-21");
  CHECK(p.Report("", Anomaly::UNVERIFIED_KINDERGARTEN,
                 absl::CivilDay(2025, 10, 21))
            .anomalies_size() == 0);
  CHECK(p.Report("350503", Anomaly::UNVERIFIED_KINDERGARTEN).anomalies_size() ==
        0);
}

TEST_CASE(
    "Art. 8: one child under an HK permit and an HK residence permit in two "
    "live records is CROSS_DOCUMENT_DUPLICATE") {
  Plant p;
  xueji::v1::Child permit = MakeChild("陈小明", xueji::v1::MALE, "2021-03-15",
                                      xueji::v1::HK_MO_PERMIT, "H12345678");
  xueji::v1::Child residence =
      MakeChild("陈小明", xueji::v1::MALE, "2021-03-15",
                xueji::v1::HK_MO_TW_RESIDENCE_PERMIT, "810000202103150017");
  // Another child with a Macao permit, same name and birth date: not it.
  xueji::v1::Child macao = MakeChild("陈小明", xueji::v1::MALE, "2021-03-15",
                                     xueji::v1::HK_MO_PERMIT, "M87654321");
  p.Enroll("J1", "350502001", permit);
  p.Enroll("J2", "350503001", residence, "2025-09-02", "2025-09-04");
  p.Enroll("J3", "350502002", macao, "2025-09-02", "2025-09-04");
  AnomalyReport r = p.Report("", Anomaly::CROSS_DOCUMENT_DUPLICATE);
  CHECK(Flagged(r, Anomaly::CROSS_DOCUMENT_DUPLICATE) ==
        std::vector<std::string>{"J1", "J2"});
  CHECK(RelatedOf(r, Anomaly::CROSS_DOCUMENT_DUPLICATE, "J1") ==
        std::vector<std::string>{"J2"});
  CheckNoIdNumbers(r, {"H12345678", "810000202103150017", "M87654321"});
  // Not a DUPLICATE (two documents) nor a PROBABLE_DUPLICATE (documented).
  AnomalyReport all = p.Report();
  CHECK(Flagged(all, Anomaly::DUPLICATE).empty());
  CHECK(Flagged(all, Anomaly::PROBABLE_DUPLICATE).empty());
  // Once one of them left, no longer; as of before, still.
  Event left = p.Rec("J2", "2025-11-03");
  left.mutable_left()->set_kindergarten("350503001");
  p.Append(left);
  CHECK(p.Report("", Anomaly::CROSS_DOCUMENT_DUPLICATE).anomalies_size() == 0);
  CHECK(p.Report("", Anomaly::CROSS_DOCUMENT_DUPLICATE,
                 absl::CivilDay(2025, 10, 1))
            .anomalies_size() == 2);
}

TEST_CASE(
    "anomalies on views built before the W rows (issue 10): replay first") {
  Plant p;
  Clean c(101);
  p.Enroll(c.no, "350502001", c.child);
  MemoryKv kv;
  Views views(&kv);
  REQUIRE(views.CatchUp(p.log()).ok());
  AnomalyQuery q;
  q.as_of = kAsOf;
  q.calendar = &WorkingCalendar::Default();
  REQUIRE(views.Anomalies(q).ok());
  // An older build wrote no W rows.
  testing::DropRows(kv, 'W');
  testing::CheckAsksForReplay(views.Anomalies(q).status());
}

// ---- the approver's queue (`ledger pending`) ------------------------------

TEST_CASE("pending: what waits for approval, oldest first, with days left") {
  Plant p;
  Clean late(101), recent(103), edit(105), moving(107), done(109), far(111);
  // 2025-11-10 (Mon) + 5 working days = 2025-11-17: overdue on 1 December.
  p.Request(late.no, "350502001", late.child, "2025-11-10", "2025-11-10");
  // 2025-11-28 (Fri) + 5 = 2025-12-05: 4 working days left on 1 December.
  p.Request(recent.no, "350502002", recent.child, "2025-11-28", "2025-11-28");
  p.Enroll(edit.no, "350502001", edit.child);
  Event e = p.Rec(edit.no, "2025-11-24");  // due 2025-12-01: today
  *e.mutable_key_info_edit_requested()->mutable_child() = edit.child;
  p.Append(e);
  p.Enroll(moving.no, "350503001", moving.child);
  Event t = p.Rec(moving.no, "2025-11-26");
  t.mutable_transfer_requested()->set_from_kindergarten("350503001");
  t.mutable_transfer_requested()->set_to_kindergarten("350502001");
  p.Append(t);
  // Decided: not waiting.
  p.Enroll(done.no, "350502001", done.child, "2025-11-03", "2025-11-05");
  // Requested after the as-of day's deadline computations too.
  p.Request(far.no, "350502001", far.child, "2025-11-27", "2025-11-27");

  xueji::v1::PendingReport all = p.Queue();
  CHECK(all.as_of() == "2025-12-01");
  std::vector<std::string> order;
  for (const auto& item : all.items()) order.push_back(item.student_no());
  CHECK(order == std::vector<std::string>{late.no, edit.no, moving.no, far.no,
                                          recent.no});
  const auto& first = all.items(0);
  CHECK(first.kind() == xueji::v1::PendingItem::ADMISSION);
  CHECK(first.requested_on() == "2025-11-10");
  CHECK(first.requested_by() == "op-k1");
  CHECK(first.due() == "2025-11-17");
  CHECK(first.overdue());
  CHECK(first.working_days_left() == -10);  // 11-18 .. 12-01
  CHECK(first.county() == "350502");
  CHECK(first.name() == late.child.name());
  const auto& today = all.items(1);
  CHECK(today.kind() == xueji::v1::PendingItem::KEY_INFO_EDIT);
  CHECK(today.due() == "2025-12-01");
  CHECK_FALSE(today.overdue());
  CHECK(today.working_days_left() == 0);
  const auto& transfer = all.items(2);
  CHECK(transfer.kind() == xueji::v1::PendingItem::TRANSFER);
  CHECK(transfer.kindergarten() == "350503001");  // the sending one decides
  CHECK(transfer.county() == "350503");
  CHECK(transfer.detail() == "to 350502001");
  CHECK(transfer.due() == "2025-12-03");
  CHECK(transfer.working_days_left() == 2);
  const auto& last = all.items(4);
  CHECK(last.due() == "2025-12-05");
  CHECK(last.working_days_left() == 4);
  CHECK_FALSE(last.overdue());
  for (const auto& item : all.items()) {
    CHECK(item.detail().find(late.id) == std::string::npos);
  }

  // By region, kind and kindergarten.
  PendingQuery county;
  county.region = "350503";
  CHECK(p.Queue(county).items_size() == 1);
  PendingQuery kind;
  kind.kind = xueji::v1::PendingItem::ADMISSION;
  CHECK(p.Queue(kind).items_size() == 3);
  PendingQuery kg;
  kg.kindergarten = "350502002";
  REQUIRE(p.Queue(kg).items_size() == 1);
  CHECK(p.Queue(kg).items(0).student_no() == recent.no);
}

TEST_CASE("pending: overdue exactly when OVERDUE_APPROVAL says so") {
  Plant p;
  std::vector<Clean> kids;
  for (int seq = 101; seq < 131; seq += 2) kids.emplace_back(seq);
  // One request each working or weekend day of November.
  absl::CivilDay day(2025, 11, 1);
  for (const Clean& c : kids) {
    p.Request(c.no, "350502001", c.child, FormatDate(day), FormatDate(day));
    day += 2;
  }
  for (absl::CivilDay as_of :
       {absl::CivilDay(2025, 11, 14), absl::CivilDay(2025, 11, 24), kAsOf}) {
    INFO("as of " << FormatDate(as_of));
    PendingQuery q;
    q.as_of = as_of;
    std::vector<std::string> overdue;
    const xueji::v1::PendingReport queue = p.Queue(q);
    CHECK(queue.items_size() > 0);
    for (const auto& item : queue.items()) {
      if (item.overdue()) overdue.push_back(item.student_no());
      CHECK(item.overdue() ==
            (item.working_days_left() < 0 || (item.working_days_left() == 0 &&
                                              item.due() < FormatDate(as_of))));
    }
    std::sort(overdue.begin(), overdue.end());
    CHECK_FALSE(overdue.empty());
    CHECK(Flagged(p.Report("", Anomaly::OVERDUE_APPROVAL, as_of),
                  Anomaly::OVERDUE_APPROVAL) == overdue);
  }
}

}  // namespace
}  // namespace xueji
