// Kafka mode end to end, with real processes only: ledger-mock-kafka (3
// brokers, 6 partitions), two `ledger processor` and two `ledger projector`
// services, and a generated workload submitted in chunks through
// `ledger --kafka B submit`, while a fault is injected mid-stream. Every
// scenario ends with the same checks against the embedded default run of the
// same registry and requests at the same LEDGER_NOW:
//   (1) `ledger --kafka B verify` shows the embedded run's per-partition event
//       counts and head hashes (identical per-subject event sequences: no
//       duplicate, no missing event) and intact chains;
//   (2) each projector's store, a clean rebuild (`replay --views`) and the
//       embedded views have the same digest;
//   (3) resubmitting everything answers each line DUPLICATE_REQUEST with the
//       embedded run's status as original_status, and appends nothing.
// Plus the race of two CLIs admitting the same (synthetic) child to two
// kindergartens at the same moment, on Kafka and on the embedded default.
//
// A chunk whose submit exits 3 (timeout, broker down) is resubmitted until
// it is answered; answers are compared line by line with the embedded run.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/e2e_support.h"
#include "tests/kafka_cluster.h"
#include "tests/run_ledger.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;
using xueji::v1::Result;
using xueji::v1::ResultStatus_Name;

constexpr int kChunks = 6;
constexpr int kMaxAttempts = 6;
// When a fault is injected into a chunk in flight: after its submit started.
constexpr Millis kFaultDelay(150);

RunOptions Hermetic(const std::string& now) {
  RunOptions options;
  options.unset_env = {"LEDGER_DATA", "LEDGER_POLICY", "LEDGER_KAFKA",
                       "LEDGER_KAFKA_CONFIG", "LEDGER_TOPIC_PREFIX"};
  options.env = {{"LEDGER_NOW", now}};
  return options;
}

std::string JsonField(const std::string& json, const std::string& key) {
  const std::string quoted = "\"" + key + "\"";
  size_t at = json.find(quoted);
  if (at == std::string::npos) return "";
  at = json.find('"', json.find(':', at + quoted.size()) + 1);
  return json.substr(at + 1, json.find('"', at + 1) - at - 1);
}

// A generated workload (`ledger gen`), its requests split into chunks.
struct Workload {
  std::string now;  // LEDGER_NOW of every process (the summary's submitNow)
  std::string registry;
  std::string requests;
  std::vector<std::string> chunk_files;
  std::vector<std::vector<std::string>> chunk_ids;  // requestIds per line
};

Workload Generate(const fs::path& dir, int children, int seed) {
  Workload w;
  const std::string out = (dir / "gen").string();
  RunResult gen = RunLedger({"gen", "--children", std::to_string(children),
                             "--seed", std::to_string(seed), "--out", out},
                            Hermetic("2026-01-05T09:00:00Z"));
  INFO(gen.err);
  REQUIRE(gen.exit_code == 0);
  w.now = JsonField(ReadFile(out + "/summary.json"), "submitNow");
  REQUIRE(!w.now.empty());
  w.registry = out + "/registry.jsonl";
  w.requests = out + "/requests.jsonl";
  const std::vector<std::string> lines = Lines(ReadFile(w.requests));
  REQUIRE(lines.size() >= static_cast<size_t>(kChunks) * 50);
  const size_t per = (lines.size() + kChunks - 1) / kChunks;
  for (size_t from = 0; from < lines.size(); from += per) {
    std::string text;
    std::vector<std::string> ids;
    for (size_t i = from; i < std::min(lines.size(), from + per); ++i) {
      text += lines[i] + "\n";
      ids.push_back(JsonField(lines[i], "requestId"));
      REQUIRE(!ids.back().empty());
    }
    w.chunk_files.push_back(
        (dir / ("chunk-" + std::to_string(w.chunk_files.size()) + ".jsonl"))
            .string());
    WriteFile(w.chunk_files.back(), text);
    w.chunk_ids.push_back(std::move(ids));
  }
  return w;
}

