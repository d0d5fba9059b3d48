// ledger replay [--until TIME] [--force] | verify [--views] | digest |
// schema [FILE]
//
// Embedded mode: verify checks every store of DATA (the log's chains and
// checksums, the state's and the views' checksums, and that the log holds
// everything they have seen); replay rebuilds the views (and a damaged
// decider state) beside the live ones from a log that verifies, and swaps
// them in. See docs/design.md, "Integrity".
//
// In Kafka mode (--kafka, $LEDGER_KAFKA, --kafka-config) replay and verify
// read the events topic instead of DATA/log, and the views are those of
// --views DIR (a projector's store, read as a RocksDB secondary instance).
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "commands/cli.h"
#include "commands/output/output.h"
#include "google/protobuf/descriptor.pb.h"
#include "ledger/base/dates.h"
#include "ledger/log/hash_chain.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/processor/ledger_state.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;

// Builds fresh views of `log` at `dir` (removed first); returns their digest.
absl::StatusOr<std::string> BuildViews(EventLog& log, const std::string& dir,
                                       const CatchUpOptions& options,
                                       int64_t* applied,
                                       bool gaps_allowed = false) {
  if (absl::Status s = Views::Destroy(dir); !s.ok()) return s;
  ViewsOptions views_options;
  views_options.offset_gaps_allowed = gaps_allowed;
  auto views = Views::Open(dir, views_options);
  if (!views.ok()) return views.status();
  Progress progress("replay: events");
  auto n = (*views)->CatchUp(
      log, [&](const CatchUpProgress& p) { progress.Update(p.applied); },
      options);
  if (!n.ok()) return n.status();
  progress.Done(*n);
  *applied = *n;
  return (*views)->Digest();
}

KafkaLogOptions KafkaLogOptionsFor(const KafkaConnection& kafka) {
  KafkaLogOptions options;
  options.bootstrap_servers = kafka.bootstrap_servers;
  options.topic_prefix = kafka.topic_prefix;
  options.properties = kafka.properties;
  return options;
}

// Puts the store built at `fresh` in place of `target` and removes the old
// one. With renameat2(RENAME_EXCHANGE) the two directories trade places in
// one step, so a reader opening `target` finds the old store or the new one,
// never none (a reader caught in the middle of an open retries). Where the
// file system cannot exchange, two renames.
absl::Status SwapInto(const std::string& fresh, const std::string& target) {
  std::error_code ec;
  if (!fs::exists(target, ec)) {
    fs::rename(fresh, target, ec);
  } else if (::renameat2(AT_FDCWD, fresh.c_str(), AT_FDCWD, target.c_str(),
                         RENAME_EXCHANGE) == 0) {
    fs::remove_all(fresh, ec);  // the old store, now at `fresh`
    return absl::OkStatus();
  } else if (errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP) {
    const std::string old_dir = target + ".old";
    fs::remove_all(old_dir, ec);
    fs::rename(target, old_dir, ec);
    if (!ec) fs::rename(fresh, target, ec);
    if (!ec) fs::remove_all(old_dir, ec);
  } else {
    ec = std::error_code(errno, std::generic_category());
  }
  if (ec) {
    return absl::InternalError(absl::StrCat("cannot swap the rebuilt ", fresh,
                                            " into place: ", ec.message()));
  }
  return absl::OkStatus();
}

// Digest of the views store at `dir`, opened as a secondary instance (a
// projector or a writer may hold it).
absl::StatusOr<std::string> DigestOfStore(const std::string& dir) {
  if (!fs::exists(dir)) {
    return absl::NotFoundError(absl::StrCat("no views store at ", dir));
  }
  ViewsOptions options;
  options.secondary = true;
  options.create_if_missing = false;
  auto views = Views::Open(dir, options);
  if (!views.ok()) return views.status();
  return (*views)->Digest();
}

