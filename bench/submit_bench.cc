#include "bench/submit_bench.h"

#include <algorithm>
#include <fstream>
#include <memory>
#include <numeric>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/dates.h"
#include "ledger/base/ed25519.h"
#include "ledger/log/event_log.h"
#include "ledger/processor/processor.h"
#include "ledger/rules/signed_batch.h"
#include "ledger/storage/data_dir.h"
#include "ledger/storage/kv.h"
#include "projections/views.h"
#include "xueji/v1/requests.pb.h"

namespace xueji::bench {
namespace {

using xueji::v1::Request;
using xueji::v1::SignedBatch;

bool ParseLine(const std::string& line, google::protobuf::Message* msg) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return google::protobuf::util::JsonStringToMessage(line, msg, options).ok();
}

absl::StatusOr<int64_t> TotalEvents(EventLog& log) {
  auto heads = log.HeadOffsets();
  if (!heads.ok()) return heads.status();
  return std::accumulate(heads->begin(), heads->end(), int64_t{0});
}

// Everything a write session holds, opened on `dir` like `ledger submit`.
struct Session {
  std::unique_ptr<WriterLock> lock;
  std::unique_ptr<EventLog> log;
  std::unique_ptr<RocksKv> state;
  std::unique_ptr<RequestProcessor> processor;
  std::unique_ptr<Views> views;
  absl::Time now;
  // by_operator: each operator's key (sign), by operator id.
  absl::flat_hash_map<std::string, Ed25519PrivateKey> keys;
};

absl::Status OpenSession(const std::string& root, bool with_views, Session* s) {
  DataDir dir{root};
  auto lock = WriterLock::Acquire(dir, absl::Seconds(1));
  if (!lock.ok()) return lock.status();
  s->lock = *std::move(lock);
  auto log = OpenEmbeddedLog(dir.log(), EmbeddedLogOptions{});
  if (!log.ok()) return log.status();
  s->log = *std::move(log);
  auto state = RocksKv::Open(dir.state(), RocksKv::Options{});
  if (!state.ok()) return state.status();
  s->state = *std::move(state);
  auto processor = RequestProcessor::Open(
      s->log.get(), s->state.get(), [s] { return s->now; }, nullptr,
      RequestProcessor::WriteBehind());
  if (!processor.ok()) return processor.status();
  s->processor = *std::move(processor);
  auto mode = s->processor->Mode();
  if (!mode.ok()) return mode.status();
  if (*mode == xueji::v1::LEDGER_MODE_UNSPECIFIED) {
    auto init = s->processor->Initialize(DevelopmentLedger());
    if (!init.ok()) return init.status();
  }
  if (with_views) {
    auto views = Views::Open(dir.views(), ViewsOptions{});
    if (!views.ok()) return views.status();
    s->views = *std::move(views);
  }
  return absl::OkStatus();
}

absl::Status LoadRegistry(const SubmitConfig& config, Session& s,
                          SubmitRun* run) {
  std::ifstream in(config.gen_dir + "/registry.jsonl");
  if (!in) return absl::NotFoundError("no registry.jsonl in " + config.gen_dir);
  s.now = config.registry_now;
  std::vector<xueji::v1::RegistryLine> batch;
  const double t0 = Now();
  auto flush = [&]() -> absl::Status {
    if (batch.empty()) return absl::OkStatus();
    auto results = s.processor->LoadRegistry(batch);
    batch.clear();
    return results.status();
  };
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    xueji::v1::RegistryLine r;
    if (!ParseLine(line, &r)) continue;
    if (config.by_operator && config.sign && r.has_operator_()) {
      auto key = Ed25519PrivateKey::Generate();
      if (!key.ok()) return key.status();
      r.mutable_operator_()->set_public_key(key->public_key());
      s.keys.emplace(r.operator_().id(), *std::move(key));
    }
    batch.push_back(std::move(r));
    ++run->registry_lines;
    if (batch.size() >= 4096) {
      if (absl::Status st = flush(); !st.ok()) return st;
    }
  }
  if (absl::Status st = flush(); !st.ok()) return st;
  if (s.views != nullptr) {
    if (auto v = s.views->CatchUp(*s.log); !v.ok()) return v.status();
  }
  run->registry_s = Now() - t0;
  return absl::OkStatus();
}

// Reads the next request of `in` into *r, timing its parse into
// run->parse_s; blank lines are skipped, malformed ones counted and skipped.
// False at the end of the input.
bool NextRequest(std::ifstream& in, SubmitRun* run, Request* r) {
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const double p0 = Now();
    r->Clear();
    const bool parsed = ParseLine(line, r);
    run->parse_s += Now() - p0;
    if (parsed) return true;
    ++run->malformed;
  }
  return false;
}

// Books one timed call of the processor, from t0 to t1 (seconds).
void BookCall(double t0, double t1, std::vector<int64_t>& latencies,
              SubmitRun* run) {
  run->submit_s += t1 - t0;
  latencies.push_back(static_cast<int64_t>((t1 - t0) * 1e9));
}

