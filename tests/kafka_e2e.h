// Helpers for the Kafka end-to-end tests (e2e_kafka_test.cc on the mock,
// e2e_kafka_real_test.cc on Apache Kafka): a ledger deployment against a
// cluster (tests/support/kafka_cluster.h) — one data or views directory per
// service, every command `ledger --kafka B --topic-prefix P ...` — and the
// parsers of `ledger verify` and digests.
//
// Ownership: KafkaDeployment owns nothing but paths and borrows the
// cluster, which must outlive it. Thread-safety: Run/StartRun may be called
// from any thread (each starts its own child process).
#ifndef XUEJI_TESTS_KAFKA_E2E_H_
#define XUEJI_TESTS_KAFKA_E2E_H_

#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/kafka_cluster.h"
#include "tests/support/process.h"

namespace xueji::e2e {

using namespace ::xueji::testing;  // NOLINT: the tests' own support library

// A Kafka-mode ledger against `cluster`: every command runs as
// `ledger --kafka BOOTSTRAP --topic-prefix PREFIX ...` with LEDGER_NOW = now
// and LEDGER_KAFKA_TIMEOUT = submit_timeout (services: 30s); services keep
// their data under DIR (processors DIR/NAME as --data, projectors DIR/NAME
// as --views with group PREFIX.NAME) and their logs under DIR/logs.
class KafkaDeployment {
 public:
  KafkaDeployment(const KafkaCluster& cluster, std::filesystem::path dir,
                  std::string now, std::string submit_timeout = "15s",
                  std::string prefix = "xueji");

  // The environment of a command; `timeout` "" = the submit timeout.
  RunOptions Options(const std::string& timeout = "") const;
  // ledger --kafka B --topic-prefix P args... (waits for it).
  RunResult Run(std::vector<std::string> args) const;
  // `init --dev [--ledger-id ID]` through a running processor: a development
  // ledger (unsigned requests at their actor); REQUIREs exit 0.
  void InitDev(const std::string& ledger_id = "") const;
  // The same, in the background, named `name` in the logs.
  std::unique_ptr<BackgroundProcess> StartRun(
      const std::string& name, std::vector<std::string> args,
      const std::string& timeout = "") const;
  void set_submit_timeout(std::string timeout) {
    submit_timeout_ = std::move(timeout);
  }
  // Extra arguments of every processor (e.g. --transactions).
  void set_processor_args(std::vector<std::string> args) {
    processor_args_ = std::move(args);
  }

  std::unique_ptr<BackgroundProcess> StartProcessor(
      const std::string& name) const;
  std::unique_ptr<BackgroundProcess> StartProjector(
      const std::string& name) const;
  // projector --views DIR/NAME --group PREFIX.NAME --until-caught-up.
  RunResult CatchUpProjector(const std::string& name) const;

  std::string DataDir(const std::string& name) const;
  std::string ViewsDir(const std::string& name) const;
  std::filesystem::path log_dir() const { return dir_ / "logs"; }
  const std::string& now() const { return now_; }
  const std::string& prefix() const { return prefix_; }
  const KafkaCluster& cluster() const { return cluster_; }

 private:
  const KafkaCluster& cluster_;
  std::filesystem::path dir_;
  std::string now_;
  std::string submit_timeout_;
  std::string prefix_;
  std::vector<std::string> processor_args_;
};

// Reads partition `partition` of `topic` from offset 0 to its end (EOF)
// with read_committed or read_uncommitted, calling `take` for each record;
// "" or why not.
std::string ReadTopic(
    const std::string& bootstrap, const std::string& topic, int partition,
    bool read_committed,
    const std::function<void(const rd_kafka_message_t&)>& take);

// A fenced writer's leftovers: copies of the first `per_partition`
// committed events of each PREFIX.events partition (the same bytes, the
// same event ids), produced in a transaction of another transactional.id
// and aborted. Returns how many were produced (0: it failed).
size_t InjectAbortedCopies(const std::string& bootstrap,
                           const std::string& prefix, size_t per_partition);

// Of these processors, the one whose current run (its log after the last
// "joined the group") reported taking the requests partition and no
// revocation since; a running one first; -1 if none.
int ActiveProcessor(const std::vector<BackgroundProcess*>& processors);

// The table `ledger verify` prints (embedded or --kafka), parsed.
struct ChainReport {
  std::map<int, int64_t> events;         // partition -> events
  std::map<int, std::string> head_hash;  // partition -> head hash
  int64_t checked = -1;                  // "N events checked"
  bool intact = false;                   // "hash chains intact"
  int64_t total() const;
};
ChainReport ParseVerify(const std::string& out);

// The last 64-hex-digit word of `out` ("" if none): the digest printed by
// `ledger digest`, `ledger replay` and `ledger --kafka B replay`.
std::string FindDigest(const std::string& out);

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_KAFKA_E2E_H_
