// ledger --kafka B submit|registry load|status, and ledger processor.
#include "commands/kafka_commands.h"

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "commands/jsonl_batch.h"
#include "commands/output/output.h"
#include "commands/stop_signals.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decider.h"
#include "ledger/service/kafka_processor.h"
#include "ledger/service/kafka_requests.h"

namespace xueji {
namespace {

using xueji::v1::RegistryLine;
using xueji::v1::Request;
using xueji::v1::RequestRecord;
using xueji::v1::Result;

// Requests per produced batch: the processor decides up to 512 at a time;
// a larger client batch keeps it busy between the client's round trips.
constexpr size_t kKafkaBatch = 8192;

// $LEDGER_KAFKA_TIMEOUT (e.g. "30s", "2m"), else 30 s.
std::chrono::milliseconds KafkaTimeout() {
  const char* env = std::getenv("LEDGER_KAFKA_TIMEOUT");
  absl::Duration d;
  if (env != nullptr && absl::ParseDuration(env, &d) && d > absl::ZeroDuration()) {
    return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
  }
  return std::chrono::milliseconds(30000);
}

template <typename Msg>
int RunKafkaJsonl(const KafkaConnection& kafka, const std::string& path,
                  const char* what, JsonlPipeline<Msg> pipeline,
                  const std::function<std::pair<std::string, RequestRecord>(
                      const Msg&)>& to_record) {
  auto input = LineReader::Open(path);
  if (!input.ok()) return Fail(input.status());
  auto client = KafkaRequestClient::Open(kafka, KafkaTimeout());
  if (!client.ok()) return Fail(client.status());
  Progress progress(what);
  pipeline.submit = [&](const std::vector<Msg>& batch) {
    std::vector<std::pair<std::string, RequestRecord>> records;
    records.reserve(batch.size());
    for (const Msg& m : batch) records.push_back(to_record(m));
    return (*client)->Submit(records);
  };
  BatchOutcome outcome =
      RunJsonl(**input, std::cout, progress, pipeline, kKafkaBatch);
  if (!outcome.status.ok()) return Fail(outcome.status);
  if (!outcome.input_error.ok()) return Fail(outcome.input_error);
  return outcome.rejected > 0 ? kExitRejected : kExitOk;
}

int RunProcessor(const GlobalOptions& g, bool transactions, int batch,
                 const std::string& group) {
  auto kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  if (!kafka->enabled()) {
    return Fail(absl::InvalidArgumentError(
        "processor needs Kafka: --kafka BOOTSTRAP, $LEDGER_KAFKA or "
        "--kafka-config FILE"));
  }
  ProcessorServiceOptions options;
  options.kafka = *kafka;
  options.data_dir = g.data_dir;
  options.clock = [] {
    auto now = LedgerNow();
    return now.ok() ? *now : absl::Now();
  };
  options.group_id = group;
  options.transactions = transactions;
  options.batch_size = static_cast<size_t>(batch);
  options.timeout = KafkaTimeout();
  StopSignals signals;
  options.stop = &StopSignals::stop();
  options.log = [](const std::string& line) { std::cerr << line << "\n"; };
  absl::Status status = RunProcessorService(options);
  if (!status.ok()) return Fail(status);
  return kExitOk;
}

}  // namespace

int RunKafkaSubmit(const GlobalOptions& g, const KafkaConnection& kafka,
                   const std::string& path) {
  (void)g;
  JsonlPipeline<Request> pipeline;
  pipeline.validate = ValidateRequestLine;
  return RunKafkaJsonl<Request>(
      kafka, path, "submit: requests", pipeline, [](const Request& r) {
        RequestRecord record;
        *record.mutable_request() = r;
        return std::make_pair(r.request_id(), std::move(record));
      });
}

int RunKafkaRegistryLoad(const GlobalOptions& g, const KafkaConnection& kafka,
                         const std::string& path) {
  (void)g;
  JsonlPipeline<RegistryLine> pipeline;
  pipeline.validate = ValidateRegistryLine;
  return RunKafkaJsonl<RegistryLine>(
      kafka, path, "registry load: lines", pipeline,
      [](const RegistryLine& line) {
        RequestRecord record;
        *record.mutable_registry_line() = line;
        return std::make_pair(RegistryRequestId(line), std::move(record));
      });
}

int RunKafkaStatus(const KafkaConnection& kafka, const std::string& request_id) {
  auto result = FindResult(kafka, request_id, KafkaTimeout());
  if (!result.ok()) return Fail(result.status());
  if (!result->has_value()) {
    return Fail(absl::NotFoundError(absl::StrCat(
        "no answer to request ", request_id, " on ", kafka.results_topic(),
        " (not submitted, or not decided yet)")));
  }
  std::cout << ToJsonLine(**result) << "\n";
  return (*result)->status() == xueji::v1::REJECTED ? kExitRejected : kExitOk;
}

void AddProcessorCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto* processor = app.add_subcommand(
      "processor",
      "Kafka mode: run a request processor, a member of the consumer group "
      "on PREFIX.requests. The member owning the partition decides every "
      "request (state in DATA/state, restored from PREFIX.events), journals "
      "and appends the events and answers on PREFIX.results; others stand "
      "by. Runs until SIGTERM/SIGINT.");
  auto transactions = std::make_shared<bool>(false);
  auto batch = std::make_shared<int>(512);
  auto group = std::make_shared<std::string>();
  processor->add_flag("--transactions", *transactions,
                      "use Kafka transactions (transactional.id "
                      "PREFIX.processor fences a replaced processor)");
  processor->add_option("--batch", *batch, "requests decided per batch")
      ->check(CLI::Range(1, 100000));
  processor->add_option("--group", *group,
                        "consumer group (default PREFIX.processor)");
  processor->callback([&g, &run, transactions, batch, group] {
    run = [&g, transactions, batch, group] {
      return RunProcessor(g, *transactions, *batch, *group);
    };
  });
}

}  // namespace xueji
