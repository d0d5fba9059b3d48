// Helpers for the Kafka end-to-end tests (tests/e2e_kafka_test.cc): long-running
// child processes (ledger-mock-kafka, `ledger processor`, `ledger projector`,
// a `ledger submit` in flight) with their output captured to files; the mock
// cluster with its fault-injection control socket; a ledger deployment
// against it (one data or views directory per service); and polling helpers
// with bounded waits.
//
// Every wait here is bounded and returns false (or nullopt) on expiry instead
// of blocking forever, so a hung service fails its test with its logs.
//
// Ownership: a BackgroundProcess owns its child; destroying it SIGKILLs and
// reaps a child still running (never any other process). MockKafkaCluster
// owns its BackgroundProcess and control socket path. KafkaDeployment owns
// nothing but paths and borrows the cluster, which must outlive it.
// Thread-safety: a BackgroundProcess may be waited on by one thread at a time;
// MockKafkaCluster::Command and the Run* helpers may be called from any
// thread (each opens its own connection or child process).
#ifndef XUEJI_TESTS_KAFKA_CLUSTER_H_
#define XUEJI_TESTS_KAFKA_CLUSTER_H_

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/run_ledger.h"

namespace xueji::e2e {

using Millis = std::chrono::milliseconds;

// The ledger-mock-kafka binary: $LEDGER_MOCK_KAFKA_BIN, else the path
// compiled in by tests/CMakeLists.txt.
std::string MockKafkaBinary();

// Calls `done` every `every` until it returns true or `limit` has passed;
// returns its last answer.
bool WaitFor(const std::function<bool()>& done, Millis limit,
             Millis every = Millis(100));

// A child process running in the background, stdin from /dev/null, stdout
// and stderr appended to LOG_DIR/NAME.out and LOG_DIR/NAME.err (a restarted
// process with the same name appends to the same files).
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
  std::optional<int> exit_code() const { return exit_code_; }

  std::string Stdout() const;
  std::string Stderr() const;
  std::filesystem::path stdout_path() const { return out_path_; }
  std::filesystem::path stderr_path() const { return err_path_; }

 private:
  BackgroundProcess() = default;
  std::string name_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
  std::filesystem::path out_path_;
  std::filesystem::path err_path_;
};

// ledger-mock-kafka --brokers N --partitions P --control DIR/mock.sock.
class MockKafkaCluster {
 public:
  // Starts the cluster; bootstrap() is empty if it did not come up (its
  // stderr then says why: see Logs()).
  MockKafkaCluster(const std::filesystem::path& dir, int brokers = 3,
                   int partitions = 6);
  ~MockKafkaCluster();

  const std::string& bootstrap() const { return bootstrap_; }
  int brokers() const { return brokers_; }
  int partitions() const { return partitions_; }
  // Sends one fault-injection command (e.g. "broker-down 1") on the control
  // socket; returns the answer line ("ok" or "error: ...").
  std::string Command(const std::string& line) const;
  std::string Logs() const;

 private:
  std::filesystem::path socket_;
  int brokers_;
  int partitions_;
  std::unique_ptr<BackgroundProcess> process_;
  std::string bootstrap_;
};

// A Kafka-mode ledger against `cluster`: every command runs as
// `ledger --kafka BOOTSTRAP ...` with LEDGER_NOW = now and
// LEDGER_KAFKA_TIMEOUT = submit_timeout (services: 30s); services keep their data under DIR
// (processors DIR/NAME as --data, projectors DIR/NAME as --views with group
// faults.NAME) and their logs under DIR/logs.
class KafkaDeployment {
 public:
  KafkaDeployment(const MockKafkaCluster& cluster, std::filesystem::path dir,
                  std::string now, std::string submit_timeout = "15s");

  // The environment of a command; `timeout` "" = the submit timeout.
  RunOptions Options(const std::string& timeout = "") const;
  // ledger --kafka B args... (waits for it).
  RunResult Run(std::vector<std::string> args) const;
  // The same, in the background, named `name` in the logs.
  std::unique_ptr<BackgroundProcess> StartRun(
      const std::string& name, std::vector<std::string> args,
      const std::string& timeout = "") const;
  void set_submit_timeout(std::string timeout) {
    submit_timeout_ = std::move(timeout);
  }

  std::unique_ptr<BackgroundProcess> StartProcessor(const std::string& name) const;
  std::unique_ptr<BackgroundProcess> StartProjector(const std::string& name) const;
  // projector --views DIR/NAME --group faults.NAME --until-caught-up.
  RunResult CatchUpProjector(const std::string& name) const;

  std::string DataDir(const std::string& name) const;
  std::string ViewsDir(const std::string& name) const;
  std::filesystem::path log_dir() const { return dir_ / "logs"; }
  const std::string& now() const { return now_; }

 private:
  const MockKafkaCluster& cluster_;
  std::filesystem::path dir_;
  std::string now_;
  std::string submit_timeout_;
};

// Of these processors, the one whose current run (its log after the last
// "joined the group") reported taking the requests partition and no
// revocation since; a running one first; -1 if none.
int ActiveProcessor(const std::vector<BackgroundProcess*>& processors);

// The table `ledger verify` prints (embedded or --kafka), parsed.
struct ChainReport {
  std::map<int, int64_t> events;          // partition -> events
  std::map<int, std::string> head_hash;   // partition -> head hash
  int64_t checked = -1;                   // "N events checked"
  bool intact = false;                    // "hash chains intact"
  int64_t total() const;
};
ChainReport ParseVerify(const std::string& out);

// The last 64-hex-digit word of `out` ("" if none): the digest printed by
// `ledger digest`, `ledger replay` and `ledger --kafka B replay`.
std::string FindDigest(const std::string& out);

// The last `max_lines` lines of `text`.
std::string Tail(const std::string& text, size_t max_lines = 40);

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_KAFKA_CLUSTER_H_
