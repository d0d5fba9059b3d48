// libFuzzer target: the registry line reader. The input is a JSONL file as
// `ledger registry load` reads it; each line goes through RunJsonl
// (ReadLine, ParseJsonLine into xueji.v1.RegistryLine) and
// RequestProcessor::LoadRegistry (DecideRegistry, LedgerState::Apply) over a
// copy of the demo ledger held in memory; the views follow after each batch.
//
// Checks: one result line per non-blank input line, no storage error, and
// the views caught up with the log.
#include <cstddef>
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_support.h"

// LLVMFuzzerInitialize: demo_ledger_init.cc.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xueji;
  using namespace xueji::fuzz;
  Ledger ledger(DemoLedger());
  JsonlPipeline<xueji::v1::RegistryLine> pipeline;
  pipeline.submit = [&](const std::vector<xueji::v1::RegistryLine>& batch) {
    return ledger.processor->LoadRegistry(batch);
  };
  JsonlRun run =
      RunJsonlInput(ledger, std::move(pipeline), data, size, "registry load");
  int64_t results = 0;
  for (char c : run.out) results += c == '\n';
  Check(results == run.lines, "not one result line per input line");
  return 0;
}