// The embedded default's run of the same workload.
struct Reference {
  ChainReport chains;
  std::string digest;
  std::map<std::string, Result> answers;  // by requestId
};

void AddAnswers(const std::string& out, std::map<std::string, Result>* to) {
  std::vector<std::string> errors;
  for (Result& r : ParseResults(out, &errors)) to->emplace(r.request_id(), r);
  REQUIRE(errors.empty());
}

Reference EmbeddedRun(const Workload& w, const std::string& data) {
  Reference ref;
  const RunOptions options = Hermetic(w.now);
  RunResult load = RunLedger({"--data", data, "registry", "load", w.registry},
                             options);
  REQUIRE(load.exit_code == 0);
  AddAnswers(load.out, &ref.answers);
  RunResult submit = RunLedger({"--data", data, "submit", w.requests}, options);
  REQUIRE((submit.exit_code == 0 || submit.exit_code == 1));
  AddAnswers(submit.out, &ref.answers);
  RunResult verify = RunLedger({"--data", data, "verify"}, options);
  REQUIRE(verify.exit_code == 0);
  ref.chains = ParseVerify(verify.out);
  REQUIRE(ref.chains.intact);
  REQUIRE(ref.chains.total() > 0);
  RunResult replay = RunLedger({"--data", data, "replay"}, options);
  REQUIRE(replay.exit_code == 0);
  ref.digest = FindDigest(replay.out);
  REQUIRE(!ref.digest.empty());
  return ref;
}

// What the fault does around one chunk's submission.
struct ChunkFault {
  std::function<void()> during;         // kFaultDelay after the first attempt
  std::function<void()> after_failure;  // after an attempt exited 3
  std::string timeout;                  // LEDGER_KAFKA_TIMEOUT ("" default)
};

// One scenario: the mock cluster, 2 processors (p1, p2), 2 projectors (v1,
// v2), a workload of `children` and its embedded reference.
class KafkaScenario {
 public:
  explicit KafkaScenario(int children = 500, int seed = 11)
      : work_(Generate(tmp_.path(), children, seed)),
        ref_(EmbeddedRun(work_, tmp_.Sub("embedded"))),
        mock_(tmp_.path()),
        kafka_(mock_, tmp_.path(), work_.now) {
    INFO(mock_.Logs());
    REQUIRE(!mock_.bootstrap().empty());
    PinLeaders();
    processors_.push_back(kafka_.StartProcessor("p1"));
    processors_.push_back(kafka_.StartProcessor("p2"));
    projectors_.push_back(kafka_.StartProjector("v1"));
    projectors_.push_back(kafka_.StartProjector("v2"));
    RunResult load = kafka_.Run({"registry", "load", work_.registry});
    Require(load.exit_code == 0, "registry load exit " +
                                     std::to_string(load.exit_code) + ": " +
                                     load.err);
  }

  MockKafkaCluster& mock() { return mock_; }
  KafkaDeployment& kafka() { return kafka_; }
  std::vector<std::unique_ptr<BackgroundProcess>>& processors() {
    return processors_;
  }
  std::vector<std::unique_ptr<BackgroundProcess>>& projectors() {
    return projectors_;
  }
  size_t chunks() const { return work_.chunk_files.size(); }
  const std::string& chunk_file(size_t i) const { return work_.chunk_files[i]; }
  int failed_attempts() const { return failed_attempts_; }

  // Sends a command to the mock; it must answer ok.
  void Command(const std::string& line) {
    const std::string answer = mock_.Command(line);
    Require(answer == "ok", "mock: " + line + " -> " + answer);
  }

  // Submits chunk i until it is answered (resubmitting after exit 3), then
  // checks the answers; returns how many attempts exited 3.
  int SubmitChunk(size_t i, const ChunkFault& fault = {});

  // Runs every chunk from `from` to the end without faults.
  void SubmitRest(size_t from) {
    for (size_t i = from; i < chunks(); ++i) SubmitChunk(i);
  }

  // (1), (3), (2): the end checks of every scenario.
  void CheckEnd();

