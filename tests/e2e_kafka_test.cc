// Kafka mode end to end on librdkafka's mock cluster (ledger-mock-kafka, 3
// brokers, 6 partitions; tests/support/kafka_cluster.h), where faults can be
// injected that a real cluster does not offer on demand: a broker down and
// up, partition leaders moved, protocol errors injected. Each is the
// KafkaScenario of tests/kafka_scenario.h (two processors without
// transactions, two projectors, a generated workload in chunks) and ends
// with its checks: the events topic byte-identical to the embedded run,
// subject by subject and head hash by head hash, the views equal, and a
// resubmission answered DUPLICATE_REQUEST appending nothing. Plus the race
// of two CLIs admitting the same (synthetic) child to two kindergartens at
// the same moment, on Kafka and on the embedded default, and hostile input.
//
// The process and failover scenarios (SIGKILLed processor and projector,
// rebalance, zombie, standby catch-up, verify while appending) run on Apache
// Kafka with transactions: e2e_kafka_real_test.cc.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/e2e_support.h"
#include "tests/kafka_e2e.h"
#include "tests/kafka_scenario.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;
using xueji::v1::Result;
using xueji::v1::ResultStatus_Name;

// The mock and a scenario on it, with deterministic leaders: broker 1 leads
// the requests partition, events, results and registry partitions p are led
// by broker p % 3 + 1.
struct MockScenario {
  MockScenario()
      : s(mock, ScenarioOptions{.before_start = [this] { PinLeaders(); }}) {}

  // Sends a command to the mock; it must answer ok.
  void Command(const std::string& line) {
    const std::string answer = mock.Command(line);
    s.Require(answer == "ok", "mock: " + line + " -> " + answer);
  }
  void PinLeaders() {
    const std::string answer = mock.Command("leader xueji.requests 0 1");
    REQUIRE(answer == "ok");
    for (int p = 0; p < mock.partitions(); ++p) {
      const std::string broker = std::to_string(p % mock.brokers() + 1);
      for (const char* topic :
           {"xueji.events", "xueji.results", "xueji.registry"}) {
        REQUIRE(mock.Command(std::string("leader ") + topic + " " +
                             std::to_string(p) + " " + broker) == "ok");
      }
    }
  }

  MockKafka mock;
  KafkaScenario s;
};

TEST_CASE("kafka: a broker down mid-stream then up", "[kafka]") {
  MockScenario m;
  KafkaScenario& s = m.s;
  s.SubmitChunk(0);
  s.SubmitChunk(1);
  // In flight: broker 1 (leader of the requests partition and of events
  // partitions 0 and 3) goes down while chunk 2 flows; it comes back once an
  // attempt has failed.
  ChunkFault in_flight;
  in_flight.timeout = "4s";
  in_flight.during = [&] { m.Command("broker-down 1"); };
  in_flight.after_failure = [&] { m.Command("broker-up 1"); };
  s.SubmitChunk(2, in_flight);
  m.Command("broker-up 1");
  // Between chunks: broker 2 (events partitions 1 and 4) is down when chunk 3
  // is submitted, so its first attempt cannot be answered and exits 3.
  m.Command("broker-down 2");
  ChunkFault down;
  down.timeout = "4s";
  down.after_failure = [&] { m.Command("broker-up 2"); };
  const int failed = s.SubmitChunk(3, down);
  s.Check(failed >= 1, "chunk 3 was answered with broker 2 down");
  m.Command("broker-up 2");
  s.SubmitRest(4);
  s.CheckEnd();
}

