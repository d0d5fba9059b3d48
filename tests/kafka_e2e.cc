#include "tests/kafka_e2e.h"

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <chrono>
#include <sstream>
#include <utility>
#include <vector>

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;

// LEDGER_KAFKA_TIMEOUT of the services (their per-operation bound).
constexpr char kServiceTimeout[] = "30s";

}  // namespace

// ---- KafkaDeployment --------------------------------------------------------

KafkaDeployment::KafkaDeployment(const KafkaCluster& cluster, fs::path dir,
                                 std::string now, std::string submit_timeout,
                                 std::string prefix)
    : cluster_(cluster),
      dir_(std::move(dir)),
      now_(std::move(now)),
      submit_timeout_(std::move(submit_timeout)),
      prefix_(std::move(prefix)) {}

RunOptions KafkaDeployment::Options(const std::string& timeout) const {
  RunOptions options;
  options.unset_env = {"LEDGER_DATA", "LEDGER_POLICY", "LEDGER_KAFKA",
                       "LEDGER_KAFKA_CONFIG", "LEDGER_TOPIC_PREFIX"};
  options.env = {
      {"LEDGER_NOW", now_},
      {"LEDGER_KAFKA_TIMEOUT", timeout.empty() ? submit_timeout_ : timeout}};
  options.cwd = dir_.string();
  return options;
}

RunResult KafkaDeployment::Run(std::vector<std::string> args) const {
  args.insert(args.begin(),
              {"--kafka", cluster_.bootstrap(), "--topic-prefix", prefix_});
  return RunLedger(args, Options());
}

void KafkaDeployment::InitDev(const std::string& ledger_id) const {
  std::vector<std::string> args = {"init", "--dev"};
  if (!ledger_id.empty()) args.insert(args.end(), {"--ledger-id", ledger_id});
  RunResult init = Run(args);
  INFO("init --dev: " << init.err);
  REQUIRE(init.exit_code == 0);
}

std::unique_ptr<BackgroundProcess> KafkaDeployment::StartRun(
    const std::string& name, std::vector<std::string> args,
    const std::string& timeout) const {
  args.insert(args.begin(),
              {"--kafka", cluster_.bootstrap(), "--topic-prefix", prefix_});
  return BackgroundProcess::Start(name, LedgerBinary(), args, Options(timeout),
                                  log_dir());
}

std::unique_ptr<BackgroundProcess> KafkaDeployment::StartProcessor(
    const std::string& name) const {
  std::vector<std::string> args = {"--data", DataDir(name), "processor"};
  args.insert(args.end(), processor_args_.begin(), processor_args_.end());
  return StartRun(name, args, kServiceTimeout);
}

std::unique_ptr<BackgroundProcess> KafkaDeployment::StartProjector(
    const std::string& name) const {
  return StartRun(
      name,
      {"projector", "--views", ViewsDir(name), "--group", prefix_ + "." + name},
      kServiceTimeout);
}

RunResult KafkaDeployment::CatchUpProjector(const std::string& name) const {
  return Run({"projector", "--views", ViewsDir(name), "--group",
              prefix_ + "." + name, "--until-caught-up"});
}

std::string KafkaDeployment::DataDir(const std::string& name) const {
  return (dir_ / name).string();
}
std::string KafkaDeployment::ViewsDir(const std::string& name) const {
  return (dir_ / name).string();
}

// ---- reading and writing topics directly ---------------------------------

// Reads partition `partition` of `topic` from offset 0 to its end with the
// given isolation level, calling `take` for each record; "" or why not.
std::string ReadTopic(
    const std::string& bootstrap, const std::string& topic, int partition,
    bool read_committed,
    const std::function<void(const rd_kafka_message_t&)>& take) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr,
                    sizeof errstr);
  rd_kafka_conf_set(conf, "enable.partition.eof", "true", errstr,
                    sizeof errstr);
  rd_kafka_conf_set(conf, "isolation.level",
                    read_committed ? "read_committed" : "read_uncommitted",
                    errstr, sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (rk == nullptr) return errstr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  std::string problem;
  if (rd_kafka_consume_start(rkt, partition, 0) == -1) {
    problem = "consume_start failed";
  }
  const auto deadline = std::chrono::steady_clock::now() + Millis(30000);
  while (problem.empty()) {
    if (std::chrono::steady_clock::now() > deadline) {
      problem = "no end of " + topic + " within 30 s";
      break;
    }
    rd_kafka_message_t* m = rd_kafka_consume(rkt, partition, 500);
    if (m == nullptr) continue;
    const rd_kafka_resp_err_t err = m->err;
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) take(*m);
    rd_kafka_message_destroy(m);
    if (err == RD_KAFKA_RESP_ERR__PARTITION_EOF) break;
  }
  rd_kafka_consume_stop(rkt, partition);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return problem;
}

