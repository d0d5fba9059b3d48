// Clients no one here wrote read the ledger's topics on Apache Kafka (issue
// 11): kcat with the CloudEvents headers, `protoc --decode` of an event, and
// confluent-kafka (PyPI, installed by tools/setup.sh into $XUEJI_PYVENV,
// default ~/.cache/xueji-pyvenv). (Debian's kafka-python 2.0.2, the other
// independent client, runs in kafka_decode_test on the mock: it returns a
// transaction's commit markers as if they were records, so it cannot read
// a topic written with transactions.)
//
// One scenario of tests/kafka_scenario.h with --transactions (so the topic
// has commit markers), then a fenced writer's aborted transaction of copied
// events: the read_committed clients must see exactly the committed events,
// each once, while a read_uncommitted one sees the copies (so the check can
// fail). Label `kafka` (.ci/run: the cluster of $XUEJI_KAFKA_DIR).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>
#include <vector>

#include "tests/e2e_support.h"
#include "tests/kafka_e2e.h"
#include "tests/kafka_scenario.h"

namespace xueji::e2e {
namespace {

RealKafka& Cluster() {
  static RealKafka* kafka = new RealKafka(3);
  return *kafka;
}

std::string PyVenvPython() {
  const char* venv = std::getenv("XUEJI_PYVENV");
  const char* home = std::getenv("HOME");
  const std::string dir =
      venv != nullptr && *venv != '\0'
          ? std::string(venv)
          : std::string(home ? home : "/root") + "/.cache/xueji-pyvenv";
  return dir + "/bin/python";
}

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos;
       at = text.find(what, at + what.size())) {
    ++n;
  }
  return n;
}

TEST_CASE("kafka clients: kcat, protoc and confluent-kafka read the ledger",
          "[kafka][real][clients]") {
  ScenarioOptions options;
  options.children = 150;
  options.chunks = 2;
  options.transactions = true;
  KafkaScenario s(Cluster(), options);
  s.SubmitRest(0);
  const std::string bootstrap = Cluster().bootstrap();
  const std::string prefix = s.kafka().prefix();
  const std::string topic = prefix + ".events";
  const int64_t events = s.reference().chains.total();
  const std::string schema = (s.dir() / "xueji.desc").string();
  REQUIRE(RunLedger({"schema", schema}).exit_code == 0);

  const size_t aborted = InjectAbortedCopies(bootstrap, prefix, 3);
  REQUIRE(aborted >= 6);

  // kcat, read_committed: every event once, every header of the binding.
  RunResult kcat = RunProgram(
      "/usr/bin/kcat",
      {"-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-X",
       "isolation.level=read_committed", "-f", "%p %o %h\\n"});
  INFO("kcat: " << kcat.err);
  REQUIRE(kcat.exit_code == 0);
  const std::vector<std::string> lines = Lines(kcat.out);
  CHECK(static_cast<int64_t>(lines.size()) == events);
  for (const char* header :
       {"ce_specversion=1.0", "ce_id=", "ce_source=/xueji/ledger",
        "ce_type=cn.edu.xueji.v1.",
        "ce_time=", "content-type=application/protobuf",
        "ce_dataschema=urn:xueji:protobuf:xueji.v1.Event"}) {
    INFO(header);
    CHECK(Count(kcat.out, header) == events);
  }
  RunResult uncommitted = RunProgram(
      "/usr/bin/kcat",
      {"-C", "-b", bootstrap, "-t", topic, "-o", "beginning", "-e", "-q", "-X",
       "isolation.level=read_uncommitted", "-f", "%o\\n"});
  REQUIRE(uncommitted.exit_code == 0);
  CHECK(Lines(uncommitted.out).size() == lines.size() + aborted);

  // protoc --decode of the first event of partition 0, its bytes by kcat.
  RunResult value = RunProgram(
      "/usr/bin/kcat", {"-C", "-b", bootstrap, "-t", topic, "-p", "0", "-o",
                        "0", "-c", "1", "-e", "-q", "-f", "%s"});
  REQUIRE(value.exit_code == 0);
  REQUIRE(!value.out.empty());
  RunOptions stdin_value;
  stdin_value.stdin_text = value.out;
  RunResult decoded = RunProgram(
      "/usr/bin/protoc",
      {"--decode", "xueji.v1.Event", "--descriptor_set_in=" + schema},
      stdin_value);
  INFO("protoc: " << decoded.out << decoded.err);
  REQUIRE(decoded.exit_code == 0);
  std::string first_id;  // 0/0's ce_id, as kcat printed it
  for (const std::string& line : lines) {
    if (line.rfind("0 0 ", 0) != 0) continue;
    first_id = line.substr(line.find("ce_id=") + 6);
    first_id = first_id.substr(0, first_id.find(','));
  }
  REQUIRE(!first_id.empty());
  CHECK(decoded.out.find("event_id: \"" + first_id + "\"") !=
        std::string::npos);
  CHECK(decoded.out.find("subject: \"") != std::string::npos);
  CHECK(decoded.out.find("hash: \"") != std::string::npos);

  // confluent-kafka (PyPI), read_committed: each event once, the registry
  // with complete CloudEvents headers; read_uncommitted sees the copies.
  const std::string python = PyVenvPython();
  RunResult installed =
      RunProgram(python, {"-c", "import confluent_kafka, google.protobuf"});
  INFO(installed.err);
  if (installed.exit_code != 0) {
    FAIL(python << " cannot import confluent_kafka: run tools/setup.sh (it "
                   "installs confluent-kafka from PyPI into that virtualenv)");
  }
  const std::string script =
      (SourceDir() / "tests" / "kafka_confluent_consume.py").string();
  RunResult confluent =
      RunProgram(python, {script, "--bootstrap", bootstrap, "--prefix", prefix,
                          "--schema", schema, "--group", prefix + ".confluent",
                          "--expect", std::to_string(events)});
  INFO("confluent-kafka:\n" << confluent.out << confluent.err);
  CHECK(confluent.exit_code == 0);
  CHECK(confluent.out.find("all " + std::to_string(events) + " events and ") !=
        std::string::npos);
  CHECK(confluent.out.find(" registry records checked") != std::string::npos);
  RunResult dirty = RunProgram(
      python, {script, "--bootstrap", bootstrap, "--prefix", prefix, "--schema",
               schema, "--group", prefix + ".confluent-dirty", "--isolation",
               "read_uncommitted"});
  INFO("confluent-kafka read_uncommitted:\n" << dirty.out << dirty.err);
  CHECK(dirty.exit_code == 1);
  CHECK(dirty.err.find(" again (first at ") != std::string::npos);

  s.CheckEnd();
}

}  // namespace
}  // namespace xueji::e2e