  // Stderr of every service, for failure messages.
  std::string Logs() const;

  void Require(bool ok, const std::string& what) const {
    if (!ok) FAIL(what << "\n" << Logs());
  }
  void Check(bool ok, const std::string& what) const {
    if (!ok) FAIL_CHECK(what << "\n" << Logs());
  }

 private:
  // Deterministic leaders: broker 1 leads the requests partition, events,
  // results and registry partitions p are led by broker p % 3 + 1.
  void PinLeaders();
  void CheckAnswers(size_t chunk, const std::string& out, bool retried);
  void CheckChains(const std::string& when);
  void CheckViews();

  TempDir tmp_{"xueji-kafka"};
  Workload work_;
  Reference ref_;
  MockKafkaCluster mock_;
  KafkaDeployment kafka_;
  std::vector<std::unique_ptr<BackgroundProcess>> processors_;
  std::vector<std::unique_ptr<BackgroundProcess>> projectors_;
  int failed_attempts_ = 0;
  int runs_ = 0;
};

void KafkaScenario::PinLeaders() {
  Command("leader xueji.requests 0 1");
  for (int p = 0; p < mock_.partitions(); ++p) {
    const std::string broker = std::to_string(p % mock_.brokers() + 1);
    for (const char* topic : {"xueji.events", "xueji.results", "xueji.registry"}) {
      Command(std::string("leader ") + topic + " " + std::to_string(p) + " " +
              broker);
    }
  }
}

int KafkaScenario::SubmitChunk(size_t i, const ChunkFault& fault) {
  int failed = 0;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    const std::string name =
        "submit-" + std::to_string(i) + "-" + std::to_string(++runs_);
    // The fault's (short) timeout for the first attempt only: a retry
    // waits as long as recovery may take.
    auto submit = kafka_.StartRun(name, {"submit", work_.chunk_files[i]},
                                  attempt == 1 ? fault.timeout : "");
    if (attempt == 1 && fault.during) {
      std::this_thread::sleep_for(kFaultDelay);
      fault.during();
    }
    std::optional<int> code = submit->Wait(Millis(120000));
    if (!code) submit->Kill();
    Require(code.has_value(), "chunk " + std::to_string(i) +
                                  ": submit did not end within 120 s");
    if (*code == 3) {
      ++failed;
      ++failed_attempts_;
      UNSCOPED_INFO("chunk " << i << " attempt " << attempt
                             << " exited 3: " << Tail(submit->Stderr(), 3));
      if (fault.after_failure) fault.after_failure();
      continue;
    }
    Require(*code == 0 || *code == 1,
            "chunk " + std::to_string(i) + ": submit exit " +
                std::to_string(*code) + "\n" + Tail(submit->Stderr()));
    CheckAnswers(i, submit->Stdout(), attempt > 1);
    return failed;
  }
  Require(false, "chunk " + std::to_string(i) + ": not answered in " +
                     std::to_string(kMaxAttempts) + " attempts");
  return failed;
}

void KafkaScenario::CheckAnswers(size_t chunk, const std::string& out,
                                 bool retried) {
  std::vector<std::string> errors;
  std::vector<Result> results = ParseResults(out, &errors);
  const std::vector<std::string>& ids = work_.chunk_ids[chunk];
  Require(errors.empty() && results.size() == ids.size(),
          "chunk " + std::to_string(chunk) + ": " +
              std::to_string(results.size()) + " answers (" +
              std::to_string(errors.size()) + " unparsable) for " +
              std::to_string(ids.size()) + " requests");
  int differ = 0;
  std::string first;
  for (size_t j = 0; j < ids.size(); ++j) {
    const Result& got = results[j];
    const Result& want = ref_.answers.at(ids[j]);
    const bool same = got.request_id() == ids[j] &&
                      MessageDifferencer::Equals(got, want);
    // After a failed attempt a request may have been decided already: then
    // it is answered as a duplicate of the very answer the embedded run gave.
    const bool duplicate = retried && got.request_id() == ids[j] &&
                           got.status() == xueji::v1::DUPLICATE_REQUEST &&
                           got.original_status() == want.status();
    if (!same && !duplicate && differ++ == 0) {
      first = ids[j] + " answered " + ResultStatus_Name(got.status()) + "/" +
              xueji::v1::ReasonCode_Name(got.code()) + " (original " +
              ResultStatus_Name(got.original_status()) + "), embedded " +
              ResultStatus_Name(want.status()) + "/" +
              xueji::v1::ReasonCode_Name(want.code());
    }
  }
  Check(differ == 0, "chunk " + std::to_string(chunk) + ": " +
                         std::to_string(differ) +
                         " answers differ from the embedded run; first: " +
                         first);
}

