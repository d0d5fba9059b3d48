// RealKafka (kafka_cluster.h): Apache Kafka from tools/kafka-local.sh, and
// what the tests ask of it through librdkafka (topics, leaders, replicas).
#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>

#include "tests/support/kafka_cluster.h"

namespace xueji::testing {
namespace {

namespace fs = std::filesystem;

constexpr char kDirEnv[] = "XUEJI_KAFKA_DIR";

std::string Script() {
  return (SourceDir() / "tools" / "kafka-local.sh").string();
}

// KEY=VALUE lines of DIR/kafka-local.env.
std::map<std::string, std::string> ReadEnvFile(const fs::path& path) {
  std::map<std::string, std::string> vars;
  for (const std::string& line : Lines(ReadFile(path))) {
    if (line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq != std::string::npos) vars[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return vars;
}

struct RdKafka {
  rd_kafka_t* rk = nullptr;
  ~RdKafka() {
    if (rk != nullptr) rd_kafka_destroy(rk);
  }
};

// A quiet client of `bootstrap` for admin calls and metadata.
bool Connect(const std::string& bootstrap, RdKafka* out, std::string* why) {
  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap.c_str(), errstr,
                        sizeof errstr) != RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "log_level", "2", errstr, sizeof errstr) !=
          RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    *why = errstr;
    return false;
  }
  out->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (out->rk == nullptr) *why = errstr;
  return out->rk != nullptr;
}

struct MetadataDeleter {
  void operator()(const rd_kafka_metadata_t* m) const {
    rd_kafka_metadata_destroy(m);
  }
};
using Metadata = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;

Metadata AllTopics(rd_kafka_t* rk) {
  const rd_kafka_metadata_t* md = nullptr;
  // All topics: asking for one by name could create it.
  if (rd_kafka_metadata(rk, 1, nullptr, &md, 5000) !=
      RD_KAFKA_RESP_ERR_NO_ERROR)
    return nullptr;
  return Metadata(md);
}

const rd_kafka_metadata_topic_t* FindTopic(const rd_kafka_metadata_t& md,
                                           const std::string& name) {
  for (int i = 0; i < md.topic_cnt; ++i) {
    if (name == md.topics[i].topic) return &md.topics[i];
  }
  return nullptr;
}

std::vector<std::string> TopicNames(const std::string& prefix) {
  std::vector<std::string> names;
  for (const char* t :
       {"requests", "events", "results", "registry", "journal", "graduates"})
    names.push_back(prefix + "." + t);
  return names;
}

}  // namespace

RealKafka::RealKafka(int brokers) {
  const char* env = std::getenv(kDirEnv);
  if (env != nullptr && *env != '\0') {
    dir_ = env;
    auto vars = ReadEnvFile(dir_ / "kafka-local.env");
    bootstrap_ = vars["BOOTSTRAP"];
    brokers_ = std::atoi(vars["BROKERS"].c_str());
    if (bootstrap_.empty()) {
      startup_error_ = std::string("$") + kDirEnv + "=" + dir_.string() +
                       " holds no cluster of tools/kafka-local.sh";
    }
    return;
  }
  own_dir_ = std::make_unique<TempDir>("xueji-kafka-real");
  dir_ = own_dir_->path() / "cluster";
  brokers_ = brokers;
  RunResult up = RunProgram(
      "/bin/bash", {Script(), "up", "--brokers", std::to_string(brokers),
                    "--dir", dir_.string()});
  std::vector<std::string> lines = Lines(up.out);
  if (up.exit_code == 0 && !lines.empty()) {
    bootstrap_ = lines.front();
    // A watchdog stops the brokers once this test process is gone, also when
    // it never reaches the destructor (killed by ctest's timeout, crashed):
    // otherwise every such test would leave three JVMs running.
    const std::string watch =
        "while kill -0 " + std::to_string(getpid()) +
        " 2>/dev/null; do sleep 2; done; exec /bin/bash '" + Script() +
        "' down --dir '" + dir_.string() + "'";
    RunProgram("/bin/bash",
               {"-c", "setsid /bin/bash -c \"$0\" </dev/null >/dev/null 2>&1 &",
                watch});
  } else {
    startup_error_ = "tools/kafka-local.sh up exit " +
                     std::to_string(up.exit_code) + ":\n" + Tail(up.err, 30);
  }
}

RealKafka::~RealKafka() {
  if (own_dir_ != nullptr) {
    RunProgram("/bin/bash", {Script(), "down", "--dir", dir_.string()});
  }
}

std::string RealKafka::Logs() const {
  std::string out = startup_error_.empty() ? "" : startup_error_ + "\n";
  for (int n = 1; n <= brokers_; ++n) {
    const fs::path log = dir_ / ("broker-" + std::to_string(n)) / "log";
    out += "--- broker " + std::to_string(n) + " (" + log.string() + "):\n" +
           Tail(ReadFile(log), 8);
  }
  return out;
}

