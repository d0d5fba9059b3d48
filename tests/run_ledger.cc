#include "tests/run_ledger.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

extern char** environ;

namespace xueji::e2e {
namespace {

#ifndef XUEJI_LEDGER_BIN
#define XUEJI_LEDGER_BIN "ledger"
#endif
#ifndef XUEJI_SOURCE_DIR
#define XUEJI_SOURCE_DIR "."
#endif

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

// In the child after fork(): wire the pipes and exec. Never returns.
[[noreturn]] void ExecChild(int in_fd, int out_fd, int err_fd,
                            const std::string& cwd, char* const argv[],
                            char* const envp[]) {
  ::dup2(in_fd, STDIN_FILENO);
  ::dup2(out_fd, STDOUT_FILENO);
  ::dup2(err_fd, STDERR_FILENO);
  if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
    const char msg[] = "run_ledger: cannot chdir\n";
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    ::_exit(127);
  }
  ::execve(argv[0], argv, envp);
  const char msg[] = "run_ledger: cannot exec the program\n";
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
    pollfd fds[3] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0},
                     {in_fd, POLLOUT, 0}};
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
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

std::string LedgerBinary() {
  const char* env = std::getenv("LEDGER_BIN");
  return env != nullptr && *env != '\0' ? env : XUEJI_LEDGER_BIN;
}

std::filesystem::path SourceDir() {
  const char* env = std::getenv("LEDGER_SOURCE_DIR");
  return env != nullptr && *env != '\0' ? env : XUEJI_SOURCE_DIR;
}

RunResult RunLedger(const std::vector<std::string>& args,
                    const RunOptions& options) {
  return RunProgram(LedgerBinary(), args, options);
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::filesystem::path& path, const std::string& text) {
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

}  // namespace xueji::e2e