void KafkaScenario::CheckChains(const std::string& when) {
  RunResult verify = kafka_.Run({"verify"});
  Require(verify.exit_code == 0, when + ": ledger --kafka verify exit " +
                                     std::to_string(verify.exit_code) + ": " +
                                     verify.err + verify.out);
  ChainReport got = ParseVerify(verify.out);
  Check(got.intact, when + ": the Kafka events topic's chains are not intact:\n" +
                        verify.out);
  std::ostringstream diff;
  for (const auto& [p, n] : ref_.chains.events) {
    if (got.events[p] != n || got.head_hash[p] != ref_.chains.head_hash[p]) {
      diff << "partition " << p << ": " << got.events[p] << " events, head "
           << got.head_hash[p].substr(0, 12) << "; embedded " << n
           << " events, head " << ref_.chains.head_hash.at(p).substr(0, 12)
           << "\n";
    }
  }
  Check(got.events.size() == ref_.chains.events.size() && diff.str().empty(),
        when + ": the events topic differs from the embedded log (" +
            std::to_string(got.total()) + " vs " +
            std::to_string(ref_.chains.total()) + " events):\n" + diff.str());
}

void KafkaScenario::CheckEnd() {
  // (1) All chunks were answered, so their events are on the topic.
  CheckChains("after the stream");
  // (3) Everything again: the first answers, as duplicates; no new event.
  for (const auto& [args, what] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"registry", "load", work_.registry}, "registry"},
           {{"submit", work_.requests}, "requests"}}) {
    RunResult again = kafka_.Run(args);
    Require(again.exit_code == 0 || again.exit_code == 1,
            "resubmitting the " + what + " exit " +
                std::to_string(again.exit_code) + ": " + Tail(again.err, 5));
    std::vector<std::string> errors;
    std::vector<Result> results = ParseResults(again.out, &errors);
    int wrong = 0;
    std::string first;
    for (const Result& r : results) {
      auto want = ref_.answers.find(r.request_id());
      const bool ok = want != ref_.answers.end() &&
                      r.status() == xueji::v1::DUPLICATE_REQUEST &&
                      r.original_status() == want->second.status();
      if (!ok && wrong++ == 0) {
        first = r.request_id() + " " + ResultStatus_Name(r.status()) +
                " original " + ResultStatus_Name(r.original_status());
      }
    }
    Check(errors.empty() && wrong == 0 && !results.empty(),
          "resubmitting the " + what + ": " + std::to_string(wrong) + " of " +
              std::to_string(results.size()) +
              " answers are not DUPLICATE_REQUEST of the embedded status; "
              "first: " + first);
  }
  CheckChains("after resubmitting everything");
  // (2)
  CheckViews();
}

