#include "tests/support/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

extern char** environ;

namespace xueji::testing {
namespace {

#ifndef XUEJI_LEDGER_BIN
#define XUEJI_LEDGER_BIN "ledger"
#endif
#ifndef XUEJI_MOCK_KAFKA_BIN
#define XUEJI_MOCK_KAFKA_BIN "ledger-mock-kafka"
#endif
#ifndef XUEJI_SOURCE_DIR
#define XUEJI_SOURCE_DIR "."
#endif

namespace fs = std::filesystem;

// The child's environment: ours, minus `unset_env`, plus `env`.
std::vector<std::string> ChildEnvironment(const RunOptions& options) {
  std::map<std::string, std::string> vars;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string entry(*e);
    size_t eq = entry.find('=');
    if (eq == std::string::npos) continue;
    vars[entry.substr(0, eq)] = entry.substr(eq + 1);
  }
  for (const auto& name : options.unset_env) vars.erase(name);
  for (const auto& [name, value] : options.env) vars[name] = value;
  std::vector<std::string> out;
  out.reserve(vars.size());
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

// In the child after fork(): wire stdin/stdout/stderr and exec. Never
// returns.
[[noreturn]] void ExecChild(int in_fd, int out_fd, int err_fd,
                            const std::string& cwd, char* const argv[],
                            char* const envp[]) {
  ::dup2(in_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
    const char msg[] = "tests/support: cannot chdir\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::execve(argv[0], argv, envp);
  const char msg[] = "tests/support: cannot exec the program\n";
  [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
  ::_exit(127);
}

// Feeds `input` to `in_fd` and drains `out_fd`/`err_fd` until both close.
void Pump(int in_fd, int out_fd, int err_fd, const std::string& input,
          RunResult* result) {
  size_t written = 0;
  if (input.empty()) {
    ::close(in_fd);
    in_fd = -1;
  }
  char buf[65536];
  while (out_fd >= 0 || err_fd >= 0 || in_fd >= 0) {
    pollfd fds[3] = {
        {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}, {in_fd, POLLOUT, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_fd : err_fd;
      if (fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n > 0) {
        (i == 0 ? result->out : result->err).append(buf, n);
      } else if (n == 0 || errno != EINTR) {
        ::close(fd);
        fd = -1;
      }
    }
    if (in_fd >= 0 && fds[2].revents != 0) {
      bool writable = (fds[2].revents & POLLOUT) != 0;
      ssize_t n = writable ? ::write(in_fd, input.data() + written,
                                     input.size() - written)
                           : -1;
      if (n > 0) written += n;
      bool failed = !writable || (n < 0 && errno != EINTR && errno != EAGAIN);
      if (failed || written == input.size()) {
        ::close(in_fd);  // done, or the child closed its stdin
        in_fd = -1;
      }
    }
  }
}

std::string FromEnv(const char* name, const char* fallback) {
  const char* env = std::getenv(name);
  return env != nullptr && *env != '\0' ? env : fallback;
}

}  // namespace

RunResult RunProgram(const std::string& program,
                     const std::vector<std::string>& args,
                     const RunOptions& options) {
  ::signal(SIGPIPE, SIG_IGN);
  RunResult result;
  std::vector<std::string> argv_strings = {program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = ChildEnvironment(options);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);

  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 ||
      ::pipe2(err, O_CLOEXEC) != 0) {
    result.exit_code = 127;
    result.err = std::string("pipe: ") + std::strerror(errno);
    return result;
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ExecChild(in[0], out[1], err[1], options.cwd, argv.data(), envp.data());
  }
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (pid < 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    result.exit_code = 127;
    result.err = std::string("fork: ") + std::strerror(errno);
    return result;
  }
  // Non-blocking, so a write never waits for more room than poll() saw.
  ::fcntl(in[1], F_SETFL, ::fcntl(in[1], F_GETFL) | O_NONBLOCK);
  Pump(in[1], out[0], err[0], options.stdin_text, &result);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = ExitCode(status);
  return result;
}

std::string LedgerBinary() { return FromEnv("LEDGER_BIN", XUEJI_LEDGER_BIN); }

std::string MockKafkaBinary() {
  return FromEnv("LEDGER_MOCK_KAFKA_BIN", XUEJI_MOCK_KAFKA_BIN);
}

fs::path SourceDir() { return FromEnv("LEDGER_SOURCE_DIR", XUEJI_SOURCE_DIR); }

RunResult RunLedger(const std::vector<std::string>& args,
                    const RunOptions& options) {
  // The ledger's language follows the locale (commands/output/lang.h): the
  // tests read its English unless they set a locale themselves.
  RunOptions hermetic = options;
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    hermetic.unset_env.push_back(name);
  }
  return RunProgram(LedgerBinary(), args, hermetic);
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
  ::signal(SIGPIPE, SIG_IGN);
  std::unique_ptr<BackgroundProcess> p(new BackgroundProcess());
  p->name_ = name;
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  p->out_path_ = log_dir / (name + ".out");
  p->err_path_ = log_dir / (name + ".err");
  std::vector<std::string> argv_strings = {program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings = ChildEnvironment(options);
  std::vector<char*> argv = CStrings(argv_strings);
  std::vector<char*> envp = CStrings(env_strings);
  const int flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
  int out = ::open(p->out_path_.c_str(), flags, 0644);
  int err = ::open(p->err_path_.c_str(), flags, 0644);
  int in = -1;
  if (options.stdin_pipe) {
    int pipe_fds[2];
    if (::pipe2(pipe_fds, O_CLOEXEC) == 0) {
      in = pipe_fds[0];
      p->stdin_fd_ = pipe_fds[1];
    }
  } else {
    in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }
  const pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid == 0) {
    // Dies with the test (the thread that started it), never orphaned.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ExecChild(in, out, err, options.cwd, argv.data(), envp.data());
  }
  ::close(in);
  ::close(out);
  ::close(err);
  p->pid_ = pid;
  if (pid < 0) p->exit_code_ = 127;
  return p;
}

BackgroundProcess::~BackgroundProcess() {
  CloseStdin();
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
  ::kill(pid_, SIGCONT);  // a stopped child would not see SIGTERM
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

void BackgroundProcess::Stop() {
  if (Running()) ::kill(pid_, SIGSTOP);
}

void BackgroundProcess::Continue() {
  if (Running()) ::kill(pid_, SIGCONT);
}

bool BackgroundProcess::WriteStdin(const std::string& text) {
  size_t done = 0;
  while (stdin_fd_ >= 0 && done < text.size()) {
    ssize_t n = ::write(stdin_fd_, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return stdin_fd_ >= 0;
}

void BackgroundProcess::CloseStdin() {
  if (stdin_fd_ >= 0) ::close(stdin_fd_);
  stdin_fd_ = -1;
}

std::string BackgroundProcess::Stdout() const { return ReadFile(out_path_); }
std::string BackgroundProcess::Stderr() const { return ReadFile(err_path_); }

// ---- files and text
// -----------------------------------------------------------

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(line);
  }
  return lines;
}

std::string Tail(const std::string& text, size_t max_lines) {
  std::vector<std::string> lines = Lines(text);
  const size_t from = lines.size() > max_lines ? lines.size() - max_lines : 0;
  std::string out;
  if (from > 0) out = "[... " + std::to_string(from) + " lines]\n";
  for (size_t i = from; i < lines.size(); ++i) out += lines[i] + "\n";
  return out;
}

std::string HttpExchange(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  std::string response;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
      ::send(fd, request.data(), request.size(), 0) ==
          static_cast<ssize_t>(request.size())) {
    char buf[8192];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
      response.append(buf, static_cast<size_t>(n));
    }
  }
  ::close(fd);
  return response;
}

}  // namespace xueji::testing