void PrintReplayed(int64_t applied, const std::string& until_text,
                   const std::string& digest,
                   const std::optional<std::string>& before) {
  std::cout << "replayed " << applied << " events"
            << (until_text.empty() ? "" : " up to " + until_text)
            << "; views digest " << digest;
  if (before.has_value() && until_text.empty()) {
    std::cout << (*before == digest ? " (identical to the incremental views)"
                                    : " (DIFFERENT from the previous views)");
  }
  std::cout << "\n";
}

// Kafka mode: rebuilds --views DIR from the events topic.
int RunKafkaReplay(const GlobalOptions& g, const KafkaConnection& kafka,
                   const CatchUpOptions& options,
                   const std::string& until_text) {
  if (g.views_dir.empty()) {
    return Fail(absl::InvalidArgumentError(
        "in Kafka mode replay rebuilds the views store of --views DIR"));
  }
  auto log = OpenKafkaLog(KafkaLogOptionsFor(kafka));
  if (!log.ok()) return Fail(log.status());
  std::optional<std::string> before;
  if (fs::exists(g.views_dir)) {
    auto d = DigestOfStore(g.views_dir);
    if (d.ok()) before = *d;
  }
  const std::string fresh = g.views_dir + ".rebuild";
  int64_t applied = 0;
  auto digest = BuildViews(**log, fresh, options, &applied,
                           /*gaps_allowed=*/true);
  if (!digest.ok()) return Fail(digest.status());
  if (absl::Status s = SwapInto(fresh, g.views_dir); !s.ok()) {
    return Fail(s);
  }
  PrintReplayed(applied, until_text, *digest, before);
  return kExitOk;
}

// The projections' stores of an embedded data directory, opened read-only
// to check them: what each has seen of the log, and what is wrong with it.
struct ProjectionCheck {
  std::string store;  // "the decider state", "the views"
  std::string path;
  bool present = false;
  std::string problem;  // "" when it opens, reads back and verifies
  std::string note;     // what opening it had to drop
  std::vector<int64_t> seen;
};

ProjectionCheck CheckState(const DataDir& dir) {
  ProjectionCheck c{"the decider state", dir.state()};
  c.present = StoreExists(dir.state());
  if (!c.present) return c;
  RocksKv::Options options;
  options.read_only = true;
  options.create_if_missing = false;
  auto kv = RocksKv::Open(dir.state(), options);
  if (!kv.ok()) {
    c.problem = std::string(kv.status().message());
    return c;
  }
  c.note = (*kv)->recovery_note();
  if (absl::Status s = (*kv)->VerifyChecksums(); !s.ok()) {
    c.problem = std::string(s.message());
    return c;
  }
  auto seen = LedgerState(kv->get()).Checkpoints();
  if (!seen.ok()) {
    c.problem = std::string(seen.status().message());
    return c;
  }
  c.seen = *seen;
  return c;
}

// Also returns the opened views in *views (when they open). With
// `every_block`, reads every block of the store to check its checksum.
ProjectionCheck CheckViews(const DataDir& dir, std::unique_ptr<Views>* views,
                           bool every_block) {
  ProjectionCheck c{"the views", dir.views()};
  c.present = StoreExists(dir.views());
  if (!c.present) return c;
  ViewsOptions options;
  options.read_only = true;
  options.create_if_missing = false;
  auto opened = Views::Open(dir.views(), options);
  if (!opened.ok()) {
    c.problem = std::string(opened.status().message());
    return c;
  }
  c.note = (*opened)->recovery_note();
  if (absl::Status s =
          every_block ? (*opened)->VerifyStorage() : absl::OkStatus();
      !s.ok()) {
    c.problem = std::string(s.message());
    return c;
  }
  auto seen = (*opened)->Checkpoints();
  if (!seen.ok()) {
    c.problem = std::string(seen.status().message());
    return c;
  }
  c.seen = *seen;
  *views = *std::move(opened);
  return c;
}