void KafkaScenario::CheckViews() {
  std::map<std::string, std::string> digests;
  for (auto& projector : projectors_) {
    const std::string name = projector->name();
    const int code = projector->Terminate();
    Check(code == 0, "projector " + name + " stopped with exit " +
                         std::to_string(code));
    RunResult caught_up = kafka_.CatchUpProjector(name);
    Require(caught_up.exit_code == 0,
            "projector " + name + " --until-caught-up exit " +
                std::to_string(caught_up.exit_code) + ": " +
                Tail(caught_up.err, 10));
    RunResult digest = RunLedger({"digest", "--views", kafka_.ViewsDir(name)},
                                 Hermetic(work_.now));
    Require(digest.exit_code == 0, "ledger digest --views " + name +
                                       ": " + digest.err);
    digests["projector " + name] = FindDigest(digest.out);
  }
  RunResult replay =
      kafka_.Run({"replay", "--views", kafka_.ViewsDir("rebuild")});
  Require(replay.exit_code == 0, "ledger --kafka replay exit " +
                                     std::to_string(replay.exit_code) + ": " +
                                     Tail(replay.err, 10));
  digests["clean rebuild"] = FindDigest(replay.out);
  std::string table;
  bool same = true;
  for (const auto& [who, digest] : digests) {
    table += who + ": " + digest + "\n";
    same = same && digest == ref_.digest;
  }
  Check(same, "views digests differ from the embedded views (" + ref_.digest +
                  "):\n" + table);
}

std::string KafkaScenario::Logs() const {
  std::string out = mock_.Logs();
  for (const auto* group : {&processors_, &projectors_}) {
    for (const auto& p : *group) {
      out += "--- " + p->name() + " stderr:\n" + Tail(p->Stderr());
    }
  }
  return out;
}

// ---- the scenarios ----------------------------------------------------------

std::vector<BackgroundProcess*> Raw(
    const std::vector<std::unique_ptr<BackgroundProcess>>& processes) {
  std::vector<BackgroundProcess*> out;
  for (const auto& p : processes) out.push_back(p.get());
  return out;
}

TEST_CASE("kafka: baseline equals the embedded default", "[kafka]") {
  KafkaScenario s;
  s.SubmitRest(0);
  s.CheckEnd();
}

TEST_CASE("kafka: a broker down mid-stream then up", "[kafka]") {
  KafkaScenario s;
  s.SubmitChunk(0);
  s.SubmitChunk(1);
  // In flight: broker 1 (leader of the requests partition and of events
  // partitions 0 and 3) goes down while chunk 2 flows; it comes back once an
  // attempt has failed.
  ChunkFault in_flight;
  in_flight.timeout = "4s";
  in_flight.during = [&] { s.Command("broker-down 1"); };
  in_flight.after_failure = [&] { s.Command("broker-up 1"); };
  s.SubmitChunk(2, in_flight);
  s.Command("broker-up 1");
  // Between chunks: broker 2 (events partitions 1 and 4) is down when chunk 3
  // is submitted, so its first attempt cannot be answered and exits 3.
  s.Command("broker-down 2");
  ChunkFault down;
  down.timeout = "4s";
  down.after_failure = [&] { s.Command("broker-up 2"); };
  const int failed = s.SubmitChunk(3, down);
  s.Check(failed >= 1, "chunk 3 was answered with broker 2 down");
  s.Command("broker-up 2");
  s.SubmitRest(4);
  s.CheckEnd();
}

TEST_CASE("kafka: partition leaders move mid-stream", "[kafka]") {
  KafkaScenario s;
  auto move_leaders = [&](int shift) {
    for (int p = 0; p < s.mock().partitions(); ++p) {
      const std::string broker =
          std::to_string((p + shift) % s.mock().brokers() + 1);
      s.Command("leader xueji.events " + std::to_string(p) + " " + broker);
      s.Command("leader xueji.results " + std::to_string(p) + " " + broker);
    }
  };
  s.SubmitChunk(0);
  ChunkFault in_flight;
  in_flight.during = [&] {
    move_leaders(1);
    s.Command("leader xueji.requests 0 2");
  };
  s.SubmitChunk(1, in_flight);
  move_leaders(2);  // between chunks
  s.SubmitChunk(2);
  in_flight.during = [&] {
    move_leaders(0);
    s.Command("leader xueji.requests 0 3");
  };
  s.SubmitChunk(3, in_flight);
  s.SubmitRest(4);
  s.CheckEnd();
}

