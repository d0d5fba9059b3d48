// ProcessorLedger: a RequestProcessor over an EventLog the test opened and a
// RocksDB state in a directory, its clock `now` (set by the test), a new
// ledger initialised as a development one — what the Kafka projector and
// decode tests assemble over the events topic (and a signed-batch test over an
// embedded log), instead of a copy each.
// REQUIREs every step. Test-only and header-only: the test links the
// processor and storage libraries it already uses.
//
// Ownership: owns the log, the state and the processor. Thread-safety: one
// test thread.
#ifndef XUEJI_TESTS_SUPPORT_PROCESSOR_LEDGER_H_
#define XUEJI_TESTS_SUPPORT_PROCESSOR_LEDGER_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/log/event_log.h"
#include "ledger/processor/processor.h"
#include "ledger/rules/signed_batch.h"
#include "ledger/storage/kv.h"
#include "tests/support/log_count.h"

namespace xueji::testing {

struct ProcessorLedger {
  ProcessorLedger(absl::StatusOr<std::unique_ptr<EventLog>> opened,
                  const std::string& state_dir, absl::Time start)
      : now(start) {
    INFO(opened.status().ToString());
    REQUIRE(opened.ok());
    log = *std::move(opened);
    auto kv = RocksKv::Open(state_dir, RocksKv::Options{});
    REQUIRE(kv.ok());
    state = *std::move(kv);
    auto opened_processor =
        RequestProcessor::Open(log.get(), state.get(), [this] { return now; });
    REQUIRE(opened_processor.ok());
    processor = *std::move(opened_processor);
    if (*processor->Mode() == xueji::v1::LEDGER_MODE_UNSPECIFIED) {
      REQUIRE(processor->Initialize(DevelopmentLedger()).ok());
    }
  }

  int64_t TotalEvents() { return testing::TotalEvents(*log); }

  absl::Time now;  // the processor's clock
  std::unique_ptr<EventLog> log;
  std::unique_ptr<RocksKv> state;
  std::unique_ptr<RequestProcessor> processor;
};

}  // namespace xueji::testing

#endif  // XUEJI_TESTS_SUPPORT_PROCESSOR_LEDGER_H_
