// End-to-end tests of `ledger pending` (issue 13): a county approver's queue
// of what waits for its decision, oldest first, with the day each is due and
// the working days left by the ledger's clock; a read like the others
// (attributed, limited to the reader's region, in the access log); overdue
// exactly when `anomalies` reports OVERDUE_APPROVAL.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>

#include "google/protobuf/util/json_util.h"
#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;
using xueji::v1::PendingItem;
using xueji::v1::PendingReport;

// The demo term's request lines up to and including `last_day`.
std::vector<std::string> TermUpTo(const std::string& last_day) {
  std::vector<std::string> out;
  for (const auto& [day, lines] : LinesByDay(DemoRequestLines())) {
    if (day <= last_day) out.insert(out.end(), lines.begin(), lines.end());
  }
  return out;
}

// The demo registry and the term up to `last_day`, entered day by day; the
// requests answered PENDING_APPROVAL, by request id, with the kindergarten
// they concern (an approval is another request: those decided later stay
// in `waiting`).
struct PartTerm {
  TestLedger ledger;
  std::map<std::string, std::string> waiting;  // request id -> kindergarten
  explicit PartTerm(const std::string& last_day) {
    ledger.LoadDemoRegistry();
    const std::vector<std::string> lines = TermUpTo(last_day);
    RunResult r = ledger.SubmitByDay(lines);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code <= 1);
    std::map<std::string, std::string> kindergarten_of;
    for (const std::string& line : lines) {
      xueji::v1::Request request;
      if (!google::protobuf::util::JsonStringToMessage(line, &request).ok()) {
        continue;  // the demo's malformed line
      }
      if (request.has_admit()) {
        kindergarten_of[request.request_id()] = request.admit().kindergarten();
      }
    }
    for (const auto& result : ResultsOf(r)) {
      if (result.status() == xueji::v1::PENDING_APPROVAL) {
        waiting[result.request_id()] = kindergarten_of[result.request_id()];
      }
    }
  }
  // Every line of DATA/access.log, in order.
  std::vector<xueji::v1::AccessEntry> Entries() const {
    std::vector<xueji::v1::AccessEntry> entries;
    for (const std::string& line :
         Lines(ReadFile(fs::path(ledger.data_dir()) / "access.log"))) {
      xueji::v1::AccessEntry e;
      REQUIRE(ParseJson(line, &e) == "");
      entries.push_back(e);
    }
    return entries;
  }
};

// `ledger --as READER pending --json ARGS...` at `now`, strictly parsed.
PendingReport Queue(const TestLedger& ledger, const std::string& now,
                    const std::string& reader,
                    const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"--as", reader, "pending", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = ledger.RunAt(now, args);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  PendingReport report;
  google::protobuf::util::JsonParseOptions strict;
  REQUIRE(
      google::protobuf::util::JsonStringToMessage(r.out, &report, strict).ok());
  return report;
}