TEST_CASE("kafka: injected NOT_LEADER_OR_FOLLOWER and REQUEST_TIMED_OUT "
          "errors", "[kafka]") {
  KafkaScenario s;
  s.SubmitChunk(0);
  auto inject = [&](std::vector<std::string> commands) {
    ChunkFault fault;
    fault.during = [&s, commands] {
      for (const std::string& c : commands) s.Command(c);
    };
    return fault;
  };
  s.SubmitChunk(1, inject({"error Produce NOT_LEADER_OR_FOLLOWER 5"}));
  s.SubmitChunk(2, inject({"error Produce REQUEST_TIMED_OUT 5"}));
  s.SubmitChunk(3, inject({"error Fetch NOT_LEADER_OR_FOLLOWER 5",
                           "error Fetch REQUEST_TIMED_OUT 5"}));
  // Between chunks: a burst on both APIs before chunk 4 starts.
  s.Command("error Produce NOT_LEADER_OR_FOLLOWER 10");
  s.Command("error Produce REQUEST_TIMED_OUT 10");
  s.Command("error Fetch REQUEST_TIMED_OUT 10");
  s.SubmitRest(4);
  s.Command("clear-errors Produce");
  s.Command("clear-errors Fetch");
  s.CheckEnd();
}

TEST_CASE("kafka: the active processor SIGKILLed mid-stream and restarted",
          "[kafka]") {
  KafkaScenario s;
  auto& processors = s.processors();
  int killed = -1;
  ChunkFault crash;
  crash.timeout = "25s";  // the standby takes over after the 6 s session
  crash.during = [&] {
    killed = ActiveProcessor(Raw(processors));
    s.Require(killed >= 0, "no processor says it owns the requests partition");
    processors[killed]->Kill();
  };
  s.SubmitChunk(0);
  for (size_t chunk : {1, 3}) {
    s.SubmitChunk(chunk, crash);
    const int now_active = ActiveProcessor(Raw(processors));
    s.Check(now_active >= 0 && now_active != killed,
            "chunk " + std::to_string(chunk) +
                " was answered but the standby does not say it took over");
    // The killed one comes back on its own data dir, as the new standby
    // (and, at chunk 3, is the one that takes over).
    const std::string name = processors[killed]->name();
    processors[killed] = s.kafka().StartProcessor(name);
    s.SubmitChunk(chunk + 1);
  }
  s.SubmitRest(5);
  s.CheckEnd();
}

// Issue 14: verify took the heads before its walk and read on to the end,
// so an event appended meanwhile was "beyond the head": exit 3, "the log was
// altered", on a healthy cluster.
TEST_CASE("kafka: verify while the processor appends reports no break",
          "[kafka]") {
  KafkaScenario s;
  int verifies = 0;
  std::set<int64_t> sizes;  // events checked: the log grew under verify
  for (size_t chunk = 0; chunk < s.chunks(); ++chunk) {
    auto submit = s.kafka().StartRun("submit-" + std::to_string(chunk),
                                     {"submit", s.chunk_file(chunk)});
    do {
      RunResult verify = s.kafka().Run({"verify"});
      ++verifies;
      s.Require(verify.exit_code == 0, "verify " + std::to_string(verifies) +
                                           " during chunk " +
                                           std::to_string(chunk) + ": exit " +
                                           std::to_string(verify.exit_code) +
                                           "\n" + verify.out + verify.err);
      ChainReport report = ParseVerify(verify.out);
      s.Require(report.intact, "verify " + std::to_string(verifies) +
                                   " does not say intact:\n" + verify.out);
      sizes.insert(report.checked);
    } while (submit->Running());
    std::optional<int> code = submit->Wait(Millis(120000));
    s.Require(code == 0 || code == 1, "chunk " + std::to_string(chunk) +
                                          ": submit exit " +
                                          std::to_string(code.value_or(-1)) +
                                          ": " + Tail(submit->Stderr()));
  }
  s.Check(sizes.size() >= 2, std::to_string(verifies) +
                                 " verify runs saw only " +
                                 std::to_string(sizes.size()) +
                                 " log size(s): none overlapped the appends");
  s.CheckEnd();
}