std::string RealKafka::CreateTopics(const std::string& prefix,
                                    int events_partitions,
                                    int requests_partitions) const {
  RdKafka client;
  std::string why;
  if (!Connect(bootstrap_, &client, &why)) return why;
  const int replication = brokers_ >= 3 ? 3 : 1;
  const std::string min_isr = brokers_ >= 3 ? "2" : "1";
  struct Spec {
    std::string name;
    int partitions;
    std::vector<std::pair<std::string, std::string>> configs;
  };
  const std::vector<Spec> specs = {
      {prefix + ".requests",
       requests_partitions,
       {{"cleanup.policy", "delete"}, {"retention.ms", "2592000000"}}},
      {prefix + ".events",
       events_partitions,
       {{"cleanup.policy", "delete"},
        {"retention.ms", "-1"},
        {"retention.bytes", "-1"},
        {"max.message.bytes", "2097152"},
        {"unclean.leader.election.enable", "false"}}},
      {prefix + ".results",
       6,
       {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "86400000"}}},
      {prefix + ".registry",
       1,
       {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "86400000"}}},
      {prefix + ".journal",
       1,
       {{"cleanup.policy", "compact"}, {"max.message.bytes", "16777216"}}},
      {prefix + ".graduates",
       6,
       {{"cleanup.policy", "compact"}, {"min.compaction.lag.ms", "86400000"}}},
  };
  std::vector<rd_kafka_NewTopic_t*> topics;
  char errstr[512];
  for (const Spec& spec : specs) {
    rd_kafka_NewTopic_t* t = rd_kafka_NewTopic_new(
        spec.name.c_str(), spec.partitions, replication, errstr, sizeof errstr);
    if (t == nullptr) return spec.name + ": " + errstr;
    rd_kafka_NewTopic_set_config(t, "min.insync.replicas", min_isr.c_str());
    for (const auto& [name, value] : spec.configs) {
      rd_kafka_NewTopic_set_config(t, name.c_str(), value.c_str());
    }
    topics.push_back(t);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(client.rk);
  rd_kafka_CreateTopics(client.rk, topics.data(), topics.size(), nullptr,
                        queue);
  rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 60000);
  std::string problem;
  if (event == nullptr) {
    problem = "CreateTopics: no answer within 60 s";
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    problem =
        std::string("CreateTopics: ") + rd_kafka_event_error_string(event);
  } else {
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(
            rd_kafka_event_CreateTopics_result(event), &count);
    for (size_t i = 0; i < count; ++i) {
      rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR &&
          err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        problem += std::string(rd_kafka_topic_result_name(results[i])) + ": " +
                   rd_kafka_err2name(err) + " ";
      }
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy_array(topics.data(), topics.size());
  if (!problem.empty()) return problem;
  if (!WaitInSync(prefix, Millis(60000))) {
    return "the topics of " + prefix + " have no leader after 60 s";
  }
  return "";
}

int RealKafka::Leader(const std::string& topic, int partition) const {
  RdKafka client;
  std::string why;
  if (!Connect(bootstrap_, &client, &why)) return -1;
  Metadata md = AllTopics(client.rk);
  if (md == nullptr) return -1;
  const rd_kafka_metadata_topic_t* t = FindTopic(*md, topic);
  if (t == nullptr) return -1;
  for (int i = 0; i < t->partition_cnt; ++i) {
    if (t->partitions[i].id == partition) return t->partitions[i].leader;
  }
  return -1;
}

bool RealKafka::WaitInSync(const std::string& prefix, Millis limit) const {
  RdKafka client;
  std::string why;
  if (!Connect(bootstrap_, &client, &why)) return false;
  return WaitFor(
      [&] {
        Metadata md = AllTopics(client.rk);
        if (md == nullptr) return false;
        for (const std::string& name : TopicNames(prefix)) {
          const rd_kafka_metadata_topic_t* t = FindTopic(*md, name);
          if (t == nullptr || t->err != RD_KAFKA_RESP_ERR_NO_ERROR ||
              t->partition_cnt == 0) {
            return false;
          }
          for (int i = 0; i < t->partition_cnt; ++i) {
            const rd_kafka_metadata_partition_t& p = t->partitions[i];
            if (p.leader < 0 || p.isr_cnt < p.replica_cnt) return false;
          }
        }
        return true;
      },
      limit, Millis(250));
}

pid_t RealKafka::BrokerPid(int n) const {
  const std::string text =
      ReadFile(dir_ / ("broker-" + std::to_string(n)) / "pid");
  const pid_t pid = static_cast<pid_t>(std::atol(text.c_str()));
  if (pid <= 0) return -1;
  // Still that broker (not a recycled pid)?
  const std::string cmdline =
      ReadFile("/proc/" + std::to_string(pid) + "/cmdline");
  return cmdline.find("kafka.Kafka") != std::string::npos ? pid : -1;
}

bool RealKafka::KillBroker(int n) const {
  const pid_t pid = BrokerPid(n);
  if (pid <= 0) return false;
  ::kill(pid, SIGKILL);
  return WaitFor([&] { return BrokerPid(n) < 0; }, Millis(10000), Millis(50));
}

std::string RealKafka::RestartBroker(int n) const {
  RunResult r = RunProgram("/bin/bash", {Script(), "restart", std::to_string(n),
                                         "--dir", dir_.string()});
  if (r.exit_code == 0) return "";
  return "kafka-local.sh restart " + std::to_string(n) + " exit " +
         std::to_string(r.exit_code) + ": " + Tail(r.err, 20);
}

}  // namespace xueji::testing
