// ledger registry load FILE|-
#include <iostream>

#include "commands/cli.h"
#include "commands/jsonl_batch.h"
#include "commands/kafka_commands.h"

namespace xueji {
namespace {

int RunRegistryLoad(const GlobalOptions& g, const std::string& path) {
  auto kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  if (kafka->enabled()) return RunKafkaRegistryLoad(g, *kafka, path);
  auto input = LineReader::Open(path);
  if (!input.ok()) return Fail(input.status());
  auto session = WriteSession::Open(g);
  if (!session.ok()) return Fail(session.status());
  WriteSession& s = **session;
  Progress progress("registry load: lines");
  JsonlPipeline<xueji::v1::RegistryLine> pipeline;
  pipeline.validate = ValidateRegistryLine;
  pipeline.submit = [&](const std::vector<xueji::v1::RegistryLine>& batch) {
    return s.processor().LoadRegistry(batch);
  };
  pipeline.after_batch = [&]() { return s.CatchUpViews(nullptr); };
  BatchOutcome outcome = RunJsonl(**input, std::cout, progress, pipeline);
  if (!outcome.status.ok()) return Fail(outcome.status);
  std::cerr << "registry load: " << outcome.lines << " lines, "
            << outcome.rejected << " rejected\n";
  if (!outcome.input_error.ok()) return Fail(outcome.input_error);
  return outcome.rejected > 0 ? kExitRejected : kExitOk;
}

}  // namespace

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
      ->required();
  load->callback([&g, &run, path] {
    run = [&g, path] { return RunRegistryLoad(g, *path); };
  });
}

}  // namespace xueji
