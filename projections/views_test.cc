// Views over a real embedded log fed by the real decider: enrollment queries,
// stats, audit history, StateAsOf, checkpoints and rebuild == incremental.
#include "projections/views.h"

#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decider.h"
#include "ledger/log/hash_chain.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/calendar.h"
#include "projections/rows.h"
#include "projections/test_support.h"

namespace xueji {
namespace {

using testing::ResidentId;
using testing::TempDir;

// Runs requests through Decide + LedgerState (on a MemoryKv) and appends each
// decision's events to the log.
class Term {
 public:
  explicit Term(EventLog* log) : log_(log), state_(&state_kv_) {
    ctx_.calendar = &WorkingCalendar::Default();
    ctx_.areas = &AreaTable::Default();
  }

  void Registry(const std::string& json) {
    xueji::v1::RegistryLine line;
    REQUIRE(google::protobuf::util::JsonStringToMessage(json, &line).ok());
    ctx_.now = *ParseRfc3339("2025-08-01T02:00:00Z");
    absl::StatusOr<Decision> d = DecideRegistry(line, state_, ctx_);
    REQUIRE(d.ok());
    Store(d->events);
  }

  // Decides the request at 08:00 UTC of its occurredOn (plus a second per
  // request, so recorded_at grows).
  Decision Submit(const std::string& json) {
    xueji::v1::Request request;
    REQUIRE(google::protobuf::util::JsonStringToMessage(json, &request).ok());
    absl::StatusOr<absl::Time> day =
        ParseRfc3339(request.occurred_on() + "T08:00:00Z");
    REQUIRE(day.ok());
    ctx_.now = *day + absl::Seconds(++tick_);
    absl::StatusOr<Decision> d = Decide(request, state_, ctx_);
    REQUIRE(d.ok());
    Store(d->events);
    return *std::move(d);
  }

  absl::Time now() const { return ctx_.now; }

 private:
  void Store(std::vector<xueji::v1::Event> events) {
    absl::StatusOr<std::vector<xueji::v1::Event>> stored =
        log_->Append(std::move(events));
    REQUIRE(stored.ok());
    for (const auto& e : *stored) REQUIRE(state_.Apply(e).ok());
  }

  EventLog* log_;
  MemoryKv state_kv_;
  LedgerState state_;
  DecideContext ctx_;
  int tick_ = 0;
};

const char* const kRegistry[] = {
    R"({"kindergarten":{"code":"350502001","name":"鲤城一幼","county":"350502"}})",
    R"({"kindergarten":{"code":"350502002","name":"鲤城二幼","county":"350502"}})",
    R"({"kindergarten":{"code":"350503001","name":"丰泽一幼","county":"350503"}})",
    R"({"operator":{"id":"op-k1","role":"REGISTRAR","org":"350502001"}})",
    R"({"operator":{"id":"op-k2","role":"REGISTRAR","org":"350502002"}})",
    R"({"operator":{"id":"op-k3","role":"REGISTRAR","org":"350503001"}})",
    R"({"operator":{"id":"op-c1","role":"APPROVER","org":"350502"}})",
    R"({"operator":{"id":"op-c2","role":"APPROVER","org":"350503"}})",
};

std::string Admit(const std::string& id, const std::string& op,
                  const std::string& date, const std::string& kg,
                  const std::string& child_json) {
  return R"({"requestId":")" + id + R"(","actor":")" + op +
         R"(","occurredOn":")" + date + R"(","admit":{"kindergarten":")" + kg +
         R"(","child":)" + child_json + "}}";
}

std::string Action(const std::string& id, const std::string& op,
                   const std::string& date, const std::string& action) {
  return R"({"requestId":")" + id + R"(","actor":")" + op +
         R"(","occurredOn":")" + date + R"(",)" + action + "}";
}

struct Numbers {
  std::string a, b_temporary, b_formal, c;
  std::vector<std::string> more;  // eight more children at K2
  std::string id_a;
  absl::Time before_transfer_in;
};

// Issue 10: the parent applying for a transfer or a leave (synthetic ID).
const std::string kApplicant =
    R"("applicant":{"name":"王芳","relation":"MOTHER","idType":"RESIDENT_ID",)"
    R"("idNumber":"350502199001011248"})";

