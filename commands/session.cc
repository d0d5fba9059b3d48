#include "commands/session.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"

namespace xueji {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::Duration LockTimeout() {
  const char* env = std::getenv("LEDGER_LOCK_TIMEOUT");
  absl::Duration d;
  if (env != nullptr && absl::ParseDuration(env, &d)) return d;
  return absl::Seconds(10);
}

// The ledger clock for a session: LEDGER_NOW or the system clock.
absl::Time ClockNow() {
  auto now = LedgerNow();
  return now.ok() ? *now : absl::Now();
}

}  // namespace

int Fail(const absl::Status& status) {
  std::cerr << "ledger: " << status.message() << "\n";
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kOutOfRange:
      return kExitUsage;
    default:
      return kExitStorage;
  }
}

void Progress::Update(int64_t done) {
  const int64_t now = NowMs();
  if (started_ms_ < 0) started_ms_ = last_ms_ = now;
  if (now - last_ms_ < 2000) return;
  last_ms_ = now;
  std::cerr << what_ << ": " << done << " ...\n";
}

void Progress::Done(int64_t done) {
  if (started_ms_ < 0 || NowMs() - started_ms_ < 2000) return;
  std::cerr << what_ << ": " << done << " done in "
            << (NowMs() - started_ms_) / 1000.0 << " s\n";
}

absl::StatusOr<PolicyBook> LoadPolicy(const GlobalOptions& options) {
  std::string path = options.policy_file;
  if (path.empty()) {
    const char* env = std::getenv("LEDGER_POLICY");
    if (env != nullptr && *env) path = env;
  }
  if (path.empty()) {
    std::string in_dir = options.data_dir + "/policy.json";
    if (std::filesystem::exists(in_dir)) path = in_dir;
  }
  if (path.empty()) return PolicyBook();
  return PolicyBook::FromFile(path);
}

absl::StatusOr<std::unique_ptr<WriteSession>> WriteSession::Open(
    const GlobalOptions& options) {
  return Open(options, LockTimeout());
}

absl::StatusOr<std::unique_ptr<WriteSession>> WriteSession::Open(
    const GlobalOptions& options, absl::Duration lock_timeout) {
  if (auto now = LedgerNow(); !now.ok()) return now.status();
  auto policy = LoadPolicy(options);
  if (!policy.ok()) return policy.status();
  std::unique_ptr<WriteSession> s(new WriteSession());
  s->policy_ = *std::move(policy);
  DataDir dir{options.data_dir};
  auto lock = WriterLock::Acquire(dir, lock_timeout);
  if (!lock.ok()) return lock.status();
  s->lock_ = *std::move(lock);
  auto log = OpenEmbeddedLog(dir.log(), EmbeddedLogOptions{});
  if (!log.ok()) return log.status();
  s->log_ = *std::move(log);
  auto state = RocksKv::Open(dir.state(), RocksKv::Options{});
  if (!state.ok()) return state.status();
  s->state_kv_ = *std::move(state);
  s->processor_ = std::make_unique<RequestProcessor>(
      s->log_.get(), s->state_kv_.get(), &s->policy_, &ClockNow);
  if (auto caught = s->processor_->CatchUp(); !caught.ok()) {
    return caught.status();
  }
  auto views = Views::Open(dir.views(), ViewsOptions{});
  if (!views.ok()) return views.status();
  s->views_ = *std::move(views);
  if (absl::Status st = s->CatchUpViews(nullptr); !st.ok()) return st;
  return s;
}

absl::Status WriteSession::CatchUpViews(Progress* progress) {
  auto applied = views_->CatchUp(*log_, [progress](const CatchUpProgress& p) {
    if (progress != nullptr) progress->Update(p.applied);
  });
  if (!applied.ok()) return applied.status();
  if (progress != nullptr) progress->Done(*applied);
  return absl::OkStatus();
}

absl::StatusOr<KafkaConnection> KafkaFrom(const GlobalOptions& options) {
  KafkaConnection kafka;
  if (!options.kafka_config_file.empty()) {
    auto properties = LoadKafkaProperties(options.kafka_config_file);
    if (!properties.ok()) return properties.status();
    kafka.properties = *std::move(properties);
    auto it = kafka.properties.find("bootstrap.servers");
    if (it != kafka.properties.end()) {
      kafka.bootstrap_servers = it->second;
      kafka.properties.erase(it);
    }
  }
  if (!options.kafka_bootstrap.empty()) {
    kafka.bootstrap_servers = options.kafka_bootstrap;
  }
  if (!options.topic_prefix.empty()) kafka.topic_prefix = options.topic_prefix;
  return kafka;
}

absl::StatusOr<std::unique_ptr<Views>> OpenViewsForQuery(
    const GlobalOptions& options) {
  if (!options.views_dir.empty()) {
    // A projector's store, possibly being written (and compacted) right
    // now: a RocksDB secondary instance, as of this moment.
    if (!std::filesystem::exists(options.views_dir)) {
      return absl::NotFoundError(
          absl::StrCat("no views store at ", options.views_dir,
                       " (--views DIR names a `ledger projector` store)"));
    }
    ViewsOptions secondary;
    secondary.secondary = true;
    secondary.create_if_missing = false;
    return Views::Open(options.views_dir, secondary);
  }
  DataDir dir{options.data_dir};
  if (!std::filesystem::exists(dir.log())) {
    return absl::NotFoundError(
        absl::StrCat("no ledger at ", dir.root,
                     " (use --data DIR or $LEDGER_DATA; `ledger registry load` "
                     "creates one)"));
  }
  // Catch the views up if nobody is writing; otherwise read what is there.
  {
    auto session = WriteSession::Open(options, absl::ZeroDuration());
    if (!session.ok() && !absl::IsUnavailable(session.status())) {
      return session.status();
    }
  }  // released here
  ViewsOptions read_only;
  read_only.read_only = true;
  read_only.create_if_missing = false;
  return Views::Open(dir.views(), read_only);
}

}  // namespace xueji
