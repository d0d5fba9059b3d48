// Children's personal data: whatever the caller's umask, everything the ledger
// creates -- its data directory and all in it (the access log included), key
// files, digests -- is the owner's alone: directories 0700, files 0600
// (issue 9).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;

// `ledger --data DIR args...` run by a shell whose umask is 022.
RunResult RunUnderUmask022(const TestLedger& ledger,
                           const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"-c", "umask 022; exec \"$0\" \"$@\"",
                                   LedgerBinary(), "--data", ledger.data_dir()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions options;
  options.env = {{"LEDGER_NOW", ledger.now()}};
  options.unset_env = {"LEDGER_DATA", "LEDGER_POLICY"};
  options.cwd = ledger.tmp().path().string();
  return RunProgram("/bin/bash", argv, options);
}

// Every directory and file under `root` (root included) whose permission
// bits are not `dir_mode` / `file_mode`, as "path mode" lines.
std::vector<std::string> WrongModes(const fs::path& root, mode_t dir_mode,
                                    mode_t file_mode) {
  std::vector<std::string> wrong;
  auto check = [&](const fs::path& p) {
    struct stat st;
    if (::lstat(p.c_str(), &st) != 0) return;
    const mode_t bits = st.st_mode & 07777;
    const mode_t want = S_ISDIR(st.st_mode) ? dir_mode : file_mode;
    if (bits != want) {
      char octal[8];
      std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(bits));
      wrong.push_back(p.string() + " " + octal);
    }
  };
  check(root);
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    check(entry.path());
  }
  return wrong;
}

TEST_CASE("under umask 022 the data directory is 0700 and its files 0600",
          "[e2e]") {
  TestLedger ledger;
  RunResult load = RunUnderUmask022(
      ledger, {"registry", "load", DemoFile("registry.jsonl")});
  INFO("registry load: " << load.err);
  REQUIRE(load.exit_code == 0);
  RunResult submit =
      RunUnderUmask022(ledger, {"submit", ledger.TermInOneSitting()});
  REQUIRE(submit.exit_code == 1);  // the demo's planted refusals
  RunResult stats = RunUnderUmask022(ledger, {"stats"});
  REQUIRE(stats.exit_code == 0);
  RunResult replay = RunUnderUmask022(ledger, {"replay"});
  REQUIRE(replay.exit_code == 0);
  const std::string digest = ledger.tmp().Sub("digest.json");
  RunResult digested = RunUnderUmask022(ledger, {"digest", "--out", digest});
  REQUIRE(digested.exit_code == 0);
  const std::string key = ledger.tmp().Sub("key.pem");
  REQUIRE(RunUnderUmask022(ledger, {"keygen", "--out", key}).exit_code == 0);

  const fs::path data = ledger.data_dir();
  REQUIRE(fs::exists(data / "log"));
  REQUIRE(fs::exists(data / "state"));
  REQUIRE(fs::exists(data / "views"));
  REQUIRE(fs::exists(data / "access.log"));  // the stats read
  std::vector<std::string> wrong = WrongModes(data, 0700, 0600);
  INFO("not 0700/0600:\n"
       << [&] {
            std::string all;
            for (const auto& w : wrong) all += w + "\n";
            return all;
          }());
  CHECK(wrong.empty());
  // What it writes outside the data directory too.
  for (const std::string& file : {digest, key}) {
    struct stat st;
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
  }
}

}  // namespace
}  // namespace xueji::e2e
