// ledger-bench: the in-process measurements of issue 4's benchmark harness.
//
//   ledger-bench --gen GEN_DIR [--data DATA_DIR] [--json-out FILE] ...
//
// With --gen (a `ledger gen` output directory) it builds fresh data
// directories itself and measures submit throughput per batch size (durable
// group commit through RequestProcessor::Submit), then one more run that
// catches the views up after every batch as `ledger submit` does, then
// (--sign-repeats R, default 3) R pairs of runs with batches as operators
// send them (one RequestBatch per operator and day, decided by
// SubmitBatches in groups of --sign-batch requests), unsigned and signed with
// real Ed25519 keys, alternating, and the ratio of their median rates
// (issue 9: signing on within 10 % of signing off); --operator-days N puts
// N business days of an operator's requests in one batch. The read
// side (replay, queries, anomalies, disk) runs on --data (a directory built
// by the CLI) or else on that last run's directory. Prints a table; writes
// every figure as JSON with --json-out.
//
// `ledger-bench replay-child --data D --views-out W` is the replay measured
// in a child process (so its peak RSS is its own); it prints one JSON line.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "CLI/CLI.hpp"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "bench/bench_util.h"
#include "bench/read_bench.h"
#include "bench/submit_bench.h"
#include "ledger/base/dates.h"

