// Reads are attributed (issue 9; Art. 22, PIPL): every read names its reader,
// shows nothing outside the reader's region in any field, and is recorded in
// the hash-chained access log, which `ledger access-log` lists and checks.
#include <catch2/catch.hpp>
#include <filesystem>

#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;

// 林若溪, G350203202011020222: admitted by reg-sm1 at 350203001 (思明区) as
// r-002 and there all term.
constexpr char kSimingChild[] = "G350203202011020222";
constexpr char kSimingIdNumber[] = "350203202011020222";
constexpr char kSimingName[] = "林若溪";
constexpr char kSimingRequest[] = "r-002";

// Two children with no identity document, same name, gender and birth date,
// one in each county: a PROBABLE_DUPLICATE pair whose `related` numbers
// cross the county line.
const std::vector<std::string>& Twins() {
  static const auto* lines = new std::vector<std::string>{
      R"({"requestId":"twin-sm","actor":"reg-sm1","occurredOn":"2026-01-05",)"
      R"("admit":{"kindergarten":"350203001","child":{"name":"周同名",)"
      R"("gender":"MALE","birthDate":"2021-04-04","idType":"NONE"},)"
      R"("entryDate":"2026-01-05"}})",
      R"({"requestId":"twin-hl","actor":"reg-hl1","occurredOn":"2026-01-05",)"
      R"("admit":{"kindergarten":"350206001","child":{"name":"周同名",)"
      R"("gender":"MALE","birthDate":"2021-04-04","idType":"NONE"},)"
      R"("entryDate":"2026-01-05"}})"};
  return *lines;
}

struct Term {
  TestLedger ledger;
  std::string twin_sm, twin_hl;  // the twins' student numbers
  Term() {
    ledger.LoadDemoRegistry();
    REQUIRE(ledger.Run({"submit", ledger.TermInOneSitting()}).exit_code == 1);
    RunResult twins = ledger.SubmitLines(Twins(), "twins.jsonl");
    REQUIRE(twins.exit_code == 0);
    auto results = ResultsOf(twins);
    REQUIRE(results.size() == 2);
    twin_sm = results[0].student_no();
    twin_hl = results[1].student_no();
    REQUIRE(!twin_sm.empty());
    REQUIRE(!twin_hl.empty());
  }
  fs::path AccessLog() const {
    return fs::path(ledger.data_dir()) / "access.log";
  }
  std::vector<xueji::v1::AccessEntry> Entries() const {
    std::vector<xueji::v1::AccessEntry> entries;
    for (const std::string& line : Lines(ReadFile(AccessLog()))) {
      xueji::v1::AccessEntry e;
      REQUIRE(ParseJson(line, &e) == "");
      entries.push_back(e);
    }
    return entries;
  }
};

// Nothing of the Siming child anywhere in what the command printed.
void ShowsNothingOfSiming(const RunResult& r, const Term& term) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.out.find(kSimingChild) == std::string::npos);
  CHECK(r.out.find(kSimingName) == std::string::npos);
  CHECK(r.out.find(term.twin_sm) == std::string::npos);
  CHECK(r.err.find(kSimingName) == std::string::npos);
  CHECK(r.out.find("350203001") == std::string::npos);
}

