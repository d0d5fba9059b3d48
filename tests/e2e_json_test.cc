// End-to-end tests of the one JSON shape (issue 13): every `--json` output is
// protobuf's JSON mapping of one message of proto/ (parsed strictly: an
// unknown field fails), hashes are hex everywhere, and an account's anomaly
// names its operator in `operator`, never in `studentNo`.
#include <catch2/catch.hpp>
#include <regex>

#include "google/protobuf/util/json_util.h"
#include "tests/e2e_support.h"
#include "tests/log_tamper.h"

namespace xueji::e2e {
namespace {

// Strict: the whole output is one JSON object of `m`'s type, no unknown
// field, nothing else around it.
std::string ParseStrict(const std::string& text, google::protobuf::Message* m) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(text, m, options);
  return status.ok() ? "" : std::string(status.message());
}

TEST_CASE("json: every --json is one message of proto/", "[e2e][json]") {
  DemoLedger demo;
  const auto records = ExpectedDemoRecords();
  const auto& c1 = records.at("c1");
  struct Case {
    std::vector<std::string> args;
    std::unique_ptr<google::protobuf::Message> message;
  };
  std::vector<Case> cases;
  cases.push_back({{"show", c1.student_no, "--json"},
                   std::make_unique<xueji::v1::RecordState>()});
  cases.push_back(
      {{"find", "--id-type", c1.id_type, "--id-number", c1.id_number, "--json"},
       std::make_unique<xueji::v1::RecordList>()});
  cases.push_back({{"list", "--kindergarten", "350203001", "--json"},
                   std::make_unique<xueji::v1::RecordList>()});
  cases.push_back({{"history", c1.student_no, "--json", "--as-of",
                    "2025-10-01T00:00:00+08:00"},
                   std::make_unique<xueji::v1::History>()});
  cases.push_back(
      {{"anomalies", "--json"}, std::make_unique<xueji::v1::AnomalyReport>()});
  cases.push_back({{"stats", "--json"}, std::make_unique<xueji::v1::Stats>()});
  cases.push_back(
      {{"verify", "--json"}, std::make_unique<xueji::v1::VerifyReport>()});
  cases.push_back({{"verify", "--views", "--json"},
                   std::make_unique<xueji::v1::VerifyReport>()});
  cases.push_back(
      {{"policy", "--json"}, std::make_unique<xueji::v1::PolicyVersions>()});
  cases.push_back({{"policy", "--all", "--json"},
                   std::make_unique<xueji::v1::PolicyVersions>()});
  cases.push_back(
      {{"access-log", "--json"}, std::make_unique<xueji::v1::AccessLogView>()});
  for (Case& c : cases) {
    RunResult r = demo.ledger.Run(c.args);
    INFO("ledger " << c.args[0] << " " << c.args[1] << "\nstderr: " << r.err
                   << "\nstdout: " << r.out.substr(0, 400));
    REQUIRE(r.exit_code == 0);
    CHECK(ParseStrict(r.out, c.message.get()) == "");
    CHECK(c.message->ByteSizeLong() > 0);
  }
  // list: the kindergarten's live records, as RecordState messages.
  xueji::v1::RecordList list;
  REQUIRE(ParseStrict(
              demo.ledger.Run({"list", "--kindergarten", "350203001", "--json"})
                  .out,
              &list) == "");
  CHECK(list.records_size() > 0);
  for (const auto& r : list.records()) CHECK(r.kindergarten() == "350203001");
  // history --as-of: the record as it stood then, and the events to then.
  // The term was entered day by day: on 1 October c1 was on its way from
  // Siming to Huli (out on 28 September, in on 13 October).
  auto history_as_of = [&](const std::string& time) {
    xueji::v1::History history;
    REQUIRE(ParseStrict(
                demo.ledger
                    .Run({"history", c1.student_no, "--json", "--as-of", time})
                    .out,
                &history) == "");
    return history;
  };
  const xueji::v1::History then = history_as_of("2025-10-01T00:00:00+08:00");
  CHECK(then.as_of() == "2025-10-01T00:00:00+08:00");
  CHECK(then.state_as_of().status() == xueji::v1::TRANSFERRING);
  CHECK(then.events_size() > 0);
  for (const auto& entry : then.events()) {
    CHECK(entry.event().business_date() <= "2025-10-01");
  }
  // Before anything was recorded: no record and no events.
  const xueji::v1::History before = history_as_of("2025-01-01T00:00:00+08:00");
  CHECK_FALSE(before.has_state_as_of());
  CHECK(before.events_size() == 0);
}

TEST_CASE("json: verify --json gives the report verify prints, hashes in hex",
          "[e2e][json]") {
  DemoLedger demo;
  RunResult text = demo.ledger.Run({"verify"});
  RunResult json = demo.ledger.Run({"verify", "--json"});
  REQUIRE(text.exit_code == 0);
  REQUIRE(json.exit_code == 0);
  xueji::v1::VerifyReport report;
  REQUIRE(ParseStrict(json.out, &report) == "");
  CHECK(report.intact());
  CHECK(report.breaks_size() == 0);
  CHECK(report.damage_size() == 0);
  CHECK(text.out.find(std::to_string(report.events_checked()) +
                      " events checked") != std::string::npos);
  REQUIRE(report.partitions_size() > 0);
  const std::regex hex("[0-9a-f]{64}");
  int64_t events = 0;
  for (const auto& p : report.partitions()) {
    INFO("partition " << p.partition());
    events += p.events();
    if (p.events() == 0) continue;
    CHECK(std::regex_match(p.head_hash(), hex));
    CHECK(text.out.find(p.head_hash()) != std::string::npos);  // same hashes
  }
  CHECK(events == report.events_checked());
  // history's hashes are the same hex: the last event of c1's partition is
  // the head of that partition only if nothing followed, so compare each
  // event's hash with the chain instead: prev_hash = predecessor's hash.
  const auto records = ExpectedDemoRecords();
  const auto& c1 = records.at("c1");
  xueji::v1::History history;
  RunResult h = demo.ledger.Run({"history", c1.student_no, "--json"});
  INFO("stderr: " << h.err);
  REQUIRE(h.exit_code == 0);
  REQUIRE(ParseStrict(h.out, &history) == "");
  for (const auto& entry : history.events()) {
    CHECK(std::regex_match(entry.hash(), hex));
  }

  // A changed byte: verify --json reports the break and exits 3.
  TamperResult tamper =
      FlipByteOfEvent(demo.ledger.data_dir() + "/log", "r-002");
  REQUIRE(tamper.changed);
  RunResult broken = demo.ledger.Run({"verify", "--json"});
  CHECK(broken.exit_code == 3);
  xueji::v1::VerifyReport damaged;
  REQUIRE(ParseStrict(broken.out, &damaged) == "");
  CHECK_FALSE(damaged.intact());
  CHECK(damaged.breaks_size() >= 1);
}

TEST_CASE("json: verify --digest --json reports the digest's check",
          "[e2e][json][digest]") {
  DemoLedger demo;
  const std::string file = demo.ledger.tmp().Sub("digest.json");
  RunResult taken = demo.ledger.Run({"digest", "--out", file});
  INFO("digest: " << taken.err);
  REQUIRE(taken.exit_code == 0);
  RunResult intact = demo.ledger.Run({"verify", "--digest", file, "--json"});
  INFO("verify: " << intact.out << intact.err);
  REQUIRE(intact.exit_code == 0);
  xueji::v1::VerifyReport report;
  REQUIRE(ParseStrict(intact.out, &report) == "");
  CHECK(report.intact());
  CHECK(report.digest().file() == file);
  CHECK(report.digest().taken_at() == demo.ledger.now());
  CHECK(report.digest().matched_size() > 0);
  CHECK(report.digest().problems_size() == 0);

  // The chain rewritten and resealed: intact chains, the digest's problems.
  TamperResult rewrite =
      RewriteAndReseal(demo.ledger.data_dir() + "/log", "r-002", "2025-08-31");
  INFO(rewrite.error);
  REQUIRE(rewrite.changed);
  RunResult anchored = demo.ledger.Run({"verify", "--digest", file, "--json"});
  CHECK(anchored.exit_code == 3);
  xueji::v1::VerifyReport mismatch;
  REQUIRE(ParseStrict(anchored.out, &mismatch) == "");
  CHECK(mismatch.intact());
  REQUIRE(mismatch.digest().problems_size() > 0);
  CHECK(mismatch.digest().problems(0).find(
            "partition " + std::to_string(rewrite.partition) + ":") == 0);
  // The text is the same report.
  RunResult text = demo.ledger.Run({"verify", "--digest", file});
  CHECK(text.exit_code == 3);
  CHECK(text.out.find("DIGEST MISMATCH: " + mismatch.digest().problems(0)) !=
        std::string::npos);
}

TEST_CASE("json: an account's anomaly names its operator, not a student number",
          "[e2e][json][anomalies]") {
  DemoLedger demo;
  // Months after the term, the demo's registrars and approvers are idle.
  RunResult r = demo.ledger.Run({"anomalies", "--kind", "DORMANT_ACCOUNT",
                                 "--as-of", "2026-12-31", "--json"});
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  xueji::v1::AnomalyReport report;
  REQUIRE(ParseStrict(r.out, &report) == "");
  REQUIRE(report.anomalies_size() > 0);
  for (const auto& a : report.anomalies()) {
    INFO(a.ShortDebugString());
    CHECK(a.kind() == xueji::v1::Anomaly::DORMANT_ACCOUNT);
    CHECK(a.student_no().empty());
    CHECK(!a.operator_().empty());
  }
  CHECK(r.out.find("\"operator\": \"") != std::string::npos);
  // The table shows the operator in the same column.
  RunResult table = demo.ledger.Run(
      {"anomalies", "--kind", "DORMANT_ACCOUNT", "--as-of", "2026-12-31"});
  CHECK(table.out.find(report.anomalies(0).operator_()) != std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
