// An independent client decodes the events topic: the demo term is decided
// by a RequestProcessor over OpenKafkaLog into ledger-mock-kafka (a child
// process), then tests/kafka_python_decode.py — kafka-python, its own Kafka
// protocol implementation, and python3-protobuf with the FileDescriptorSet
// of `ledger schema` — joins a group, reads the topic and checks every
// event (headers, chain, offsets). A record that is not an event must make
// it fail, naming partition and offset.
#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/dates.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/processor/processor.h"
#include "ledger/rules/signed_batch.h"
#include "ledger/storage/kv.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/process.h"
#include "tests/support/processor_ledger.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {
namespace {

using testing::Lines;
using testing::MockKafka;
using testing::ReadFile;
using testing::RunProgram;
using testing::RunResult;
using xueji::v1::Request;
using xueji::v1::Result;

constexpr char kPython[] = "/usr/bin/python3";

std::string DemoFile(const std::string& name) {
  return (testing::SourceDir() / "tools" / "demo" / name).string();
}

template <typename Message>
std::vector<Message> ParseJsonl(const std::string& path) {
  std::vector<Message> out;
  for (const std::string& line : Lines(ReadFile(path))) {
    Message m;
    INFO(path << ": " << line.substr(0, 60));
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &m).ok());
    out.push_back(std::move(m));
  }
  REQUIRE(!out.empty());
  return out;
}

KafkaLogOptions QuietLogOptions(const std::string& bootstrap) {
  KafkaLogOptions options;
  options.bootstrap_servers = bootstrap;
  options.properties["log_level"] = "3";
  return options;
}

// A RequestProcessor over the Kafka events topic and a RocksDB state.
struct KafkaLedger : testing::ProcessorLedger {
  KafkaLedger(const std::string& bootstrap, const std::string& state_dir)
      : ProcessorLedger(OpenKafkaLog(QuietLogOptions(bootstrap)), state_dir,
                        absl::Time()) {}
  void SetClock(const std::string& rfc3339) {
    auto t = ParseRfc3339(rfc3339);
    REQUIRE(t.ok());
    now = *t;
  }
  void LoadDemoRegistry() {
    SetClock("2025-08-25T09:00:00+08:00");
    auto results = processor->LoadRegistry(
        ParseJsonl<xueji::v1::RegistryLine>(DemoFile("registry.jsonl")));
    INFO(results.status().ToString());
    REQUIRE(results.ok());
    for (const Result& r : *results) CHECK(r.status() == xueji::v1::APPLIED);
  }
  // The demo term, one business day per batch with the clock at 17:00 of
  // that day (as tools/demo.sh does); each answer must be the demo's. The
  // lines that are not valid JSON requests must be the ones the demo answers
  // MALFORMED_REQUEST (the CLI answers them without deciding: no event).
  void SubmitDemoTerm() {
    auto expected = ParseJsonl<Result>(DemoFile("expected_results.jsonl"));
    const std::vector<std::string> lines =
        Lines(ReadFile(DemoFile("requests.jsonl")));
    REQUIRE(expected.size() == lines.size());
    std::vector<std::pair<Request, const Result*>> valid;
    for (size_t i = 0; i < lines.size(); ++i) {
      Request request;
      const bool parsed =
          google::protobuf::util::JsonStringToMessage(lines[i], &request).ok();
      INFO("requests.jsonl line " << i + 1);
      CHECK(parsed != (expected[i].code() == xueji::v1::MALFORMED_REQUEST));
      if (parsed) valid.emplace_back(std::move(request), &expected[i]);
    }
    REQUIRE(valid.size() >= 50);
    for (size_t i = 0; i < valid.size();) {
      const std::string day = valid[i].first.occurred_on();
      size_t end = i;
      std::vector<Request> batch;
      for (; end < valid.size() && valid[end].first.occurred_on() == day; ++end)
        batch.push_back(valid[end].first);
      SetClock(day + "T17:00:00+08:00");
      auto results = processor->Submit(batch);
      INFO("day " << day << ": " << results.status().ToString());
      REQUIRE(results.ok());
      REQUIRE(results->size() == batch.size());
      for (const Result& r : *results) {
        const Result& want = *valid[i++].second;
        INFO(r.request_id());
        CHECK(r.request_id() == want.request_id());
        CHECK(r.status() == want.status());
        CHECK(r.code() == want.code());
        // The demo lists the number only where the answer is about it.
        if (!want.student_no().empty())
          CHECK(r.student_no() == want.student_no());
      }
    }
  }
};