TEST_CASE("a reader from another county learns nothing of a child",
          "[e2e][reads]") {
  Term term;
  const TestLedger& ledger = term.ledger;
  // The child is there: its own county reads it.
  RunResult own = ledger.Run({"--as", "appr-siming", "show", kSimingChild});
  REQUIRE(own.exit_code == 0);
  REQUIRE(own.out.find(kSimingName) != std::string::npos);

  for (const char* reader : {"appr-huli", "reg-hl1"}) {
    INFO("reader " << reader);
    RunResult show = ledger.Run({"--as", reader, "show", kSimingChild});
    CHECK(show.exit_code == 2);
    CHECK(show.out.empty());
    ShowsNothingOfSiming(show, term);
    // Asked about a number that does not exist, the same answer.
    RunResult none =
        ledger.Run({"--as", reader, "show", "G350203202011029999"});
    CHECK(none.exit_code == 2);
    CHECK(absl::StrReplaceAll(none.err, {{"G350203202011029999", "N"}}) ==
          absl::StrReplaceAll(show.err, {{kSimingChild, "N"}}));

    RunResult history = ledger.Run({"--as", reader, "history", kSimingChild});
    CHECK(history.exit_code == 2);
    CHECK(history.out.empty());
    ShowsNothingOfSiming(history, term);

    RunResult find =
        ledger.Run({"--as", reader, "find", "--id-type", "RESIDENT_ID",
                    "--id-number", kSimingIdNumber, "--json"});
    CHECK(find.exit_code == 0);
    xueji::v1::RecordList found;
    CHECK(ParseJson(find.out, &found) == "");
    CHECK(found.records_size() == 0);
    ShowsNothingOfSiming(find, term);

    RunResult list =
        ledger.Run({"--as", reader, "list", "--kindergarten", "350203001"});
    CHECK(list.exit_code == 2);
    CHECK(list.out.empty());

    RunResult status = ledger.Run({"--as", reader, "status", kSimingRequest});
    CHECK(status.exit_code == 2);
    CHECK(status.out.empty());
    ShowsNothingOfSiming(status, term);
    RunResult unknown = ledger.Run({"--as", reader, "status", "no-such-id"});
    CHECK(absl::StrReplaceAll(unknown.err, {{"no-such-id", "ID"}}) ==
          absl::StrReplaceAll(status.err, {{kSimingRequest, "ID"}}));

    RunResult anomalies = ledger.Run({"--as", reader, "anomalies", "--json"});
    CHECK(anomalies.exit_code == 0);
    ShowsNothingOfSiming(anomalies, term);
    xueji::v1::AnomalyReport report;
    REQUIRE(ParseJson(anomalies.out, &report) == "");
    bool twin_seen = false;
    for (const auto& a : report.anomalies()) {
      CHECK(a.county() == kHuli);
      for (const std::string& no : a.related()) CHECK(no != term.twin_sm);
      if (a.student_no() == term.twin_hl) {
        twin_seen = true;
        CHECK(a.related_size() == 0);
        CHECK(a.detail().find("outside your region") != std::string::npos);
      }
    }
    CHECK(twin_seen);

    RunResult stats = ledger.Run({"--as", reader, "stats", "--json"});
    CHECK(stats.exit_code == 0);
    ShowsNothingOfSiming(stats, term);
    xueji::v1::Stats s;
    REQUIRE(ParseJson(stats.out, &s) == "");
    for (const auto& row : s.by_kindergarten()) {
      CHECK(row.key().rfind(kHuli, 0) == 0);
    }
    for (const auto& row : s.by_county()) CHECK(row.key() == kHuli);
  }

  SECTION("a registrar's statistics are its kindergarten's, not its county's") {
    RunResult stats = ledger.Run({"--as", "reg-hl1", "stats", "--json"});
    REQUIRE(stats.exit_code == 0);
    xueji::v1::Stats s;
    REQUIRE(ParseJson(stats.out, &s) == "");
    REQUIRE(s.by_kindergarten_size() == 1);
    CHECK(s.by_kindergarten(0).key() == "350206001");
    CHECK(s.live_records() == s.by_kindergarten(0).count());
  }
  SECTION("the submitter and the county learn the answer") {
    for (const char* reader : {"reg-sm1", "appr-siming", "auditor-xiamen"}) {
      RunResult status = ledger.Run({"--as", reader, "status", kSimingRequest});
      INFO(reader << ": " << status.err);
      CHECK(status.exit_code == 0);
      CHECK(status.out.find(kSimingChild) != std::string::npos);
    }
  }
  SECTION("the twin's own county sees both numbers (and the reader with all)") {
    RunResult xiamen =
        ledger.Run({"--as", "officer-xiamen", "anomalies", "--json"});
    REQUIRE(xiamen.exit_code == 0);
    CHECK(xiamen.out.find(term.twin_sm) != std::string::npos);
    CHECK(xiamen.out.find("outside your region") == std::string::npos);
  }
}

