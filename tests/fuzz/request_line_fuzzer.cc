// libFuzzer target: the request line reader. The input is a JSONL file as
// `ledger submit` reads it; each line goes through RunJsonl (ReadLine, the
// line limit, ParseJsonLine into xueji.v1.Request, the requestId recovery of
// a malformed line), the submit envelope check, and RequestProcessor::Submit
// (duplicate check, Decide, LedgerState::Apply) over a copy of the demo
// ledger held in memory; the views follow after each batch.
//
// Beyond "no crash, no sanitizer report" it checks the submit contract: one
// result line per non-blank input line, each a Result in JSON, no storage
// error (the stores are in memory), and the views caught up with the log.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "tests/fuzz/fuzz_support.h"

namespace xueji::fuzz {
namespace {

void CheckResults(const std::string& text, int64_t lines) {
  std::istringstream out(text);
  std::string line;
  int64_t results = 0;
  while (std::getline(out, line)) {
    ++results;
    xueji::v1::Result result;
    Check(google::protobuf::util::JsonStringToMessage(line, &result).ok(),
          "a result line is not a Result in JSON");
    Check(result.status() != xueji::v1::RESULT_STATUS_UNSPECIFIED,
          "a result without a status");
  }
  Check(results == lines, "not one result line per input line");
}

}  // namespace
}  // namespace xueji::fuzz

// LLVMFuzzerInitialize: demo_ledger_init.cc.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xueji;
  using namespace xueji::fuzz;
  Ledger ledger(DemoLedger());
  JsonlPipeline<xueji::v1::Request> pipeline;
  pipeline.validate = ValidateRequestLine;
  pipeline.submit = [&](const std::vector<xueji::v1::Request>& batch) {
    return ledger.processor->Submit(batch);
  };
  JsonlRun run =
      RunJsonlInput(ledger, std::move(pipeline), data, size, "submit");
  CheckResults(run.out, run.lines);
  return 0;
}
