// ledger submit FILE|-   and   ledger status REQUEST_ID
#include <iostream>

#include "absl/strings/str_cat.h"
#include "commands/cli.h"
#include "commands/jsonl_batch.h"
#include "commands/kafka_commands.h"
#include "commands/output/output.h"

namespace xueji {
namespace {

using xueji::v1::Request;
using xueji::v1::Result;

int RunSubmit(const GlobalOptions& g, const std::string& path) {
  auto kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  if (kafka->enabled()) return RunKafkaSubmit(g, *kafka, path);
  auto input = LineReader::Open(path);
  if (!input.ok()) return Fail(input.status());
  auto session = WriteSession::Open(g);
  if (!session.ok()) return Fail(session.status());
  WriteSession& s = **session;
  Progress progress("submit: requests");
  JsonlPipeline<Request> pipeline;
  pipeline.validate = ValidateRequestLine;
  pipeline.submit = [&](const std::vector<Request>& batch) {
    return s.processor().Submit(batch);
  };
  BatchOutcome outcome = RunJsonl(**input, std::cout, progress, pipeline);
  if (!outcome.status.ok()) return Fail(outcome.status);
  // The views follow the log once, at the end: one pass over the new events
  // is cheaper than one per batch. If this process dies first, the next
  // ledger command catches them up before it reads or writes.
  Progress views_progress("submit: views");
  if (absl::Status st = s.CatchUpViews(&views_progress); !st.ok()) {
    return Fail(st);
  }
  if (!outcome.input_error.ok()) return Fail(outcome.input_error);
  return outcome.rejected > 0 ? kExitRejected : kExitOk;
}

int RunStatus(const GlobalOptions& g, const std::string& request_id) {
  auto kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  if (kafka->enabled()) return RunKafkaStatus(*kafka, request_id);
  auto session = WriteSession::Open(g);
  if (!session.ok()) return Fail(session.status());
  auto result = (*session)->processor().Status(request_id);
  if (!result.ok()) return Fail(result.status());
  if (!result->has_value()) {
    return Fail(absl::NotFoundError(
        absl::StrCat("no request ", request_id, " in the ledger")));
  }
  std::cout << ToJsonLine(**result) << "\n";
  return (*result)->status() == xueji::v1::REJECTED ? kExitRejected : kExitOk;
}

}  // namespace

void AddSubmitCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto* submit = app.add_subcommand(
      "submit",
      "Submit change requests: JSONL in (one request per line, protobuf JSON "
      "of xueji.v1.Request), one JSONL result per request out, in order.\n"
      "Exit 0 all applied or pending, 1 any rejected, 2 unusable input, "
      "3 storage error or ledger busy.");
  auto path = std::make_shared<std::string>();
  submit->add_option("FILE", *path, "request file, or - for standard input")
      ->required();
  submit->callback(
      [&g, &run, path] { run = [&g, path] { return RunSubmit(g, *path); }; });

  auto* status = app.add_subcommand(
      "status", "The answer a request got, by its requestId (JSON line).");
  auto id = std::make_shared<std::string>();
  status->add_option("REQUEST_ID", *id, "the request's requestId")->required();
  status->callback(
      [&g, &run, id] { run = [&g, id] { return RunStatus(g, *id); }; });
}

}  // namespace xueji
