#include "commands/session.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <thread>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "ledger/base/dates.h"
#include "ledger/base/log.h"
#include "ledger/log/hash_chain.h"

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

// The data directory Fail() marks damaged on a DataLoss ("" = none).
std::string& WatchedDir() {
  static auto* dir = new std::string();
  return *dir;
}

// On a refusal that only repeats the mark (Fail does not mark it again).
constexpr char kMarkedPayload[] = "type.xueji.dev/xueji.storage.AlreadyMarked";

// A projection's store that does not open or read back: DataLoss saying
// that `ledger replay` rebuilds it.
absl::Status ProjectionDamaged(const absl::Status& status,
                               const std::string& what) {
  if (!absl::IsDataLoss(status)) return status;
  return absl::DataLossError(
      absl::StrCat(status.message(), ". ", what,
                   " is a projection of the log: `ledger replay` rebuilds it"));
}

void Note(const std::string& text) {
  if (!text.empty()) std::cerr << "ledger: note: " << text << "\n";
}

}  // namespace

void WatchForDamage(const std::string& data_dir) { WatchedDir() = data_dir; }

namespace {
xueji::v1::LedgerMode& AdmittedMode() {
  static xueji::v1::LedgerMode mode = xueji::v1::LEDGER_MODE_UNSPECIFIED;
  return mode;
}
}  // namespace

absl::Status NotInitialised(const std::string& where) {
  return absl::FailedPreconditionError(absl::StrCat(
      where,
      " is not an initialised ledger: run `ledger init --root-key FILE` "
      "(production) or `ledger init --dev`"));
}

