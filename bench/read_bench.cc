#include "bench/read_bench.h"

#include <stdio.h>
#include <time.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <numeric>
#include <random>
#include <regex>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/log/event_log.h"
#include "ledger/rules/calendar.h"
#include "ledger/storage/data_dir.h"
#include "ledger/storage/kv.h"
#include "projections/views.h"

namespace xueji::bench {
namespace {

absl::StatusOr<std::unique_ptr<Views>> OpenViewsReadOnly(
    const std::string& data_dir) {
  ViewsOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  return Views::Open(DataDir{data_dir}.views(), options);
}

absl::StatusOr<int64_t> LogEvents(const std::string& data_dir) {
  EmbeddedLogOptions options;
  options.read_only = true;
  auto log = OpenEmbeddedLog(DataDir{data_dir}.log(), options);
  if (!log.ok()) return log.status();
  auto heads = (*log)->HeadOffsets();
  if (!heads.ok()) return heads.status();
  return std::accumulate(heads->begin(), heads->end(), int64_t{0});
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

double JsonNumber(const std::string& text, const std::string& key) {
  std::regex re("\"" + key + "\":([-0-9.eE+]+)");
  std::smatch m;
  double v = 0;
  if (std::regex_search(text, m, re)) (void)absl::SimpleAtod(m[1].str(), &v);
  return v;
}

// Up to `pool` student numbers (every number ever held), uniformly sampled.
absl::StatusOr<std::vector<std::string>> SampleNumbers(
    const std::string& data_dir, int64_t pool, uint64_t seed) {
  RocksKv::Options options;
  options.read_only = true;
  options.create_if_missing = false;
  options.prefix_filter = true;  // as Views::Open opens it
  options.point_reads = true;
  auto kv = RocksKv::Open(DataDir{data_dir}.views(), options);
  if (!kv.ok()) return kv.status();
  std::vector<std::string> sample;
  std::mt19937_64 rng(seed);
  int64_t seen = 0;
  absl::Status st =
      (*kv)->ScanPrefix("N", [&](std::string_view key, std::string_view) {
        std::string no(key.substr(1));
        ++seen;
        if (static_cast<int64_t>(sample.size()) < pool) {
          sample.push_back(std::move(no));
        } else {
          uint64_t j = rng() % static_cast<uint64_t>(seen);
          if (j < static_cast<uint64_t>(pool)) sample[j] = std::move(no);
        }
        return true;
      });
  if (!st.ok()) return st;
  return sample;
}

int64_t ThreadCpuNs() {
  timespec t;
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return int64_t{t.tv_sec} * 1000000000 + t.tv_nsec;
}

// Times `query(i)` for random i in [0, n): warm-up, then samples; wall time,
// and the thread's CPU time in *cpu.
template <typename Fn>
absl::StatusOr<Latency> TimeQueries(size_t n, const QueryConfig& config,
                                    uint64_t seed, Latency* cpu, Fn query) {
  std::vector<int64_t> ns, cpu_ns;
  if (n == 0) return Latency{};
  std::mt19937_64 rng(seed);
  ns.reserve(config.samples);
  cpu_ns.reserve(config.samples);
  for (int64_t k = 0; k < config.warmup + config.samples; ++k) {
    const size_t i = rng() % n;
    const int64_t c0 = ThreadCpuNs();
    const auto t0 = std::chrono::steady_clock::now();
    absl::Status st = query(i);
    const auto t1 = std::chrono::steady_clock::now();
    const int64_t c1 = ThreadCpuNs();
    if (!st.ok()) return st;
    if (k >= config.warmup) {
      ns.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0)
                       .count());
      cpu_ns.push_back(c1 - c0);
    }
  }
  *cpu = Summarize(cpu_ns);
  return Summarize(ns);
}

}  // namespace

absl::StatusOr<ReplayRun> ReplayHere(const std::string& data_dir,
                                     const std::string& views_out) {
  EmbeddedLogOptions log_options;
  log_options.read_only = true;
  auto log = OpenEmbeddedLog(DataDir{data_dir}.log(), log_options);
  if (!log.ok()) return log.status();
  if (absl::Status st = Views::Destroy(views_out); !st.ok()) return st;
  auto views = Views::Open(views_out, ViewsOptions{});
  if (!views.ok()) return views.status();
  ReplayRun run;
  run.vm_hwm_open_kb = ProcStatusKb("VmHWM");
  const double t0 = Now();
  auto applied = (*views)->CatchUp(**log);
  run.seconds = Now() - t0;
  if (!applied.ok()) return applied.status();
  run.events = *applied;
  views->reset();
  run.vm_hwm_kb = ProcStatusKb("VmHWM");
  return run;
}

