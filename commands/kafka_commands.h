// The `processor` service command (Kafka mode), the client timeout the
// Kafka backend shares with it, and the options every long-running service
// (`processor`, `projector`) shares.
//
// Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_KAFKA_COMMANDS_H_
#define XUEJI_COMMANDS_KAFKA_COMMANDS_H_

#include <chrono>
#include <string>

#include "commands/cli.h"

namespace xueji {

// $LEDGER_KAFKA_TIMEOUT (e.g. "30s", "2m"), else 30 s.
std::chrono::milliseconds KafkaTimeout();

void AddProcessorCommands(CLI::App& app, GlobalOptions& g, RunFn& run);

// A service's --log-level debug|info|warn|error (any case; $LEDGER_LOG_LEVEL;
// default info): the minimum level of its log lines (ledger/base/log.h),
// set as the option is parsed.
void AddLogLevelOption(CLI::App* service);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_KAFKA_COMMANDS_H_