std::vector<LogWitness> WitnessesOf(
    std::initializer_list<const ProjectionCheck*> checks) {
  std::vector<LogWitness> out;
  for (const ProjectionCheck* c : checks) {
    if (c->present && c->problem.empty()) {
      out.push_back({c->store, c->path, c->seen});
    }
  }
  return out;
}

absl::Status LogMissing(const DataDir& dir, const ProjectionCheck& state) {
  return absl::DataLossError(absl::StrCat(
      "the event log ", dir.log(), " is missing, but ",
      state.present ? dir.state() : dir.views(),
      " is there: the log was deleted or moved. The ledger refuses to decide "
      "or rebuild until the log is restored: put back a copy of ",
      dir.log(), ", then run `ledger verify`"));
}

// Builds the decider state from `log` at `dir` (removed first).
absl::StatusOr<int64_t> BuildState(EventLog& log, const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  auto kv = RocksKv::Open(dir, RocksKv::Options{});
  if (!kv.ok()) return kv.status();
  RequestProcessor processor(&log, kv->get(), [] { return absl::Now(); });
  auto applied = processor.CatchUp();
  if (!applied.ok()) return applied.status();
  if (absl::Status s = (*kv)->Commit(/*sync=*/true); !s.ok()) return s;
  return applied;
}

int RunReplay(const GlobalOptions& g, const std::string& until_text,
              bool force) {
  CatchUpOptions options;
  if (!until_text.empty()) {
    auto until = ParseRfc3339(until_text);
    if (!until.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--until ", until_text, ": not an RFC 3339 time")));
    }
    options.until = *until;
  }
  auto kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  if (kafka->enabled()) return RunKafkaReplay(g, *kafka, options, until_text);
  DataDir dir{g.data_dir};
  if (!fs::exists(dir.log()) && !StoreExists(dir.state()) &&
      !StoreExists(dir.views())) {
    return Fail(absl::NotFoundError(absl::StrCat("no ledger at ", dir.root)));
  }
  auto lock = WriterLock::Acquire(dir, absl::Seconds(10));
  if (!lock.ok()) return Fail(lock.status());
  WatchForDamage(dir.root);
  for (const std::string& left : RemoveLeftovers(dir)) {
    std::cerr << "ledger: note: removed " << left
              << ", left by an interrupted replay\n";
  }
  const std::optional<std::string> mark = DamageMark(dir);
  std::unique_ptr<Views> old_views;
  const ProjectionCheck state = CheckState(dir);
  // The views are rebuilt whatever their blocks hold; their checkpoints
  // still say what the log must hold.
  const ProjectionCheck views =
      CheckViews(dir, &old_views, /*every_block=*/false);
  if (!StoreExists(dir.log()) && (state.present || views.present)) {
    return Fail(LogMissing(dir, state));
  }
  std::optional<std::string> before;
  if (old_views != nullptr) {
    auto d = old_views->Digest();
    if (d.ok()) before = *d;
    old_views.reset();
  }

  // The log must be whole, and hold everything the projections have seen.
  std::vector<std::string> forced;  // what --force is overriding
  EmbeddedLogOptions log_options;
  log_options.witnesses = WitnessesOf({&state, &views});
  auto log = OpenEmbeddedLog(dir.log(), log_options);
  if (!log.ok() && absl::IsDataLoss(log.status()) && force) {
    forced.push_back(std::string(log.status().message()));
    log = OpenEmbeddedLog(dir.log(), EmbeddedLogOptions{});
  }
  if (!log.ok()) return Fail(log.status());
  if (std::string note = (*log)->recovery_note(); !note.empty()) {
    std::cerr << "ledger: note: " << note << "\n";
  }
  // VerifyLog reads every event, and so checks every block that holds one.
  auto report = VerifyLog(**log);
  if (!report.ok()) return Fail(report.status());
  for (const ChainBreak& b : report->breaks) {
    forced.push_back(absl::StrCat("hash chain broken at partition ",
                                  b.partition, " offset ", b.offset, ": ",
                                  b.problem));
  }
  if (!forced.empty() && !force) {
    for (const std::string& problem : forced) {
      std::cerr << "ledger: " << problem << "\n";
    }
    return Fail(absl::DataLossError(absl::StrCat(
        "replay refused: the event log ", dir.log(), " fails verification (",
        forced.size(),
        " problem(s), above), and views rebuilt from it would hide that. "
        "Restore the log from a backup and run `ledger verify`; `ledger "
        "replay --force` rebuilds from the log as it is")));
  }
  if (!forced.empty()) {
    std::cerr << "ledger: WARNING: replay --force: rebuilding the views and "
                 "the decider state from a log that fails verification:\n";
    for (const std::string& problem : forced) {
      std::cerr << "ledger: WARNING:   " << problem << "\n";
    }
    std::cerr << "ledger: WARNING: events the stores had seen beyond the log "
                 "are lost for good, and altered events are taken as they "
                 "are\n";
  }

  // Build beside the live stores, then swap: a failed replay changes
  // nothing, and readers never find the views missing. (The log was just
  // verified whole, under the lock: no need to check it again on the way.)
  EventLog& source = **log;
  int64_t applied = 0;
  auto digest = BuildViews(source, dir.views_rebuild(), options, &applied);
  if (!digest.ok()) return Fail(digest.status());
  const bool rebuild_state = force || (state.present && !state.problem.empty());
  if (rebuild_state) {
    auto folded = BuildState(source, dir.state_rebuild());
    if (!folded.ok()) return Fail(folded.status());
    if (!state.problem.empty()) {
      std::cerr << "ledger: note: " << state.path << " was damaged ("
                << state.problem << "); rebuilt it from the log (" << *folded
                << " events)\n";
    }
    if (absl::Status s = SwapInto(dir.state_rebuild(), dir.state()); !s.ok()) {
      return Fail(s);
    }
  }
  if (absl::Status s = SwapInto(dir.views_rebuild(), dir.views()); !s.ok()) {
    return Fail(s);
  }
  if (mark.has_value()) {
    if (absl::Status s = ClearDamageMark(dir); !s.ok()) return Fail(s);
    std::cerr << "ledger: note: rebuilt from "
              << (forced.empty() ? "a sound log" : "the log as it is (--force)")
              << "; removed the damage mark " << dir.damage_mark() << "\n";
  }
  PrintReplayed(applied, until_text, *digest, before);
  return kExitOk;
}