// One record that is not an event, produced with a plain librdkafka
// producer to `partition` of xueji.events.
void ProduceGarbage(const std::string& bootstrap, int32_t partition) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(),
                            errstr, sizeof(errstr)) == RD_KAFKA_CONF_OK);
  rd_kafka_t* rk =
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  REQUIRE(rk != nullptr);
  // 'n' = field 13 with wire type 6, which does not exist: never protobuf.
  const std::string value = "not an event";
  const std::string key = "stu:garbage";
  rd_kafka_resp_err_t err = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC("xueji.events"), RD_KAFKA_V_PARTITION(partition),
      RD_KAFKA_V_KEY(key.data(), key.size()),
      RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
  CHECK(err == RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  CHECK(rd_kafka_outq_len(rk) == 0);
  rd_kafka_destroy(rk);
}

// The python client's dependencies are installed by tools/setup.sh; their
// absence is a broken test environment, not a reason to skip.
bool RequirePythonClient() {
  RunResult r = RunProgram(
      kPython, {"-c", "import kafka, google.protobuf.message_factory"});
  INFO("stderr: " << r.err);
  if (r.exit_code != 0) {
    FAIL(kPython << " cannot import kafka-python and protobuf: install "
                    "the Debian packages python3-kafka and python3-protobuf "
                    "(tools/setup.sh does)");
  }
  return true;
}

// `ledger schema FILE` into `dir`; returns the file.
std::string WriteSchema(const TempDir& dir) {
  const std::string desc = dir.Sub("xueji.desc");
  RunResult r = testing::RunLedger({"schema", desc});
  INFO("ledger schema: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(!ReadFile(desc).empty());
  return desc;
}

RunResult RunDecoder(const std::string& bootstrap, const std::string& schema,
                     const std::string& group, int64_t expect) {
  const std::string script =
      (testing::SourceDir() / "tests" / "kafka_python_decode.py").string();
  return RunProgram(
      kPython, {script, "--bootstrap", bootstrap, "--group", group, "--schema",
                schema, "--expect", std::to_string(expect)});
}

// What each kafka-python test starts from: the client checked (first), the
// schema written to a temporary directory, and a mock cluster.
struct DecoderSetup {
  DecoderSetup() { REQUIRE(!mock.bootstrap().empty()); }
  bool client = RequirePythonClient();
  TempDir dir{"xueji-kafka-decode"};
  const std::string schema = WriteSchema(dir);
  MockKafka mock;
};

TEST_CASE_METHOD(
    DecoderSetup,
    "kafka-python reads and decodes every event of the demo term") {
  int64_t events = 0;
  {
    KafkaLedger ledger(mock.bootstrap(), dir.Sub("state"));
    ledger.LoadDemoRegistry();
    ledger.SubmitDemoTerm();
    events = ledger.TotalEvents();
  }
  // 14 registry lines and the parseable requests, each with an event.
  REQUIRE(events >= 14 + 50);

  RunResult r = RunDecoder(mock.bootstrap(), schema, "decode-test", events);
  INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find(absl::StrCat("topic xueji.events: ", events,
                                " records in 6 partitions")) !=
        std::string::npos);
  CHECK(r.out.find(absl::StrCat("all ", events, " events decoded")) !=
        std::string::npos);
  CHECK(r.out.find("KindergartenRegistered: 5") != std::string::npos);
  CHECK(r.out.find("OperatorRegistered: 9") != std::string::npos);
  CHECK(r.out.find("RecordRequested: ") != std::string::npos);

  // The wrong count alone fails it.
  RunResult wrong =
      RunDecoder(mock.bootstrap(), schema, "decode-test-2", events + 1);
  INFO("stderr:\n" << wrong.err);
  CHECK(wrong.exit_code == 1);
  CHECK(wrong.err.find(absl::StrCat(events, " records, expected ",
                                    events + 1)) != std::string::npos);
}

TEST_CASE_METHOD(
    DecoderSetup,
    "kafka-python fails on a record that is not an event, naming it") {
  int64_t events = 0;
  int64_t garbage_offset = 0;
  constexpr int32_t kPartition = 2;
  {
    KafkaLedger ledger(mock.bootstrap(), dir.Sub("state"));
    ledger.LoadDemoRegistry();
    events = ledger.TotalEvents();
    auto heads = ledger.log->HeadOffsets();
    REQUIRE(heads.ok());
    garbage_offset = (*heads)[kPartition];
  }
  REQUIRE(events == 15);  // LedgerInitialized and the 14 registry lines
  ProduceGarbage(mock.bootstrap(), kPartition);

  RunResult r =
      RunDecoder(mock.bootstrap(), schema, "decode-garbage", events + 1);
  INFO("stdout:\n" << r.out << "stderr:\n" << r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.err.find(absl::StrCat(
            "xueji.events/", kPartition, "@", garbage_offset,
            ": value does not decode as xueji.v1.Event")) != std::string::npos);
  CHECK(r.out.find("<undecodable>: 1") != std::string::npos);
}

}  // namespace
}  // namespace xueji
