// ledger registry load FILE|-
#include "commands/backend.h"
#include "commands/cli.h"

namespace xueji {

void AddRegistryCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto* registry = app.add_subcommand(
      "registry", "The registry of kindergartens and operators.");
  registry->require_subcommand(1);
  auto* load = registry->add_subcommand(
      "load",
      "Load kindergartens and operators from JSONL: "
      "{\"kindergarten\":{\"code\",\"name\",\"county\"}} or "
      "{\"operator\":{\"id\",\"role\":\"REGISTRAR|APPROVER|OFFICER|AUDITOR\","
      "\"org\"}}. Loading the same line again changes nothing. One result "
      "line per input line.");
  auto path = std::make_shared<std::string>();
  load->add_option("FILE", *path, "registry file, or - for standard input")
      ->required()
      ->check(ExistingFileOrStdin());
  load->callback([&g, &run, path] {
    run = [&g, path] { return g.backend->LoadRegistry(*path); };
  });
}

}  // namespace xueji
