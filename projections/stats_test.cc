// Statistics (Art. 4, 23): a term of hand-built events in a real embedded
// log, then the counts as of past days, the flows of periods, --by groups,
// problem records and approval timeliness, each number computed by hand in
// the comments.
#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "ledger/rules/calendar.h"
#include "projections/test_support.h"
#include "projections/views.h"

namespace xueji {
namespace {

using testing::ResidentId;
using xueji::v1::Event;
using xueji::v1::Stats;

constexpr char kK1[] = "350502001";  // county 350502
constexpr char kK2[] = "350502002";  // county 350502
constexpr char kK3[] = "350503001";  // county 350503

// The term (all 2025; 1 September is a Monday, no holiday until October):
//   A  male   2021-03-10  requested K1 09-01, established 09-03 (2 wd)
//   B  female 2020-11-20  requested K1 09-01, established 09-15 (10 wd:
//      late, due 09-08); transfer to K3 requested 10-09, out 10-10 (1 wd),
//      in at K3 10-13
//   C  male   2021-06-01  requested K2 09-02, rejected 09-04 (2 wd)
//   D  female 2020-05-05  requested K3 09-01, established 09-02 (1 wd);
//      left 11-03
//   E  male   2021-01-15  requested K1 11-20, undecided (due 11-27)
class Term : public testing::HandWrittenLog {
 public:
  Term() {
    Kg(kK1, "350502");
    Kg(kK2, "350502");
    Kg(kK3, "350503");
    Request("A", kK1, "2021-03-10", true, 1, "2025-09-01");
    Establish("A", kK1, "2025-09-03");
    Request("B", kK1, "2020-11-20", false, 2, "2025-09-01");
    Establish("B", kK1, "2025-09-15");
    Request("C", kK2, "2021-06-01", true, 3, "2025-09-02");
    Event reject = Rec("C", "2025-09-04");
    reject.mutable_record_rejected()->set_reason("no place");
    Append(reject);
    Request("D", kK3, "2020-05-05", false, 4, "2025-09-01");
    Establish("D", kK3, "2025-09-02");
    Event ask = Rec("B", "2025-10-09");
    ask.mutable_transfer_requested()->set_from_kindergarten(kK1);
    ask.mutable_transfer_requested()->set_to_kindergarten(kK3);
    Append(ask);
    Event out = Rec("B", "2025-10-10");
    out.mutable_transferred_out()->set_from_kindergarten(kK1);
    out.mutable_transferred_out()->set_to_kindergarten(kK3);
    Append(out);
    Event in = Rec("B", "2025-10-13");
    in.mutable_transferred_in()->set_from_kindergarten(kK1);
    in.mutable_transferred_in()->set_to_kindergarten(kK3);
    Append(in);
    Event left = Rec("D", "2025-11-03");
    left.mutable_left()->set_kindergarten(kK3);
    left.mutable_left()->set_reason("moved away");
    Append(left);
    Request("E", kK1, "2021-01-15", true, 5, "2025-11-20");
  }

  Stats Count(StatsQuery q) {
    std::unique_ptr<Views> views = CaughtUpViews();
    q.calendar = &WorkingCalendar::Default();
    auto stats = views->Statistics(q);
    INFO(stats.status());
    REQUIRE(stats.ok());
    return *stats;
  }
  absl::Status CountError(StatsQuery q) {
    q.calendar = &WorkingCalendar::Default();
    return CaughtUpViews()->Statistics(q).status();
  }
  std::string no(const std::string& who) { return number_[who]; }

