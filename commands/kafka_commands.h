// Kafka mode of the writing subcommands (`submit`, `registry load`,
// `status`) and the `processor` service command. submit.cc and registry.cc
// call these when KafkaFrom(options).enabled().
//
// Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_KAFKA_COMMANDS_H_
#define XUEJI_COMMANDS_KAFKA_COMMANDS_H_

#include <string>

#include "commands/cli.h"

namespace xueji {

int RunKafkaSubmit(const GlobalOptions& g, const KafkaConnection& kafka,
                   const std::string& path);
int RunKafkaRegistryLoad(const GlobalOptions& g, const KafkaConnection& kafka,
                         const std::string& path);
int RunKafkaStatus(const KafkaConnection& kafka, const std::string& request_id);

void AddProcessorCommands(CLI::App& app, GlobalOptions& g, RunFn& run);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_KAFKA_COMMANDS_H_