// Counts a call's rejected answers.
void CountRejected(const std::vector<xueji::v1::Result>& answers,
                   SubmitRun* run) {
  for (const xueji::v1::Result& r : answers) {
    if (r.status() == xueji::v1::REJECTED) ++run->rejected;
  }
}

// One batch through the processor (timed), then the views (timed apart).
absl::Status SubmitBatch(Session& s, std::vector<Request>& batch,
                         std::vector<int64_t>& latencies, SubmitRun* run) {
  const double t0 = Now();
  auto results = s.processor->Submit(batch);
  const double t1 = Now();
  if (!results.ok()) return results.status();
  BookCall(t0, t1, latencies, run);
  CountRejected(*results, run);
  run->requests += static_cast<int64_t>(batch.size());
  ++run->batches;
  batch.clear();
  if (s.views != nullptr) {
    auto applied = s.views->CatchUp(*s.log);
    if (!applied.ok()) return applied.status();
    run->views_s += Now() - t1;
  }
  return absl::OkStatus();
}

// by_operator: the batches waiting for one group commit, and the day's
// requests by operator (in the order the operators first appear).
struct OperatorBatches {
  std::vector<SignedBatch> pending;
  size_t pending_requests = 0;
  std::vector<std::string> order;
  absl::flat_hash_map<std::string, std::vector<Request>> by_actor;
};

// One group of RequestBatches through SubmitBatches (timed).
absl::Status SubmitGroup(Session& s, OperatorBatches& ob,
                         std::vector<int64_t>& latencies, SubmitRun* run) {
  if (ob.pending.empty()) return absl::OkStatus();
  std::vector<const SignedBatch*> batches;
  batches.reserve(ob.pending.size());
  for (const SignedBatch& b : ob.pending) batches.push_back(&b);
  const double t0 = Now();
  auto results = s.processor->SubmitBatches(batches);
  const double t1 = Now();
  if (!results.ok()) return results.status();
  BookCall(t0, t1, latencies, run);
  for (const auto& answers : *results) CountRejected(answers, run);
  run->requests += static_cast<int64_t>(ob.pending_requests);
  run->request_batches += static_cast<int64_t>(ob.pending.size());
  ++run->batches;
  ob.pending.clear();
  ob.pending_requests = 0;
  return absl::OkStatus();
}

// The day's requests, one RequestBatch per operator (at most config.batch
// requests each), built and signed as the CLI does (timed apart: client
// side), then decided in groups of about config.batch requests.
absl::Status FlushDay(const SubmitConfig& config, Session& s,
                      OperatorBatches& ob, std::vector<int64_t>& latencies,
                      SubmitRun* run) {
  for (const std::string& actor : ob.order) {
    std::vector<Request>& requests = ob.by_actor[actor];
    for (size_t i = 0; i < requests.size(); i += config.batch) {
      const size_t n = std::min(config.batch, requests.size() - i);
      double t0 = Now();
      xueji::v1::RequestBatch body;
      body.set_nonce(NewNonce());
      body.set_created_at(FormatRfc3339(s.now));
      for (size_t j = i; j < i + n; ++j) {
        *body.add_requests() = std::move(requests[j]);
      }
      SignedBatch batch;
      if (config.sign) {
        auto key = s.keys.find(actor);
        if (key == s.keys.end()) {
          return absl::NotFoundError(
              absl::StrCat("no key for operator ", actor));
        }
        auto signed_batch = SignBatch(std::move(body), key->second);
        if (!signed_batch.ok()) return signed_batch.status();
        batch = *std::move(signed_batch);
        // What one verification costs here (the processor does the same
        // inside SubmitBatches): measured apart, to say where the time goes.
        const double v0 = Now();
        if (absl::Status v =
                Verify(key->second.public_key(), kRequestBatchDomain,
                       batch.body(), batch.signature());
            !v.ok()) {
          return v;
        }
        run->verify_s += Now() - v0;
        t0 += Now() - v0;  // not client time
      } else {
        body.SerializeToString(batch.mutable_body());
      }
      run->sign_s += Now() - t0;
      ob.pending.push_back(std::move(batch));
      ob.pending_requests += n;
      if (ob.pending_requests >= config.batch) {
        if (absl::Status st = SubmitGroup(s, ob, latencies, run); !st.ok()) {
          return st;
        }
      }
    }
  }
  ob.order.clear();
  ob.by_actor.clear();
  // A group never spans two groups of days: the next runs at another clock.
  return SubmitGroup(s, ob, latencies, run);
}

