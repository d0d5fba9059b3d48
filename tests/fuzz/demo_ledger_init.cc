// LLVMFuzzerInitialize of the targets that start every input from a copy of
// the demo ledger (request_line, registry_line, event_decoder): the ledger is
// built once, before the first input (fuzz_support.h, DemoLedger).
#include "tests/fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xueji::fuzz::DemoLedger();
  return 0;
}
