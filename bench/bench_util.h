// Small helpers of the benchmark harness (issue 4): wall-clock timing,
// latency percentiles, the process's peak resident memory, disk usage of a
// directory tree, reading a `ledger gen` summary.json, and a minimal JSON
// object writer for the results file.
//
// Ownership: plain values. Thread-safety: none needed (single-threaded tool).
#ifndef XUEJI_BENCH_BENCH_UTIL_H_
#define XUEJI_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace xueji::bench {

// Seconds since an arbitrary point (steady clock).
inline double Now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Latency summary of a sample in nanoseconds.
struct Latency {
  int64_t samples = 0;
  double mean_us = 0, p50_us = 0, p90_us = 0, p99_us = 0, p999_us = 0,
         max_us = 0;
};
// Sorts `ns` in place.
Latency Summarize(std::vector<int64_t>& ns);
std::string ToJson(const Latency& latency);

// A field of /proc/self/status in kB (e.g. "VmHWM", "VmRSS"); -1 if absent.
int64_t ProcStatusKb(std::string_view field);

// Bytes a directory tree occupies on disk (st_blocks * 512, as du) and its
// apparent size; 0 for a missing directory.
struct DiskUsage {
  int64_t allocated = 0;
  int64_t apparent = 0;
};
DiskUsage Du(const std::string& dir);

// The fields of a `ledger gen` summary.json the harness needs.
struct GenSummary {
  std::string registry_now;  // RFC 3339, LEDGER_NOW for `registry load`
  std::string submit_now;    // RFC 3339, LEDGER_NOW for `submit`
  std::string as_of;         // YYYY-MM-DD, anomalies as of
  int64_t children = 0;
  int64_t requests = 0;
  int64_t counties = 0;
  int64_t kindergartens = 0;
};
absl::StatusOr<GenSummary> ReadGenSummary(const std::string& path);

// Builds one JSON object, fields in insertion order. Nested objects and
// arrays are added as already-serialized JSON.
class JsonObject {
 public:
  JsonObject& Str(std::string_view key, std::string_view value);
  JsonObject& Num(std::string_view key, double value);
  JsonObject& Int(std::string_view key, int64_t value);
  JsonObject& Bool(std::string_view key, bool value);
  JsonObject& Raw(std::string_view key, std::string_view json);
  std::string Build() const { return "{" + body_ + "}"; }

 private:
  void Key(std::string_view key);
  std::string body_;
};
std::string JsonArray(const std::vector<std::string>& items);
std::string JsonQuote(std::string_view text);

}  // namespace xueji::bench

#endif  // XUEJI_BENCH_BENCH_UTIL_H_
