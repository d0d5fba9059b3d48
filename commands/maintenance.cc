// ledger replay [--until TIME] | verify [--views] | digest | schema [FILE]
//
// In Kafka mode (--kafka, $LEDGER_KAFKA, --kafka-config) replay and verify
// read the events topic instead of DATA/log, and the views are those of
// --views DIR (a projector's store, read as a RocksDB secondary instance).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "commands/cli.h"
#include "commands/output/output.h"
#include "google/protobuf/descriptor.pb.h"
#include "ledger/base/dates.h"
#include "ledger/log/hash_chain.h"
#include "ledger/kafka/kafka_log.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"
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

// Moves the views built at `fresh` to `target`, replacing what is there.
absl::Status SwapViewsInto(const std::string& fresh, const std::string& target) {
  const std::string old_dir = target + ".old";
  std::error_code ec;
  fs::remove_all(old_dir, ec);
  if (fs::exists(target)) fs::rename(target, old_dir, ec);
  if (!ec) fs::rename(fresh, target, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot swap rebuilt views into place: ", ec.message()));
  }
  fs::remove_all(old_dir, ec);
  return absl::OkStatus();
}

// Digest of the views store at `dir`, opened as a secondary instance (a
// projector or a writer may hold it).
absl::StatusOr<std::string> DigestOfStore(const std::string& dir,
                                          bool content = false) {
  if (!fs::exists(dir)) {
    return absl::NotFoundError(absl::StrCat("no views store at ", dir));
  }
  ViewsOptions options;
  options.secondary = true;
  options.create_if_missing = false;
  auto views = Views::Open(dir, options);
  if (!views.ok()) return views.status();
  return content ? (*views)->ContentDigest() : (*views)->Digest();
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
  if (absl::Status s = SwapViewsInto(fresh, g.views_dir); !s.ok()) {
    return Fail(s);
  }
  PrintReplayed(applied, until_text, *digest, before);
  return kExitOk;
}

int RunReplay(const GlobalOptions& g, const std::string& until_text) {
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
  if (!fs::exists(dir.log())) {
    return Fail(absl::NotFoundError(absl::StrCat("no ledger at ", dir.root)));
  }
  auto lock = WriterLock::Acquire(dir, absl::Seconds(10));
  if (!lock.ok()) return Fail(lock.status());
  auto log = OpenEmbeddedLog(dir.log(), EmbeddedLogOptions{});
  if (!log.ok()) return Fail(log.status());

  std::optional<std::string> before;
  if (fs::exists(dir.views())) {
    auto old = Views::Open(dir.views(), ViewsOptions{});
    if (old.ok()) {
      auto d = (*old)->Digest();
      if (d.ok()) before = *d;
    }
  }
  // Build beside the live views, then swap: a failed replay leaves the old
  // views in place.
  const std::string fresh = dir.root + "/views.rebuild";
  int64_t applied = 0;
  auto digest = BuildViews(**log, fresh, options, &applied);
  if (!digest.ok()) return Fail(digest.status());
  if (absl::Status s = SwapViewsInto(fresh, dir.views()); !s.ok()) {
    return Fail(s);
  }
  PrintReplayed(applied, until_text, *digest, before);
  return kExitOk;
}

int RunVerify(const GlobalOptions& g, bool check_views) {
  auto kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  DataDir dir{g.data_dir};
  absl::StatusOr<std::unique_ptr<EventLog>> log;
  VerifyOptions verify_options;
  if (kafka->enabled()) {
    if (check_views && g.views_dir.empty()) {
      return Fail(absl::InvalidArgumentError(
          "in Kafka mode verify --views compares the store of --views DIR"));
    }
    log = OpenKafkaLog(KafkaLogOptionsFor(*kafka));
    verify_options.dense_offsets = false;  // transaction markers take offsets
    // The processor may append while verify walks: check what lay below the
    // heads when the walk started.
    verify_options.stop_at_heads = true;
  } else {
    if (!fs::exists(dir.log())) {
      return Fail(absl::NotFoundError(absl::StrCat("no ledger at ", dir.root)));
    }
    EmbeddedLogOptions options;
    options.read_only = true;
    log = OpenEmbeddedLog(dir.log(), options);
  }
  if (!log.ok()) return Fail(log.status());
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
  absl::StatusOr<std::string> live;
  if (!g.views_dir.empty()) {
    live = DigestOfStore(g.views_dir);
  } else {
    auto views = Views::Open(dir.views(), ViewsOptions{
                                              .read_only = true,
                                              .create_if_missing = false});
    if (!views.ok()) return Fail(views.status());
    live = (*views)->Digest();
  }
  if (!live.ok()) return Fail(live.status());
  const std::string scratch =
      (fs::temp_directory_path() / absl::StrCat("ledger-verify-", getpid()))
          .string();
  int64_t applied = 0;
  auto rebuilt = BuildViews(**log, scratch, CatchUpOptions{}, &applied,
                            /*gaps_allowed=*/kafka->enabled());
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

int RunDigest(const GlobalOptions& g, bool content) {
  const std::string dir =
      g.views_dir.empty() ? DataDir{g.data_dir}.views() : g.views_dir;
  auto digest = DigestOfStore(dir, content);
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
  // The registry topic's values (KindergartenState, OperatorState).
  AddFile(xueji::v1::KindergartenState::descriptor()->file(), seen, set);
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
  auto replay = app.add_subcommand("replay",
                                   "Rebuild every view from the log (beside "
                                   "the old views, then swapped in).");
  replay->add_option("--until", *until,
                     "RFC 3339 time: only events recorded up to it");
  replay->callback([&g, &run, until] {
    run = [&g, until] { return RunReplay(g, *until); };
  });

  auto views = std::make_shared<bool>(false);
  auto verify = app.add_subcommand(
      "verify",
      "Check every partition's hash chain; non-zero exit (3) on a break.");
  verify->add_flag("--views", *views,
                   "also rebuild the views in a scratch directory and compare "
                   "(with global --views DIR: that store)");
  verify->callback([&g, &run, views] {
    run = [&g, views] { return RunVerify(g, *views); };
  });

  auto digest = app.add_subcommand(
      "digest",
      "Print the SHA-256 digest of a views store (--views DIR, else "
      "DATA/views), read beside any writer: equal digests, equal views.");
  auto content = std::make_shared<bool>(false);
  digest->add_flag(
      "--content", *content,
      "digest what the views answer, leaving out where the events sit in "
      "the log (offsets, hashes, checkpoints): equal for an embedded store "
      "and a Kafka replica with transactions that hold the same events");
  digest->callback([&g, &run, content] {
    run = [&g, content] { return RunDigest(g, *content); };
  });

  auto path = std::make_shared<std::string>();
  auto schema = app.add_subcommand(
      "schema",
      "Write the FileDescriptorSet of the event, request, registry state and view messages "
      "(for protoc --decode and other consumers).");
  schema->add_option("FILE", *path, "output file (default: standard output)");
  schema->callback([&run, path] { run = [path] { return RunSchema(*path); }; });
}

}  // namespace xueji
