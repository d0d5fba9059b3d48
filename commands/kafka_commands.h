// The `processor` service command (Kafka mode), the client timeout the
// Kafka backend shares with it, and the options every long-running service
// (`processor`, `projector`) shares.
//
// Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_KAFKA_COMMANDS_H_
#define XUEJI_COMMANDS_KAFKA_COMMANDS_H_

#include <chrono>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "commands/cli.h"
#include "commands/ops/metrics.h"
#include "commands/ops/metrics_server.h"

namespace xueji {

// $LEDGER_KAFKA_TIMEOUT (e.g. "30s", "2m"), else 30 s.
std::chrono::milliseconds KafkaTimeout();

void AddProcessorCommands(CLI::App& app, GlobalOptions& g, RunFn& run);

// A service's --log-level debug|info|warn|error (any case; $LEDGER_LOG_LEVEL;
// default info): the minimum level of its log lines (ledger/base/log.h),
// set as the option is parsed.
void AddLogLevelOption(CLI::App* service);

// A service's --metrics-addr HOST:PORT into `addr` ("" = off); its help
// gives 127.0.0.1:`example_port` as the example (each service its own).
void AddMetricsAddrOption(CLI::App* service, std::string* addr,
                          int example_port);

// The metrics server of service `name` on `addr` (MetricsServer::Start),
// logged as "NAME: metrics on URL"; nullptr when `addr` is "" (off).
absl::StatusOr<std::unique_ptr<MetricsServer>> ServeMetrics(
    const std::string& name, const std::string& addr, const Metrics* metrics);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_KAFKA_COMMANDS_H_