// One term: three admissions in two counties, a transfer across the National
// Day holiday, a leave, a refused duplicate admission, a number conversion.
// `after_each` runs after every request (incremental catch-up).
template <typename F>
Numbers RunTerm(Term& term, F after_each) {
  Numbers n;
  for (const char* line : kRegistry) term.Registry(line);
  after_each();
  n.id_a = ResidentId("350502", "20210506", 123);
  std::string child_a =
      R"({"name":"王小明","gender":"MALE","birthDate":"2021-05-06","idType":"RESIDENT_ID","idNumber":")" +
      n.id_a + R"("})";
  std::string child_b =
      R"({"name":"李小红","gender":"FEMALE","birthDate":"2021-07-08","idType":"NONE"})";
  std::string child_c =
      R"({"name":"陈小花","gender":"FEMALE","birthDate":"2021-09-10","idType":"RESIDENT_ID","idNumber":")" +
      ResidentId("350503", "20210910", 246) + R"("})";
  auto submit = [&](const std::string& json, xueji::v1::ResultStatus want) {
    Decision d = term.Submit(json);
    CHECK(d.status == want);
    after_each();
    return d;
  };
  auto approve = [&](const std::string& id, const std::string& op,
                     const std::string& date, const std::string& request_id) {
    submit(Action(id, op, date,
                  R"("approve":{"requestId":")" + request_id + R"("})"),
           xueji::v1::APPLIED);
  };
  n.a = submit(Admit("r-1", "op-k1", "2025-09-01", "350502001", child_a),
               xueji::v1::PENDING_APPROVAL)
            .student_no;
  approve("r-2", "op-c1", "2025-09-03", "r-1");
  n.b_temporary =
      submit(Admit("r-3", "op-k1", "2025-09-01", "350502001", child_b),
             xueji::v1::PENDING_APPROVAL)
          .student_no;
  approve("r-4", "op-c1", "2025-09-04", "r-3");
  n.c = submit(Admit("r-5", "op-k3", "2025-09-02", "350503001", child_c),
               xueji::v1::PENDING_APPROVAL)
            .student_no;
  approve("r-6", "op-c2", "2025-09-05", "r-5");
  submit(Action("r-7", "op-k1", "2025-09-25",
                R"("transferOut":{"studentNo":")" + n.a +
                    R"(","toKindergarten":"350502002",)" + kApplicant + "}"),
         xueji::v1::PENDING_APPROVAL);
  approve("r-8", "op-c1", "2025-09-26", "r-7");
  n.before_transfer_in = term.now();
  submit(Action("r-9", "op-k2", "2025-10-09",
                R"("transferIn":{"studentNo":")" + n.a + R"("})"),
         xueji::v1::APPLIED);
  submit(Action("r-10", "op-k3", "2025-10-10",
                R"("leave":{"studentNo":")" + n.c + R"(","reason":"moved",)" +
                    kApplicant + "}"),
         xueji::v1::APPLIED);
  submit(Admit("r-11", "op-k3", "2025-10-11", "350503001", child_a),
         xueji::v1::REJECTED);
  // More children at K2, approved in reverse order, so that records spread
  // over several partitions and interleave with kindergarten events.
  std::vector<std::string> extra;
  for (int i = 0; i < 8; ++i) {
    std::string birth = "2021030" + std::to_string(i + 1);
    std::string child = R"({"name":"孩子)" + std::to_string(i) +
                        R"(","gender":"MALE","birthDate":"2021-03-0)" +
                        std::to_string(i + 1) +
                        R"(","idType":"RESIDENT_ID","idNumber":")" +
                        ResidentId("350502", birth, 301 + 2 * i) + R"("})";
    std::string id = "x-" + std::to_string(i);
    extra.push_back(id);
    n.more.push_back(
        submit(Admit(id, "op-k2", "2025-09-02", "350502002", child),
               xueji::v1::PENDING_APPROVAL)
            .student_no);
  }
  for (int i = 7; i >= 0; --i) {
    approve("a-" + extra[i], "op-c1", "2025-09-08", extra[i]);
  }
  submit(
      Action(
          "v-1", "op-k2", "2025-10-20",
          R"("verify":{"kindergarten":"350502002","term":"2025-autumn","presentStudentNos":[")" +
              n.more[0] + R"("]})"),
      xueji::v1::APPLIED);
  std::string id_b = ResidentId("350502", "20210708", 222);
  submit(
      Action("r-12", "op-k1", "2025-10-12",
             R"("convertNumber":{"studentNo":")" + n.b_temporary +
                 R"(","idType":"RESIDENT_ID","idNumber":")" + id_b + R"("})"),
      xueji::v1::PENDING_APPROVAL);
  // Issue 10: the county approves the conversion.
  n.b_formal = submit(Action("r-13", "op-c1", "2025-10-13",
                             R"("approve":{"requestId":"r-12"})"),
                      xueji::v1::APPLIED)
                   .student_no;
  return n;
}