namespace xueji::bench {
namespace {

struct Options {
  std::string gen_dir, data_dir, work_dir, json_out, as_of;
  std::string batch_sizes = "1,64,512,4096";
  double small_batch_seconds = 20;
  size_t views_batch = 512;
  size_t sign_batch = 512;
  int operator_days = 1;
  int sign_repeats = 3;
  std::string sign_only;  // "on" / "off": one side of the pair (profiling)
  int anomaly_repeats = 3;
  QueryConfig queries;
  bool keep = false;
};

int Fail(const std::string& what, const absl::Status& st) {
  std::cerr << "ledger-bench: " << what << ": " << st << "\n";
  return 3;
}

std::string SelfExe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("ledger-bench") : p.string();
}

void PrintSubmit(const SubmitRun& r) {
  if (r.by_operator) {
    std::cout << absl::StrFormat(
        "submit  batch %5d %-8s %9d req %9d ev %6d rejected in %7d operator "
        "batches (%d day)  %8.2f s  "
        "%10.0f req/s  ack p50 %8.0f us p99 %8.0f us  (client: %.2f s %s; "
        "one Verify per batch alone: %.2f s)\n",
        r.batch, r.sign ? "signed" : "unsigned", r.requests, r.events,
        r.rejected, r.request_batches, r.operator_days, r.submit_s,
        r.requests_per_s(), r.batch_latency.p50_us, r.batch_latency.p99_us,
        r.sign_s, r.sign ? "building and signing" : "building", r.verify_s);
    return;
  }
  std::cout << absl::StrFormat(
      "submit  batch %5d%s  %9d req %9d ev  %8.2f s  %10.0f req/s  "
      "%10.0f ev/s  ack p50 %8.0f us p99 %8.0f us%s\n",
      r.batch, r.with_views ? "+views" : "      ", r.requests, r.events,
      r.submit_s + r.views_s,
      r.with_views ? r.requests_per_s_with_views() : r.requests_per_s(),
      r.submit_s > 0 ? r.events / r.submit_s : 0, r.batch_latency.p50_us,
      r.batch_latency.p99_us, r.truncated ? "  (time-limited prefix)" : "");
  if (r.with_views) {
    std::cout << absl::StrFormat(
        "        (processor only %.0f req/s; views %.2f s of %.2f s)\n",
        r.requests_per_s(), r.views_s, r.submit_s + r.views_s);
  }
}

void PrintLatency(const char* name, const Latency& l) {
  std::cout << absl::StrFormat(
      "query   %-18s  p50 %7.1f us  p99 %7.1f us  p99.9 %7.1f us  max %8.1f "
      "us  (%d samples)\n",
      name, l.p50_us, l.p99_us, l.p999_us, l.max_us, l.samples);
}

absl::StatusOr<std::vector<SubmitRun>> SubmitPhase(const Options& o,
                                                   const GenSummary& g,
                                                   std::string* cli_like_dir) {
  std::vector<SubmitRun> runs;
  SubmitConfig base;
  base.gen_dir = o.gen_dir;
  auto reg =
      ParseRfc3339(g.registry_now.empty() ? g.submit_now : g.registry_now);
  auto sub = ParseRfc3339(g.submit_now);
  if (!reg.ok()) return reg.status();
  if (!sub.ok()) return sub.status();
  base.registry_now = *reg;
  base.submit_now = *sub;
  std::vector<std::pair<size_t, bool>> plan;
  for (absl::string_view s :
       absl::StrSplit(o.batch_sizes, ',', absl::SkipEmpty())) {
    size_t b = 0;
    if (!absl::SimpleAtoi(s, &b) || b == 0) {
      return absl::InvalidArgumentError("bad --batch-sizes");
    }
    plan.emplace_back(b, false);
  }
  if (o.views_batch > 0) plan.emplace_back(o.views_batch, true);
  for (const auto& [batch, with_views] : plan) {
    SubmitConfig c = base;
    c.batch = batch;
    c.with_views = with_views;
    c.time_limit_s = batch < 512 ? o.small_batch_seconds : 0;
    c.data_dir =
        absl::StrCat(o.work_dir, "/submit-", batch, with_views ? "-views" : "");
    std::filesystem::remove_all(c.data_dir);
    auto run = RunSubmitBench(c);
    if (!run.ok()) return run.status();
    PrintSubmit(*run);
    runs.push_back(*run);
    if (with_views) {
      *cli_like_dir = c.data_dir;
    } else if (!o.keep) {
      std::filesystem::remove_all(c.data_dir);
    }
  }
  // Signing on vs off: the same batches, alternating, median of each.
  std::vector<double> rates[2];
  for (int i = 0; i < o.sign_repeats; ++i) {
    for (bool sign : {false, true}) {
      if ((o.sign_only == "on" && !sign) || (o.sign_only == "off" && sign)) {
        continue;
      }
      SubmitConfig c = base;
      c.batch = o.sign_batch;
      c.by_operator = true;
      c.operator_days = o.operator_days;
      c.sign = sign;
      c.data_dir = absl::StrCat(o.work_dir, "/submit-operators-",
                                sign ? "signed" : "unsigned");
      std::filesystem::remove_all(c.data_dir);
      auto run = RunSubmitBench(c);
      if (!run.ok()) return run.status();
      PrintSubmit(*run);
      runs.push_back(*run);
      rates[sign].push_back(run->requests_per_s());
      std::filesystem::remove_all(c.data_dir);
    }
  }
  if (o.sign_repeats > 0 && o.sign_only.empty()) {
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double off = median(rates[0]), on = median(rates[1]);
    std::cout << absl::StrFormat(
        "signing on/off: %.0f / %.0f req/s (medians of %d) = %.3f\n", on, off,
        o.sign_repeats, off > 0 ? on / off : 0);
  }
  return runs;
}

int WriteJson(const Options& o, JsonObject& out) {
  if (!o.json_out.empty()) {
    std::ofstream f(o.json_out);
    f << out.Build() << "\n";
    if (!f) return Fail("--json-out", absl::InternalError("cannot write"));
  }
  return 0;
}

int RunAll(const Options& o) {
  JsonObject out;
  out.Str("tool", "ledger-bench");
  std::optional<GenSummary> gen;
  if (!o.gen_dir.empty()) {
    auto g = ReadGenSummary(o.gen_dir + "/summary.json");
    if (!g.ok()) return Fail("summary", g.status());
    gen = *g;
    out.Int("children", g->children).Int("requestsInFile", g->requests);
  }
  std::filesystem::create_directories(o.work_dir);
  std::string read_dir = o.data_dir;
  if (gen.has_value()) {
    std::string cli_like;
    auto runs = SubmitPhase(o, *gen, &cli_like);
    if (!runs.ok()) return Fail("submit", runs.status());
    std::vector<std::string> items;
    for (const auto& r : *runs) items.push_back(ToJson(r));
    out.Raw("submit", JsonArray(items));
    if (read_dir.empty()) read_dir = cli_like;
  }
  if (read_dir.empty() && gen.has_value()) {
    // --views-batch 0 and no --data: the submit runs only.
    std::cout << "(no views built and no --data: the read side is skipped)\n";
    return WriteJson(o, out);
  }
  if (read_dir.empty()) {
    std::cerr << "ledger-bench: nothing to read: give --data or --gen\n";
    return 2;
  }
  out.Str("readDataDir", read_dir);
  std::string as_of_text = !o.as_of.empty()  ? o.as_of
                           : gen.has_value() ? gen->as_of
                                             : "";
  absl::CivilDay as_of = absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
  if (!as_of_text.empty()) {
    auto d = ParseDate(as_of_text);
    if (!d.ok()) return Fail("--as-of", d.status());
    as_of = *d;
  }
  out.Str("asOf", FormatDate(as_of));

  auto replay =
      ReplayInChild(SelfExe(), read_dir, o.work_dir + "/replay-views");
  if (!replay.ok()) return Fail("replay", replay.status());
  std::cout << absl::StrFormat(
      "replay  %d events  %.2f s  %.0f events/s  peak RSS %.1f MiB\n",
      replay->events, replay->seconds, replay->events_per_s(),
      replay->vm_hwm_kb / 1024.0);
  out.Raw("replay", ToJson(*replay));

  auto queries = RunQueries(read_dir, o.queries);
  if (!queries.ok()) return Fail("queries", queries.status());
  PrintLatency("RecordByNumber", queries->by_number);
  PrintLatency("RecordsByIdentity", queries->by_identity);
  PrintLatency("HistoryOfStudent", queries->history);
  out.Raw("queries", ToJson(*queries));

  auto anomalies = RunAnomalies(read_dir, as_of, o.anomaly_repeats);
  if (!anomalies.ok()) return Fail("anomalies", anomalies.status());
  std::cout << absl::StrFormat(
      "anomaly county %s: %.3f s (%d)   all: %.2f s (%d)   stats: %.2f s   "
      "county stats with 30 days of flows: %.3f s\n",
      anomalies->county, anomalies->county_s, anomalies->county_anomalies,
      anomalies->all_s, anomalies->all_anomalies, anomalies->stats_s,
      anomalies->county_stats_s);
  out.Raw("anomalies", ToJson(*anomalies));

  auto disk = MeasureDisk(read_dir, anomalies->live_records);
  if (!disk.ok()) return Fail("disk", disk.status());
  const int64_t total =
      disk->log.allocated + disk->state.allocated + disk->views.allocated;
  std::cout << absl::StrFormat(
      "disk    log %.1f MiB  state %.1f MiB  views %.1f MiB  = %.0f B/event, "
      "%.0f B/live record (%d events, %d live)\n",
      disk->log.allocated / 1048576.0, disk->state.allocated / 1048576.0,
      disk->views.allocated / 1048576.0,
      disk->events ? static_cast<double>(total) / disk->events : 0.0,
      disk->live_records ? static_cast<double>(total) / disk->live_records
                         : 0.0,
      disk->events, disk->live_records);
  out.Raw("disk", ToJson(*disk));
  out.Int("vmHwmKbMainProcess", ProcStatusKb("VmHWM"));

  return WriteJson(o, out);
}

// `ledger-bench queries --data D`: the point queries alone (profiling them
// without the replay, anomalies and disk figures around them).
int RunQueriesOnly(const std::string& data, const QueryConfig& config) {
  auto queries = RunQueries(data, config);
  if (!queries.ok()) return Fail("queries", queries.status());
  PrintLatency("RecordByNumber", queries->by_number);
  PrintLatency("RecordsByIdentity", queries->by_identity);
  PrintLatency("HistoryOfStudent", queries->history);
  PrintLatency("  (CPU) ByNumber", queries->by_number_cpu);
  PrintLatency("  (CPU) ByIdentity", queries->by_identity_cpu);
  PrintLatency("  (CPU) History", queries->history_cpu);
  std::cout << ToJson(*queries) << "\n";
  return 0;
}

int RunReplayChild(const std::string& data, const std::string& views_out) {
  auto run = ReplayHere(data, views_out);
  if (!run.ok()) return Fail("replay", run.status());
  std::cout << ToJson(*run) << "\n";
  return 0;
}

}  // namespace
}  // namespace xueji::bench