absl::StatusOr<ReplayRun> ReplayInChild(const std::string& self_exe,
                                        const std::string& data_dir,
                                        const std::string& views_out) {
  const std::string cmd = absl::StrCat(
      ShellQuote(self_exe), " replay-child --data ", ShellQuote(data_dir),
      " --views-out ", ShellQuote(views_out));
  FILE* pipe = ::popen(cmd.c_str(), "r");
  if (pipe == nullptr) return absl::InternalError("cannot start " + cmd);
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int rc = ::pclose(pipe);
  std::error_code ec;
  std::filesystem::remove_all(views_out, ec);
  if (rc != 0) {
    return absl::InternalError(absl::StrCat("replay child failed: ", out));
  }
  ReplayRun run;
  run.events = static_cast<int64_t>(JsonNumber(out, "events"));
  run.seconds = JsonNumber(out, "seconds");
  run.vm_hwm_kb = static_cast<int64_t>(JsonNumber(out, "vmHwmKb"));
  run.vm_hwm_open_kb = static_cast<int64_t>(JsonNumber(out, "vmHwmOpenKb"));
  return run;
}

std::string ToJson(const ReplayRun& r) {
  return JsonObject()
      .Int("events", r.events)
      .Num("seconds", r.seconds)
      .Num("eventsPerSecond", r.events_per_s())
      .Int("vmHwmKb", r.vm_hwm_kb)
      .Int("vmHwmOpenKb", r.vm_hwm_open_kb)
      .Build();
}

absl::StatusOr<QueryRun> RunQueries(const std::string& data_dir,
                                    const QueryConfig& config) {
  auto numbers = SampleNumbers(data_dir, config.pool, config.seed);
  if (!numbers.ok()) return numbers.status();
  auto views = OpenViewsReadOnly(data_dir);
  if (!views.ok()) return views.status();
  Views& v = **views;
  QueryRun run;
  run.pool = static_cast<int64_t>(numbers->size());
  std::vector<std::pair<xueji::v1::IdType, std::string>> documents;
  for (const std::string& no : *numbers) {
    auto rec = v.RecordByNumber(no);
    if (!rec.ok()) return rec.status();
    if (!rec->has_value() || (*rec)->child().id_type() == xueji::v1::NONE) {
      continue;
    }
    documents.emplace_back((*rec)->child().id_type(),
                           (*rec)->child().id_number());
  }
  auto by_number = TimeQueries(numbers->size(), config, config.seed + 1,
                               &run.by_number_cpu, [&](size_t i) {
                                 auto r = v.RecordByNumber((*numbers)[i]);
                                 if (r.ok() && !r->has_value())
                                   return absl::InternalError("record missing");
                                 return r.status();
                               });
  if (!by_number.ok()) return by_number.status();
  run.by_number = *by_number;
  auto by_identity = TimeQueries(
      documents.size(), config, config.seed + 2, &run.by_identity_cpu,
      [&](size_t i) {
        return v.RecordsByIdentity(documents[i].first, documents[i].second)
            .status();
      });
  if (!by_identity.ok()) return by_identity.status();
  run.by_identity = *by_identity;
  int64_t history_events = 0, histories = 0;
  auto history = TimeQueries(
      numbers->size(), config, config.seed + 3, &run.history_cpu,
      [&](size_t i) {
        auto h = v.HistoryOfStudent((*numbers)[i]);
        if (h.ok())
          history_events += static_cast<int64_t>(h->size()), ++histories;
        return h.status();
      });
  if (!history.ok()) return history.status();
  run.history = *history;
  run.history_events_mean =
      histories > 0 ? static_cast<double>(history_events) / histories : 0;
  return run;
}