TEST_CASE("kafka: partition leaders move mid-stream", "[kafka]") {
  MockScenario m;
  KafkaScenario& s = m.s;
  auto move_leaders = [&](int shift) {
    for (int p = 0; p < m.mock.partitions(); ++p) {
      const std::string broker =
          std::to_string((p + shift) % m.mock.brokers() + 1);
      m.Command("leader xueji.events " + std::to_string(p) + " " + broker);
      m.Command("leader xueji.results " + std::to_string(p) + " " + broker);
    }
  };
  s.SubmitChunk(0);
  ChunkFault in_flight;
  in_flight.during = [&] {
    move_leaders(1);
    m.Command("leader xueji.requests 0 2");
  };
  s.SubmitChunk(1, in_flight);
  move_leaders(2);  // between chunks
  s.SubmitChunk(2);
  in_flight.during = [&] {
    move_leaders(0);
    m.Command("leader xueji.requests 0 3");
  };
  s.SubmitChunk(3, in_flight);
  s.SubmitRest(4);
  s.CheckEnd();
}

TEST_CASE(
    "kafka: injected NOT_LEADER_OR_FOLLOWER and REQUEST_TIMED_OUT "
    "errors",
    "[kafka]") {
  MockScenario m;
  KafkaScenario& s = m.s;
  s.SubmitChunk(0);
  auto inject = [&](std::vector<std::string> commands) {
    ChunkFault fault;
    fault.during = [&m, commands] {
      for (const std::string& c : commands) m.Command(c);
    };
    return fault;
  };
  s.SubmitChunk(1, inject({"error Produce NOT_LEADER_OR_FOLLOWER 5"}));
  s.SubmitChunk(2, inject({"error Produce REQUEST_TIMED_OUT 5"}));
  s.SubmitChunk(3, inject({"error Fetch NOT_LEADER_OR_FOLLOWER 5",
                           "error Fetch REQUEST_TIMED_OUT 5"}));
  // Between chunks: a burst on both APIs before chunk 4 starts.
  m.Command("error Produce NOT_LEADER_OR_FOLLOWER 10");
  m.Command("error Produce REQUEST_TIMED_OUT 10");
  m.Command("error Fetch REQUEST_TIMED_OUT 10");
  s.SubmitRest(4);
  m.Command("clear-errors Produce");
  m.Command("clear-errors Fetch");
  s.CheckEnd();
}

// ---- two CLIs admitting the same child at the same moment
// --------------------

constexpr int kRaces = 20;

// A synthetic resident ID (GB 11643 check character, as
// tools/synthetic_id.py): area 350203, born in 2021, sequence 9xx.
std::string SyntheticId(int n, std::string* birth_date, bool* male) {
  const int month = n % 12 + 1, day = n / 12 % 28 + 1, seq = 900 + n % 100;
  char birth[9], date[11];
  std::snprintf(birth, sizeof birth, "2021%02d%02d", month, day);
  std::snprintf(date, sizeof date, "2021-%02d-%02d", month, day);
  *birth_date = date;
  *male = seq % 2 == 1;
  return SyntheticResidentId(birth, seq);
}

// The admission of child `n` by `actor` to `kindergarten`.
std::string AdmitLine(const std::string& request_id, int n,
                      const std::string& actor,
                      const std::string& kindergarten) {
  std::string birth;
  bool male = false;
  const std::string id = SyntheticId(n, &birth, &male);
  return "{\"requestId\":\"" + request_id + "\",\"actor\":\"" + actor +
         "\",\"occurredOn\":\"2026-01-05\",\"admit\":{\"kindergarten\":\"" +
         kindergarten + "\",\"child\":{\"name\":\"测试儿童\",\"gender\":\"" +
         (male ? "MALE" : "FEMALE") + "\",\"birthDate\":\"" + birth +
         "\",\"idType\":\"RESIDENT_ID\",\"idNumber\":\"" + id +
         "\"},\"entryDate\":\"2025-12-01\"}}\n";
}

