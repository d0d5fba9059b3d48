// `replay` and `verify` of the embedded backend (embedded_integrity.h).
//
// verify checks every store of DATA (the log's chains and checksums, the
// state's and the views' checksums, and that the log holds everything they
// have seen); replay rebuilds the views (and a damaged decider state) beside
// the live ones from a log that verifies, and swaps them in. See
// docs/design.md, "Integrity".
#include "commands/embedded_integrity.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <optional>
#include <thread>

#include "absl/strings/str_cat.h"
#include "commands/digest.h"
#include "commands/output/output.h"
#include "commands/rebuild.h"
#include "commands/signing.h"
#include "ledger/log/hash_chain.h"
#include "ledger/processor/ledger_state.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;

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

// Records a failed step's status as c->problem; true if it failed.
bool Failed(const absl::Status& status, ProjectionCheck* c) {
  if (status.ok()) return false;
  c->problem = std::string(status.message());
  return true;
}

ProjectionCheck CheckState(const DataDir& dir) {
  ProjectionCheck c{"the decider state", dir.state()};
  c.present = StoreExists(dir.state());
  if (!c.present) return c;
  RocksKv::Options options;
  options.read_only = true;
  options.create_if_missing = false;
  auto kv = RocksKv::Open(dir.state(), options);
  if (Failed(kv.status(), &c)) return c;
  c.note = (*kv)->recovery_note();
  if (Failed((*kv)->VerifyChecksums(), &c)) return c;
  auto seen = LedgerState(kv->get()).Checkpoints();
  if (Failed(seen.status(), &c)) return c;
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
  if (Failed(opened.status(), &c)) return c;
  c.note = (*opened)->recovery_note();
  if (every_block && Failed((*opened)->VerifyStorage(), &c)) return c;
  auto seen = (*opened)->Checkpoints();
  if (Failed(seen.status(), &c)) return c;
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
  int64_t applied = 0;
  auto processor = RequestProcessor::Open(
      &log, kv->get(), [] { return absl::Now(); }, &applied,
      RequestProcessor::WriteBehind());
  if (!processor.ok()) return processor.status();
  if (absl::Status s = (*processor)->WriteState(/*sync=*/true); !s.ok()) {
    return s;
  }
  return applied;
}

// `verify --views` (embedded): the views against a rebuild from the log up
// to the views' own checkpoints, so views that merely lag (or stand at a
// `replay --until`) compare equal. Fills `check`; DataLoss when they differ.
absl::Status CompareViews(const DataDir& dir, EventLog& log, Views& views,
                          const std::vector<int64_t>& heads,
                          xueji::v1::VerifyReport::ViewsCheck* check) {
  auto seen = views.Checkpoints();
  if (!seen.ok()) return seen.status();
  auto live = views.Digest();
  if (!live.ok()) return live.status();
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
  if (!rebuilt.ok()) return rebuilt.status();
  check->set_events(applied);
  check->set_identical(*rebuilt == *live);
  if (!check->identical()) {
    return absl::DataLossError(
        absl::StrCat("the views ", dir.views(),
                     " differ from a rebuild of the log up to "
                     "their checkpoints: they are damaged (`ledger replay` "
                     "rebuilds them)"));
  }
  int64_t behind = 0;
  for (size_t p = 0; p < heads.size(); ++p) {
    behind += heads[p] - (p < seen->size() ? (*seen)[p] : 0);
  }
  check->set_behind(behind);
  auto until = views.Until();
  if (until.ok() && until->has_value()) check->set_until(**until);
  return absl::OkStatus();
}

// Takes the digest of `views` (nullptr: none) into *digest on a thread of
// its own, closing them after; Join (or the destructor) waits for it.
class OldDigest {
 public:
  OldDigest(std::unique_ptr<Views> views, std::optional<std::string>* digest) {
    if (views == nullptr) return;
    thread_ = std::thread([views = std::move(views), digest]() mutable {
      auto d = views->Digest();
      if (d.ok()) *digest = *d;
      views.reset();
    });
  }
  ~OldDigest() { Join(); }
  OldDigest(const OldDigest&) = delete;
  OldDigest& operator=(const OldDigest&) = delete;
  void Join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

}  // namespace

