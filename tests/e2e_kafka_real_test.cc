// Kafka mode end to end on Apache Kafka (issue 11): three brokers from
// tools/kafka-local.sh (the cluster of $XUEJI_KAFKA_DIR, which .ci/run
// starts for the `kafka` ctest label, else one started per test), every
// processor with --transactions, each scenario on topics of its own prefix.
// Each scenario is the KafkaScenario of tests/kafka_scenario.h — two
// processors, two projectors, a generated workload submitted in chunks while
// a fault strikes — and ends with its checks: verify intact over the offset
// gaps commit markers leave, the events topic equal to the embedded run
// subject by subject (no duplicate, no missing event), every views store
// and a clean rebuild equal to the embedded views, and a resubmission
// answered DUPLICATE_REQUEST appending nothing.
//
// Faults: the partition leader's broker SIGKILLed mid-stream and restarted;
// the cluster unreachable longer than submit's timeout (exit 3, nothing
// half-applied, resubmitting is safe); the active processor SIGKILLed and
// restarted; a zombie (the active processor SIGSTOPped past its session
// timeout, a standby takes over, SIGCONT: it is fenced and appends nothing);
// a projector SIGKILLed; a rebalance while requests flow; verify while the
// processor appends; a fenced writer's aborted transaction in the events
// topic, which no read_committed reader may see. And the processor refuses
// topics that are missing or have the wrong partition count.
#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/kafka/kafka_log.h"
#include "tests/e2e_support.h"
#include "tests/kafka_e2e.h"
#include "tests/kafka_scenario.h"
#include "tests/support/log_count.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/processor.pb.h"

