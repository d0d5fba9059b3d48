// ledger processor: the Kafka-mode request processor service.
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
  // A production ledger's clock is the system's (LEDGER_NOW is ignored).
  options.production_clock = [] { return absl::Now(); };
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