TEST_CASE("pending: a county's queue, oldest first, with working days left",
          "[e2e][pending]") {
  // The first two days of term: 20 admissions requested, none decided yet.
  PartTerm term("2025-09-02");
  REQUIRE(term.waiting.size() >= 10);
  const std::string now = "2025-09-02T17:30:00+08:00";

  std::map<std::string, std::string> siming, huli;
  for (const auto& [id, kg] : term.waiting) {
    (kg.starts_with("350203") ? siming : huli)[id] = kg;
  }
  REQUIRE(!siming.empty());
  REQUIRE(!huli.empty());

  PendingReport mine = Queue(term.ledger, now, "appr-siming");
  CHECK(mine.as_of() == "2025-09-02");
  CHECK(mine.region() == "350203");
  std::map<std::string, std::string> listed;
  std::string previous;
  for (const PendingItem& item : mine.items()) {
    INFO(item.ShortDebugString());
    listed[item.request_id()] = item.kindergarten();
    CHECK(item.kind() == PendingItem::ADMISSION);
    CHECK(item.county() == "350203");
    CHECK(!item.student_no().empty());
    CHECK(!item.name().empty());
    CHECK(item.requested_by().starts_with("reg-sm"));
    CHECK(item.requested_on() >= previous);  // oldest first
    previous = item.requested_on();
    // 5 working days (the built-in approveWorkingDays): 1 September (Mon)
    // is due 8 September, 4 working days after 2 September; 2 September is
    // due 9 September, 5 left.
    if (item.requested_on() == "2025-09-01") {
      CHECK(item.due() == "2025-09-08");
      CHECK(item.working_days_left() == 4);
    } else {
      CHECK(item.requested_on() == "2025-09-02");
      CHECK(item.due() == "2025-09-09");
      CHECK(item.working_days_left() == 5);
    }
    CHECK_FALSE(item.overdue());
  }
  CHECK(listed == siming);  // exactly what the ledger answered as pending

  // Huli's approver sees Huli's; the city's officer both.
  PendingReport theirs = Queue(term.ledger, now, "appr-huli");
  CHECK(theirs.items_size() == static_cast<int>(huli.size()));
  for (const PendingItem& item : theirs.items()) {
    CHECK(item.county() == "350206");
  }
  PendingReport city = Queue(term.ledger, now, "officer-xiamen");
  CHECK(city.items_size() == static_cast<int>(term.waiting.size()));
  PendingReport narrowed =
      Queue(term.ledger, now, "officer-xiamen", {"--region", "350206"});
  CHECK(narrowed.items_size() == theirs.items_size());
  // A registrar: its own kindergarten's requests.
  PendingReport own = Queue(term.ledger, now, "reg-sm1");
  REQUIRE(own.items_size() > 0);
  for (const PendingItem& item : own.items()) {
    CHECK(item.kindergarten() == "350203001");
  }
  // --kind, in any case.
  CHECK(Queue(term.ledger, now, "appr-siming", {"--kind", "admission"})
            .items_size() == mine.items_size());
  CHECK(Queue(term.ledger, now, "appr-siming", {"--kind", "TRANSFER"})
            .items_size() == 0);

  // Another county's queue is refused, and the refusal recorded.
  RunResult other = term.ledger.RunAt(
      now, {"--as", "appr-siming", "pending", "--region", "350206"});
  CHECK(other.exit_code == 2);
  CHECK(other.out.empty());
  CHECK(other.err.find("NOT_AUTHORIZED") != std::string::npos);
  RunResult bad_kind =
      term.ledger.RunAt(now, {"--as", "appr-siming", "pending", "--kind", "x"});
  CHECK(bad_kind.exit_code == 2);

  // Every read is in the access log, with how many it showed.
  const auto entries = term.Entries();
  REQUIRE(entries.size() >= 8);
  CHECK(entries.front().command() == "pending");
  CHECK(entries.front().operator_() == "appr-siming");
  CHECK(entries.front().records() == mine.items_size());
  CHECK(entries.back().refused() == "NOT_AUTHORIZED");
  CHECK(entries.back().command() == "pending");

  // The table says the same.
  RunResult table = term.ledger.RunAt(now, {"--as", "appr-siming", "pending"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find(mine.items(0).request_id()) != std::string::npos);
  CHECK(table.out.find(std::to_string(mine.items_size()) +
                       " waiting, 0 overdue") != std::string::npos);
}

TEST_CASE("pending: overdue exactly when anomalies say OVERDUE_APPROVAL",
          "[e2e][pending]") {
  PartTerm term("2025-09-02");
  // Nobody decided: on 10 September (Wed) the 1 September requests are
  // 2 working days overdue, the 2 September ones 1.
  const std::string now = "2025-09-10T09:00:00+08:00";
  PendingReport queue = Queue(term.ledger, now, "officer-xiamen");
  REQUIRE(queue.items_size() == static_cast<int>(term.waiting.size()));
  std::set<std::string> overdue;
  for (const PendingItem& item : queue.items()) {
    INFO(item.ShortDebugString());
    CHECK(item.overdue());
    CHECK(item.working_days_left() ==
          (item.requested_on() == "2025-09-01" ? -2 : -1));
    overdue.insert(item.student_no());
  }
  RunResult anomalies =
      term.ledger.RunAt(now, {"--as", "officer-xiamen", "anomalies", "--kind",
                              "OVERDUE_APPROVAL", "--json"});
  REQUIRE(anomalies.exit_code == 0);
  xueji::v1::AnomalyReport report;
  REQUIRE(ParseJson(anomalies.out, &report) == "");
  std::set<std::string> flagged;
  for (const auto& a : report.anomalies()) flagged.insert(a.student_no());
  CHECK(flagged == overdue);
  RunResult table =
      term.ledger.RunAt(now, {"--as", "officer-xiamen", "pending"});
  CHECK(table.out.find("OVERDUE by 2") != std::string::npos);
}

TEST_CASE("pending: decided requests leave the queue, changes join it",
          "[e2e][pending]") {
  // Through 26 September: the admissions decided, c1's transfer out of
  // 350203001 requested that day.
  PartTerm term("2025-09-26");
  const std::string now = "2025-09-26T17:30:00+08:00";
  PendingReport queue = Queue(term.ledger, now, "appr-siming");
  const auto c1 = ExpectedDemoRecords().at("c1");
  const PendingItem* transfer = nullptr;
  for (const PendingItem& item : queue.items()) {
    INFO(item.ShortDebugString());
    // The first days' admissions were decided on 3 and 4 September.
    CHECK(item.requested_on() > "2025-09-02");
    if (item.kind() == PendingItem::TRANSFER) transfer = &item;
  }
  REQUIRE(transfer != nullptr);
  CHECK(transfer->student_no() == c1.student_no);
  CHECK(transfer->kindergarten() == "350203001");  // the sending county
  CHECK(transfer->detail() == "to 350206001");
  CHECK(transfer->requested_on() == "2025-09-26");
  // 26 September (Fri) + 5 working days across the National Day holiday
  // (1-8 October off, 28 September and 11 October worked).
  CHECK(transfer->due() == "2025-10-10");
  CHECK(transfer->working_days_left() == 5);
  // Huli's approver does not decide it.
  const PendingReport huli = Queue(term.ledger, now, "appr-huli");
  for (const PendingItem& item : huli.items()) {
    CHECK(item.kind() != PendingItem::TRANSFER);
  }
}

}  // namespace
}  // namespace xueji::e2e
