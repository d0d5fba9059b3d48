// The `ledger` command line: global options and one subcommand per file in
// commands/. RunCli parses argv and returns the process exit code.
#ifndef XUEJI_COMMANDS_CLI_H_
#define XUEJI_COMMANDS_CLI_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "commands/session.h"
#include "google/protobuf/descriptor.h"

namespace xueji {

int RunCli(int argc, char** argv);

// Each subcommand file adds its subcommands. The callback stored in `run`
// is called after parsing, for the subcommand the user chose.
using RunFn = std::function<int()>;

// A subcommand's options are parsed into its own Args struct, which the parse
// and the run share: BindRun returns a fresh one for the options to fill and,
// when `command` is the subcommand chosen, sets `run` to call `fn(g, args)`.
template <typename Args>
std::shared_ptr<Args> BindRun(CLI::App* command, GlobalOptions& g, RunFn& run,
                              int (*fn)(const GlobalOptions&, const Args&)) {
  auto args = std::make_shared<Args>();
  command->callback(
      [&g, &run, args, fn] { run = [&g, args, fn] { return fn(g, *args); }; });
  return args;
}

void AddSubmitCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddRegistryCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddQueryCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddMaintenanceCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddGenCommands(CLI::App& app, GlobalOptions& g, RunFn& run);
void AddProjectorCommands(CLI::App& app, GlobalOptions& g, RunFn& run);

// cli_traps.cc: `ledger help [COMMAND...]` (the help of ledger or of a
// command, exit 0; exit 2 for a command that does not exist).
void AddHelpCommand(CLI::App& app, RunFn& run);
// After a failed parse: when the deepest command reached was given a word
// that is none of its subcommands, "ledger: unknown command 'shwo'; did you
// mean 'show'?" and the list of commands; "" otherwise.
std::string UnknownCommandHint(CLI::App& app);
// FILE|-: an existing file, or "-" for standard input.
CLI::Validator ExistingFileOrStdin();
// The names of an enum's values but the zero one (..._UNSPECIFIED), for
// CLI::IsMember(names, CLI::ignore_case): the option then holds the name as
// the enum spells it, whatever case was typed.
std::vector<std::string> EnumNames(
    const google::protobuf::EnumDescriptor* type);
void AddKeyCommands(CLI::App& app, GlobalOptions& g, RunFn& run);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_CLI_H_