absl::Status SubmitByOperator(const SubmitConfig& config, Session& s,
                              std::ifstream& in,
                              std::vector<int64_t>& latencies, SubmitRun* run) {
  OperatorBatches ob;
  std::string day;
  int days_in_group = 0;  // business days the pending batches span
  Request r;
  while (NextRequest(in, run, &r)) {
    if (!r.occurred_on().empty() && r.occurred_on() != day) {
      // Sent at the end of the group's last day (a registrar entering a
      // week's paperwork on Friday: late by at most 4 working days).
      if (days_in_group >= config.operator_days) {
        if (absl::Status st = FlushDay(config, s, ob, latencies, run);
            !st.ok()) {
          return st;
        }
        days_in_group = 0;
      }
      ++days_in_group;
      day = r.occurred_on();
      auto end_of_day = ParseRfc3339(day + "T17:00:00+08:00");
      if (!end_of_day.ok()) return end_of_day.status();
      s.now = *end_of_day;
    }
    auto [it, added] = ob.by_actor.try_emplace(r.actor());
    if (added) ob.order.push_back(r.actor());
    it->second.push_back(std::move(r));
  }
  return FlushDay(config, s, ob, latencies, run);
}
}  // namespace

absl::StatusOr<SubmitRun> RunSubmitBench(const SubmitConfig& config) {
  SubmitRun run;
  run.batch = config.batch;
  run.with_views = config.with_views;
  run.by_operator = config.by_operator;
  run.sign = config.by_operator && config.sign;
  run.operator_days = config.operator_days;
  Session s;
  if (absl::Status st = OpenSession(config.data_dir, config.with_views, &s);
      !st.ok()) {
    return st;
  }
  if (absl::Status st = LoadRegistry(config, s, &run); !st.ok()) return st;
  auto before = TotalEvents(*s.log);
  if (!before.ok()) return before.status();

  std::ifstream in(config.gen_dir + "/requests.jsonl");
  if (!in) return absl::NotFoundError("no requests.jsonl in " + config.gen_dir);
  // The ledger's clock is the only clock (docs/accountability.md): the
  // requests are submitted day by day, each batch at the end of its business
  // day in Beijing (17:00), as registrars would enter them; a batch never
  // spans two days. `submit_now` is the clock for undated requests.
  s.now = config.submit_now;
  std::vector<int64_t> latencies;
  // What the run appended, its batches' latencies and the peak memory.
  auto finish = [&]() -> absl::StatusOr<SubmitRun> {
    // The state rows still in memory, written out: part of submitting.
    const double w0 = Now();
    if (absl::Status st = s.processor->WriteState(); !st.ok()) return st;
    run.submit_s += Now() - w0;
    auto after = TotalEvents(*s.log);
    if (!after.ok()) return after.status();
    run.events = *after - *before;
    run.batch_latency = Summarize(latencies);
    run.vm_hwm_kb = ProcStatusKb("VmHWM");
    return run;
  };
  if (config.by_operator) {
    if (absl::Status st = SubmitByOperator(config, s, in, latencies, &run);
        !st.ok()) {
      return st;
    }
    return finish();
  }
  std::string day;
  std::vector<Request> batch;
  batch.reserve(config.batch);
  Request r;
  while (NextRequest(in, &run, &r)) {
    if (!r.occurred_on().empty() && r.occurred_on() != day) {
      if (!batch.empty()) {
        if (absl::Status st = SubmitBatch(s, batch, latencies, &run);
            !st.ok()) {
          return st;
        }
      }
      day = r.occurred_on();
      auto end_of_day = ParseRfc3339(day + "T17:00:00+08:00");
      if (!end_of_day.ok()) return end_of_day.status();
      s.now = *end_of_day;
    }
    batch.push_back(std::move(r));
    if (batch.size() < config.batch) continue;
    if (absl::Status st = SubmitBatch(s, batch, latencies, &run); !st.ok()) {
      return st;
    }
    if (config.time_limit_s > 0 && run.submit_s >= config.time_limit_s) {
      run.truncated = true;
      break;
    }
  }
  if (!batch.empty()) {
    if (absl::Status st = SubmitBatch(s, batch, latencies, &run); !st.ok()) {
      return st;
    }
  }
  return finish();
}

std::string ToJson(const SubmitRun& r) {
  return JsonObject()
      .Int("batch", static_cast<int64_t>(r.batch))
      .Bool("withViews", r.with_views)
      .Bool("byOperator", r.by_operator)
      .Bool("signed", r.sign)
      .Num("operatorDays", r.operator_days)
      .Int("requestBatches", r.request_batches)
      .Num("signSeconds", r.sign_s)
      .Num("verifySeconds", r.verify_s)
      .Int("registryLines", r.registry_lines)
      .Num("registrySeconds", r.registry_s)
      .Int("requests", r.requests)
      .Int("rejected", r.rejected)
      .Int("malformed", r.malformed)
      .Int("events", r.events)
      .Int("batches", r.batches)
      .Bool("truncatedByTimeLimit", r.truncated)
      .Num("parseSeconds", r.parse_s)
      .Num("submitSeconds", r.submit_s)
      .Num("viewsSeconds", r.views_s)
      .Num("requestsPerSecond", r.requests_per_s())
      .Num("eventsPerSecond", r.submit_s > 0 ? r.events / r.submit_s : 0)
      .Num("requestsPerSecondWithViews", r.requests_per_s_with_views())
      .Raw("batchLatency", ToJson(r.batch_latency))
      .Int("vmHwmKb", r.vm_hwm_kb)
      .Build();
}

}  // namespace xueji::bench
