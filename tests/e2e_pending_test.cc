// End-to-end tests of `ledger pending` (issue 13): a county approver's queue
// of what waits for its decision, oldest first, with the day each is due and
// the working days left by the ledger's clock; a read like the others
// (attributed, limited to the reader's region, in the access log); overdue
// exactly when `anomalies` reports OVERDUE_APPROVAL.
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <optional>
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

// Every line of DATA/access.log, in order.
std::vector<xueji::v1::AccessEntry> AccessEntries(const std::string& data_dir) {
  std::vector<xueji::v1::AccessEntry> entries;
  for (const std::string& line :
       Lines(ReadFile(fs::path(data_dir) / "access.log"))) {
    xueji::v1::AccessEntry e;
    REQUIRE(ParseJson(line, &e) == "");
    entries.push_back(e);
  }
  return entries;
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
    return AccessEntries(ledger.data_dir());
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

// Issue 9 (a review): export requests (Art. 22) waiting for the level above
// were in nobody's queue. Through the binary: listed as EXPORT to the readers
// whose region holds the export's, in the table (Chinese too), JSON and CSV,
// read like the others (in the access log), gone once decided.
TEST_CASE("pending: export requests wait in the queue until decided",
          "[e2e][pending][issue9]") {
  TestLedger ledger;
  const std::string now = "2025-09-03T17:00:00+08:00";
  ledger.LoadRegistry(
      now,
      TwoCountiesRegistry(
          {R"({"operator":{"id":"officer-xm","role":"OFFICER","org":"3502"}})",
           R"({"operator":{"id":"officer-fj","role":"OFFICER","org":"35"}})"}));
  auto export_line = [](const std::string& id, const std::string& actor,
                        const std::string& region) {
    return R"({"requestId":")" + id + R"(","actor":")" + actor +
           R"(","export":{"purpose":"学位规划","region":")" + region +
           R"(","fields":["birthMonth","gender"]}})";
  };
  RunResult asked = ledger.RunAt(
      now, {"submit",
            ledger.WriteLines(
                {RequestLine("adm-1", "reg-sm", "2025-09-03",
                             AdmitBody("350203001",
                                       BoyJson("王小明", "2021-05-06", 137),
                                       "2025-09-03")),
                 export_line("x-sm", "appr-sm", "350203"),
                 export_line("x-hl", "appr-hl", "350206"),
                 export_line("x-xm", "officer-xm", "3502")},
                "asked.jsonl")});
  INFO("submit: " << asked.out << asked.err);
  REQUIRE(asked.exit_code == 0);
  for (const auto& result : ResultsOf(asked)) {
    REQUIRE(result.status() == xueji::v1::PENDING_APPROVAL);
  }
  using Ids = std::set<std::string>;
  auto ids = [](const PendingReport& report,
                std::optional<PendingItem::Kind> kind = std::nullopt) {
    Ids out;
    for (const PendingItem& item : report.items()) {
      if (!kind.has_value() || item.kind() == *kind) {
        out.insert(item.request_id());
      }
    }
    return out;
  };

  // The province's officer decides all three: all three are in its queue.
  const PendingReport province = Queue(ledger, now, "officer-fj");
  CHECK(ids(province) == Ids{"adm-1", "x-sm", "x-hl", "x-xm"});
  CHECK(ids(province, PendingItem::EXPORT) == Ids{"x-sm", "x-hl", "x-xm"});
  for (const PendingItem& item : province.items()) {
    if (item.request_id() != "x-sm") continue;
    CHECK(item.kind() == PendingItem::EXPORT);
    CHECK(item.requested_by() == "appr-sm");
    CHECK(item.requested_on() == "2025-09-03");
    CHECK(item.detail() ==
          "region 350203: birthMonth,gender; province 35 decides");
    CHECK(item.due().empty());
    CHECK_FALSE(item.overdue());
  }
  // Each reader its region's: a county approver its county's, the city's
  // officer the city's, a registrar none (a kindergarten asks for none).
  CHECK(ids(Queue(ledger, now, "appr-sm")) == Ids{"adm-1", "x-sm"});
  CHECK(ids(Queue(ledger, now, "appr-hl")) == Ids{"x-hl"});
  CHECK(ids(Queue(ledger, now, "officer-xm")) ==
        Ids{"adm-1", "x-sm", "x-hl", "x-xm"});
  CHECK(ids(Queue(ledger, now, "officer-fj", {"--region", "350206"})) ==
        Ids{"x-hl"});
  CHECK(ids(Queue(ledger, now, "reg-sm")) == Ids{"adm-1"});
  CHECK(ids(Queue(ledger, now, "officer-fj", {"--kind", "export"})) ==
        Ids{"x-sm", "x-hl", "x-xm"});

  // The table, in English and in Chinese: no due day, no days left.
  RunResult table = ledger.RunAt(now, {"--as", "appr-sm", "pending"});
  REQUIRE(table.exit_code == 0);
  CHECK(table.out.find("EXPORT") != std::string::npos);
  CHECK(table.out.find("province 35 decides") != std::string::npos);
  CHECK(table.out.find("2 waiting, 0 overdue") != std::string::npos);
  RunResult zh =
      ledger.RunAt(now, {"--lang", "zh", "--as", "appr-sm", "pending"});
  REQUIRE(zh.exit_code == 0);
  CHECK(zh.out.find("脱敏数据导出 (EXPORT)") != std::string::npos);
  // CSV: the same columns, the due day and days left empty.
  auto rows = ReadCsvOutput(
      ledger.RunAt(now, {"--as", "appr-sm", "pending", "--csv"}),
      {"requestedOn", "kind", "requestId", "studentNo", "name", "kindergarten",
       "county", "requestedBy", "detail", "due", "workingDaysLeft", "overdue"});
  REQUIRE(rows.size() == 2);
  const auto& row = rows[0]["kind"] == "EXPORT" ? rows[0] : rows[1];
  CHECK(row.at("kind") == "EXPORT");
  CHECK(row.at("requestId") == "x-sm");
  CHECK(row.at("requestedBy") == "appr-sm");
  CHECK(row.at("due").empty());
  CHECK(row.at("workingDaysLeft").empty());
  CHECK(row.at("overdue") == "false");

  // A read like the others: in the access log, with how many it showed.
  std::vector<xueji::v1::AccessEntry> entries =
      AccessEntries(ledger.data_dir());
  REQUIRE(!entries.empty());
  CHECK(entries.front().command() == "pending");
  CHECK(entries.front().operator_() == "officer-fj");
  CHECK(entries.front().records() == 4);

  // Decided: approved or rejected, they leave every queue.
  RunResult decided = ledger.RunAt(
      now,
      {"submit",
       ledger.WriteLines(
           {R"({"requestId":"ok-sm","actor":"officer-fj","approve":{"requestId":"x-sm"}})",
            R"({"requestId":"no-hl","actor":"officer-fj","reject":{"requestId":"x-hl","reason":"范围过大"}})"},
           "decided.jsonl")});
  INFO("decisions: " << decided.out << decided.err);
  REQUIRE(decided.exit_code == 0);
  CHECK(ids(Queue(ledger, now, "officer-fj")) == Ids{"adm-1", "x-xm"});
  CHECK(ids(Queue(ledger, now, "appr-sm")) == Ids{"adm-1"});
  CHECK(ids(Queue(ledger, now, "appr-hl")).empty());
}

}  // namespace
}  // namespace xueji::e2e