// Starts both submissions of race `n` at once (`start` runs `ledger ...
// submit FILE` in the background) and checks that exactly one admits.
void RunRace(int n, const fs::path& dir,
             const std::function<std::unique_ptr<BackgroundProcess>(
                 const std::string&, const std::string&)>& start,
             const std::function<std::string()>& logs) {
  const std::string tag = "race-" + std::to_string(n);
  const std::string a = (dir / (tag + "-a.jsonl")).string();
  const std::string b = (dir / (tag + "-b.jsonl")).string();
  WriteFile(a, AdmitLine(tag + "-a", n, "reg-sm1", "350203001"));
  WriteFile(b, AdmitLine(tag + "-b", n, "reg-hl1", "350206001"));
  auto first = start(tag + "-a", a);
  auto second = start(tag + "-b", b);
  std::optional<int> code_a = first->Wait(Millis(60000));
  std::optional<int> code_b = second->Wait(Millis(60000));
  INFO(tag << ": exits " << code_a.value_or(-1) << " and "
           << code_b.value_or(-1) << "\n"
           << Tail(first->Stderr(), 5) << Tail(second->Stderr(), 5) << logs());
  REQUIRE(code_a.has_value());
  REQUIRE(code_b.has_value());
  REQUIRE((*code_a == 0 || *code_a == 1));
  REQUIRE((*code_b == 0 || *code_b == 1));
  std::vector<std::string> errors;
  std::vector<Result> answers = ParseResults(first->Stdout(), &errors);
  std::vector<Result> more = ParseResults(second->Stdout(), &errors);
  REQUIRE(errors.empty());
  REQUIRE(answers.size() == 1);
  REQUIRE(more.size() == 1);
  answers.push_back(more[0]);
  int admitted = 0, refused = 0;
  for (const Result& r : answers) {
    admitted += r.status() == xueji::v1::APPLIED ||
                r.status() == xueji::v1::PENDING_APPROVAL;
    refused += r.status() == xueji::v1::REJECTED &&
               r.code() == xueji::v1::DUPLICATE_REGISTRATION;
  }
  INFO("answers " << ResultStatus_Name(answers[0].status()) << "/"
                  << xueji::v1::ReasonCode_Name(answers[0].code()) << " and "
                  << ResultStatus_Name(answers[1].status()) << "/"
                  << xueji::v1::ReasonCode_Name(answers[1].code()));
  CHECK(admitted == 1);
  CHECK(refused == 1);
}

// Every raced child has exactly one record, per `find` on `query_args`.
void CheckOneRecordEach(const std::vector<std::string>& query_args,
                        const RunOptions& options) {
  for (int n = 0; n < kRaces; ++n) {
    std::string birth;
    bool male = false;
    std::vector<std::string> args = query_args;
    args.insert(args.end(), {"find", "--id-type", "RESIDENT_ID", "--id-number",
                             SyntheticId(n, &birth, &male), "--json"});
    RunResult found = RunLedger(args, options);
    INFO("race " << n << ": find exit " << found.exit_code << " " << found.err);
    REQUIRE(found.exit_code == 0);
    std::vector<xueji::v1::RecordState> records;
    REQUIRE(ParseJsonList(found.out, &records) == "");
    CHECK(records.size() == 1);
  }
}

TEST_CASE("kafka: two CLIs admit the same child to two kindergartens at once",
          "[kafka]") {
  TempDir tmp("xueji-kafka-race");
  MockKafka mock(tmp.path());
  INFO(mock.Logs());
  REQUIRE(!mock.bootstrap().empty());
  KafkaDeployment kafka(mock, tmp.path(), kEndOfTerm);
  auto p1 = kafka.StartProcessor("p1");
  auto p2 = kafka.StartProcessor("p2");
  auto logs = [&] {
    return "--- p1:\n" + Tail(p1->Stderr()) + "--- p2:\n" + Tail(p2->Stderr());
  };
  kafka.InitDev();
  RunResult load = kafka.Run({"registry", "load", DemoFile("registry.jsonl")});
  INFO(load.err << logs());
  REQUIRE(load.exit_code == 0);
  for (int n = 0; n < kRaces; ++n) {
    RunRace(
        n, tmp.path(),
        [&](const std::string& name, const std::string& file) {
          return kafka.StartRun(name, {"submit", file});
        },
        logs);
  }
  REQUIRE(kafka.CatchUpProjector("v1").exit_code == 0);
  CheckOneRecordEach({"--views", kafka.ViewsDir("v1")}, Hermetic(kEndOfTerm));
}

