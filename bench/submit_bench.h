// Submit-throughput measurement of the benchmark harness: builds a fresh data
// directory from a `ledger gen` output directory (registry load, then the
// requests in batches of a given size through RequestProcessor::Submit, one
// durable group commit per batch), timing only the Submit calls (and, when
// asked, the views catch-up after each batch, as `ledger submit` does).
// With `by_operator`, the requests go as operators send them: each day's
// requests of one operator in one RequestBatch, signed with that operator's
// Ed25519 key (`sign`, on the CLI's code path: SignBatch) or unsigned, and
// decided by RequestProcessor::SubmitBatches in groups of about `batch`
// requests (one durable Append each) -- the cost of signing on vs off
// (issue 9), timed as the processor's SubmitBatches calls.
//
// Ownership: RunSubmitBench owns everything it opens and closes it before
// returning; the data directory stays on disk. Thread-safety: single thread.
#ifndef XUEJI_BENCH_SUBMIT_BENCH_H_
#define XUEJI_BENCH_SUBMIT_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/bench_util.h"

namespace xueji::bench {

struct SubmitConfig {
  std::string gen_dir;       // registry.jsonl, requests.jsonl
  std::string data_dir;      // created; must not hold a ledger yet
  size_t batch = 512;        // requests per Submit (per fsync)
  bool with_views = false;   // catch the views up after each batch (as the CLI)
  double time_limit_s = 0;   // stop after this much submit time (0 = all)
  absl::Time registry_now;   // ledger clock for the registry load
  absl::Time submit_now;     // ledger clock for undated requests (the
                             // others: the end of their business day)
  bool by_operator = false;  // one RequestBatch per operator and day
  bool sign = false;         // with by_operator: signed with real keys
  int operator_days = 1;     // with by_operator: an operator's batch holds
                             // this many business days of its requests
};

struct SubmitRun {
  size_t batch = 0;
  bool with_views = false;
  bool by_operator = false;
  bool sign = false;
  int operator_days = 1;
  int64_t request_batches = 0;  // by_operator: RequestBatches submitted
  double sign_s = 0;    // by_operator: building (and signing) them, client side
  double verify_s = 0;  // sign: verifying each once more, apart (not in rates)
  int64_t registry_lines = 0;
  double registry_s = 0;
  int64_t requests = 0;   // submitted
  int64_t rejected = 0;   // answered REJECTED
  int64_t malformed = 0;  // lines that did not parse (not submitted)
  int64_t events = 0;     // appended by the requests
  int64_t batches = 0;
  double parse_s = 0;      // JSON parsing (not in the rate)
  double submit_s = 0;     // inside RequestProcessor::Submit
  double views_s = 0;      // inside Views::CatchUp after the batches
  bool truncated = false;  // stopped by the time limit
  Latency batch_latency;   // per Submit call (acknowledgement latency)
  int64_t vm_hwm_kb = 0;   // peak RSS of this process after the run

  double requests_per_s() const {
    return submit_s > 0 ? requests / submit_s : 0;
  }
  double requests_per_s_with_views() const {
    return submit_s + views_s > 0 ? requests / (submit_s + views_s) : 0;
  }
};

absl::StatusOr<SubmitRun> RunSubmitBench(const SubmitConfig& config);

std::string ToJson(const SubmitRun& run);

}  // namespace xueji::bench

#endif  // XUEJI_BENCH_SUBMIT_BENCH_H_