 private:
  Event Rec(const std::string& who, const std::string& date) {
    return writer_->Envelope("stu:" + number_[who], number_[who], date, "op");
  }
  void Request(const std::string& who, const std::string& kg,
               const std::string& birth, bool male, int seq,
               const std::string& date) {
    std::string compact =
        birth.substr(0, 4) + birth.substr(5, 2) + birth.substr(8, 2);
    // Sequence parity carries the gender (odd male, even female).
    const std::string id =
        ResidentId("350502", compact, male ? 2 * seq + 1 : 2 * seq);
    number_[who] = "G" + id;
    Event e = Rec(who, date);
    e.mutable_record_requested()->set_kindergarten(kg);
    *e.mutable_record_requested()->mutable_child() = testing::MakeChild(
        "孩子" + who, male ? xueji::v1::MALE : xueji::v1::FEMALE, birth,
        xueji::v1::RESIDENT_ID, id);
    e.mutable_record_requested()->set_entry_date(date);
    Append(e);
  }
  void Establish(const std::string& who, const std::string& kg,
                 const std::string& date) {
    Event e = Rec(who, date);
    e.mutable_record_established()->set_kindergarten(kg);
    Append(e);
  }
  std::map<std::string, std::string> number_;
};

std::map<std::string, int64_t> Rows(
    const google::protobuf::RepeatedPtrField<xueji::v1::CountRow>& rows) {
  std::map<std::string, int64_t> out;
  for (const auto& row : rows) out[row.key()] = row.count();
  return out;
}

using Counts = std::map<std::string, int64_t>;

// Each group's key and live records, in the order of the groups.
using GroupCounts = std::vector<std::pair<std::string, int64_t>>;
GroupCounts LiveByGroup(const Stats& s) {
  GroupCounts out;
  for (const xueji::v1::StatsGroup& g : s.groups()) {
    out.emplace_back(g.key(), g.live_records());
  }
  return out;
}

StatsQuery AsOf(absl::CivilDay day) {
  StatsQuery q;
  q.as_of = day;
  return q;
}

TEST_CASE("Art. 23 stats as of a past day count what was true then",
          "[stats]") {
  Term term;
  // 1 October: A, B at K1, D at K3 enrolled; C rejected (CANCELLED) at K2.
  Stats then = term.Count(AsOf(absl::CivilDay(2025, 10, 1)));
  CHECK(then.as_of() == "2025-10-01");
  CHECK(then.live_records() == 3);
  CHECK(Rows(then.by_county()) == Counts{{"350502", 2}, {"350503", 1}});
  CHECK(Rows(then.by_kindergarten()) == Counts{{kK1, 2}, {kK3, 1}});
  CHECK(Rows(then.by_status()) == Counts{{"ENROLLED", 3}, {"CANCELLED", 1}});
  CHECK(Rows(then.by_gender()) == Counts{{"MALE", 1}, {"FEMALE", 2}});
  // Ages on 2025-10-01: A 4, B 4, D 5.
  CHECK(Rows(then.by_age()) == Counts{{"4", 2}, {"5", 1}});

  // 1 December: B moved to K3, D left, E waits (PENDING, live) at K1.
  Stats now = term.Count(AsOf(absl::CivilDay(2025, 12, 1)));
  CHECK(now.live_records() == 3);
  CHECK(Rows(now.by_kindergarten()) == Counts{{kK1, 2}, {kK3, 1}});
  CHECK(Rows(now.by_status()) ==
        Counts{{"ENROLLED", 2}, {"PENDING", 1}, {"CANCELLED", 1}, {"LEFT", 1}});
  CHECK(Rows(now.by_gender()) == Counts{{"MALE", 2}, {"FEMALE", 1}});
  // B turned 5 on 2025-11-20.
  CHECK(Rows(now.by_age()) == Counts{{"4", 2}, {"5", 1}});

  // Mid-transfer, 10 October: B is TRANSFERRING, still counted at K1.
  Stats moving = term.Count(AsOf(absl::CivilDay(2025, 10, 10)));
  CHECK(Rows(moving.by_status()) ==
        Counts{{"ENROLLED", 2}, {"TRANSFERRING", 1}, {"CANCELLED", 1}});
  CHECK(Rows(moving.by_kindergarten()) == Counts{{kK1, 2}, {kK3, 1}});

  // Before the term: nothing.
  Stats before = term.Count(AsOf(absl::CivilDay(2025, 8, 31)));
  CHECK(before.live_records() == 0);
  CHECK(before.by_status().empty());
}

TEST_CASE("Art. 4 stats of a region count only its kindergartens", "[stats]") {
  Term term;
  StatsQuery q = AsOf(absl::CivilDay(2025, 10, 1));
  q.region = "350503";
  Stats then = term.Count(q);
  CHECK(then.live_records() == 1);  // D
  CHECK(Rows(then.by_kindergarten()) == Counts{{kK3, 1}});
  q.as_of = absl::CivilDay(2025, 12, 1);
  Stats now = term.Count(q);
  CHECK(now.live_records() == 1);  // B came, D left
  CHECK(Rows(now.by_status()) == Counts{{"ENROLLED", 1}, {"LEFT", 1}});
  // A registrar's read: its kindergarten only.
  StatsQuery k2 = AsOf(absl::CivilDay(2025, 12, 1));
  k2.kindergarten = kK2;
  Stats only = term.Count(k2);
  CHECK(only.live_records() == 0);
  CHECK(Rows(only.by_status()) == Counts{{"CANCELLED", 1}});
}

TEST_CASE("Art. 23 stats flows of a period", "[stats]") {
  Term term;
  StatsQuery q = AsOf(absl::CivilDay(2025, 12, 1));
  q.from = absl::CivilDay(2025, 9, 1);
  q.to = absl::CivilDay(2025, 9, 30);
  Stats september = term.Count(q);
  CHECK(september.from() == "2025-09-01");
  CHECK(september.flows().admissions() == 3);           // A, B, D
  CHECK(september.flows().rejected_admissions() == 1);  // C
  CHECK(september.flows().transfers_out() == 0);
  CHECK(september.flows().leaves() == 0);

  q.from = absl::CivilDay(2025, 10, 1);
  q.to = absl::CivilDay(2025, 11, 30);
  Stats autumn = term.Count(q);
  CHECK(autumn.flows().admissions() == 0);
  CHECK(autumn.flows().transfers_out() == 1);
  CHECK(autumn.flows().transfers_in() == 1);
  CHECK(autumn.flows().leaves() == 1);

  // The period's ends are inclusive: 10-10 alone holds the transfer out.
  q.from = q.to = absl::CivilDay(2025, 10, 10);
  Stats day = term.Count(q);
  CHECK(day.flows().transfers_out() == 1);
  CHECK(day.flows().transfers_in() == 0);

  // In county 350503 only: B's arrival and D's leave, no transfer out.
  q.region = "350503";
  q.from = absl::CivilDay(2025, 10, 1);
  q.to = absl::CivilDay(2025, 11, 30);
  Stats county = term.Count(q);
  CHECK(county.flows().transfers_in() == 1);
  CHECK(county.flows().transfers_out() == 0);
  CHECK(county.flows().leaves() == 1);
}

TEST_CASE("Art. 23 stats --by kindergarten, county, age and gender",
          "[stats]") {
  Term term;
  StatsQuery q = AsOf(absl::CivilDay(2025, 11, 30));
  q.from = absl::CivilDay(2025, 10, 1);
  q.to = absl::CivilDay(2025, 11, 30);
  q.by = "kindergarten";
  Stats s = term.Count(q);
  // K1: A, E (PENDING); K2: none live; K3: B.
  REQUIRE(LiveByGroup(s) == GroupCounts{{kK1, 2}, {kK2, 0}, {kK3, 1}});
  CHECK(s.groups(0).flows().transfers_out() == 1);
  CHECK(Rows(s.groups(1).by_status()) == Counts{{"CANCELLED", 1}});
  CHECK(s.groups(2).flows().transfers_in() == 1);
  CHECK(s.groups(2).flows().leaves() == 1);

  q.by = "county";
  s = term.Count(q);
  CHECK(LiveByGroup(s) == GroupCounts{{"350502", 2}, {"350503", 1}});

  q.by = "gender";
  s = term.Count(q);
  // MALE: A, E live, C cancelled; FEMALE: B live, D left (leave on 11-03).
  REQUIRE(LiveByGroup(s) == GroupCounts{{"MALE", 2}, {"FEMALE", 1}});
  CHECK(Rows(s.groups(0).by_status()) ==
        Counts{{"ENROLLED", 1}, {"PENDING", 1}, {"CANCELLED", 1}});
  CHECK(s.groups(1).flows().leaves() == 1);

  // Ages on 2025-11-30: A 4, E 4, C 4; B 5, D 5 — numerically ordered.
  q.by = "age";
  s = term.Count(q);
  CHECK(LiveByGroup(s) == GroupCounts{{"4", 2}, {"5", 1}});

  q.by = "school";
  CHECK(absl::IsInvalidArgument(term.CountError(q)));
  StatsQuery half = AsOf(absl::CivilDay(2025, 11, 30));
  half.from = absl::CivilDay(2025, 10, 1);
  CHECK(absl::IsInvalidArgument(term.CountError(half)));
  half.to = absl::CivilDay(2025, 9, 1);
  CHECK(absl::IsInvalidArgument(term.CountError(half)));
}

TEST_CASE("Art. 23 stats approval timeliness and problem records", "[stats]") {
  Term term;
  // Up to 12-01: A 2 wd, B 10 wd (late: due 09-08), C 2 wd (rejected), D 1
  // wd, B's transfer 1 wd; E waits since 11-20, due 11-27: overdue.
  Stats s = term.Count(AsOf(absl::CivilDay(2025, 12, 1)));
  CHECK(s.approvals().decided() == 5);
  CHECK(s.approvals().rejected() == 1);
  CHECK(s.approvals().decided_late() == 1);
  CHECK(s.approvals().mean_working_days() == Approx(16.0 / 5));
  CHECK(s.approvals().max_working_days() == 10);
  CHECK(s.approvals().waiting() == 1);
  CHECK(s.approvals().waiting_overdue() == 1);
  // E's overdue approval makes it a problem record: 1 of 3 live.
  CHECK(s.problem_records() == 1);
  CHECK(s.problem_rate() == Approx(1.0 / 3));
  CHECK(Rows(s.anomalies_by_kind()) == Counts{{"OVERDUE_APPROVAL", 1}});

  // 10 September: B (asked 09-01, decided 09-15) waited, overdue since
  // 09-08; A, C, D were decided by then.
  Stats early = term.Count(AsOf(absl::CivilDay(2025, 9, 10)));
  CHECK(early.approvals().decided() == 3);
  CHECK(early.approvals().waiting() == 1);
  CHECK(early.approvals().waiting_overdue() == 1);

  // Decided in October: only B's transfer.
  StatsQuery q = AsOf(absl::CivilDay(2025, 12, 1));
  q.from = absl::CivilDay(2025, 10, 1);
  q.to = absl::CivilDay(2025, 10, 31);
  q.by = "county";
  Stats october = term.Count(q);
  CHECK(october.approvals().decided() == 1);
  CHECK(october.approvals().mean_working_days() == Approx(1.0));
  REQUIRE(october.groups_size() == 2);
  CHECK(october.groups(0).approvals().decided() == 1);  // 350502 decided it
  CHECK(october.groups(0).problem_records() == 1);      // E at K1
  CHECK(october.groups(0).problem_rate() == Approx(1.0 / 2));
  CHECK(october.groups(1).approvals().decided() == 0);
  CHECK(october.groups(1).problem_records() == 0);
}

TEST_CASE("stats on views built before the stats rows: replay first",
          "[stats]") {
  Term term;
  MemoryKv kv;
  Views views(&kv);
  REQUIRE(views.CatchUp(term.log()).ok());
  StatsQuery q = AsOf(absl::CivilDay(2025, 12, 1));
  q.calendar = &WorkingCalendar::Default();
  REQUIRE(views.Statistics(q).ok());
  // An older build wrote no dated rows.
  testing::DropRows(kv, 'd');
  testing::CheckAsksForReplay(views.Statistics(q).status());
}

}  // namespace
}  // namespace xueji
