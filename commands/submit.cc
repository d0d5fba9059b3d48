// ledger submit FILE|-   and   ledger status REQUEST_ID
#include "commands/backend.h"
#include "commands/cli.h"

namespace xueji {

void AddSubmitCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto* submit = app.add_subcommand(
      "submit",
      "Submit change requests: JSONL in (one request per line, protobuf JSON "
      "of xueji.v1.Request) or a CSV template (--format csv), one JSONL "
      "result per request out, in order.\n"
      "Exit 0 all applied or pending, 1 any rejected, 2 unusable input, "
      "3 storage error or ledger busy.");
  auto request = std::make_shared<SubmitRequest>();
  auto format = std::make_shared<std::string>("jsonl");
  auto encoding = std::make_shared<std::string>("auto");
  submit
      ->add_option("FILE", request->path,
                   "request file, or - for standard input")
      ->required()
      ->check(ExistingFileOrStdin());
  submit
      ->add_option("--format", *format,
                   "jsonl (default), or csv: a spreadsheet template, the "
                   "admission or the change template (docs/csv-templates.md), "
                   "header row in Chinese or English; each result names its "
                   "row")
      ->transform(CLI::IsMember({"jsonl", "csv"}, CLI::ignore_case));
  submit
      ->add_option("--encoding", *encoding,
                   "CSV text: auto (UTF-8 if it is, else GB18030), utf-8 or "
                   "gb18030")
      ->transform(CLI::IsMember({"auto", "utf-8", "utf8", "gb18030", "gbk"},
                                CLI::ignore_case));
  submit->callback([&g, &run, request, format, encoding] {
    request->csv = *format == "csv";
    request->encoding =
        ParseTextEncoding(*encoding).value_or(TextEncoding::kAuto);
    run = [&g, request] { return g.backend->Submit(*request); };
  });

  auto* status = app.add_subcommand(
      "status", "The answer a request got, by its requestId (JSON line).");
  auto id = std::make_shared<std::string>();
  status->add_option("REQUEST_ID", *id, "the request's requestId")->required();
  status->callback(
      [&g, &run, id] { run = [&g, id] { return g.backend->Status(*id); }; });
}

}  // namespace xueji
