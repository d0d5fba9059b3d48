#include "tests/kafka_e2e.h"

#include <cctype>
#include <sstream>
#include <utility>

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