namespace xueji::e2e {
namespace {

// The cluster of this test process (attached or started once).
RealKafka& Cluster() {
  static RealKafka* kafka = new RealKafka(3);
  return *kafka;
}

ScenarioOptions Real() {
  ScenarioOptions options;
  options.transactions = true;
  return options;
}

// The pid in a JournalBatch's processor field ("host:pid").
long JournalPid(const xueji::v1::JournalBatch& batch) {
  const std::string& who = batch.processor();
  const size_t colon = who.rfind(':');
  return colon == std::string::npos ? -1 : std::atol(who.c_str() + colon + 1);
}

TEST_CASE(
    "kafka real: baseline equals the embedded default, over commit "
    "markers",
    "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  s.SubmitRest(0);
  s.CheckEnd();
  // The topic's ends count commit markers: verify and replay walked gaps.
  KafkaLogOptions options;
  options.bootstrap_servers = Cluster().bootstrap();
  options.topic_prefix = s.kafka().prefix();
  options.read_only = true;
  auto log = KafkaLog::Open(options);
  REQUIRE(log.ok());
  CHECK(testing::TotalEvents(**log) > s.reference().chains.total());
}

TEST_CASE(
    "kafka real: the partition leader's broker SIGKILLed mid-stream "
    "and restarted",
    "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  RealKafka& kafka = Cluster();
  const std::string prefix = s.kafka().prefix();
  int killed = -1;
  auto kill_leader = [&](const std::string& topic, int partition) {
    return [&, topic, partition] {
      killed = kafka.Leader(topic, partition);
      s.Require(killed > 0, "no leader of " + topic);
      s.Require(kafka.KillBroker(killed),
                "broker " + std::to_string(killed) + " was not running");
    };
  };
  auto restart = [&] {
    const std::string error = kafka.RestartBroker(killed);
    s.Require(error.empty(), error);
    s.Require(kafka.WaitInSync(prefix, Millis(120000)),
              "replicas not in sync 120 s after broker " +
                  std::to_string(killed) + " came back");
  };
  s.SubmitChunk(0);
  ChunkFault fault;
  fault.timeout = "40s";  // leaders move after the broker's session expires
  fault.during = kill_leader(prefix + ".requests", 0);
  s.SubmitChunk(1, fault);
  restart();
  fault.during = kill_leader(prefix + ".events", 0);
  s.SubmitChunk(2, fault);
  restart();
  s.SubmitRest(3);
  s.CheckEnd();
}

TEST_CASE("kafka real: the cluster unreachable longer than submit's timeout",
          "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  RealKafka& kafka = Cluster();
  s.SubmitChunk(0);
  // Two of three brokers down: no write can reach min.insync.replicas.
  std::vector<int> down;
  for (int n = 1; n <= 3 && down.size() < 2; ++n) {
    if (kafka.KillBroker(n)) down.push_back(n);
  }
  REQUIRE(down.size() == 2);
  RunResult failed = [&] {
    KafkaDeployment short_wait = s.kafka();
    short_wait.set_submit_timeout("5s");
    return short_wait.Run({"submit", s.chunk_file(1)});
  }();
  for (int n : down) {
    const std::string error = kafka.RestartBroker(n);
    s.Require(error.empty(), error);
  }
  s.Require(kafka.WaitInSync(s.kafka().prefix(), Millis(180000)),
            "replicas not in sync after the brokers came back");
  INFO(failed.err);
  CHECK(failed.exit_code == 3);
  CHECK(failed.err.find("within 5 s") != std::string::npos);
  // Resubmitting the same chunk is safe: each line answered as the
  // embedded run answered it (or as a duplicate of that answer).
  s.SubmitRest(1);
  s.CheckEnd();
}

TEST_CASE(
    "kafka real: the active processor SIGKILLed mid-stream and "
    "restarted",
    "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  auto& processors = s.processors();
  int killed = -1;
  ChunkFault crash;
  crash.timeout = "40s";  // the standby takes over after the 6 s session
  crash.during = [&] {
    killed = s.Active();
    processors[killed]->Kill();
  };
  s.SubmitChunk(0);
  for (size_t chunk : {1, 3}) {
    s.SubmitChunk(chunk, crash);
    const int now_active = s.Active();
    s.Check(now_active != killed,
            "chunk " + std::to_string(chunk) +
                " was answered but the standby does not say it took over");
    processors[killed] = s.kafka().StartProcessor(processors[killed]->name());
    s.SubmitChunk(chunk + 1);
  }
  s.SubmitRest(5);
  s.CheckEnd();
}

TEST_CASE("kafka real: a zombie processor is fenced and appends nothing",
          "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  auto& processors = s.processors();
  s.SubmitChunk(0);
  const int zombie = s.Active();
  const int standby = zombie == 0 ? 1 : 0;
  const size_t standby_seen = processors[standby]->Stderr().size();
  ChunkFault stop;
  stop.timeout = "60s";
  // Stopped past its 6 s session while chunk 1 flows: the standby takes the
  // requests partition (and, with the same transactional.id, fences it).
  stop.during = [&] { processors[zombie]->Stop(); };
  s.SubmitChunk(1, stop);
  const std::string took_over =
      processors[standby]->Stderr().substr(standby_seen);
  s.Require(took_over.find("recovered;") != std::string::npos,
            "the standby did not take over from the stopped processor");
  const size_t zombie_seen = processors[zombie]->Stderr().size();
  processors[zombie]->Continue();
  // Woken, it must learn that it lost the partition before anything else:
  // no recovery, no decision as the active processor. (It rejoins the group
  // as a standby, and a later rebalance may give it the partition again.)
  std::string woke;
  s.Require(WaitFor(
                [&] {
                  woke = processors[zombie]->Stderr().substr(zombie_seen);
                  return woke.find("revoked") != std::string::npos ||
                         woke.find("lost the requests partition") !=
                             std::string::npos;
                },
                Millis(60000)),
            "the zombie did not notice that it lost the requests partition");
  const size_t lost =
      std::min(woke.find("revoked"), woke.find("lost the requests partition"));
  s.Check(woke.substr(0, lost).find("recovered") == std::string::npos,
          "the zombie acted as the active processor after it woke:\n" + woke);
  s.Check(processors[zombie]->Running(), "the zombie exited");
  s.SubmitRest(2);
  s.CheckEnd();
  // The committed journal: the standby decided after the zombie, and no
  // requests offset was decided twice (each batch starts after the last).
  bool standby_began = false;
  int records = 0, overlaps = 0;
  int64_t last_request = -1;
  const std::string problem =
      ReadTopic(Cluster().bootstrap(), s.kafka().prefix() + ".journal", 0, true,
                [&](const rd_kafka_message_t& m) {
                  xueji::v1::JournalBatch batch;
                  if (!batch.ParseFromArray(m.payload, static_cast<int>(m.len)))
                    return;
                  if (batch.journal_offset() != m.offset)
                    return;  // lost a race
                  ++records;
                  if (JournalPid(batch) == processors[standby]->pid()) {
                    standby_began = true;
                  }
                  for (int64_t offset : batch.request_offsets()) {
                    if (offset <= last_request) ++overlaps;
                    last_request = std::max(last_request, offset);
                  }
                });
  INFO(problem);
  REQUIRE(problem.empty());
  CHECK(records > 0);
  CHECK(standby_began);
  CHECK(overlaps == 0);
}

TEST_CASE("kafka real: a projector SIGKILLed mid-stream and restarted",
          "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
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
  s.SubmitRest(3);
  s.CheckEnd();
}

TEST_CASE("kafka real: a rebalance while requests flow", "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  auto& processors = s.processors();
  s.SubmitChunk(0);
  ChunkFault rebalance;
  rebalance.timeout = "40s";
  rebalance.during = [&] {
    processors.push_back(s.kafka().StartProcessor("p3"));
  };
  s.SubmitChunk(1, rebalance);
  rebalance.during = [&] {
    const int active = s.Active();
    const int code = processors[active]->Terminate();
    s.Check(code == 0, processors[active]->name() +
                           " left with SIGTERM and exit " +
                           std::to_string(code));
  };
  s.SubmitChunk(2, rebalance);
  s.SubmitChunk(3, rebalance);  // and the next active one leaves too
  s.SubmitRest(4);
  s.CheckEnd();
}

// Issue 14's failover: a standby folds the active processor's events while
// it stands by, so taking over folds nothing old.
TEST_CASE("kafka real: a standby folds the log while standing by",
          "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  auto& processors = s.processors();
  s.SubmitChunk(0);
  s.SubmitChunk(1);
  std::this_thread::sleep_for(Millis(3000));  // standbys fold once a second
  const int killed = s.Active();
  const size_t standby = killed == 0 ? 1 : 0;
  const size_t seen = processors[standby]->Stderr().size();
  processors[killed]->Kill();
  ChunkFault after_kill;
  after_kill.timeout = "40s";
  s.SubmitChunk(2, after_kill);
  const std::string took_over = processors[standby]->Stderr().substr(seen);
  const size_t at = took_over.rfind("recovered; ");
  s.Require(at != std::string::npos,
            "the standby did not recover after the kill:\n" + took_over);
  const std::string folded =
      took_over.substr(at + 11, took_over.find(' ', at + 11) - at - 11);
  s.Check(folded == "0", "taking over folded " + folded +
                             " events: the standby was not caught up");
  processors[killed] = s.kafka().StartProcessor(processors[killed]->name());
  s.SubmitRest(3);
  s.CheckEnd();
}

// Issue 14: verify takes the heads once and checks what lies below them, so
// it runs beside a processor that appends — here over commit markers.
TEST_CASE("kafka real: verify while the processor appends reports no break",
          "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  int verifies = 0;
  std::set<int64_t> sizes;
  for (size_t chunk = 0; chunk < s.chunks(); ++chunk) {
    auto submit = s.kafka().StartRun("submit-" + std::to_string(chunk),
                                     {"submit", s.chunk_file(chunk)});
    do {
      RunResult verify = s.kafka().Run({"verify"});
      ++verifies;
      s.Require(verify.exit_code == 0 && ParseVerify(verify.out).intact,
                "verify " + std::to_string(verifies) + " during chunk " +
                    std::to_string(chunk) + ": exit " +
                    std::to_string(verify.exit_code) + "\n" + verify.out +
                    verify.err);
      sizes.insert(ParseVerify(verify.out).checked);
    } while (submit->Running());
    std::optional<int> code = submit->Wait(Millis(120000));
    s.Require(code == 0 || code == 1, "chunk " + std::to_string(chunk) +
                                          ": submit exit " +
                                          std::to_string(code.value_or(-1)));
  }
  s.Check(sizes.size() >= 2, std::to_string(verifies) +
                                 " verify runs saw only " +
                                 std::to_string(sizes.size()) +
                                 " log size(s): none overlapped the appends");
  s.CheckEnd();
}

// A transaction a fenced writer left aborted in the events topic: copies of
// real events (the same event ids) and impostors. Every reader of the ledger
// reads read_committed, so none may see them: the processor goes on (its
// next offsets shift), projectors, verify and replay count them nowhere.
TEST_CASE("kafka real: no read_committed reader sees an aborted event",
          "[kafka][real]") {
  KafkaScenario s(Cluster(), Real());
  const std::string events_topic = s.kafka().prefix() + ".events";
  s.SubmitChunk(0);
  s.SubmitChunk(1);
  // Copies of committed events in an aborted transaction.
  const size_t copies =
      InjectAbortedCopies(Cluster().bootstrap(), s.kafka().prefix(), 4);
  REQUIRE(copies >= 12);
  // They are in the topic: a read_uncommitted reader sees them.
  size_t committed = 0, uncommitted = 0;
  for (int p = 0; p < 6; ++p) {
    ReadTopic(Cluster().bootstrap(), events_topic, p, true,
              [&](const rd_kafka_message_t&) { ++committed; });
    ReadTopic(Cluster().bootstrap(), events_topic, p, false,
              [&](const rd_kafka_message_t&) { ++uncommitted; });
  }
  CHECK(uncommitted >= committed + copies);
  s.SubmitRest(2);
  s.CheckEnd();
}

TEST_CASE(
    "kafka real: the processor refuses missing topics and a wrong "
    "partition count",
    "[kafka][real]") {
  RealKafka& kafka = Cluster();
  INFO(kafka.Logs());
  REQUIRE(!kafka.bootstrap().empty());
  TempDir tmp("xueji-kafka-topics");
  KafkaDeployment missing(kafka, tmp.path(), kEndOfTerm, "15s",
                          "nosuch" + std::to_string(::getpid()));
  RunResult r = missing.Run({"--data", tmp.Sub("p"), "processor"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("topic " + missing.prefix() +
                   ".requests does not exist; the processor needs it with "
                   "exactly 1 partition") != std::string::npos);

  const std::string prefix = "wrong" + std::to_string(::getpid());
  REQUIRE(kafka.CreateTopics(prefix, 6, /*requests_partitions=*/3) == "");
  KafkaDeployment wrong(kafka, tmp.path(), kEndOfTerm, "15s", prefix);
  r = wrong.Run({"--data", tmp.Sub("p"), "processor"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("topic " + prefix +
                   ".requests has 3 partitions; the processor needs exactly "
                   "1 partition") != std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