// New views in `dir` rebuilt from `log` up to `checkpoints` (what
// Views::Checkpoints() gives); a partition past their end adds none of its
// events.
std::unique_ptr<Views> RebuildUpTo(EventLog& log,
                                   std::vector<int64_t> checkpoints,
                                   const std::string& dir) {
  auto views = Views::Open(dir);
  REQUIRE(views.ok());
  CatchUpOptions up_to;
  up_to.up_to = std::move(checkpoints);
  up_to.up_to.resize(static_cast<size_t>(log.partitions()), 0);
  REQUIRE((*views)->CatchUp(log, nullptr, up_to).ok());
  return *std::move(views);
}

std::string Digest(const Views& views) {
  absl::StatusOr<std::string> d = views.Digest();
  REQUIRE(d.ok());
  return *d;
}

// The term run into a fresh embedded log.
// An empty embedded log in a temporary directory.
struct EmptyLog {
  EmptyLog() {
    auto opened = OpenEmbeddedLog(dir.Sub("log"), {});
    REQUIRE(opened.ok());
    log = *std::move(opened);
  }
  TempDir dir;
  std::unique_ptr<EventLog> log;
};

// An empty log and views opened beside it, which a test catches up as the
// term runs (RunTerm's callback).
struct IncrementalViews : EmptyLog {
  IncrementalViews() {
    auto views = Views::Open(dir.Sub("views"));
    REQUIRE(views.ok());
    incremental = *std::move(views);
  }
  std::unique_ptr<Views> incremental;
};

struct TermLog : EmptyLog {
  TermLog() {
    Term term(log.get());
    n = RunTerm(term, [] {});
  }
  // Views opened in dir/<sub> (new, or as a test left them), caught up from
  // the log.
  std::unique_ptr<Views> CaughtUp(const std::string& sub) {
    auto views = Views::Open(dir.Sub(sub));
    REQUIRE(views.ok());
    REQUIRE((*views)->CatchUp(*log).ok());
    return *std::move(views);
  }
  Numbers n;
};

// The term's log, and views caught up from it.
struct ProjectedTerm : TermLog {
  ProjectedTerm() { views = CaughtUp("views"); }
  std::unique_ptr<Views> views;
};

TEST_CASE_METHOD(
    IncrementalViews,
    "a full rebuild equals the incrementally built views, byte for byte") {
  Term term(log.get());
  int catch_ups = 0;
  RunTerm(term, [&] {
    REQUIRE(incremental->CatchUp(*log).ok());
    ++catch_ups;
  });
  REQUIRE(catch_ups > 20);
  // The records really are spread over partitions.
  std::set<int32_t> record_partitions;
  auto heads = log->HeadOffsets();
  REQUIRE(heads.ok());
  for (int32_t p = 0; p < static_cast<int32_t>(heads->size()); ++p) {
    auto events = log->Read(p, 0, 1000);
    REQUIRE(events.ok());
    for (const auto& e : *events) {
      if (e.event.subject().starts_with("stu:")) record_partitions.insert(p);
    }
  }
  REQUIRE(record_partitions.size() >= 3);

  auto rebuilt = Views::Open(dir.Sub("rebuilt"));
  REQUIRE(rebuilt.ok());
  absl::StatusOr<int64_t> applied = (*rebuilt)->CatchUp(*log);
  REQUIRE(applied.ok());
  CHECK(*applied > 20);
  CHECK(Digest(**rebuilt) == Digest(*incremental));

  // The same rows in memory, committed in batches of 3: same digest.
  MemoryKv memory;
  ViewsOptions small;
  small.batch_events = 3;
  small.read_chunk = 2;
  Views in_memory(&memory, small);
  REQUIRE(in_memory.CatchUp(*log).ok());
  CHECK(Digest(in_memory) == Digest(*incremental));

  // Partitions applied last to first: the same store.
  MemoryKv reversed_kv;
  Views reversed(&reversed_kv);
  for (int32_t p = static_cast<int32_t>(heads->size()) - 1; p >= 0; --p) {
    auto events = log->Read(p, 0, 1000);
    REQUIRE(events.ok());
    for (const auto& e : *events) REQUIRE(reversed.Apply(e).ok());
  }
  CHECK(Digest(reversed) == Digest(*incremental));

  // A store that differs by one row has a different digest.
  memory.Put("Zextra", "");
  CHECK(Digest(in_memory) != Digest(*incremental));
}

