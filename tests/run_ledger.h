// Helpers for the end-to-end tests: run the real `ledger` binary (or any
// program) as a child process with arguments, extra environment variables and
// stdin text, and capture its exit code, stdout and stderr; and a temporary
// directory that removes itself.
//
// The binary is found through $LEDGER_BIN (set by CMake on every test), else
// the path compiled in by tests/CMakeLists.txt. Both pipes are drained with
// poll(), so a child writing a lot to either never deadlocks against us.
//
// Ownership: RunResult owns copies of the output. TempDir owns its directory
// and deletes it, recursively, on destruction.
// Thread-safety: RunProgram may be called from one thread at a time (it sets
// SIGPIPE to ignored for the process); TempDir objects are independent.
#ifndef XUEJI_TESTS_RUN_LEDGER_H_
#define XUEJI_TESTS_RUN_LEDGER_H_

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.h"

namespace xueji::e2e {

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
  std::string stdin_text;  // written to the child's stdin, then closed
  std::string cwd;         // working directory of the child, if not empty
};

// Runs `program` with `args` (argv[1..]). A program that cannot be started
// yields exit code 127 and a message on `err`.
RunResult RunProgram(const std::string& program,
                     const std::vector<std::string>& args,
                     const RunOptions& options = {});

// The `ledger` binary under test.
std::string LedgerBinary();
// The source tree ($LEDGER_SOURCE_DIR, else the compiled-in path).
std::filesystem::path SourceDir();

// RunProgram(LedgerBinary(), args, options).
RunResult RunLedger(const std::vector<std::string>& args,
                    const RunOptions& options = {});

// A fresh temporary directory, removed on destruction (tests/temp_dir.h).
using ::xueji::TempDir;

// Reads a whole file ("" if it cannot be read); writes one, replacing it.
std::string ReadFile(const std::filesystem::path& path);
void WriteFile(const std::filesystem::path& path, const std::string& text);

// Splits text into its non-empty lines.
std::vector<std::string> Lines(const std::string& text);

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_RUN_LEDGER_H_