absl::Status AdmitLedger(const std::string& where, xueji::v1::LedgerMode mode) {
  if (mode != xueji::v1::PRODUCTION && mode != xueji::v1::DEVELOPMENT) {
    return NotInitialised(where);
  }
  if (AdmittedMode() == mode) return absl::OkStatus();  // said once
  AdmittedMode() = mode;
  const char* ledger_now = std::getenv("LEDGER_NOW");
  if (mode == xueji::v1::DEVELOPMENT) {
    std::cerr << "ledger: DEVELOPMENT ledger " << where
              << ": unsigned requests are taken at their actor and LEDGER_NOW "
                 "sets the clock; not for real records\n";
  } else if (ledger_now != nullptr && *ledger_now) {
    std::cerr << "ledger: LEDGER_NOW is ignored: " << where
              << " is a production ledger, whose clock is the system's\n";
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::Time> CommandNow() {
  if (AdmittedMode() == xueji::v1::PRODUCTION) return absl::Now();
  return LedgerNow();
}

absl::Status RefuseDamaged(const DataDir& dir, const std::string& mark) {
  std::string found = mark;
  while (!found.empty() && found.back() == '\n') found.pop_back();
  absl::Status status = absl::DataLossError(absl::StrCat(
      "the ledger at ", dir.root, " is marked damaged (", dir.damage_mark(),
      "); nothing is decided, rebuilt or read until it is whole again. "
      "Found:\n  ",
      absl::StrReplaceAll(found, {{"\n", "\n  "}}),
      "\n`ledger verify` checks it again (and removes the mark when all is "
      "well); `ledger replay` rebuilds damaged views or state from a sound "
      "log; a damaged or short log must be restored from a backup"));
  status.SetPayload(kMarkedPayload, absl::Cord("1"));
  return status;
}

namespace {
bool& FailLogs() {
  static bool logs = false;
  return logs;
}
}  // namespace

void FailAsLogLine() { FailLogs() = true; }

int Fail(const absl::Status& status) {
  if (FailLogs()) {
    LogError(absl::StrCat("ledger: ", status.message()));
  } else {
    std::cerr << "ledger: " << status.message() << "\n";
  }
  if (absl::IsDataLoss(status) && !WatchedDir().empty() &&
      !status.GetPayload(kMarkedPayload).has_value()) {
    if (absl::Status marked = MarkDamaged(DataDir{WatchedDir()}, status);
        !marked.ok()) {
      std::cerr << "ledger: " << marked.message() << "\n";
    }
  }
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

absl::StatusOr<std::unique_ptr<WriteSession>> WriteSession::Open(
    const GlobalOptions& options) {
  return Open(options, LockTimeout());
}

absl::StatusOr<std::unique_ptr<WriteSession>> WriteSession::Open(
    const GlobalOptions& options, absl::Duration lock_timeout,
    Purpose purpose) {
  auto session = OpenLocked(options, lock_timeout, purpose);
  // Found under the lock (every DataLoss below is): mark it, so that a
  // command that would not meet it again refuses too.
  if (!session.ok() && absl::IsDataLoss(session.status()) &&
      !session.status().GetPayload(kMarkedPayload).has_value()) {
    if (absl::Status marked =
            MarkDamaged(DataDir{options.data_dir}, session.status());
        !marked.ok()) {
      std::cerr << "ledger: " << marked.message() << "\n";
    }
  }
  return session;
}

absl::StatusOr<std::unique_ptr<WriteSession>> WriteSession::OpenForInit(
    const GlobalOptions& options) {
  return Open(options, LockTimeout(), Purpose::kInit);
}

absl::StatusOr<std::unique_ptr<WriteSession>> WriteSession::OpenLocked(
    const GlobalOptions& options, absl::Duration lock_timeout,
    Purpose purpose) {
  if (auto now = LedgerNow(); !now.ok()) return now.status();
  std::unique_ptr<WriteSession> s(new WriteSession());
  DataDir dir{options.data_dir};
  if (purpose != Purpose::kInit && !std::filesystem::exists(dir.log()) &&
      !StoreExists(dir.state()) && !StoreExists(dir.views())) {
    return NotInitialised(dir.root);  // and nothing created
  }
  auto lock = WriterLock::Acquire(dir, lock_timeout);
  if (!lock.ok()) return lock.status();
  s->lock_ = *std::move(lock);
  WatchForDamage(dir.root);  // nothing moves under a lock holder
  for (const std::string& left : RemoveLeftovers(dir)) {
    Note(absl::StrCat("removed ", left, ", left by an interrupted replay"));
  }
  if (std::optional<std::string> mark = DamageMark(dir); mark.has_value()) {
    return RefuseDamaged(dir, *mark);
  }
  const bool has_state = StoreExists(dir.state());
  const bool has_views = StoreExists(dir.views());
  if (!StoreExists(dir.log()) && (has_state || has_views)) {
    return absl::DataLossError(absl::StrCat(
        "the event log ", dir.log(), " is missing, but ",
        has_state ? dir.state() : dir.views(),
        " is there: the log was deleted or moved. The ledger refuses to "
        "decide or rebuild until the log is restored: put back a copy of ",
        dir.log(), ", then run `ledger verify`"));
  }
  // The projections first: what they have seen is what the log must hold.
  std::vector<LogWitness> witnesses;
  auto state = RocksKv::Open(dir.state(), RocksKv::Options{});
  if (!state.ok()) return ProjectionDamaged(state.status(), dir.state());
  s->state_kv_ = *std::move(state);
  Note(s->state_kv_->recovery_note());
  auto state_seen = LedgerState(s->state_kv_.get()).Checkpoints();
  if (!state_seen.ok())
    return ProjectionDamaged(state_seen.status(), dir.state());
  witnesses.push_back({"the decider state", dir.state(), *state_seen});
  auto views = Views::Open(dir.views(), ViewsOptions{});
  if (!views.ok()) return ProjectionDamaged(views.status(), dir.views());
  s->views_ = *std::move(views);
  Note(s->views_->recovery_note());
  auto views_seen = s->views_->Checkpoints();
  if (!views_seen.ok())
    return ProjectionDamaged(views_seen.status(), dir.views());
  witnesses.push_back({"the views", dir.views(), *views_seen});

  EmbeddedLogOptions log_options;
  log_options.witnesses = std::move(witnesses);
  auto log = OpenEmbeddedLog(dir.log(), log_options);
  if (!log.ok()) return log.status();
  s->log_ = *std::move(log);
  Note(s->log_->recovery_note());
  s->checked_log_ = ChainChecked(*s->log_);
  // (A failure here may be the log's or the state's: the message names it.)
  auto processor = RequestProcessor::Open(
      s->checked_log_.get(), s->state_kv_.get(), &ClockNow, nullptr,
      RequestProcessor::WriteBehind());
  if (!processor.ok()) return processor.status();
  s->processor_ = *std::move(processor);
  // A production ledger's clock is the system's, whatever LEDGER_NOW says.
  s->processor_->set_production_clock([] { return absl::Now(); });
  if (purpose != Purpose::kInit) {
    auto mode = s->processor_->Mode();
    if (!mode.ok()) return mode.status();
    if (absl::Status st = AdmitLedger(dir.root, *mode); !st.ok()) return st;
  }
  if (purpose == Purpose::kRead) {
    auto until = s->views_->Until();
    if (!until.ok()) return ProjectionDamaged(until.status(), dir.views());
    if (until->has_value()) return s;  // as of `replay --until`: leave them
  }
  if (absl::Status st = s->CatchUpViews(nullptr); !st.ok()) return st;
  return s;
}

WriteSession::~WriteSession() {
  follower_.reset();  // joins the views' thread before anything it reads goes
  // Past the lock, files may move under a reader.
  if (lock_ != nullptr) WatchForDamage("");
}

void WriteSession::FollowViews() {
  if (follower_ != nullptr) return;
  // A pass per this many new events: about the views' own commit size
  // (ViewsOptions::batch_events), so that following costs no more commits
  // than one pass at the end would.
  constexpr int64_t kFollowEvents = 10000;
  follower_ = std::make_unique<ViewsFollower>(*views_, *log_, kFollowEvents);
}

absl::Status WriteSession::FinishViews(Progress* progress) {
  // The decider state too (kept in memory while deciding: processor.h).
  if (absl::Status s = processor_->WriteState(); !s.ok()) return s;
  if (follower_ == nullptr) return CatchUpViews(progress);
  absl::Status status = follower_->Finish(progress);
  follower_.reset();
  return status;
}

absl::Status WriteSession::CatchUpViews(Progress* progress) {
  if (follower_ != nullptr) return FinishViews(progress);
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

namespace {

// The ledger the views were projected from (their L row).
absl::Status AdmitViews(const Views& views, const std::string& where) {
  auto ledger = views.Ledger();
  if (!ledger.ok()) return ledger.status();
  return AdmitLedger(where, ledger->has_value()
                                ? (*ledger)->mode()
                                : xueji::v1::LEDGER_MODE_UNSPECIFIED);
}

}  // namespace

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
    auto views = Views::Open(options.views_dir, secondary);
    if (!views.ok()) return views.status();
    if (absl::Status st = AdmitViews(**views, options.views_dir); !st.ok()) {
      return st;
    }
    return views;
  }
  DataDir dir{options.data_dir};
  if (!std::filesystem::exists(dir.log()) && !StoreExists(dir.state()) &&
      !StoreExists(dir.views())) {
    return NotInitialised(dir.root);
  }
  // Catch the views up if nobody is writing; otherwise read what is there.
  {
    auto session = WriteSession::Open(options, absl::ZeroDuration(),
                                      WriteSession::Purpose::kRead);
    if (!session.ok() && !absl::IsUnavailable(session.status())) {
      return session.status();
    }
  }  // released here
  if (std::optional<std::string> mark = DamageMark(dir); mark.has_value()) {
    return RefuseDamaged(dir, *mark);
  }
  ViewsOptions read_only;
  read_only.read_only = true;
  read_only.create_if_missing = false;
  // A writer may flush or compact, and `ledger replay` swaps the whole
  // directory: an open that fails while the store moves is tried again.
  absl::StatusOr<std::unique_ptr<Views>> views;
  for (int attempt = 0; attempt < 6; ++attempt) {
    if (attempt > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25 * attempt));
    }
    views = Views::Open(dir.views(), read_only);
    if (views.ok()) break;
  }
  if (!views.ok()) {
    // Still failing. Under the lock nothing moves: then it is the store.
    auto lock = WriterLock::Acquire(dir, absl::ZeroDuration());
    if (!lock.ok()) {
      return absl::UnavailableError(absl::StrCat(
          "the views at ", dir.views(),
          " kept changing while this query opened them (a writer is at "
          "work); try again (",
          views.status().message(), ")"));
    }
    WatchForDamage(dir.root);
    views = Views::Open(dir.views(), read_only);
    if (!views.ok()) return ProjectionDamaged(views.status(), dir.views());
  }
  // Blocks read from here come from files this process holds open.
  WatchForDamage(dir.root);
  if (absl::Status st = AdmitViews(**views, dir.root); !st.ok()) return st;
  auto until = (*views)->Until();
  if (!until.ok()) return ProjectionDamaged(until.status(), dir.views());
  if (until->has_value()) {
    Note(absl::StrCat("the views are as of ", **until,
                      " (`ledger replay --until`); `ledger replay` or the next "
                      "submit brings them up to date"));
  }
  return views;
}

}  // namespace xueji
