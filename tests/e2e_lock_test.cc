// Two processes on one data directory: a second writer is told the ledger is
// busy (exit 3) instead of corrupting it, and readers (status included) are
// not blocked.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

// True once another process holds the writer lock of `data_dir`.
bool LockHeldByOther(const std::string& data_dir) {
  int fd = ::open((data_dir + "/LOCK").c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  if (!held) ::flock(fd, LOCK_UN);
  ::close(fd);
  return held;
}

TEST_CASE("a second writer on a busy data directory exits 3, readers read",
          "[e2e]") {
  TestLedger ledger;
  ledger.EnterDemoTerm();

  // The first writer: `submit -` holds the lock while it waits for input.
  RunOptions first_options;
  first_options.env = {{"LEDGER_NOW", ledger.now()}};
  first_options.stdin_pipe = true;
  auto first = BackgroundProcess::Start(
      "first", LedgerBinary(), {"--data", ledger.data_dir(), "submit", "-"},
      first_options, ledger.tmp().path() / "logs");
  bool held = false;
  for (int i = 0; i < 200 && !(held = LockHeldByOther(ledger.data_dir()));
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(held);

  RunOptions no_wait;
  no_wait.env = {{"LEDGER_NOW", ledger.now()}, {"LEDGER_LOCK_TIMEOUT", "0s"}};
  no_wait.unset_env = {"LEDGER_DATA"};
  RunResult second = RunLedger(
      {"--data", ledger.data_dir(), "submit", DemoFile("requests.jsonl")},
      no_wait);
  CHECK(second.exit_code == 3);
  CHECK(second.err.find("ledger is busy") != std::string::npos);
  CHECK(second.out.empty());  // nothing was processed

  RunResult reader =
      RunLedger({"--data", ledger.data_dir(), "stats", "--json"}, no_wait);
  CHECK(reader.exit_code == 0);
  CHECK(reader.out.find("\"liveRecords\"") != std::string::npos);
  // `status` is a read too: answered beside the writer, never "busy".
  RunResult asked =
      RunLedger({"--data", ledger.data_dir(), "status", "r-001"}, no_wait);
  INFO("status: " << asked.err);
  CHECK(asked.exit_code == 0);
  CHECK(asked.out.find("\"requestId\":\"r-001\"") != std::string::npos);

  // The first writer still works, and finishes cleanly.
  const std::string line =
      R"({"requestId":"lock-1","actor":"reg-sm1","occurredOn":"2025-12-31",)"
      R"("graduate":{"studentNo":"NO-SUCH"}})"
      "\n";
  REQUIRE(first->WriteStdin(line));
  first->CloseStdin();
  CHECK(first->Wait(Millis(30000)) == 1);  // UNKNOWN_STUDENT: rejected
  RunResult answer = ledger.Run({"status", "lock-1"});
  CHECK(answer.out.find("UNKNOWN_STUDENT") != std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
