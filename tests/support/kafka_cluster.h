// Kafka clusters for the tests, behind one interface so a scenario runs the
// same on either:
//  * MockKafka: the `ledger-mock-kafka` tool (librdkafka's in-memory mock
//    cluster) as a child process, with its fault-injection control socket —
//    fast, for unit tests and the mock end-to-end suite;
//  * RealKafka: Apache Kafka from tools/kafka-local.sh (KRaft, 1 or 3
//    brokers) — the cluster of $XUEJI_KAFKA_DIR when set (what .ci/run
//    starts once for the whole `kafka` label), else one this process starts
//    in a temporary directory and stops again. Scenarios on a shared real
//    cluster use topics of their own prefix (CreateTopics), so they never
//    see each other's records.
//
// Ownership: a MockKafka owns its child process and its temporary folder. A
// RealKafka owns the cluster only if it started it (then its destructor
// runs `kafka-local.sh down`); it never stops a cluster it attached to, and
// a broker it killed is restarted by RestartBroker, not by the destructor.
// Thread-safety: Command, KillBroker, RestartBroker and the queries open
// their own connections or child processes and may be called from any
// thread; construction and destruction from one.
#ifndef XUEJI_TESTS_SUPPORT_KAFKA_CLUSTER_H_
#define XUEJI_TESTS_SUPPORT_KAFKA_CLUSTER_H_

#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace xueji::testing {

class KafkaCluster {
 public:
  KafkaCluster() = default;
  virtual ~KafkaCluster() = default;
  // It may own processes and folders (see above): not copyable.
  KafkaCluster(const KafkaCluster&) = delete;
  KafkaCluster& operator=(const KafkaCluster&) = delete;

  // "host:port,...", empty if the cluster did not come up (Logs() says why).
  virtual const std::string& bootstrap() const = 0;
  virtual int brokers() const = 0;
  // True for Apache Kafka (transaction markers take offsets, ...).
  virtual bool real() const = 0;
  // The tail of the cluster's own logs, for failure messages.
  virtual std::string Logs() const = 0;
};

// ledger-mock-kafka --brokers N --partitions P --control DIR/mock.sock; its
// output in DIR/logs/mock.{out,err}.
class MockKafka : public KafkaCluster {
 public:
  // In a temporary directory of its own.
  explicit MockKafka(int brokers = 3, int partitions = 6);
  MockKafka(const std::filesystem::path& dir, int brokers = 3,
            int partitions = 6);
  ~MockKafka() override;

  const std::string& bootstrap() const override { return bootstrap_; }
  int brokers() const override { return brokers_; }
  bool real() const override { return false; }
  std::string Logs() const override;
  int partitions() const { return partitions_; }

  // Sends one fault-injection command (e.g. "broker-down 1", "leader
  // xueji.events 0 2", "error Produce REQUEST_TIMED_OUT 3") on the control
  // socket; returns the answer line ("ok" or "error: ...").
  std::string Command(const std::string& line) const;
  // The tool's exit code once it has exited within `limit` (after "quit").
  std::optional<int> WaitExit(Millis limit);

 private:
  void Start(const std::filesystem::path& dir);

  std::unique_ptr<TempDir> own_dir_;
  std::filesystem::path socket_;
  int brokers_;
  int partitions_;
  std::unique_ptr<BackgroundProcess> process_;
  std::string bootstrap_;
};

// Apache Kafka from tools/kafka-local.sh.
class RealKafka : public KafkaCluster {
 public:
  // The cluster of $XUEJI_KAFKA_DIR if set (its size is whatever it was
  // started with), else a new one of `brokers` (1 or 3) in a temporary
  // directory. bootstrap() is empty if neither works.
  explicit RealKafka(int brokers = 3);
  ~RealKafka() override;

  const std::string& bootstrap() const override { return bootstrap_; }
  int brokers() const override { return brokers_; }
  bool real() const override { return true; }
  std::string Logs() const override;
  const std::filesystem::path& dir() const { return dir_; }

  // Creates PREFIX.requests (`requests_partitions`, 1 but to test a
  // refusal), .events (`events_partitions`), .results (6), .registry (1),
  // .journal (1), .graduates (6) with deploy/kafka/topics.sh's settings,
  // replication min(3, brokers), and waits until every partition has a leader
  // and its replicas in sync. "" on success, else the reason.
  std::string CreateTopics(const std::string& prefix, int events_partitions = 6,
                           int requests_partitions = 1) const;
  // The broker leading `topic`/`partition` (-1 if none or unknown).
  int Leader(const std::string& topic, int partition) const;
  // Waits until every partition of PREFIX's topics has a leader and all its
  // replicas in sync (after a broker came back); false at `limit`.
  bool WaitInSync(const std::string& prefix, Millis limit) const;

  // The pid of broker N while it runs, else -1.
  pid_t BrokerPid(int n) const;
  // SIGKILLs broker N and waits until it is gone; false if it did not run.
  bool KillBroker(int n) const;
  // `kafka-local.sh restart N`: "" once it is back in the cluster, else why.
  std::string RestartBroker(int n) const;

 private:
  std::unique_ptr<TempDir> own_dir_;  // set when this object started it
  std::filesystem::path dir_;
  int brokers_ = 0;
  std::string bootstrap_;
  std::string startup_error_;
};

}  // namespace xueji::testing

#endif  // XUEJI_TESTS_SUPPORT_KAFKA_CLUSTER_H_