// Every row of a store, for a comparison that names the first row that
// differs.
std::map<std::string, std::string> Rows(const Views& views) {
  std::map<std::string, std::string> rows;
  REQUIRE(views
              .Dump([&](std::string_view key, std::string_view value) {
                rows.emplace(key, value);
                return true;
              })
              .ok());
  return rows;
}

void CheckSameRows(const std::map<std::string, std::string>& got,
                   const std::map<std::string, std::string>& want) {
  auto g = got.begin(), w = want.begin();
  for (; g != got.end() && w != want.end(); ++g, ++w) {
    INFO("row " << absl::CHexEscape(g->first) << " / "
                << absl::CHexEscape(w->first));
    REQUIRE(g->first == w->first);
    REQUIRE(g->second == w->second);
  }
  CHECK(got.size() == want.size());
}

// Issue 12: `ledger replay` folds the rows in memory and ingests sorted
// table files (CatchUpOptions::fold_in_memory). The rows must be exactly the
// ones the event-by-event projection writes: every key, every value.
TEST_CASE_METHOD(
    IncrementalViews,
    "a rebuild folded in memory and ingested as sorted files equals the "
    "incremental views, row for row") {
  Term term(log.get());
  RunTerm(term, [&] { REQUIRE(incremental->CatchUp(*log).ok()); });
  const std::map<std::string, std::string> want = Rows(*incremental);
  auto heads = log->HeadOffsets();
  REQUIRE(heads.ok());
  int64_t events = 0;
  for (int64_t head : *heads) events += head;
  REQUIRE(events > 20);

  CatchUpOptions fold;
  fold.fold_in_memory = true;
  struct Case {
    const char* name;
    size_t commit_bytes, cache_bytes, read_chunk;
  };
  // One file at the end; a file every few rows (overlapping files, rows
  // read back from the files); and the kept rows dropped at every commit.
  for (const Case& c :
       {Case{"one file", size_t{128} << 20, size_t{256} << 20, 1000},
        Case{"many files", 2048, size_t{256} << 20, 3},
        Case{"no cache", 4096, 0, 7}}) {
    DYNAMIC_SECTION(c.name) {
      ViewsOptions options;
      options.fold_commit_bytes = c.commit_bytes;
      options.fold_cache_bytes = c.cache_bytes;
      options.read_chunk = c.read_chunk;
      {
        auto folded = Views::Open(dir.Sub("folded"), options);
        REQUIRE(folded.ok());
        int reports = 0;
        absl::StatusOr<int64_t> applied = (*folded)->CatchUp(
            *log, [&](const CatchUpProgress&) { ++reports; }, fold);
        REQUIRE(applied.ok());
        CHECK(*applied == events);
        CHECK(reports > 0);
        CheckSameRows(Rows(**folded), want);
        CHECK(Digest(**folded) == Digest(*incremental));
        // Caught up: nothing left to apply, folded or not.
        CHECK((*folded)->CatchUp(*log, nullptr, fold).value_or(-1) == 0);
        CHECK((*folded)->CatchUp(*log).value_or(-1) == 0);
      }
      // The files are the store: the same rows after reopening it.
      auto reopened = Views::Open(dir.Sub("folded"));
      REQUIRE(reopened.ok());
      CheckSameRows(Rows(**reopened), want);
      // And a changed row shows.
      MemoryKv copy;
      for (const auto& [key, value] : want) copy.Put(key, value);
      copy.Delete(want.rbegin()->first);
      Views changed(&copy);
      CHECK(Digest(changed) != Digest(**reopened));
    }
  }

  SECTION("folded up to a point, then event by event to the head") {
    CatchUpOptions half = fold;
    for (int64_t head : *heads) half.up_to.push_back(head / 2);
    ViewsOptions options;
    options.fold_commit_bytes = 4096;
    auto mixed = Views::Open(dir.Sub("mixed"), options);
    REQUIRE(mixed.ok());
    REQUIRE((*mixed)->CatchUp(*log, nullptr, half).ok());
    auto seen = (*mixed)->Checkpoints();
    REQUIRE(seen.ok());
    seen->resize(heads->size(), 0);
    CHECK(*seen == half.up_to);
    REQUIRE((*mixed)->CatchUp(*log).ok());
    CheckSameRows(Rows(**mixed), want);
  }
}

