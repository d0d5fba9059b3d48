// The `processor` service command (Kafka mode), and the client timeout the
// Kafka backend shares with it.
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

}  // namespace xueji

#endif  // XUEJI_COMMANDS_KAFKA_COMMANDS_H_