// Kafka mode: the events topic's chains, and --views DIR against a rebuild.
int RunKafkaVerify(const GlobalOptions& g, const KafkaConnection& kafka,
                   bool check_views) {
  if (check_views && g.views_dir.empty()) {
    return Fail(absl::InvalidArgumentError(
        "in Kafka mode verify --views compares the store of --views DIR"));
  }
  auto log = OpenKafkaLog(KafkaLogOptionsFor(kafka));
  if (!log.ok()) return Fail(log.status());
  VerifyOptions verify_options;
  verify_options.dense_offsets = false;  // transaction markers take offsets
  // The processor may append while verify walks: check what lay below the
  // heads when the walk started.
  verify_options.stop_at_heads = true;
  auto report = VerifyLog(**log, verify_options);
  if (!report.ok()) return Fail(report.status());
  Table t({"partition", "events", "head hash (SHA-256)"});
  for (size_t p = 0; p < report->head_hashes.size(); ++p) {
    t.Add({absl::StrCat(p),
           p < report->heads.size() ? absl::StrCat(report->heads[p]) : "?",
           report->head_hashes[p]});
  }
  t.Print(std::cout);
  std::cout << report->events_checked << " events checked\n";
  for (const auto& b : report->breaks) {
    std::cout << "BREAK at partition " << b.partition << " offset " << b.offset
              << ": " << b.problem << "\n";
  }
  if (!report->breaks.empty()) {
    std::cerr << "ledger: the hash chain is broken in " << report->breaks.size()
              << " place(s): the log was altered\n";
    return kExitStorage;
  }
  std::cout << "hash chains intact\n";
  if (!check_views) return kExitOk;
  auto live = DigestOfStore(g.views_dir);
  if (!live.ok()) return Fail(live.status());
  const std::string scratch =
      (fs::temp_directory_path() / absl::StrCat("ledger-verify-", getpid()))
          .string();
  int64_t applied = 0;
  auto rebuilt = BuildViews(**log, scratch, CatchUpOptions{}, &applied,
                            /*gaps_allowed=*/true);
  std::error_code ec;
  fs::remove_all(scratch, ec);
  if (!rebuilt.ok()) return Fail(rebuilt.status());
  if (*rebuilt != *live) {
    std::cerr << "ledger: the views differ from a rebuild of the log "
                 "(run `ledger replay`)\n";
    return kExitStorage;
  }
  std::cout << "views identical to a rebuild from the log (" << applied
            << " events)\n";
  return kExitOk;
}

