// ledger submit FILE|-   and   ledger status REQUEST_ID
#include "commands/backend.h"
#include "commands/cli.h"

namespace xueji {

void AddSubmitCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto* submit = app.add_subcommand(
      "submit",
      "Submit change requests: JSONL in (one request per line, protobuf JSON "
      "of xueji.v1.Request), one JSONL result per request out, in order.\n"
      "Exit 0 all applied or pending, 1 any rejected, 2 unusable input, "
      "3 storage error or ledger busy.");
  auto path = std::make_shared<std::string>();
  submit->add_option("FILE", *path, "request file, or - for standard input")
      ->required()
      ->check(ExistingFileOrStdin());
  submit->callback([&g, &run, path] {
    run = [&g, path] { return g.backend->Submit(*path); };
  });

  auto* status = app.add_subcommand(
      "status", "The answer a request got, by its requestId (JSON line).");
  auto id = std::make_shared<std::string>();
  status->add_option("REQUEST_ID", *id, "the request's requestId")->required();
  status->callback(
      [&g, &run, id] { run = [&g, id] { return g.backend->Status(*id); }; });
}

}  // namespace xueji
