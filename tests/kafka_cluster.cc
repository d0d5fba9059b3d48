#include "tests/kafka_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <thread>
#include <utility>

extern char** environ;

namespace xueji::e2e {
namespace {

#ifndef XUEJI_MOCK_KAFKA_BIN
#define XUEJI_MOCK_KAFKA_BIN "ledger-mock-kafka"
#endif

namespace fs = std::filesystem;

// LEDGER_KAFKA_TIMEOUT of the services (their per-operation bound).
constexpr char kServiceTimeout[] = "30s";

// Ours, minus options.unset_env, plus options.env.
std::vector<std::string> Environment(const RunOptions& options) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq != std::string::npos) vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& name : options.unset_env) vars.erase(name);
  for (const auto& [name, value] : options.env) vars[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : vars) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

int ExitCode(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

std::string MockKafkaBinary() {
  const char* env = std::getenv("LEDGER_MOCK_KAFKA_BIN");
  return env != nullptr && *env != '\0' ? env : XUEJI_MOCK_KAFKA_BIN;
}

bool WaitFor(const std::function<bool()>& done, Millis limit, Millis every) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(every);
  }
}

// ---- BackgroundProcess ------------------------------------------------------

std::unique_ptr<BackgroundProcess> BackgroundProcess::Start(
    const std::string& name, const std::string& program,
    const std::vector<std::string>& args, const RunOptions& options,
    const fs::path& log_dir) {
  std::unique_ptr<BackgroundProcess> p(new BackgroundProcess());
  p->name_ = name;
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  p->out_path_ = log_dir / (name + ".out");
  p->err_path_ = log_dir / (name + ".err");
  std::vector<std::string> argv_strings = {program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = Environment(options);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  int out = ::open(p->out_path_.c_str(), flags, 0644);
  int err = ::open(p->err_path_.c_str(), flags, 0644);
  int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Dies with the test (the thread that started it), never orphaned.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(err, STDERR_FILENO);
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) ::_exit(127);
    ::execve(argv[0], argv.data(), envp.data());
    const char msg[] = "kafka_cluster: cannot exec the program\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::close(in);
  ::close(out);
  ::close(err);
  p->pid_ = pid;
  if (pid < 0) p->exit_code_ = 127;
  return p;
}

BackgroundProcess::~BackgroundProcess() {
  if (pid_ > 0 && !exit_code_.has_value()) Kill();
}

bool BackgroundProcess::Running() {
  if (exit_code_.has_value()) return false;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    exit_code_ = ExitCode(status);
    return false;
  }
  return r == 0;
}

std::optional<int> BackgroundProcess::Wait(Millis limit) {
  WaitFor([this] { return !Running(); }, limit, Millis(20));
  return exit_code_;
}

int BackgroundProcess::Terminate(Millis grace) {
  if (!Running()) return *exit_code_;
  ::kill(pid_, SIGTERM);
  if (auto code = Wait(grace)) return *code;
  Kill();
  return *exit_code_;
}

void BackgroundProcess::Kill() {
  if (exit_code_.has_value() || pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  exit_code_ = ExitCode(status);
}

std::string BackgroundProcess::Stdout() const { return ReadFile(out_path_); }
std::string BackgroundProcess::Stderr() const { return ReadFile(err_path_); }

// ---- MockKafkaCluster -------------------------------------------------------

MockKafkaCluster::MockKafkaCluster(const fs::path& dir, int brokers,
                                   int partitions)
    : socket_(dir / "mock.sock"), brokers_(brokers), partitions_(partitions) {
  process_ = BackgroundProcess::Start(
      "mock", MockKafkaBinary(),
      {"--brokers", std::to_string(brokers), "--partitions",
       std::to_string(partitions), "--control", socket_.string()},
      RunOptions{}, dir / "logs");
  WaitFor(
      [this] {
        std::string out = process_->Stdout();
        size_t eol = out.find('\n');
        if (eol != std::string::npos) bootstrap_ = out.substr(0, eol);
        return !bootstrap_.empty() || !process_->Running();
      },
      Millis(20000), Millis(20));
  // The socket is listening before the bootstrap line is printed.
  if (!bootstrap_.empty() && Command("ping") != "ok") bootstrap_.clear();
}

MockKafkaCluster::~MockKafkaCluster() { process_->Terminate(Millis(5000)); }

std::string MockKafkaCluster::Command(const std::string& line) const {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("error: socket: ") + std::strerror(errno);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return "error: connect " + socket_.string() + ": " + why;
  }
  const std::string text = line + "\n";
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  std::string answer;
  char c;
  while (answer.size() < 4096) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    answer.push_back(c);
  }
  ::close(fd);
  return answer.empty() ? "error: no answer from the mock cluster" : answer;
}

std::string MockKafkaCluster::Logs() const {
  return "--- mock stderr:\n" + Tail(process_->Stderr());
}

// ---- KafkaDeployment --------------------------------------------------------

KafkaDeployment::KafkaDeployment(const MockKafkaCluster& cluster, fs::path dir,
                                 std::string now, std::string submit_timeout)
    : cluster_(cluster),
      dir_(std::move(dir)),
      now_(std::move(now)),
      submit_timeout_(std::move(submit_timeout)) {}

RunOptions KafkaDeployment::Options(const std::string& timeout) const {
  RunOptions options;
  options.unset_env = {"LEDGER_DATA", "LEDGER_POLICY", "LEDGER_KAFKA",
                       "LEDGER_KAFKA_CONFIG", "LEDGER_TOPIC_PREFIX"};
  options.env = {{"LEDGER_NOW", now_},
                 {"LEDGER_KAFKA_TIMEOUT", timeout.empty() ? submit_timeout_ : timeout}};
  options.cwd = dir_.string();
  return options;
}

RunResult KafkaDeployment::Run(std::vector<std::string> args) const {
  args.insert(args.begin(), {"--kafka", cluster_.bootstrap()});
  return RunLedger(args, Options());
}

std::unique_ptr<BackgroundProcess> KafkaDeployment::StartRun(
    const std::string& name, std::vector<std::string> args,
    const std::string& timeout) const {
  args.insert(args.begin(), {"--kafka", cluster_.bootstrap()});
  return BackgroundProcess::Start(name, LedgerBinary(), args, Options(timeout),
                                  log_dir());
}

std::unique_ptr<BackgroundProcess> KafkaDeployment::StartProcessor(
    const std::string& name) const {
  return StartRun(name, {"--data", DataDir(name), "processor"}, kServiceTimeout);
}

std::unique_ptr<BackgroundProcess> KafkaDeployment::StartProjector(
    const std::string& name) const {
  return StartRun(name,
                  {"projector", "--views", ViewsDir(name), "--group",
                   "faults." + name},
                  kServiceTimeout);
}

RunResult KafkaDeployment::CatchUpProjector(const std::string& name) const {
  return Run({"projector", "--views", ViewsDir(name), "--group",
              "faults." + name, "--until-caught-up"});
}

std::string KafkaDeployment::DataDir(const std::string& name) const {
  return (dir_ / name).string();
}
std::string KafkaDeployment::ViewsDir(const std::string& name) const {
  return (dir_ / name).string();
}

// ---- parsing ------------------------------------------------------------------

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

std::string Tail(const std::string& text, size_t max_lines) {
  std::vector<std::string> lines = Lines(text);
  const size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  std::string out;
  if (from > 0) out = "[... " + std::to_string(from) + " lines]\n";
  for (size_t i = from; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

}  // namespace xueji::e2e
