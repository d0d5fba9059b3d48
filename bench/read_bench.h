// Read-side measurements of the benchmark harness over a ledger data
// directory: projection rebuild (Views::CatchUp from offset 0 into a fresh
// store, run in a child process so its peak RSS is its own), point-query
// latency, anomaly report time, and disk bytes per event and per live record.
//
// Ownership: each function opens and closes what it uses. The data directory
// must not be written while these run. Thread-safety: single thread.
#ifndef XUEJI_BENCH_READ_BENCH_H_
#define XUEJI_BENCH_READ_BENCH_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "bench/bench_util.h"

namespace xueji::bench {

struct ReplayRun {
  int64_t events = 0;
  double seconds = 0;
  int64_t vm_hwm_kb = 0;       // peak RSS of the replaying process
  int64_t vm_hwm_open_kb = 0;  // ... just before CatchUp started
  double events_per_s() const { return seconds > 0 ? events / seconds : 0; }
};

// In this process: replays DATA/log into a fresh views store at `views_out`
// (removed first) and reports. Used by the child.
absl::StatusOr<ReplayRun> ReplayHere(const std::string& data_dir,
                                     const std::string& views_out);
// Runs `self_exe replay-child ...` and parses its one JSON line.
absl::StatusOr<ReplayRun> ReplayInChild(const std::string& self_exe,
                                        const std::string& data_dir,
                                        const std::string& views_out);
std::string ToJson(const ReplayRun& run);

struct QueryConfig {
  int64_t warmup = 2000;    // queries of each kind before measuring
  int64_t samples = 20000;  // measured queries of each kind
  int64_t pool = 20000;     // student numbers sampled from the store
  uint64_t seed = 42;
};
struct QueryRun {
  int64_t pool = 0;  // distinct student numbers drawn from
  Latency by_number, by_identity, history;
  // The same calls' time on the CPU (CLOCK_THREAD_CPUTIME_ID, user + system:
  // page-cache reads included, time waiting for a core left out): on a
  // shared machine the wall tail is mostly the scheduler's.
  Latency by_number_cpu, by_identity_cpu, history_cpu;
  double history_events_mean = 0;
};
absl::StatusOr<QueryRun> RunQueries(const std::string& data_dir,
                                    const QueryConfig& config);
std::string ToJson(const QueryRun& run);

struct AnomalyRun {
  std::string county;   // the county measured (most kindergartens)
  double county_s = 0;  // median of `repeats`
  int64_t county_anomalies = 0;
  double all_s = 0;
  int64_t all_anomalies = 0;
  double stats_s = 0;  // ComputeStats over everything
  // Statistics (`ledger stats`) of the county as of the day, with the flows
  // and approvals of the 30 days before it: the dated rows, its anomalies
  // and its waiting changes.
  double county_stats_s = 0;
  int64_t live_records = 0;
};
absl::StatusOr<AnomalyRun> RunAnomalies(const std::string& data_dir,
                                        absl::CivilDay as_of, int repeats);
std::string ToJson(const AnomalyRun& run);

struct DiskRun {
  DiskUsage log, state, views;
  int64_t events = 0;
  int64_t live_records = 0;
};
absl::StatusOr<DiskRun> MeasureDisk(const std::string& data_dir,
                                    int64_t live_records);
std::string ToJson(const DiskRun& run);

}  // namespace xueji::bench

#endif  // XUEJI_BENCH_READ_BENCH_H_
