// ledger replay [--until TIME] [--force] | verify [--views] | digest |
// schema [FILE]. replay and verify run on the backend (commands/backend.h:
// the embedded data directory, or Kafka); digest and schema need none.
#include <fstream>
#include <iostream>
#include <set>

#include "absl/strings/str_cat.h"
#include "commands/backend.h"
#include "commands/cli.h"
#include "commands/rebuild.h"
#include "google/protobuf/descriptor.pb.h"
#include "ledger/base/dates.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji {
namespace {

int RunReplay(const GlobalOptions& g, const std::string& until_text,
              bool force) {
  ReplayRequest request;
  request.until_text = until_text;
  request.force = force;
  if (!until_text.empty()) {
    auto until = ParseRfc3339(until_text);
    if (!until.ok()) {
      return Fail(absl::InvalidArgumentError(
          absl::StrCat("--until ", until_text, ": not an RFC 3339 time")));
    }
    request.options.until = *until;
  }
  return g.backend->Replay(request);
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
    run = [&g, views] { return g.backend->Verify(*views); };
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