// Issue 11: with Kafka transactions each commit marker takes an offset, so
// a replica's events sit at other offsets (and chain other hashes) than the
// embedded run's. ContentDigest leaves positions out: equal for the same
// events per subject, different as soon as one event differs.
TEST_CASE_METHOD(TermLog,
                 "ContentDigest ignores where events sit, Digest does not") {
  auto heads = log->HeadOffsets();
  REQUIRE(heads.ok());
  MemoryKv dense_kv, gaps_kv, changed_kv;
  Views dense(&dense_kv);
  ViewsOptions gaps_allowed;
  gaps_allowed.offset_gaps_allowed = true;
  Views gaps(&gaps_kv, gaps_allowed);
  Views changed(&changed_kv, gaps_allowed);
  bool first = true;
  for (int32_t p = 0; p < static_cast<int32_t>(heads->size()); ++p) {
    auto events = log->Read(p, 0, 1000);
    REQUIRE(events.ok());
    std::string prev;
    for (size_t i = 0; i < events->size(); ++i) {
      REQUIRE(dense.Apply((*events)[i]).ok());
      // As after a commit marker behind every event: offsets 0, 2, 4, ...
      StoredEvent moved = (*events)[i];
      moved.event.set_offset(2 * static_cast<int64_t>(i));
      SealEvent(prev, &moved.event);
      prev = moved.event.hash();
      moved.bytes = CanonicalBytes(moved.event);
      REQUIRE(gaps.Apply(moved).ok());
      if (first && moved.event.subject().starts_with("stu:")) {
        moved.event.set_business_date("2000-01-01");  // one fact differs
        moved.bytes = CanonicalBytes(moved.event);
        first = false;
      }
      REQUIRE(changed.Apply(moved).ok());
    }
  }
  REQUIRE_FALSE(first);
  CHECK(Digest(gaps) != Digest(dense));
  auto content = [](const Views& v) {
    absl::StatusOr<std::string> d = v.ContentDigest();
    REQUIRE(d.ok());
    return *d;
  };
  CHECK(content(gaps) == content(dense));
  CHECK(content(changed) != content(dense));
}