int main(int argc, char** argv) {
  using xueji::bench::Options;
  Options o;
  o.work_dir = absl::StrCat(std::filesystem::temp_directory_path().string(),
                            "/ledger-bench-", ::getpid());
  CLI::App app{"ledger-bench: in-process benchmarks of the ledger (issue 4)"};
  app.add_option("--gen", o.gen_dir, "ledger gen output directory");
  app.add_option("--data", o.data_dir,
                 "data directory built by the CLI, for replay/queries/"
                 "anomalies/disk (default: the +views submit run's)");
  app.add_option("--work", o.work_dir, "scratch directory");
  app.add_option("--json-out", o.json_out, "write the figures as JSON here");
  app.add_option("--as-of", o.as_of, "anomalies as of (default: summary asOf)");
  app.add_option("--batch-sizes", o.batch_sizes, "processor-only submit runs");
  app.add_option("--small-batch-seconds", o.small_batch_seconds,
                 "time limit of runs with batch < 512 (a prefix is measured)");
  app.add_option("--views-batch", o.views_batch,
                 "batch of the CLI-like run with views (0 = none)");
  app.add_option(
      "--sign-repeats", o.sign_repeats,
      "pairs of operator-batch runs, unsigned and signed (0 = none)");
  app.add_option("--sign-batch", o.sign_batch,
                 "requests per SubmitBatches group of those runs");
  app.add_option("--operator-days", o.operator_days,
                 "business days of an operator's requests in one batch of "
                 "those runs (1: each day's; 5: a week's, sent on its last "
                 "day)")
      ->check(CLI::Range(1, 5));
  app.add_option("--sign-only", o.sign_only,
                 "run only the signed (on) or the unsigned (off) side of "
                 "those pairs, to profile one")
      ->check(CLI::IsMember({"on", "off"}));
  app.add_option("--query-samples", o.queries.samples, "per query kind");
  app.add_option("--query-warmup", o.queries.warmup, "per query kind");
  app.add_option("--query-pool", o.queries.pool, "student numbers sampled");
  app.add_option("--anomaly-repeats", o.anomaly_repeats, "county report runs");
  app.add_flag("--keep", o.keep, "keep the processor-only data directories");
  std::string child_data, child_out;
  auto* child = app.add_subcommand("replay-child", "internal: timed replay");
  child->add_option("--data", child_data)->required();
  child->add_option("--views-out", child_out)->required();
  std::string queries_data;
  auto* queries = app.add_subcommand(
      "queries", "only the point queries over --data (uses --query-*)");
  queries->add_option("--data", queries_data)->required();
  CLI11_PARSE(app, argc, argv);
  if (queries->parsed())
    return xueji::bench::RunQueriesOnly(queries_data, o.queries);
  if (child->parsed())
    return xueji::bench::RunReplayChild(child_data, child_out);
  int rc = xueji::bench::RunAll(o);
  if (!o.keep) {
    std::error_code ec;
    std::filesystem::remove_all(o.work_dir, ec);
  }
  return rc;
}