TEST_CASE(
    "embedded: two CLIs admit the same child to two kindergartens at "
    "once",
    "[kafka]") {
  TempDir tmp("xueji-embedded-race");
  const std::string data = tmp.Sub("data");
  const RunOptions options = Hermetic(kEndOfTerm);
  REQUIRE(RunLedger({"--data", data, "init", "--dev"}, options).exit_code == 0);
  REQUIRE(RunLedger(
              {"--data", data, "registry", "load", DemoFile("registry.jsonl")},
              options)
              .exit_code == 0);
  for (int n = 0; n < kRaces; ++n) {
    RunRace(
        n, tmp.path(),
        [&](const std::string& name, const std::string& file) {
          // The second waits on the writer lock (default 10 s).
          return BackgroundProcess::Start(name, LedgerBinary(),
                                          {"--data", data, "submit", file},
                                          options, tmp.path() / "logs");
        },
        [] { return std::string(); });
  }
  CheckOneRecordEach({"--data", data}, options);
}

// A development ledger on a one-broker mock cluster (6 partitions): the
// processor p1 running, the demo registry loaded (TEST_CASE_METHOD).
struct DemoOnMock {
  // `now`: the ledger's clock (the end of the demo term unless given).
  explicit DemoOnMock(const char* dir = "xueji-kafka-demo",
                      const std::string& now = kEndOfTerm)
      : tmp(dir), mock(tmp.path(), 1, 6), kafka(mock, tmp.path(), now) {
    INFO(mock.Logs());
    REQUIRE(!mock.bootstrap().empty());
    p1 = kafka.StartProcessor("p1");
    kafka.InitDev();
    RunResult load =
        kafka.Run({"registry", "load", DemoFile("registry.jsonl")});
    INFO(load.err << Tail(p1->Stderr()));
    REQUIRE(load.exit_code == 0);
  }
  TempDir tmp;
  MockKafka mock;
  KafkaDeployment kafka;
  std::unique_ptr<BackgroundProcess> p1;
};