TEST_CASE(
    "enrollment: by number, former number, identity, kindergarten, stats") {
  ProjectedTerm projected;
  const Numbers& n = projected.n;
  Views& v = *projected.views;

  auto a = v.RecordByNumber(n.a);
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((*a)->status() == xueji::v1::ENROLLED);
  CHECK((*a)->kindergarten() == "350502002");

  // The former L number finds the converted record.
  REQUIRE(n.b_temporary.starts_with("L"));
  REQUIRE(n.b_formal.starts_with("G"));
  auto b = v.RecordByNumber(n.b_temporary);
  REQUIRE(b.ok());
  REQUIRE(b->has_value());
  CHECK((*b)->student_no() == n.b_formal);
  REQUIRE((*b)->former_numbers_size() == 1);
  CHECK((*b)->former_numbers(0) == n.b_temporary);
  auto none = v.RecordByNumber("G000000000000000000");
  REQUIRE(none.ok());
  CHECK(!none->has_value());

  auto by_id = v.RecordsByIdentity(xueji::v1::RESIDENT_ID, n.id_a);
  REQUIRE(by_id.ok());
  REQUIRE(by_id->size() == 1);
  CHECK(by_id->front().student_no() == n.a);

  auto k1 = v.RecordsAtKindergarten("350502001", false);
  REQUIRE(k1.ok());
  REQUIRE(k1->size() == 1);
  CHECK(k1->front().student_no() == n.b_formal);
  auto k3_live = v.RecordsAtKindergarten("350503001", false);
  auto k3_all = v.RecordsAtKindergarten("350503001", true);
  REQUIRE(k3_live.ok());
  REQUIRE(k3_all.ok());
  CHECK(k3_live->empty());
  REQUIRE(k3_all->size() == 1);
  CHECK(k3_all->front().status() == xueji::v1::LEFT);

  auto kgs = v.Kindergartens("350502");
  REQUIRE(kgs.ok());
  CHECK(kgs->size() == 2);
  auto op = v.Operator("op-k1");
  REQUIRE(op.ok());
  REQUIRE(op->has_value());
  CHECK((*op)->last_active() == "2025-10-12");  // its conversion request

  auto stats = v.ComputeStats("350502", absl::CivilDay(2025, 12, 1));
  REQUIRE(stats.ok());
  CHECK(stats->live_records() == 10);
  REQUIRE(stats->by_kindergarten_size() == 2);
  CHECK(stats->by_kindergarten(0).key() == "350502001");
  CHECK(stats->by_kindergarten(0).count() == 1);
  CHECK(stats->by_kindergarten(1).count() == 9);
  REQUIRE(stats->by_county_size() == 1);
  CHECK(stats->by_county(0).count() == 10);
  REQUIRE(stats->by_age_size() == 1);
  CHECK(stats->by_age(0).key() == "4");
  auto other = v.ComputeStats("350503", absl::CivilDay(2025, 12, 1));
  REQUIRE(other.ok());
  CHECK(other->live_records() == 0);
  REQUIRE(other->by_status_size() == 1);
  CHECK(other->by_status(0).key() == "LEFT");
  auto all = v.ComputeStats("", absl::CivilDay(2025, 12, 1));
  REQUIRE(all.ok());
  CHECK(all->live_records() == 10);
  CHECK(all->by_county_size() == 1);
  // A registrar's read: one kindergarten, nothing of its neighbours.
  auto one_kg =
      v.ComputeStats("350502", absl::CivilDay(2025, 12, 1), "350502001");
  REQUIRE(one_kg.ok());
  CHECK(one_kg->live_records() == 1);
  REQUIRE(one_kg->by_kindergarten_size() == 1);
  CHECK(one_kg->by_kindergarten(0).key() == "350502001");
  REQUIRE(one_kg->by_county_size() == 1);
  CHECK(one_kg->by_county(0).count() == 1);
}

TEST_CASE("audit: history per student, operator and request, state as of") {
  ProjectedTerm projected;
  const Numbers& n = projected.n;
  Views& v = *projected.views;

  auto history = v.HistoryOfStudent(n.a);
  REQUIRE(history.ok());
  std::vector<xueji::v1::Event::PayloadCase> cases;
  for (size_t i = 0; i < history->size(); ++i) {
    const auto& e = (*history)[i].event;
    cases.push_back(e.payload_case());
    if (i > 0) CHECK(e.offset() > (*history)[i - 1].event.offset());
    xueji::v1::Event reparsed;
    REQUIRE(reparsed.ParseFromString((*history)[i].bytes));
    CHECK(reparsed.hash() == e.hash());
  }
  using E = xueji::v1::Event;
  std::vector<E::PayloadCase> want = {
      E::kRecordRequested, E::kRecordEstablished, E::kTransferRequested,
      E::kTransferredOut,  E::kTransferredIn,     E::kRequestRejected};
  CHECK(cases == want);
  CHECK(history->back().event.request_rejected().code() ==
        xueji::v1::DUPLICATE_REGISTRATION);
  CHECK(absl::IsNotFound(v.HistoryOfStudent("G000000000000000000").status()));

  auto by_op = v.HistoryOfOperator("op-c1");
  REQUIRE(by_op.ok());
  REQUIRE(by_op->size() == 12);  // approvals r-2, r-4, r-8, r-13, eight a-x-N
  for (const auto& e : *by_op) CHECK(e.event.actor().operator_id() == "op-c1");
  CHECK(by_op->front().event.request_id() == "r-2");

  auto by_request = v.HistoryOfRequest("r-7");
  REQUIRE(by_request.ok());
  REQUIRE(by_request->size() == 2);  // the request and its approval r-8
  CHECK(by_request->at(0).event.has_transfer_requested());
  CHECK(by_request->at(1).event.has_transferred_out());

  auto mid = v.StateAsOf(n.a, n.before_transfer_in);
  REQUIRE(mid.ok());
  REQUIRE(mid->has_value());
  CHECK((*mid)->status() == xueji::v1::TRANSFERRING);
  CHECK((*mid)->transferred_out());
  CHECK((*mid)->kindergarten() == "350502001");
  auto before = v.StateAsOf(n.a, *ParseRfc3339("2025-08-31T00:00:00Z"));
  REQUIRE(before.ok());
  CHECK(!before->has_value());
  auto now = v.StateAsOf(n.a, absl::InfiniteFuture());
  REQUIRE(now.ok());
  REQUIRE(now->has_value());
  CHECK((*now)->status() == xueji::v1::ENROLLED);
  CHECK((*now)->kindergarten() == "350502002");
}

