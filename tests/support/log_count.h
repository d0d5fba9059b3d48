// TotalEvents: how many events a log holds, the sum of its partitions' head
// offsets, for the tests that count what a run appended (processor, Kafka log
// and journal, Kafka projector and decode tests) instead of the same loop in
// each. It REQUIREs that the heads could be read. Test-only and header-only:
// it needs ledger/log/event_log.h and Catch2, not xueji_test_support.
//
// Thread-safety: as the log's HeadOffsets (one thread at a time).
#ifndef XUEJI_TESTS_SUPPORT_LOG_COUNT_H_
#define XUEJI_TESTS_SUPPORT_LOG_COUNT_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <numeric>

#include "ledger/log/event_log.h"

namespace xueji::testing {

inline int64_t TotalEvents(EventLog& log) {
  auto heads = log.HeadOffsets();
  INFO(heads.status().ToString());
  REQUIRE(heads.ok());
  return std::accumulate(heads->begin(), heads->end(), int64_t{0});
}

}  // namespace xueji::testing

#endif  // XUEJI_TESTS_SUPPORT_LOG_COUNT_H_
