// The `ledger` command line: global options and one subcommand per file in
// commands/. RunCli parses argv and returns the process exit code.
#ifndef XUEJI_COMMANDS_CLI_H_
#define XUEJI_COMMANDS_CLI_H_

#include <functional>

#include "CLI/CLI.hpp"
#include "commands/session.h"

namespace xueji {

int RunCli(int argc, char** argv);

// Each subcommand file adds its subcommands. The callback stored in `run`
// is called after parsing, for the subcommand the user chose.
using RunFn = std::function<int()>;
void AddSubmitCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddRegistryCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddQueryCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddMaintenanceCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddGenCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddProjectorCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddKeyCommands(CLI::App& app, GlobalOptions& g, RunFn& run);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_CLI_H_