// Issue 14's failover: a standby used to fold the whole log only when it took
// over (seconds per million events, on top of the session timeout). It now
// folds the active processor's events while it stands by.
TEST_CASE(
    "kafka: a standby folds the log while standing by, so taking over "
    "folds nothing old",
    "[kafka]") {
  KafkaScenario s;
  auto& processors = s.processors();
  s.SubmitChunk(0);
  s.SubmitChunk(1);
  // Standbys catch up once a second; nothing is submitted meanwhile.
  std::this_thread::sleep_for(Millis(3000));
  const int killed = ActiveProcessor(Raw(processors));
  s.Require(killed >= 0, "no processor says it owns the requests partition");
  const size_t standby = killed == 0 ? 1 : 0;
  const size_t seen = processors[standby]->Stderr().size();
  processors[killed]->Kill();
  ChunkFault after_kill;
  after_kill.timeout = "25s";
  s.SubmitChunk(2, after_kill);
  const std::string took_over = processors[standby]->Stderr().substr(seen);
  const size_t at = took_over.rfind("recovered; ");
  s.Require(at != std::string::npos,
            "the standby did not recover after the kill:\n" + took_over);
  const std::string folded =
      took_over.substr(at + 11, took_over.find(' ', at + 11) - at - 11);
  s.Check(folded == "0", "taking over folded " + folded +
                             " events: the standby was not caught up\n" +
                             took_over);
  processors[killed] = s.kafka().StartProcessor(processors[killed]->name());
  s.SubmitRest(3);
  s.CheckEnd();
}

TEST_CASE("kafka: a projector SIGKILLed mid-stream and restarted", "[kafka]") {
  KafkaScenario s;
  auto& projectors = s.projectors();
  s.SubmitChunk(0);
  ChunkFault crash;
  crash.during = [&] { projectors[0]->Kill(); };
  s.SubmitChunk(1, crash);
  projectors[0] = s.kafka().StartProjector(projectors[0]->name());
  crash.during = [&] {
    projectors[1]->Kill();
    projectors[1] = s.kafka().StartProjector(projectors[1]->name());
  };
  s.SubmitChunk(2, crash);
  crash.during = [&] { projectors[0]->Kill(); };
  s.SubmitChunk(3, crash);
  projectors[0] = s.kafka().StartProjector(projectors[0]->name());
  s.SubmitRest(4);
  s.CheckEnd();
}

TEST_CASE("kafka: a rebalance while requests flow", "[kafka]") {
  KafkaScenario s;
  auto& processors = s.processors();
  s.SubmitChunk(0);
  ChunkFault rebalance;
  rebalance.timeout = "25s";
  rebalance.during = [&] { processors.push_back(s.kafka().StartProcessor("p3")); };
  s.SubmitChunk(1, rebalance);
  rebalance.during = [&] {
    const int active = ActiveProcessor(Raw(processors));
    s.Require(active >= 0, "no processor says it owns the requests partition");
    const int code = processors[active]->Terminate();
    s.Check(code == 0, processors[active]->name() +
                           " left with SIGTERM and exit " +
                           std::to_string(code));
  };
  s.SubmitChunk(2, rebalance);
  s.SubmitChunk(3);
  s.SubmitChunk(4, rebalance);  // and the next active one leaves too
  s.SubmitRest(5);
  s.CheckEnd();
}

// ---- two CLIs admitting the same child at the same moment --------------------

constexpr int kRaces = 20;