// `verify --views` (embedded): the views against a rebuild from the log up
// to the views' own checkpoints, so views that merely lag (or stand at a
// `replay --until`) compare equal.
int CompareViews(const DataDir& dir, EventLog& log, Views& views,
                 const std::vector<int64_t>& heads) {
  auto seen = views.Checkpoints();
  if (!seen.ok()) return Fail(seen.status());
  auto live = views.Digest();
  if (!live.ok()) return Fail(live.status());
  const std::string scratch =
      (fs::temp_directory_path() / absl::StrCat("ledger-verify-", getpid()))
          .string();
  CatchUpOptions up_to;
  up_to.up_to = *seen;
  up_to.up_to.resize(heads.size(), 0);  // a partition never seen: nothing
  int64_t applied = 0;
  auto rebuilt = BuildViews(log, scratch, up_to, &applied);
  std::error_code ec;
  fs::remove_all(scratch, ec);
  if (!rebuilt.ok()) return Fail(rebuilt.status());
  if (*rebuilt != *live) {
    return Fail(absl::DataLossError(
        absl::StrCat("the views ", dir.views(),
                     " differ from a rebuild of the log up to "
                     "their checkpoints: they are damaged (`ledger replay` "
                     "rebuilds them)")));
  }
  std::cout << "views identical to a rebuild from the log (" << applied
            << " events)\n";
  int64_t behind = 0;
  for (size_t p = 0; p < heads.size(); ++p) {
    behind += heads[p] - (p < seen->size() ? (*seen)[p] : 0);
  }
  auto until = views.Until();
  if (until.ok() && until->has_value()) {
    std::cout << "views are as of " << **until
              << " (`ledger replay --until`): " << behind
              << " later event(s) not in them\n";
  } else if (behind > 0) {
    std::cout << "views are " << behind
              << " event(s) behind the log; the next ledger command catches "
                 "them up\n";
  }
  return kExitOk;
}