TEST_CASE_METHOD(
    DemoOnMock,
    "kafka: hostile lines are answered by the client, the good ones "
    "decided",
    "[kafka][hostile]") {
  INFO(mock.Logs());
  const std::string admit =
      R"({"requestId":"k-ok-1","actor":"reg-sm1","occurredOn":"2026-01-05",)"
      R"("admit":{"kindergarten":"350203001","child":{"name":"陈一鸣",)"
      R"("gender":"MALE","birthDate":"2021-03-14","idType":"RESIDENT_ID",)"
      R"("idNumber":"350203202103140117"},"entryDate":"2025-09-01"}})";
  std::string trailing = admit;
  trailing.replace(trailing.find("k-ok-1"), 6, "k-bad-2");
  trailing.insert(trailing.rfind("}}"), ",");
  std::string escape = admit;
  escape.replace(escape.find("k-ok-1"), 6, "k-bad-3");
  escape.replace(escape.find("陈一鸣"), 9, "陈\\u001b[2J");
  const std::string text =
      "\xEF\xBB\xBF{\"requestId\"" + std::string(40000, ' ') + ":\"x\",\n" +
      trailing + "\n" + escape + "\n" + R"({"requestId":"k-long","actor":")" +
      std::string(70000, 'a') + "\"}\n" + admit + "\n";
  WriteFile(tmp.path() / "hostile.jsonl", text);
  RunResult r = kafka.Run({"submit", (tmp.path() / "hostile.jsonl").string()});
  INFO("stderr: " << r.err << Tail(p1->Stderr()));
  CHECK(r.exit_code == 1);
  auto results = ResultsOf(r);
  REQUIRE(results.size() == 5);
  CHECK(results[0].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(results[0].request_id() == "x");
  CHECK(results[1].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(results[1].message().find("trailing comma") != std::string::npos);
  CHECK(results[2].code() == xueji::v1::INVALID_TEXT);
  CHECK(results[2].message().find("admit.child.name contains U+001B") !=
        std::string::npos);
  CHECK(results[3].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(results[3].message().starts_with("line 4: longer than 65536 bytes"));
  CHECK(results[4].status() == xueji::v1::PENDING_APPROVAL);
  p1->Terminate();
}

TEST_CASE_METHOD(
    DemoOnMock,
    "kafka: a signed-head digest verifies, status is a read, attributed and "
    "recorded beside the projector's store",
    "[kafka][reads]") {
  INFO(mock.Logs());
  // The term entered in one sitting on its last day (the ledger's clock is
  // the only clock).
  const std::string term = (tmp.path() / "term.jsonl").string();
  {
    std::string all;
    for (const std::string& line : DatedOn(DemoRequestLines(), kEndOfTermDay))
      all += line + "\n";
    WriteFile(term, all);
  }
  REQUIRE(kafka.Run({"submit", term}).exit_code == 1);

  const std::string file = (tmp.path() / "digest.json").string();
  RunResult taken = kafka.Run({"digest", "--out", file});
  INFO("digest: " << taken.err);
  REQUIRE(taken.exit_code == 0);
  xueji::v1::LedgerDigest digest;
  REQUIRE(ParseJson(ReadFile(file), &digest) == "");
  CHECK(digest.heads_size() == 6);
  RunResult verified = kafka.Run({"verify", "--digest", file});
  INFO("verify: " << verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(verified.out.find("the log still holds the history the digest "
                          "anchored") != std::string::npos);
  // A digest that signed other heads (a regenerated history's): exit 3.
  xueji::v1::LedgerDigest other = digest;
  for (auto& head : *other.mutable_heads()) {
    if (head.next_offset() > 0) {
      head.set_head_hash(std::string(64, 'e'));
      break;
    }
  }
  std::string json;
  REQUIRE(google::protobuf::util::MessageToJsonString(other, &json).ok());
  WriteFile(tmp.path() / "other.json", json);
  RunResult mismatch =
      kafka.Run({"verify", "--digest", (tmp.path() / "other.json").string()});
  CHECK(mismatch.exit_code == 3);
  CHECK(mismatch.out.find("DIGEST MISMATCH: partition ") != std::string::npos);

  REQUIRE(kafka.CatchUpProjector("v1").exit_code == 0);
  const std::string views = kafka.ViewsDir("v1");
  RunResult no_views = kafka.Run({"--as", "reg-sm1", "status", "r-002"});
  CHECK(no_views.exit_code == 2);
  CHECK(no_views.err.find("--views DIR") != std::string::npos);
  RunResult own =
      kafka.Run({"--views", views, "--as", "reg-sm1", "status", "r-002"});
  INFO("own: " << own.err);
  CHECK(own.exit_code == 0);
  CHECK(own.out.find("G350203202011020222") != std::string::npos);
  RunResult other_county =
      kafka.Run({"--views", views, "--as", "appr-huli", "status", "r-002"});
  CHECK(other_county.exit_code == 2);
  CHECK(other_county.out.empty());
  CHECK(other_county.err.find("G350203202011020222") == std::string::npos);

  // Recorded beside the store, and listed from there.
  const fs::path access = fs::path(views).parent_path() / "access.log";
  CHECK(ReadFile(access).find("\"refused\":\"NOT_AUTHORIZED\"") !=
        std::string::npos);
  RunResult listed = RunLedger(
      {"--views", views, "--as", "auditor-xiamen", "access-log", "--json"},
      Hermetic(kEndOfTerm));
  INFO("access-log: " << listed.err);
  CHECK(listed.exit_code == 0);
  xueji::v1::AccessLogView log;  // one message (issue 13)
  REQUIRE(ParseJson(listed.out, &log) == "");
  REQUIRE(log.entries_size() == 2);
  CHECK(log.entries(0).operator_() == "reg-sm1");
  CHECK(log.entries(1).operator_() == "appr-huli");
  p1->Terminate();
}

// DemoOnMock in the graduation season: the ledger's clock on 2026-06-30.
struct SeasonOnMock : DemoOnMock {
  SeasonOnMock() : DemoOnMock("xueji-kafka-season", "2026-06-30T09:00:00Z") {}
};

TEST_CASE_METHOD(
    SeasonOnMock,
    "kafka: Art. 13 hand-over: a projector with --publish-graduates puts "
    "each graduate on PREFIX.graduates, keyed by student number",
    "[kafka][handover]") {
  INFO(mock.Logs());
  // A child of primary-entry age admitted, approved and graduated in the
  // graduation season, then its promotion confirmed.
  const std::string id = SyntheticResidentId("20200611", 971);
  const std::string no = "G" + id;
  const std::string day = R"("occurredOn":"2026-06-30",)";
  const std::string lines =
      R"({"requestId":"hg-1","actor":"reg-sm3",)" + day +
      R"("admit":{"kindergarten":"350203003","child":{"name":"测试毕业",)"
      R"("gender":"MALE","birthDate":"2020-06-11","idType":"RESIDENT_ID",)"
      R"("idNumber":")" +
      id +
      R"("},"entryDate":"2026-06-01"}})"
      "\n" +
      R"({"requestId":"hg-2","actor":"appr-siming",)" + day +
      R"("approve":{"requestId":"hg-1"}})"
      "\n" +
      R"({"requestId":"hg-3","actor":"reg-sm3",)" + day +
      R"("graduate":{"studentNo":")" + no +
      R"("}})"
      "\n";
  // `text` in the file `name`, submitted: every line accepted.
  auto submit = [&](const std::string& name, const std::string& text) {
    WriteFile(tmp.path() / name, text);
    RunResult r = kafka.Run({"submit", (tmp.path() / name).string()});
    INFO(r.out << r.err << Tail(p1->Stderr()));
    REQUIRE(r.exit_code == 0);
  };
  submit("graduate.jsonl", lines);

  auto read_graduates = [&] {
    std::vector<std::pair<std::string, xueji::v1::GraduateRecord>> out;
    for (int p = 0; p < mock.partitions(); ++p) {
      std::string problem = ReadTopic(
          mock.bootstrap(), kafka.prefix() + ".graduates", p,
          /*read_committed=*/false, [&](const rd_kafka_message_t& m) {
            xueji::v1::GraduateRecord record;
            REQUIRE(record.ParseFromArray(m.payload, static_cast<int>(m.len)));
            out.emplace_back(
                std::string(static_cast<const char*>(m.key), m.key_len),
                record);
          });
      REQUIRE(problem == "");
    }
    return out;
  };
  // The projector run to publish the graduates; what the topic then holds.
  auto published = [&] {
    RunResult r = kafka.Run({"projector", "--views", kafka.ViewsDir("pg"),
                             "--group", kafka.prefix() + ".pg",
                             "--until-caught-up", "--publish-graduates"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return read_graduates();
  };
  auto first = published();
  REQUIRE(first.size() == 1);
  CHECK(first[0].first == no);
  CHECK(first[0].second.student_no() == no);
  CHECK(first[0].second.kindergarten() == "350203003");
  CHECK(first[0].second.county() == kSiming);
  CHECK(first[0].second.graduated_on() == "2026-06-30");
  CHECK(first[0].second.child().name() == "测试毕业");
  CHECK(first[0].second.promoted_school().empty());

  // The promotion: the graduate's record again, now promoted.
  const std::string promote =
      R"({"requestId":"hg-4","actor":"appr-siming",)" + day +
      R"("recordPromotion":{"studentNo":")" + no +
      R"(","school":"厦门市思明区实验小学","reportedOn":"2026-06-30"}})"
      "\n";
  submit("promote.jsonl", promote);
  auto second = published();
  REQUIRE(second.size() == 2);
  // Same key, so the same partition, in order: the latest is promoted.
  CHECK(second[1].first == no);
  CHECK(second[1].second.promoted_school() == "厦门市思明区实验小学");
  CHECK(second[1].second.promoted_on() == "2026-06-30");
  CHECK(second[1].second.event_id() != second[0].second.event_id());
  p1->Terminate();
}

}  // namespace
}  // namespace xueji::e2e