int EmbeddedReplay(const GlobalOptions& g, const ReplayRequest& request) {
  const CatchUpOptions& options = request.options;
  const std::string& until_text = request.until_text;
  const bool force = request.force;
  DataDir dir{g.data_dir};
  if (!fs::exists(dir.log()) && !StoreExists(dir.state()) &&
      !StoreExists(dir.views())) {
    return Fail(NotInitialised(dir.root));
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
  // The old views' digest (for "identical to the incremental views") is
  // taken on a thread of its own while the log is verified and the views
  // rebuilt; it is joined before the swap, and on every way out.
  std::optional<std::string> before;
  OldDigest old_digest(std::move(old_views), &before);

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
  // Build beside the live stores, then swap: a failed replay changes
  // nothing, and readers never find the views missing. The log must verify
  // whole. In one pass when it can (a whole rebuild, no --force): the
  // rebuild reads every event through the chain check (ChainChecked), which
  // VerifyLog would otherwise do in a pass of its own before it (issue 12),
  // and then looks for anything stored beyond the heads. On any damage the
  // rebuild stops, and the full walk below names every break, as before.
  EventLog& source = **log;
  int64_t applied = 0;
  std::optional<absl::StatusOr<std::string>> digest;
  if (!force && !options.until.has_value() && options.up_to.empty()) {
    std::unique_ptr<EventLog> checked = ChainChecked(source);
    digest = BuildViews(*checked, dir.views_rebuild(), options, &applied);
    if (digest->ok()) {
      if (absl::Status s = CheckNothingBeyondHeads(source); !s.ok()) {
        digest = s;
      }
    }
    if (!digest->ok() && !absl::IsDataLoss(digest->status())) {
      return Fail(digest->status());
    }
  }
  if (!digest.has_value() || !digest->ok()) {
    // VerifyLog reads every event, and so checks every block that holds one.
    auto report = VerifyLog(source);
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
    // The chains are whole: the one-pass rebuild failed for another reason.
    if (digest.has_value()) return Fail(digest->status());
    if (!forced.empty()) {
      std::cerr << "ledger: WARNING: replay --force: rebuilding the views and "
                   "the decider state from a log that fails verification:\n";
      for (const std::string& problem : forced) {
        std::cerr << "ledger: WARNING:   " << problem << "\n";
      }
      std::cerr << "ledger: WARNING: events the stores had seen beyond the "
                   "log are lost for good, and altered events are taken as "
                   "they are\n";
    }
    // The log was just verified whole (or is forced), under the lock: no
    // need to check it again on the way.
    digest = BuildViews(source, dir.views_rebuild(), options, &applied);
    if (!digest->ok()) return Fail(digest->status());
  }
  if (auto mode = LedgerModeOfLog(source); !mode.ok()) {
    return Fail(mode.status());
  } else if (absl::Status st = AdmitLedger(dir.root, *mode); !st.ok()) {
    return Fail(st);
  }
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
  old_digest.Join();  // the old views close before they move
  if (absl::Status s = SwapInto(dir.views_rebuild(), dir.views()); !s.ok()) {
    return Fail(s);
  }
  if (mark.has_value()) {
    if (absl::Status s = ClearDamageMark(dir); !s.ok()) return Fail(s);
    std::cerr << "ledger: note: rebuilt from "
              << (forced.empty() ? "a sound log" : "the log as it is (--force)")
              << "; removed the damage mark " << dir.damage_mark() << "\n";
  }
  PrintReplayed(applied, until_text, **digest, before);
  return kExitOk;
}

int EmbeddedVerify(const GlobalOptions& g, const VerifyRequest& request) {
  const bool check_views = request.check_views;
  DataDir dir{g.data_dir};
  if (!fs::exists(dir.log()) && !StoreExists(dir.state()) &&
      !StoreExists(dir.views())) {
    return Fail(NotInitialised(dir.root));
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
  xueji::v1::VerifyReport out;   // what is printed (text or --json)
  std::optional<VerifyReport> report;
  std::vector<int64_t> heads;
  SignatureAudit audit;
  if (log != nullptr) {
    if (std::string note = log->recovery_note(); !note.empty()) {
      notes.push_back(note);
    }
    if (absl::Status s = log->VerifyStorage(); !s.ok()) {
      problems.push_back(absl::StrCat("the event log: ", s.message()));
    }
    VerifyOptions verify_options;
    verify_options.visit = [&audit](const StoredEvent& stored) {
      audit.Add(stored.event);
    };
    auto verified = VerifyLog(*log, verify_options);
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
    out = VerifyReportOf(*report, heads);
    auto signatures = CheckSignatures(audit, *log, out.mutable_signatures());
    if (!signatures.ok()) return Fail(signatures.status());
    for (std::string& problem : *signatures) {
      problems.push_back(absl::StrCat("signature: ", std::move(problem)));
    }
  }
  absl::Status digest_read;
  if (!request.digest_file.empty() && log != nullptr) {
    // Without a log, the log's problem is reported below.
    digest_read = CheckDigestFile(*log, *report, request.digest_file,
                                  out.mutable_digest());
  }
  for (const std::string& problem : problems) out.add_damage(problem);
  for (const std::string& note : notes) {
    std::cerr << "ledger: note: " << note << "\n";
    out.add_notes(note);
  }
  const size_t breaks = report.has_value() ? report->breaks.size() : 0;
  out.set_intact(breaks == 0 && problems.empty());
  if (!out.intact()) {
    PrintVerifyReport(out, g.json);
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
  if (std::optional<int> refused = VerifyVerdict(
          g, out, AdmitLedger(dir.root, audit.mode()), digest_read);
      refused.has_value()) {
    return *refused;
  }
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
  absl::Status compared;
  if (check_views) {
    if (views == nullptr) {
      PrintVerifyReport(out, g.json);
      return Fail(
          absl::NotFoundError(absl::StrCat("no views at ", dir.views())));
    }
    compared = CompareViews(dir, *log, *views, heads, out.mutable_views());
  }
  PrintVerifyReport(out, g.json);
  return compared.ok() ? kExitOk : Fail(compared);
}

// `status`: a read (commands/reads.h). The answer comes from the decider
// state opened as a RocksDB secondary instance beside any writer: no writer

}  // namespace xueji