TEST_CASE_METHOD(TermLog,
                 "checkpoints survive reopening and nothing is applied twice") {
  auto heads = log->HeadOffsets();
  REQUIRE(heads.ok());

  // The caught-up views are closed again before they are reopened.
  const std::string digest = Digest(*CaughtUp("views"));
  auto views = Views::Open(dir.Sub("views"));
  REQUIRE(views.ok());
  for (int32_t p = 0; p < static_cast<int32_t>(heads->size()); ++p) {
    auto cp = (*views)->Checkpoint(p);
    REQUIRE(cp.ok());
    CHECK(*cp == (*heads)[p]);
  }
  auto again = (*views)->CatchUp(*log);
  REQUIRE(again.ok());
  CHECK(*again == 0);
  CHECK(Digest(**views) == digest);

  // Re-applying an old event is a no-op.
  int32_t p = 0;
  while ((*heads)[p] == 0) ++p;
  auto first = log->Read(p, 0, 1);
  REQUIRE(first.ok());
  REQUIRE(first->size() == 1);
  auto applied = (*views)->Apply(first->front());
  REQUIRE(applied.ok());
  CHECK(!*applied);
  REQUIRE((*views)->Commit(true).ok());
  CHECK(Digest(**views) == digest);

  // A read-only view sees the same store.
  ViewsOptions read_only;
  read_only.read_only = true;
  auto reader = Views::Open(dir.Sub("views"), read_only);
  REQUIRE(reader.ok());
  CHECK(Digest(**reader) == digest);
  CHECK(!(*reader)->CatchUp(*log).ok());
}

TEST_CASE_METHOD(TermLog,
                 "uncommitted work is lost whole and caught up again") {
  const std::string full = Digest(*CaughtUp("full"));
  {
    // Apply some events of partition-by-partition reading, never commit:
    // a crash before the commit.
    auto views = Views::Open(dir.Sub("views"));
    REQUIRE(views.ok());
    auto heads = log->HeadOffsets();
    REQUIRE(heads.ok());
    for (int32_t p = 0; p < static_cast<int32_t>(heads->size()); ++p) {
      auto events = log->Read(p, 0, 2);
      REQUIRE(events.ok());
      for (const auto& e : *events) REQUIRE((*views)->Apply(e).ok());
    }
  }
  auto views = Views::Open(dir.Sub("views"));
  REQUIRE(views.ok());
  auto cp = (*views)->Checkpoint(0);
  REQUIRE(cp.ok());
  CHECK(*cp == 0);
  REQUIRE((*views)->CatchUp(*log).ok());
  CHECK(Digest(**views) == full);
}

