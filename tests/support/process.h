// The one process runner of the tests: run the real `ledger` binary (or any
// program) as a child process — to completion, capturing exit code, stdout
// and stderr (RunProgram), or in the background with its output appended to
// log files (BackgroundProcess) — plus bounded polling (WaitFor) and small
// file helpers.
//
// The ledger binary is found through $LEDGER_BIN (set by CMake on every
// test that needs the CLI), else the path compiled into xueji_test_support;
// the source tree through $LEDGER_SOURCE_DIR, else the compiled-in path.
// RunProgram drains both pipes with poll(), so a child writing a lot to
// either never deadlocks against the test. Every wait here is bounded.
//
// Ownership: RunResult owns copies of the output. A BackgroundProcess owns
// its child: destroying it SIGKILLs and reaps a child still running (never
// any other process); a child also dies with the thread that started it
// (PR_SET_PDEATHSIG), so a crashed test leaves no orphan.
// Thread-safety: RunProgram may be called from one thread at a time (it
// sets SIGPIPE to ignored for the process); a BackgroundProcess is used by
// one thread at a time; independent objects are independent.
#ifndef XUEJI_TESTS_SUPPORT_PROCESS_H_
#define XUEJI_TESTS_SUPPORT_PROCESS_H_

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.h"

namespace xueji::testing {

using ::xueji::TempDir;
using Millis = std::chrono::milliseconds;

struct RunResult {
  int exit_code = -1;  // exit status; 128 + signal number if killed
  std::string out;     // everything written to stdout
  std::string err;     // everything written to stderr
};

struct RunOptions {
  // Added to (or replacing in) the parent's environment.
  std::vector<std::pair<std::string, std::string>> env;
  // Removed from the environment (e.g. LEDGER_DATA, so tests are hermetic).
  std::vector<std::string> unset_env;
  // RunProgram: written to the child's stdin, then closed.
  std::string stdin_text;
  std::string cwd;  // working directory of the child, if not empty
  // BackgroundProcess: stdin is a pipe the test writes with WriteStdin and
  // closes with CloseStdin (else /dev/null).
  bool stdin_pipe = false;
};

// Runs `program` with `args` (argv[1..]) to completion. A program that
// cannot be started yields exit code 127 and a message on `err`.
RunResult RunProgram(const std::string& program,
                     const std::vector<std::string>& args,
                     const RunOptions& options = {});

// The `ledger` binary under test, and RunProgram of it (with LC_ALL,
// LC_MESSAGES and LANG unset unless `options.env` sets them: English).
std::string LedgerBinary();
RunResult RunLedger(const std::vector<std::string>& args,
                    const RunOptions& options = {});
// The ledger-mock-kafka binary ($LEDGER_MOCK_KAFKA_BIN, else compiled in).
std::string MockKafkaBinary();
// The source tree.
std::filesystem::path SourceDir();

// Calls `done` every `every` until it returns true or `limit` has passed;
// returns its last answer.
bool WaitFor(const std::function<bool()>& done, Millis limit,
             Millis every = Millis(100));

// A child process running in the background, stdout and stderr appended to
// LOG_DIR/NAME.out and LOG_DIR/NAME.err (a restarted process with the same
// name appends to the same files).
class BackgroundProcess {
 public:
  static std::unique_ptr<BackgroundProcess> Start(
      const std::string& name, const std::string& program,
      const std::vector<std::string>& args, const RunOptions& options,
      const std::filesystem::path& log_dir);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  const std::string& name() const { return name_; }
  pid_t pid() const { return pid_; }
  // True while the child has not exited (reaps it once it has).
  bool Running();
  // The exit code (128 + signal if killed) once the child has exited within
  // `limit`; nullopt if it is still running.
  std::optional<int> Wait(Millis limit);
  // SIGTERM, then SIGKILL after `grace`; returns the exit code.
  int Terminate(Millis grace = Millis(15000));
  // SIGKILL and reap (the crash of the scenario, not a clean stop).
  void Kill();
  // SIGSTOP / SIGCONT (a process that hangs, then wakes up).
  void Stop();
  void Continue();
  std::optional<int> exit_code() const { return exit_code_; }

  // With RunOptions::stdin_pipe: writes to / closes the child's stdin.
  bool WriteStdin(const std::string& text);
  void CloseStdin();

  std::string Stdout() const;
  std::string Stderr() const;
  std::filesystem::path stdout_path() const { return out_path_; }
  std::filesystem::path stderr_path() const { return err_path_; }

 private:
  BackgroundProcess() = default;
  std::string name_;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

// Reads a whole file ("" if it cannot be read); writes one, replacing it.
std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& text);

// Splits text into its non-empty lines.
std::vector<std::string> Lines(const std::string& text);

// The last `max_lines` lines of `text`.
std::string Tail(const std::string& text, size_t max_lines = 40);

// One HTTP exchange with 127.0.0.1:`port`: sends `request` as it is and
// returns the whole response, up to the server's close ("" when it cannot
// connect or send).
std::string HttpExchange(int port, const std::string& request);

}  // namespace xueji::testing

#endif  // XUEJI_TESTS_SUPPORT_PROCESS_H_
