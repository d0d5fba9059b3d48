// Test fixture for the processor's tests: the deciders' given/when/then
// harness (ledger/decide/decide_test_util.h) over the durable, indexed
// LedgerState on a MemoryKv, so the same requests run over the state the
// processor keeps. Test-only; one ledger per test, no thread-safety.
#ifndef XUEJI_LEDGER_PROCESSOR_LEDGER_STATE_TEST_UTIL_H_
#define XUEJI_LEDGER_PROCESSOR_LEDGER_STATE_TEST_UTIL_H_

#include "ledger/decide/decide_test_util.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/storage/kv.h"

namespace xueji::testing {

// A LedgerState that owns its MemoryKv.
struct KvLedgerState : LedgerState {
  KvLedgerState() : LedgerState(&kv) {}
  MemoryKv kv;
};
using KvTestLedger = BasicTestLedger<KvLedgerState>;

}  // namespace xueji::testing

#endif  // XUEJI_LEDGER_PROCESSOR_LEDGER_STATE_TEST_UTIL_H_