int RunVerify(const GlobalOptions& g, bool check_views) {
  auto kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  if (kafka->enabled()) return RunKafkaVerify(g, *kafka, check_views);
  DataDir dir{g.data_dir};
  if (!fs::exists(dir.log()) && !StoreExists(dir.state()) &&
      !StoreExists(dir.views())) {
    return Fail(absl::NotFoundError(absl::StrCat("no ledger at ", dir.root)));
  }
  // With no writer at work nothing moves while the stores open, so whatever
  // is found is damage (and marked). Beside a writer it is only reported.
  auto lock = WriterLock::Acquire(dir, absl::ZeroDuration());
  const bool exclusive = lock.ok();
  if (exclusive) WatchForDamage(dir.root);
  std::vector<std::string> problems;  // besides chain breaks
  std::vector<std::string> notes;
  // The projections first: the log opened after them holds at least what
  // they have seen, even while a writer appends.
  std::unique_ptr<Views> views;
  const ProjectionCheck state = CheckState(dir);
  const ProjectionCheck views_check =
      CheckViews(dir, &views, /*every_block=*/true);
  for (const ProjectionCheck* c : {&state, &views_check}) {
    if (!c->problem.empty()) {
      problems.push_back(absl::StrCat(
          c->store,
          " (a projection; `ledger replay` rebuilds it): ", c->problem));
    }
    if (!c->note.empty()) notes.push_back(c->note);
  }
  std::unique_ptr<EventLog> log;
  if (!StoreExists(dir.log())) {
    problems.push_back(std::string(LogMissing(dir, state).message()));
  } else {
    EmbeddedLogOptions options;
    options.read_only = true;
    auto opened = OpenEmbeddedLog(dir.log(), options);
    if (opened.ok()) {
      log = *std::move(opened);
    } else {
      problems.push_back(absl::StrCat(
          "the event log cannot be read: ", opened.status().message(),
          ". Restore it from a backup"));
    }
  }
  if (lock.ok()) lock->reset();  // the stores are open: release it
  std::optional<VerifyReport> report;
  std::vector<int64_t> heads;
  if (log != nullptr) {
    if (std::string note = log->recovery_note(); !note.empty()) {
      notes.push_back(note);
    }
    if (absl::Status s = log->VerifyStorage(); !s.ok()) {
      problems.push_back(absl::StrCat("the event log: ", s.message()));
    }
    auto verified = VerifyLog(*log);
    if (!verified.ok()) return Fail(verified.status());
    report = *std::move(verified);
    auto h = log->HeadOffsets();
    if (!h.ok()) return Fail(h.status());
    heads = *h;
    if (absl::Status s = CheckLogCovers(dir.log(), heads,
                                        WitnessesOf({&state, &views_check}));
        !s.ok()) {
      problems.push_back(std::string(s.message()));
    }
    Table t({"partition", "events", "head hash (SHA-256)"});
    for (size_t p = 0; p < report->head_hashes.size(); ++p) {
      t.Add({absl::StrCat(p), p < heads.size() ? absl::StrCat(heads[p]) : "?",
             report->head_hashes[p]});
    }
    t.Print(std::cout);
    std::cout << report->events_checked << " events checked\n";
    for (const auto& b : report->breaks) {
      std::cout << "BREAK at partition " << b.partition << " offset "
                << b.offset << ": " << b.problem << "\n";
    }
  }
  for (const std::string& problem : problems) {
    std::cout << "DAMAGE: " << problem << "\n";
  }
  for (const std::string& note : notes) {
    std::cerr << "ledger: note: " << note << "\n";
  }
  const size_t breaks = report.has_value() ? report->breaks.size() : 0;
  if (breaks > 0 || !problems.empty()) {
    if (breaks > 0) {
      std::cerr << "ledger: the hash chain is broken in " << breaks
                << " place(s): the log was altered\n";
    }
    std::string first = breaks > 0
                            ? absl::StrCat("hash chain broken at partition ",
                                           report->breaks[0].partition,
                                           " offset ", report->breaks[0].offset,
                                           ": ", report->breaks[0].problem)
                            : problems[0];
    if (!exclusive) {
      std::cerr << "ledger: (a writer was at work: run verify again when it "
                   "is done to confirm)\n";
    }
    return Fail(absl::DataLossError(
        absl::StrCat("verify found ", breaks + problems.size(),
                     " problem(s); the first: ", first)));
  }
  std::cout << "hash chains intact\n";
  if (std::optional<std::string> mark = DamageMark(dir); mark.has_value()) {
    if (exclusive) {
      if (absl::Status s = ClearDamageMark(dir); !s.ok()) return Fail(s);
      std::cerr << "ledger: note: the ledger is whole again; removed the "
                   "damage mark "
                << dir.damage_mark() << "\n";
    } else {
      std::cerr << "ledger: note: the damage mark " << dir.damage_mark()
                << " stays until verify runs with no writer at work\n";
    }
  }
  if (!check_views) return kExitOk;
  if (views == nullptr) {
    return Fail(absl::NotFoundError(absl::StrCat("no views at ", dir.views())));
  }
  return CompareViews(dir, *log, *views, heads);
}