std::string ToJson(const QueryRun& r) {
  return JsonObject()
      .Int("pool", r.pool)
      .Raw("recordByNumber", ToJson(r.by_number))
      .Raw("recordsByIdentity", ToJson(r.by_identity))
      .Raw("historyOfStudent", ToJson(r.history))
      .Raw("recordByNumberCpu", ToJson(r.by_number_cpu))
      .Raw("recordsByIdentityCpu", ToJson(r.by_identity_cpu))
      .Raw("historyOfStudentCpu", ToJson(r.history_cpu))
      .Num("historyEventsMean", r.history_events_mean)
      .Build();
}

absl::StatusOr<AnomalyRun> RunAnomalies(const std::string& data_dir,
                                        absl::CivilDay as_of, int repeats) {
  auto views = OpenViewsReadOnly(data_dir);
  if (!views.ok()) return views.status();
  Views& v = **views;
  AnomalyRun run;
  auto kgs = v.Kindergartens("");
  if (!kgs.ok()) return kgs.status();
  std::map<std::string, int> per_county;
  for (const auto& kg : *kgs) ++per_county[kg.county()];
  for (const auto& [county, n] : per_county) {
    if (run.county.empty() || n > per_county[run.county]) run.county = county;
  }
  AnomalyQuery q;
  q.as_of = as_of;
  q.calendar = &WorkingCalendar::Default();
  std::vector<double> times;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    q.region = run.county;
    const double t0 = Now();
    auto report = v.Anomalies(q);
    times.push_back(Now() - t0);
    if (!report.ok()) return report.status();
    run.county_anomalies = report->anomalies_size();
  }
  std::sort(times.begin(), times.end());
  run.county_s = times[times.size() / 2];
  q.region = "";
  double t0 = Now();
  auto all = v.Anomalies(q);
  run.all_s = Now() - t0;
  if (!all.ok()) return all.status();
  run.all_anomalies = all->anomalies_size();
  t0 = Now();
  auto stats = v.ComputeStats("", as_of);
  run.stats_s = Now() - t0;
  if (!stats.ok()) return stats.status();
  run.live_records = stats->live_records();
  StatsQuery sq;
  sq.region = run.county;
  sq.as_of = as_of;
  sq.from = as_of - 30;
  sq.to = as_of;
  sq.calendar = &WorkingCalendar::Default();
  t0 = Now();
  auto county_stats = v.Statistics(sq);
  run.county_stats_s = Now() - t0;
  if (!county_stats.ok()) return county_stats.status();
  return run;
}

std::string ToJson(const AnomalyRun& r) {
  return JsonObject()
      .Str("county", r.county)
      .Num("countySeconds", r.county_s)
      .Int("countyAnomalies", r.county_anomalies)
      .Num("allSeconds", r.all_s)
      .Int("allAnomalies", r.all_anomalies)
      .Num("statsSeconds", r.stats_s)
      .Num("countyStatsSeconds", r.county_stats_s)
      .Int("liveRecords", r.live_records)
      .Build();
}

absl::StatusOr<DiskRun> MeasureDisk(const std::string& data_dir,
                                    int64_t live_records) {
  DataDir dir{data_dir};
  DiskRun run;
  run.log = Du(dir.log());
  run.state = Du(dir.state());
  run.views = Du(dir.views());
  auto events = LogEvents(data_dir);
  if (!events.ok()) return events.status();
  run.events = *events;
  run.live_records = live_records;
  return run;
}

std::string ToJson(const DiskRun& r) {
  const int64_t total = r.log.allocated + r.state.allocated + r.views.allocated;
  auto per = [](int64_t bytes, int64_t n) {
    return n > 0 ? static_cast<double>(bytes) / n : 0.0;
  };
  return JsonObject()
      .Int("logBytes", r.log.allocated)
      .Int("stateBytes", r.state.allocated)
      .Int("viewsBytes", r.views.allocated)
      .Int("totalBytes", total)
      .Int("apparentBytes",
           r.log.apparent + r.state.apparent + r.views.apparent)
      .Int("events", r.events)
      .Int("liveRecords", r.live_records)
      .Num("logBytesPerEvent", per(r.log.allocated, r.events))
      .Num("totalBytesPerEvent", per(total, r.events))
      .Num("totalBytesPerLiveRecord", per(total, r.live_records))
      .Build();
}

}  // namespace xueji::bench
