// KafkaRequestClient: the submitting side of Kafka mode (`ledger submit`,
// `ledger registry load`, `ledger status` with --kafka). It produces
// RequestRecords to `<prefix>.requests` with the idempotent producer (key =
// requestId) and waits, with a bounded timeout, for the processor's answers
// on `<prefix>.results`, matched by the requests-topic offset each record
// got (header xueji_request_offset), so a retried requestId gets its own
// (DUPLICATE_REQUEST) answer. It reads the results topic from the end
// offsets taken when it opened, before producing anything.
//
// FindResult is `ledger status`: the first answer a requestId got, from the
// results partition its key maps to.
//
// Thread-safety: one thread at a time.
#ifndef XUEJI_LEDGER_SERVICE_KAFKA_REQUESTS_H_
#define XUEJI_LEDGER_SERVICE_KAFKA_REQUESTS_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_config.h"
#include "xueji/v1/processor.pb.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

class KafkaRequestClient {
 public:
  // `timeout` bounds producing a batch and, separately, waiting for its
  // answers.
  static absl::StatusOr<std::unique_ptr<KafkaRequestClient>> Open(
      const KafkaConnection& kafka, std::chrono::milliseconds timeout);
  ~KafkaRequestClient();

  // Produces `records` (key = request id) in order and returns one answer per
  // record, in order. Unavailable if the cluster cannot take them within the
  // timeout; DeadlineExceeded (naming how many and the first requestId) if
  // answers do not come in time: the requests are queued and `ledger status`
  // finds their answers later.
  absl::StatusOr<std::vector<xueji::v1::Result>> Submit(
      const std::vector<std::pair<std::string, xueji::v1::RequestRecord>>&
          records);
  // The same for records that hold several requests (a signed batch):
  // `answers[i]` answers are awaited for records[i] (by their index in the
  // batch), and returned in record and index order.
  absl::StatusOr<std::vector<xueji::v1::Result>> Submit(
      const std::vector<std::pair<std::string, xueji::v1::RequestRecord>>&
          records,
      const std::vector<int>& answers);

 private:
  KafkaRequestClient() = default;
  // Waits until the reader reached the end of every results partition.
  absl::Status AwaitEnds(int partitions);
  // Answers by (requests offset, index in the batch).
  using AnswerKey = std::pair<int64_t, int32_t>;
  absl::Status ConsumeFor(std::chrono::steady_clock::time_point deadline,
                          const std::vector<AnswerKey>& wanted);

  KafkaConnection kafka_;
  std::chrono::milliseconds timeout_{30000};
  std::unique_ptr<KafkaProducer> producer_;
  RdKafkaPtr consumer_;
  absl::flat_hash_map<AnswerKey, xueji::v1::Result> answers_;
};

// The mode of the ledger on the cluster (its first event, LedgerInitialized,
// read from the events topic); LEDGER_MODE_UNSPECIFIED before `ledger init`.
absl::StatusOr<xueji::v1::LedgerMode> KafkaLedgerMode(
    const KafkaConnection& kafka, std::chrono::milliseconds timeout);

// The first answer `request_id` got (lowest requests offset), or nullopt.
absl::StatusOr<std::optional<xueji::v1::Result>> FindResult(
    const KafkaConnection& kafka, const std::string& request_id,
    std::chrono::milliseconds timeout);

}  // namespace xueji

#endif  // XUEJI_LEDGER_SERVICE_KAFKA_REQUESTS_H_
