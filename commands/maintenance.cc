// ledger replay [--until TIME] [--force] | verify [--views] [--digest FILE] |
// digest [--out FILE] [--views [DIR]] | schema [FILE]. replay, verify and the
// signed ledger digest run on the backend (commands/backend.h: the embedded
// data directory, or Kafka); the views digest and schema need none.
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "commands/backend.h"
#include "commands/cli.h"
#include "commands/digest.h"
#include "commands/output/output.h"
#include "commands/rebuild.h"
#include "google/protobuf/descriptor.pb.h"
#include "ledger/base/dates.h"

namespace xueji {
namespace data {
// proto/xueji.desc, compiled in (commands/CMakeLists.txt).
extern const char kSchemaDesc[];
extern const unsigned long kSchemaDescSize;
}  // namespace data
namespace {

// `replay`: the parse fills until_text and force; options.until is parsed
// here from until_text.
int RunReplay(const GlobalOptions& g, const ReplayRequest& parsed) {
  ReplayRequest request = parsed;
  if (!request.until_text.empty()) {
    auto until = ParseRfc3339(request.until_text);
    if (!until.ok()) {
      return Fail(absl::InvalidArgumentError(absl::StrCat(
          "--until ", request.until_text, ": not an RFC 3339 time")));
    }
    request.options.until = *until;
  }
  return g.backend->Replay(request);
}

int RunVerify(const GlobalOptions& g, const VerifyRequest& request) {
  return g.backend->Verify(request);
}

// `digest`'s options: the signed ledger digest's, or a views digest's.
struct DigestArgs {
  DigestRequest request;
  std::string views_dir;  // --views [DIR]
  bool content = false;   // --content
};

// The SHA-256 digest of a views store (--views DIR, else DATA/views).
int RunViewsDigest(const GlobalOptions& g, bool content) {
  const std::string dir =
      g.views_dir.empty() ? DataDir{g.data_dir}.views() : g.views_dir;
  auto digest = DigestOfStore(dir, content);
  if (!digest.ok()) return Fail(digest.status());
  std::cout << *digest << "\n";
  return kExitOk;
}

int RunSchema(const std::string& path) {
  const std::string bytes(data::kSchemaDesc, data::kSchemaDescSize);
  google::protobuf::FileDescriptorSet set;
  if (!set.ParseFromString(bytes)) {  // compiled in: cannot happen
    return Fail(absl::InternalError("the compiled-in schema does not parse"));
  }
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

int WriteLedgerDigest(const GlobalOptions& g, EventLog& log,
                      const DigestRequest& request,
                      const KeyHolderFn& find_holder) {
  auto identity = ReadLedgerIdentity(log);
  if (!identity.ok()) return Fail(identity.status());
  // The ledger's clock: a production ledger's is the system's (LEDGER_NOW
  // is ignored), so `verify --digest` finds the signing key valid then.
  absl::StatusOr<absl::Time> now = absl::Now();
  if (identity->mode != xueji::v1::PRODUCTION) now = LedgerNow();
  if (!now.ok()) return Fail(now.status());
  xueji::v1::LedgerDigest digest;
  digest.set_ledger_id(identity->ledger_id);
  digest.set_taken_at(FormatRfc3339(*now));
  auto heads = TakeHeads(log);
  if (!heads.ok()) return Fail(heads.status());
  for (auto& head : *heads) *digest.add_heads() = std::move(head);
  if (g.key_file.empty()) {
    if (identity->mode == xueji::v1::PRODUCTION) {
      return Fail(absl::InvalidArgumentError(
          "a production ledger's digest is signed: add --key KEYFILE (or set "
          "$LEDGER_KEY), the key of the operator taking it"));
    }
    std::cerr << "ledger: note: the digest is not signed (no --key): it "
                 "anchors the heads, but not who took it\n";
  } else {
    auto key = LoadPrivateKeyFile(g.key_file);
    if (!key.ok()) return Fail(key.status());
    std::string signer = g.as_operator;
    if (signer.empty()) {
      auto holder = find_holder(key->key_id());
      if (!holder.ok()) return Fail(holder.status());
      if (!holder->has_value()) {
        return Fail(absl::InvalidArgumentError(absl::StrCat(
            "the key ", key->key_id(), " in ", g.key_file,
            " is not registered to any operator of this ledger (its public "
            "key must be in the operator's registration)")));
      }
      signer = **holder;
    }
    if (absl::Status s = SignDigest(*key, signer, &digest); !s.ok()) {
      return Fail(s);
    }
  }
  const std::string text = ToJsonPretty(digest) + "\n";
  if (request.out.empty()) {
    std::cout << text;
    return kExitOk;
  }
  if (absl::Status s = WriteDigestFile(request.out, text); !s.ok()) {
    return Fail(
        absl::IsAlreadyExists(s) ? absl::InvalidArgumentError(s.message()) : s);
  }
  std::cerr << "ledger: wrote the digest of " << digest.heads_size()
            << " partition heads, taken at " << digest.taken_at()
            << (digest.signer().empty()
                    ? ""
                    : absl::StrCat(", signed by ", digest.signer()))
            << ", to " << request.out << "\n";
  return kExitOk;
}

absl::Status CheckDigestFile(EventLog& log, const VerifyReport& report,
                             const std::string& file,
                             xueji::v1::VerifyReport::DigestCheck* check) {
  auto digest = ReadDigestFile(file);
  if (!digest.ok()) return digest.status();
  auto findings = CheckDigest(log, report, *digest);
  if (!findings.ok()) return findings.status();
  check->set_file(file);
  check->set_taken_at(digest->taken_at());
  check->set_signer(digest->signer());
  for (const std::string& line : findings->lines) check->add_matched(line);
  for (const std::string& problem : findings->problems) {
    check->add_problems(problem);
  }
  for (const std::string& note : findings->notes) {
    std::cerr << "ledger: note: " << note << "\n";
  }
  return absl::OkStatus();
}

std::optional<int> VerifyVerdict(const GlobalOptions& g,
                                 const xueji::v1::VerifyReport& report,
                                 const absl::Status& admitted,
                                 const absl::Status& digest_read) {
  const absl::Status& failed = !admitted.ok() ? admitted : digest_read;
  if (!failed.ok()) {
    PrintVerifyReport(report, g.json);
    return Fail(failed);
  }
  const xueji::v1::VerifyReport::DigestCheck& check = report.digest();
  if (check.problems().empty()) return std::nullopt;
  PrintVerifyReport(report, g.json);
  // Not marked as damage: the stores may be whole, and the file the wrong
  // one; but the log is not the history the digest anchored.
  std::cerr << "ledger: the log does not hold the history digest "
            << check.file() << " anchored (" << check.problems_size()
            << " problem(s)); the first: " << check.problems(0) << "\n";
  return kExitStorage;
}

void AddMaintenanceCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto replay = app.add_subcommand(
      "replay",
      "Rebuild every view (and a damaged decider state) from the log, beside "
      "the live ones, then swap them in. Refuses (exit 3) a log that fails "
      "verification or holds less than the state or the views have seen.");
  auto r = BindRun(replay, g, run, RunReplay);
  replay->add_option(
      "--until", r->until_text,
      "RFC 3339 time: only events recorded up to it. The views stay as of "
      "then (queries say so on stderr) until a plain replay or the next "
      "submit brings them up to date");
  replay->add_flag("--force", r->force,
                   "rebuild from the log even though it fails verification "
                   "or is behind the state or the views: what it lacks is "
                   "lost for good, altered events are taken as they are");

  auto verify = app.add_subcommand(
      "verify",
      "Check the log's hash chains and every store of the data directory "
      "(checksums of the log, the state and the views; the log holds what "
      "they have seen); non-zero exit (3) on any damage, which also marks "
      "the directory damaged until a verify or replay finds it whole.");
  auto v = BindRun(verify, g, run, RunVerify);
  verify->add_flag("--views", v->check_views,
                   "also rebuild the views up to their own checkpoints in a "
                   "scratch directory and compare (with global --views DIR "
                   "in Kafka mode: that store)");
  verify->add_flag("--json", g.json,
                   "print the report as JSON (xueji.v1.VerifyReport; hashes "
                   "in hex)");
  verify->add_option("--digest", v->digest_file,
                     "a digest file (`ledger digest --out`): also check that "
                     "the log still holds, at each partition head it signed, "
                     "the event with that hash on an intact chain, and the "
                     "signature against the key the log registered for its "
                     "signer (exit 3 naming the partition)");

  auto d = std::make_shared<DigestArgs>();
  auto digest = app.add_subcommand(
      "digest",
      "Write a signed digest of the log (protobuf JSON LedgerDigest: the "
      "ledger id, the time, every partition's head offset and hash, signed "
      "with --key): kept elsewhere, `ledger verify --digest FILE` proves the "
      "log was not rewritten since. With --views (or global --views DIR): "
      "print the SHA-256 digest of a views store instead, read beside any "
      "writer: equal digests, equal views.");
  digest->add_option("--out", d->request.out,
                     "write the digest to this new file (mode 0600, never "
                     "overwritten) instead of standard output");
  CLI::Option* views_flag =
      digest->add_option("--views", d->views_dir,
                         "the views digest: of DIR if given, else DATA/views");
  views_flag->expected(0, 1);
  digest->add_flag(
      "--content", d->content,
      "with --views: digest what the views answer, leaving out where the "
      "events sit in the log (offsets, hashes, checkpoints): equal for an "
      "embedded store and a Kafka replica with transactions that hold the "
      "same events");
  digest->callback([&g, &run, d, views_flag] {
    const bool views_digest =
        views_flag->count() > 0 || !g.views_dir.empty() || d->content;
    if (!d->views_dir.empty()) g.views_dir = d->views_dir;
    run = [&g, d, views_digest] {
      if (views_digest) return RunViewsDigest(g, d->content);
      return g.backend->Digest(d->request);
    };
  });

  auto path = std::make_shared<std::string>();
  auto schema = app.add_subcommand(
      "schema",
      "Write the FileDescriptorSet of every file in proto/ (events, "
      "requests, views, state, processor journal; as installed in "
      "share/xueji/xueji.desc), for protoc --decode and other consumers.");
  schema->add_option("FILE", *path, "output file (default: standard output)");
  schema->callback([&run, path] { run = [path] { return RunSchema(*path); }; });
}

}  // namespace xueji