TEST_CASE("an event with an unknown payload stops the catch-up with DataLoss") {
  MemoryKv kv;
  Views views(&kv);
  StoredEvent stored;
  stored.event.set_partition(2);
  stored.event.set_offset(0);
  stored.event.set_subject("stu:G1");
  stored.bytes = stored.event.SerializeAsString();
  auto applied = views.Apply(stored);
  REQUIRE(!applied.ok());
  CHECK(absl::IsDataLoss(applied.status()));
  std::string message(applied.status().message());
  CHECK(message.find("partition 2") != std::string::npos);
  CHECK(message.find("offset 0") != std::string::npos);
  CHECK(kv.contents().empty());

  // A gap is DataLoss too, never a silent skip.
  stored.event.mutable_left()->set_kindergarten("k");
  stored.event.set_offset(5);
  auto gap = views.Apply(stored);
  REQUIRE(!gap.ok());
  CHECK(absl::IsDataLoss(gap.status()));
}

TEST_CASE("a view row that does not parse is DataLoss naming its kind") {
  MemoryKv kv;
  Views views(&kv);
  const std::string bad = "\xff";  // a tag whose varint never ends
  auto unparseable = [](const absl::Status& s, const std::string& what) {
    CHECK(absl::IsDataLoss(s));
    CHECK(s.message() == "views: unparseable " + what + " row");
  };
  kv.Put("G350203001", bad);
  unparseable(views.Kindergartens("").status(), "kindergarten");
  kv.Put("Oreg-1", bad);
  unparseable(views.OperatorWithKey("k").status(), "operator");
  CHECK(absl::IsDataLoss(views.Operator("reg-1").status()));
  kv.Put(std::string(views_internal::kPolicyPrefix) + "1", bad);
  unparseable(views.Policies().status(), "policy");
}

TEST_CASE_METHOD(
    TermLog, "replay --until stops each partition at the first later event") {
  auto views = Views::Open(dir.Sub("views"));
  REQUIRE(views.ok());
  CatchUpOptions until;
  until.until = n.before_transfer_in;
  REQUIRE((*views)->CatchUp(*log, nullptr, until).ok());
  auto a = (*views)->RecordByNumber(n.a);
  REQUIRE(a.ok());
  REQUIRE(a->has_value());
  CHECK((*a)->status() == xueji::v1::TRANSFERRING);
  // Continuing without a limit reaches the full state.
  int progress_calls = 0;
  REQUIRE((*views)
              ->CatchUp(*log, [&](const CatchUpProgress&) { ++progress_calls; })
              .ok());
  CHECK(progress_calls > 0);
  a = (*views)->RecordByNumber(n.a);
  REQUIRE(a.ok());
  CHECK((*a)->status() == xueji::v1::ENROLLED);
}

TEST_CASE_METHOD(
    TermLog,
    "replay --until is recorded in the views until a plain catch-up, "
    "the mark is not part of the digest") {
  auto views = Views::Open(dir.Sub("views"));
  REQUIRE(views.ok());
  CatchUpOptions until;
  until.until = n.before_transfer_in;
  REQUIRE((*views)->CatchUp(*log, nullptr, until).ok());
  auto mark = (*views)->Until();
  REQUIRE(mark.ok());
  REQUIRE(mark->has_value());
  CHECK(**mark == absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", n.before_transfer_in,
                                   absl::UTCTimeZone()));
  // The same rows without the mark: a rebuild up to the same checkpoints.
  auto seen = (*views)->Checkpoints();
  REQUIRE(seen.ok());
  std::unique_ptr<Views> same = RebuildUpTo(*log, *seen, dir.Sub("same"));
  CHECK(same->Checkpoints().value() == *seen);
  CHECK(Digest(*same) == Digest(**views));
  auto unmarked = same->Until();
  REQUIRE(unmarked.ok());
  CHECK_FALSE(unmarked->has_value());

  REQUIRE((*views)->CatchUp(*log).ok());
  mark = (*views)->Until();
  REQUIRE(mark.ok());
  CHECK_FALSE(mark->has_value());
}

TEST_CASE_METHOD(
    TermLog, "views ahead of the log are DataLoss, not a request to replay") {
  MemoryKv kv;
  Views views(&kv);
  REQUIRE(views.CatchUp(*log).ok());
  TempDir other;
  auto shorter = OpenEmbeddedLog(other.Sub("log"), {});  // a different log
  REQUIRE(shorter.ok());
  auto caught = views.CatchUp(**shorter);
  CHECK(absl::IsDataLoss(caught.status()));
  CHECK(std::string(caught.status().message()).find("behind the views") !=
        std::string::npos);
}

}  // namespace
}  // namespace xueji