TEST_CASE("the access log records who read what, access-log finds an edit",
          "[e2e][reads]") {
  Term term;
  const TestLedger& ledger = term.ledger;
  REQUIRE(ledger.Run({"--as", "appr-siming", "show", kSimingChild}).exit_code ==
          0);
  REQUIRE(ledger.Run({"--as", "appr-huli", "show", kSimingChild}).exit_code ==
          2);
  REQUIRE(ledger
              .Run({"--as", "appr-siming", "find", "--id-type", "RESIDENT_ID",
                    "--id-number", kSimingIdNumber})
              .exit_code == 0);
  REQUIRE(ledger.Run({"--as", "reg-sm1", "status", kSimingRequest}).exit_code ==
          0);
  REQUIRE(ledger.Run({"stats"}).exit_code == 0);  // a development ledger

  const std::vector<xueji::v1::AccessEntry> entries = term.Entries();
  REQUIRE(entries.size() == 5);
  CHECK(entries[0].operator_() == "appr-siming");
  CHECK(entries[0].command() == "show");
  CHECK(entries[0].query() == kSimingChild);
  CHECK(entries[0].records() == 1);
  CHECK(entries[0].at() == ledger.now());
  CHECK(entries[1].operator_() == "appr-huli");
  CHECK(entries[1].refused() == "NOT_AUTHORIZED");
  CHECK(entries[1].records() == 0);
  CHECK(entries[2].command() == "find");
  CHECK(entries[2].query().find("sha256:") != std::string::npos);
  CHECK(entries[3].command() == "status");
  CHECK(entries[3].query() == kSimingRequest);
  CHECK(entries[4].operator_().empty());
  for (size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i].seq() == static_cast<int64_t>(i + 1));
    if (i > 0) CHECK(entries[i].prev_hash() == entries[i - 1].hash());
  }
  // The identity number asked for is not in the log, only its hash.
  const std::string text = ReadFile(term.AccessLog());
  CHECK(text.find(kSimingIdNumber + std::string(",")) == std::string::npos);
  CHECK_FALSE(ContainsBareIdNumber(text));

  SECTION("auditors list it; registrars may not") {
    RunResult all =
        ledger.Run({"--as", "auditor-xiamen", "access-log", "--json"});
    INFO(all.err);
    REQUIRE(all.exit_code == 0);
    xueji::v1::AccessLogView listed;  // one message (issue 13)
    REQUIRE(ParseJson(all.out, &listed) == "");
    CHECK(listed.entries_size() == 4);  // the development read names no one
    CHECK(listed.total() == 5);
    CHECK(listed.intact());
    RunResult one = ledger.Run(
        {"--as", "auditor-xiamen", "access-log", "--operator", "appr-huli"});
    CHECK(one.exit_code == 0);
    CHECK(one.out.find("NOT_AUTHORIZED") != std::string::npos);
    CHECK(one.out.find("appr-siming") == std::string::npos);
    CHECK(one.out.find("access log chain intact") != std::string::npos);
    RunResult later = ledger.Run({"--as", "auditor-xiamen", "access-log",
                                  "--since", "2026-01-06T00:00:00Z", "--json"});
    CHECK(later.exit_code == 0);
    listed.Clear();
    REQUIRE(ParseJson(later.out, &listed) == "");
    CHECK(listed.entries_size() == 0);
    CHECK(listed.total() == 7);  // and the two listings above
    RunResult registrar = ledger.Run({"--as", "reg-sm1", "access-log"});
    CHECK(registrar.exit_code == 2);
    CHECK(registrar.out.empty());
    // Listing it is a read too.
    CHECK(term.Entries().back().command() == "access-log");
  }
  SECTION("an edited line breaks the chain, named by its entry") {
    std::vector<std::string> lines = absl::StrSplit(text, '\n');
    REQUIRE(lines[1].find("appr-huli") != std::string::npos);
    lines[1] = absl::StrReplaceAll(lines[1], {{"appr-huli", "appr-siming"}});
    WriteFile(term.AccessLog(), absl::StrJoin(lines, "\n"));
    RunResult check = ledger.Run({"access-log"});
    CHECK(check.exit_code == 3);
    CHECK(check.err.find("entry 2") != std::string::npos);
    CHECK(check.err.find("line 2") != std::string::npos);
  }
  SECTION("a removed line breaks it at the next") {
    std::vector<std::string> lines = absl::StrSplit(text, '\n');
    lines.erase(lines.begin() + 1);
    WriteFile(term.AccessLog(), absl::StrJoin(lines, "\n"));
    RunResult check = ledger.Run({"access-log"});
    CHECK(check.exit_code == 3);
    CHECK(check.err.find("entry 3") != std::string::npos);
  }
}

}  // namespace
}  // namespace xueji::e2e