// A synthetic resident ID (GB 11643 check character, as
// tools/synthetic_id.py): area 350203, born in 2021, sequence 9xx.
std::string SyntheticId(int n, std::string* birth_date, bool* male) {
  char first17[18];
  const int month = n % 12 + 1, day = n / 12 % 28 + 1, seq = 900 + n % 100;
  std::snprintf(first17, sizeof first17, "3502032021%02d%02d%03d", month, day,
                seq);
  static const int kWeights[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  char date[11];
  std::snprintf(date, sizeof date, "2021-%02d-%02d", month, day);
  *birth_date = date;
  *male = seq % 2 == 1;
  return std::string(first17) + "10X98765432"[sum % 11];
}

// The admission of child `n` by `actor` to `kindergarten`.
std::string AdmitLine(const std::string& request_id, int n,
                      const std::string& actor,
                      const std::string& kindergarten) {
  std::string birth;
  bool male = false;
  const std::string id = SyntheticId(n, &birth, &male);
  return "{\"requestId\":\"" + request_id + "\",\"actor\":\"" + actor +
         "\",\"occurredOn\":\"2025-12-01\",\"admit\":{\"kindergarten\":\"" +
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
           << code_b.value_or(-1) << "\n" << Tail(first->Stderr(), 5)
           << Tail(second->Stderr(), 5) << logs());
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
  MockKafkaCluster mock(tmp.path());
  INFO(mock.Logs());
  REQUIRE(!mock.bootstrap().empty());
  KafkaDeployment kafka(mock, tmp.path(), kEndOfTerm);
  auto p1 = kafka.StartProcessor("p1");
  auto p2 = kafka.StartProcessor("p2");
  auto logs = [&] {
    return "--- p1:\n" + Tail(p1->Stderr()) + "--- p2:\n" + Tail(p2->Stderr());
  };
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
  CheckOneRecordEach({"--views", kafka.ViewsDir("v1")},
                     Hermetic(kEndOfTerm));
}

TEST_CASE("embedded: two CLIs admit the same child to two kindergartens at "
          "once", "[kafka]") {
  TempDir tmp("xueji-embedded-race");
  const std::string data = tmp.Sub("data");
  const RunOptions options = Hermetic(kEndOfTerm);
  REQUIRE(RunLedger({"--data", data, "registry", "load",
                     DemoFile("registry.jsonl")},
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

TEST_CASE(
    "kafka: hostile lines are answered by the client, the good ones "
    "decided",
    "[kafka][hostile]") {
  TempDir tmp("xueji-kafka-hostile");
  MockKafkaCluster mock(tmp.path(), 1, 6);
  INFO(mock.Logs());
  REQUIRE(!mock.bootstrap().empty());
  KafkaDeployment kafka(mock, tmp.path(), kEndOfTerm);
  auto p1 = kafka.StartProcessor("p1");
  RunResult load = kafka.Run({"registry", "load", DemoFile("registry.jsonl")});
  INFO(load.err << Tail(p1->Stderr()));
  REQUIRE(load.exit_code == 0);
  const std::string admit =
      R"({"requestId":"k-ok-1","actor":"reg-sm1","occurredOn":"2025-09-01",)"
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
  std::vector<std::string> errors;
  auto results = ParseResults(r.out, &errors);
  CHECK(errors.empty());
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

TEST_CASE(
    "kafka: a signed-head digest verifies; status is a read, attributed and "
    "recorded beside the projector's store",
    "[kafka][reads]") {
  TempDir tmp("xueji-kafka-reads");
  MockKafkaCluster mock(tmp.path(), 1, 6);
  INFO(mock.Logs());
  REQUIRE(!mock.bootstrap().empty());
  KafkaDeployment kafka(mock, tmp.path(), kEndOfTerm);
  auto p1 = kafka.StartProcessor("p1");
  RunResult load = kafka.Run({"registry", "load", DemoFile("registry.jsonl")});
  INFO(load.err << Tail(p1->Stderr()));
  REQUIRE(load.exit_code == 0);
  REQUIRE(kafka.Run({"submit", DemoFile("requests.jsonl")}).exit_code == 1);

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
  std::vector<xueji::v1::AccessEntry> entries;
  REQUIRE(ParseJsonList(listed.out, &entries) == "");
  REQUIRE(entries.size() == 2);
  CHECK(entries[0].operator_() == "reg-sm1");
  CHECK(entries[1].operator_() == "appr-huli");
  p1->Terminate();
}

}  // namespace
}  // namespace xueji::e2e