size_t InjectAbortedCopies(const std::string& bootstrap,
                           const std::string& prefix, size_t per_partition) {
  const std::string events_topic = prefix + ".events";
  std::vector<std::pair<int, std::string>> copies;
  for (int p = 0; p < 6; ++p) {
    size_t taken = 0;
    ReadTopic(bootstrap, events_topic, p, true,
              [&](const rd_kafka_message_t& m) {
                if (taken++ >= per_partition) return;
                copies.emplace_back(
                    p, std::string(static_cast<const char*>(m.payload), m.len));
              });
  }
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::string txn_id = prefix + ".fenced-writer";
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr,
                    sizeof errstr);
  rd_kafka_conf_set(conf, "transactional.id", txn_id.c_str(), errstr,
                    sizeof errstr);
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr);
  rd_kafka_t* producer =
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (producer == nullptr) return 0;
  size_t produced = 0;
  auto ok = [](rd_kafka_error_t* e) {
    if (e == nullptr) return true;
    rd_kafka_error_destroy(e);
    return false;
  };
  if (ok(rd_kafka_init_transactions(producer, 30000)) &&
      ok(rd_kafka_begin_transaction(producer))) {
    for (const auto& [p, value] : copies) {
      if (rd_kafka_producev(
              producer, RD_KAFKA_V_TOPIC(events_topic.c_str()),
              RD_KAFKA_V_PARTITION(p),
              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        ++produced;
      }
    }
    if (rd_kafka_flush(producer, 30000) != RD_KAFKA_RESP_ERR_NO_ERROR ||
        !ok(rd_kafka_abort_transaction(producer, 30000))) {
      produced = 0;
    }
  }
  rd_kafka_destroy(producer);
  return produced;
}

// ---- parsing
// ------------------------------------------------------------------

int ActiveProcessor(const std::vector<BackgroundProcess*>& processors) {
  int claimed = -1;
  for (size_t i = 0; i < processors.size(); ++i) {
    const std::string log = processors[i]->Stderr();
    const size_t assigned = log.rfind("assigned the requests partition");
    const size_t revoked = log.rfind("requests partition revoked");
    const size_t joined = log.rfind("joined the group");  // this run's
    if (assigned == std::string::npos) continue;
    if (joined != std::string::npos && joined > assigned) continue;
    if (revoked != std::string::npos && revoked > assigned) continue;
    // A dead one may still claim it in its log: prefer a running one.
    if (processors[i]->Running()) return static_cast<int>(i);
    if (claimed < 0) claimed = static_cast<int>(i);
  }
  return claimed;
}

int64_t ChainReport::total() const {
  int64_t n = 0;
  for (const auto& [p, count] : events) n += count;
  return n;
}

ChainReport ParseVerify(const std::string& out) {
  ChainReport report;
  for (const std::string& line : Lines(out)) {
    std::istringstream in(line);
    std::vector<std::string> words;
    for (std::string w; in >> w;) words.push_back(w);
    auto digits = [](const std::string& s) {
      return !s.empty() &&
             s.find_first_not_of("0123456789") == std::string::npos;
    };
    if (words.size() == 3 && digits(words[0]) && digits(words[1])) {
      const int p = std::stoi(words[0]);
      report.events[p] = std::stoll(words[1]);
      report.head_hash[p] = words[2];
    } else if (words.size() == 3 && digits(words[0]) && words[1] == "events" &&
               words[2] == "checked") {
      report.checked = std::stoll(words[0]);
    } else if (line == "hash chains intact") {
      report.intact = true;
    }
  }
  return report;
}

std::string FindDigest(const std::string& out) {
  std::string found;
  std::string word;
  auto take = [&] {
    if (word.size() == 64 &&
        word.find_first_not_of("0123456789abcdef") == std::string::npos) {
      found = word;
    }
    word.clear();
  };
  for (char c : out) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      word.push_back(c);
    } else {
      take();
    }
  }
  take();
  return found;
}

}  // namespace xueji::e2e