int RunDigest(const GlobalOptions& g) {
  const std::string dir =
      g.views_dir.empty() ? DataDir{g.data_dir}.views() : g.views_dir;
  auto digest = DigestOfStore(dir);
  if (!digest.ok()) return Fail(digest.status());
  std::cout << *digest << "\n";
  return kExitOk;
}

void AddFile(const google::protobuf::FileDescriptor* file,
             std::set<std::string>& seen,
             google::protobuf::FileDescriptorSet& set) {
  if (!seen.insert(file->name()).second) return;
  for (int i = 0; i < file->dependency_count(); ++i)
    AddFile(file->dependency(i), seen, set);
  file->CopyTo(set.add_file());
}

int RunSchema(const std::string& path) {
  google::protobuf::FileDescriptorSet set;
  std::set<std::string> seen;
  AddFile(xueji::v1::Event::descriptor()->file(), seen, set);
  AddFile(xueji::v1::Request::descriptor()->file(), seen, set);
  AddFile(xueji::v1::AnomalyReport::descriptor()->file(), seen, set);
  std::string bytes = set.SerializeAsString();
  if (path.empty() || path == "-") {
    std::cout.write(bytes.data(), bytes.size());
    return kExitOk;
  }
  std::ofstream out(path, std::ios::binary);
  out.write(bytes.data(), bytes.size());
  if (!out) {
    return Fail(
        absl::InvalidArgumentError(absl::StrCat("cannot write ", path)));
  }
  std::cerr << "wrote FileDescriptorSet of " << set.file_size() << " files to "
            << path << "\n";
  return kExitOk;
}

}  // namespace

void AddMaintenanceCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto until = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  auto replay = app.add_subcommand(
      "replay",
      "Rebuild every view (and a damaged decider state) from the log, beside "
      "the live ones, then swap them in. Refuses (exit 3) a log that fails "
      "verification or holds less than the state or the views have seen.");
  replay->add_option(
      "--until", *until,
      "RFC 3339 time: only events recorded up to it. The views stay as of "
      "then (queries say so on stderr) until a plain replay or the next "
      "submit brings them up to date");
  replay->add_flag("--force", *force,
                   "rebuild from the log even though it fails verification "
                   "or is behind the state or the views: what it lacks is "
                   "lost for good, altered events are taken as they are");
  replay->callback([&g, &run, until, force] {
    run = [&g, until, force] { return RunReplay(g, *until, *force); };
  });

  auto views = std::make_shared<bool>(false);
  auto verify = app.add_subcommand(
      "verify",
      "Check the log's hash chains and every store of the data directory "
      "(checksums of the log, the state and the views; the log holds what "
      "they have seen); non-zero exit (3) on any damage, which also marks "
      "the directory damaged until a verify or replay finds it whole.");
  verify->add_flag("--views", *views,
                   "also rebuild the views up to their own checkpoints in a "
                   "scratch directory and compare (with global --views DIR "
                   "in Kafka mode: that store)");
  verify->callback([&g, &run, views] {
    run = [&g, views] { return RunVerify(g, *views); };
  });

  auto digest = app.add_subcommand(
      "digest",
      "Print the SHA-256 digest of a views store (--views DIR, else "
      "DATA/views), read beside any writer: equal digests, equal views.");
  digest->callback([&g, &run] { run = [&g] { return RunDigest(g); }; });

  auto path = std::make_shared<std::string>();
  auto schema = app.add_subcommand(
      "schema",
      "Write the FileDescriptorSet of the event, request and view messages "
      "(for protoc --decode and other consumers).");
  schema->add_option("FILE", *path, "output file (default: standard output)");
  schema->callback([&run, path] { run = [path] { return RunSchema(*path); }; });
}

}  // namespace xueji
