// The Kafka end-to-end scenario, on either cluster of tests/support
// (e2e_kafka_test.cc: the mock; e2e_kafka_real_test.cc: Apache Kafka with
// --transactions): a generated workload (`ledger gen`), its embedded
// default run as the reference, then two `ledger processor` and two
// `ledger projector` services and the requests submitted in chunks through
// `ledger --kafka B submit` while a fault is injected. Every scenario ends
// with CheckEnd:
//   (1) `ledger --kafka B verify` exits 0 with intact chains (over the
//       offset gaps commit markers leave, on a real broker), and the events
//       topic holds, subject by subject, exactly the embedded run's events
//       (read_committed; partition, offset and hashes aside — with
//       transactions the offsets count the markers — and byte for byte
//       head hashes too without them): no duplicate, no missing event;
//   (2) each projector's store, a clean rebuild (`replay --views`) and the
//       embedded views have the same digest;
//   (3) resubmitting everything answers each line DUPLICATE_REQUEST with
//       the embedded run's status as original_status, and appends nothing.
// A chunk whose submit exits 3 (timeout, broker down) is resubmitted until
// it is answered; answers are compared line by line with the embedded run.
//
// Ownership: a KafkaScenario owns its temporary directory, the services it
// started and their data; it borrows the cluster. On a real cluster it uses
// topics of its own prefix, created in the constructor.
// Thread-safety: one test thread; fault callbacks run on it.
#ifndef XUEJI_TESTS_KAFKA_SCENARIO_H_
#define XUEJI_TESTS_KAFKA_SCENARIO_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/e2e_support.h"
#include "tests/kafka_e2e.h"
#include "xueji/v1/requests.pb.h"

namespace xueji::e2e {

// A generated workload (`ledger gen`), its requests split into chunks.
struct Workload {
  std::string now;  // LEDGER_NOW of every process (the summary's submitNow)
  std::string registry;
  std::string requests;
  std::vector<std::string> chunk_files;
  std::vector<std::vector<std::string>> chunk_ids;  // requestIds per line
};

// Subject -> its events in log order, each with partition, offset,
// prev_hash and hash cleared (canonical bytes); what "the same events per
// subject" compares.
using SubjectEvents = std::map<std::string, std::vector<std::string>>;

// The embedded default's run of the same workload.
struct Reference {
  ChainReport chains;
  std::string digest;                                // ledger digest
  std::string content_digest;                        // ledger digest --content
  std::map<std::string, xueji::v1::Result> answers;  // by requestId
  SubjectEvents events;
};

// What the fault does around one chunk's submission.
struct ChunkFault {
  std::function<void()> during;         // kFaultDelay after the first attempt
  std::function<void()> after_failure;  // after an attempt exited 3
  std::string timeout;                  // LEDGER_KAFKA_TIMEOUT ("" default)
};

struct ScenarioOptions {
  int children = 500;
  int seed = 11;
  int chunks = 6;
  // Real clusters: processors run with --transactions.
  bool transactions = false;
  // Topic prefix; "" = "xueji" on the mock, a fresh one on a real cluster.
  std::string prefix;
  // Runs before any service starts (e.g. the mock's leader pinning).
  std::function<void()> before_start;
};

class KafkaScenario {
 public:
  KafkaScenario(const KafkaCluster& cluster, ScenarioOptions options = {});
  ~KafkaScenario();

  KafkaDeployment& kafka() { return kafka_; }
  const KafkaCluster& cluster() const { return cluster_; }
  std::vector<std::unique_ptr<BackgroundProcess>>& processors() {
    return processors_;
  }
  std::vector<std::unique_ptr<BackgroundProcess>>& projectors() {
    return projectors_;
  }
  size_t chunks() const { return work_.chunk_files.size(); }
  const std::string& chunk_file(size_t i) const { return work_.chunk_files[i]; }
  const Workload& workload() const { return work_; }
  const Reference& reference() const { return ref_; }
  int failed_attempts() const { return failed_attempts_; }
  const std::filesystem::path& dir() const { return tmp_.path(); }

  // Submits chunk i until it is answered (resubmitting after exit 3), then
  // checks the answers; returns how many attempts exited 3.
  int SubmitChunk(size_t i, const ChunkFault& fault = {});
  // Runs every chunk from `from` to the end without faults.
  void SubmitRest(size_t from) {
    for (size_t i = from; i < chunks(); ++i) SubmitChunk(i);
  }

  // (1), (3), (2): the end checks of every scenario.
  void CheckEnd();
  // (1) alone.
  void CheckChains(const std::string& when);

  // The index of the processor that owns the requests partition; REQUIREs
  // one.
  int Active();
  // Stderr of every service and the cluster's logs, for failure messages.
  std::string Logs() const;

  void Require(bool ok, const std::string& what) const;
  void Check(bool ok, const std::string& what) const;

 private:
  void CheckAnswers(size_t chunk, const std::string& out, bool retried);
  void CheckViews();

  const KafkaCluster& cluster_;
  ScenarioOptions options_;
  TempDir tmp_{"xueji-kafka"};
  Workload work_;
  Reference ref_;
  KafkaDeployment kafka_;
  std::vector<std::unique_ptr<BackgroundProcess>> processors_;
  std::vector<std::unique_ptr<BackgroundProcess>> projectors_;
  int failed_attempts_ = 0;
  int runs_ = 0;
};

// Raw pointers of `processes`, for ActiveProcessor.
std::vector<BackgroundProcess*> Raw(
    const std::vector<std::unique_ptr<BackgroundProcess>>& processes);

// The events of the log in `data_dir` (embedded), or of PREFIX.events on
// `bootstrap` (read_committed), by subject; "" or the reason it failed.
std::string ReadSubjectEvents(const std::string& data_dir, SubjectEvents* out);
std::string ReadSubjectEvents(const std::string& bootstrap,
                              const std::string& prefix, SubjectEvents* out);
// "" if equal, else the first difference.
std::string CompareSubjectEvents(const SubjectEvents& want,
                                 const SubjectEvents& got);

// RunOptions without the ledger's environment, LEDGER_NOW = now.
RunOptions Hermetic(const std::string& now);

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_KAFKA_SCENARIO_H_
