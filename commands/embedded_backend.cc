// The embedded backend (commands/backend.h): a data directory with its
// RocksDB log, decider state and views, written under the writer lock.
// `replay` and `verify`, the checks of the data directory's integrity, are
// in embedded_integrity.cc.
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "commands/backend.h"
#include "commands/csv_input.h"
#include "commands/digest.h"
#include "commands/embedded_integrity.h"
#include "commands/jsonl_batch.h"
#include "commands/output/output.h"
#include "commands/reads.h"
#include "commands/rebuild.h"
#include "commands/signing.h"
#include "ledger/processor/ledger_state.h"

namespace xueji {
namespace {

using xueji::v1::Request;

// `status`: a read (commands/reads.h). The answer comes from the decider
// state opened as a RocksDB secondary instance beside any writer: no writer
// lock is taken or waited for. A submit still running keeps its state in
// memory (RequestProcessor::WriteBehind): its answers are found here once it
// writes them out, every 32 MiB of state rows and when it ends.
int EmbeddedStatus(const GlobalOptions& g, const std::string& request_id) {
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  DataDir dir{g.data_dir};
  std::optional<xueji::v1::Result> result;
  if (StoreExists(dir.state())) {
    RocksKv::Options options;
    options.secondary = true;
    options.create_if_missing = false;
    auto kv = RocksKv::Open(dir.state(), options);
    if (!kv.ok()) return Fail(kv.status());
    auto found = LedgerState(kv->get()).ResultFor(request_id);
    if (!found.ok()) return Fail(found.status());
    result = *std::move(found);
  }
  return AnswerStatus(*c, request_id, result, " in the ledger");
}

// `digest`: the log opened read-only beside any writer (no lock). The
// signer is the operator the views know for the key, else found in the log.
int EmbeddedDigest(const GlobalOptions& g, const DigestRequest& request) {
  DataDir dir{g.data_dir};
  if (!StoreExists(dir.log())) {
    return Fail(absl::NotFoundError(absl::StrCat("no ledger at ", dir.root)));
  }
  if (std::optional<std::string> mark = DamageMark(dir); mark.has_value()) {
    return Fail(RefuseDamaged(dir, *mark));
  }
  EmbeddedLogOptions options;
  options.read_only = true;
  auto log = OpenEmbeddedLog(dir.log(), options);
  if (!log.ok()) return Fail(log.status());
  auto find_holder = [&](const std::string& key_id)
      -> absl::StatusOr<std::optional<std::string>> {
    if (StoreExists(dir.views())) {
      ViewsOptions read_only;
      read_only.read_only = true;
      read_only.create_if_missing = false;
      auto views = Views::Open(dir.views(), read_only);
      if (views.ok()) {
        auto holder = (*views)->OperatorWithKey(key_id);
        if (holder.ok() && holder->has_value()) return holder;
      }
    }
    auto identity = ReadLedgerIdentity(**log);
    if (!identity.ok()) return identity.status();
    return FindKeyHolder(**log, *identity, key_id);
  };
  return WriteLedgerDigest(g, **log, request, find_holder);
}

// Runs `pipeline` over `input` while the views follow the log on the second
// core (session.h, FollowViews), woken after every batch. When the run
// fails, the views' thread is stopped (no last pass) before the caller's
// Fail may mark the directory damaged; otherwise FinishViews is the caller's.
template <typename T>
BatchOutcome RunFollowingViews(WriteSession& s, LineReader& input,
                               Progress& progress, JsonlPipeline<T>& pipeline) {
  pipeline.after_batch = [&s]() {
    s.LogMoved();
    return absl::OkStatus();
  };
  s.FollowViews();
  BatchOutcome outcome = RunJsonl(input, std::cout, progress, pipeline);
  if (!outcome.status.ok()) s.StopViews();
  return outcome;
}

class EmbeddedBackend : public Backend {
 public:
  explicit EmbeddedBackend(const GlobalOptions& g) : g_(g) {}

  int Init(const xueji::v1::InitLedger& init) override {
    auto session = WriteSession::OpenForInit(g_);
    if (!session.ok()) return Fail(session.status());
    WriteSession& s = **session;
    auto result = s.processor().Initialize(init);
    if (!result.ok()) {
      return Fail(absl::Status(
          result.status().code(),
          absl::StrCat(g_.data_dir, " is ", result.status().message())));
    }
    if (absl::Status st = s.CatchUpViews(nullptr); !st.ok()) return Fail(st);
    if (absl::Status st = AdmitLedger(g_.data_dir, init.mode()); !st.ok()) {
      return Fail(st);
    }
    std::cout << g_.data_dir << ": " << result->message() << "\n";
    return kExitOk;
  }

  int Submit(const SubmitRequest& request) override {
    const GlobalOptions& g = g_;
    auto signer = BatchSigner::FromOptions(g);
    if (!signer.ok()) return Fail(signer.status());
    auto input = OpenRequestInput(request.path, request.csv, request.encoding);
    if (!input.ok()) return Fail(input.status());
    auto session = WriteSession::Open(g);
    if (!session.ok()) return Fail(session.status());
    WriteSession& s = **session;
    Progress progress("submit: requests");
    JsonlPipeline<Request> pipeline;
    ConfigureRequestPipeline(*input, &pipeline);
    pipeline.submit = [&](const std::vector<Request>& batch)
        -> absl::StatusOr<std::vector<xueji::v1::Result>> {
      if (!signer->has_key()) return s.processor().Submit(batch);
      auto signed_batch = signer->Sign(batch);
      if (!signed_batch.ok()) return signed_batch.status();
      return s.processor().SubmitBatch(*signed_batch);
    };
    // After the last batch, what is left of the views. If this process dies
    // first, the next ledger command catches them up before it reads or
    // writes.
    BatchOutcome outcome =
        RunFollowingViews(s, *input->reader, progress, pipeline);
    if (!outcome.status.ok()) return Fail(outcome.status);
    Progress views_progress("submit: views");
    if (absl::Status st = s.FinishViews(&views_progress); !st.ok()) {
      return Fail(st);
    }
    if (!outcome.input_error.ok()) return Fail(outcome.input_error);
    return outcome.rejected > 0 ? kExitRejected : kExitOk;
  }

  int LoadRegistry(const std::string& path) override {
    const GlobalOptions& g = g_;
    auto signer = BatchSigner::FromOptions(g);
    if (!signer.ok()) return Fail(signer.status());
    auto input = LineReader::Open(path);
    if (!input.ok()) return Fail(input.status());
    auto session = WriteSession::Open(g);
    if (!session.ok()) return Fail(session.status());
    WriteSession& s = **session;
    Progress progress("registry load: lines");
    JsonlPipeline<xueji::v1::RegistryLine> pipeline;
    pipeline.validate = ValidateRegistryLine;
    pipeline.submit = [&](const std::vector<xueji::v1::RegistryLine>& batch)
        -> absl::StatusOr<std::vector<xueji::v1::Result>> {
      if (!signer->has_key()) return s.processor().LoadRegistry(batch);
      auto signed_batch = signer->Sign(batch);
      if (!signed_batch.ok()) return signed_batch.status();
      return s.processor().SubmitBatch(*signed_batch);
    };
    BatchOutcome outcome = RunFollowingViews(s, **input, progress, pipeline);
    if (!outcome.status.ok()) return Fail(outcome.status);
    if (absl::Status st = s.FinishViews(nullptr); !st.ok()) return Fail(st);
    std::cerr << "registry load: " << outcome.lines << " lines, "
              << outcome.rejected << " rejected\n";
    if (!outcome.input_error.ok()) return Fail(outcome.input_error);
    return outcome.rejected > 0 ? kExitRejected : kExitOk;
  }

  int Status(const std::string& request_id) override {
    return EmbeddedStatus(g_, request_id);
  }

  int Replay(const ReplayRequest& request) override {
    return EmbeddedReplay(g_, request);
  }
  int Verify(const VerifyRequest& request) override {
    return EmbeddedVerify(g_, request);
  }
  int Digest(const DigestRequest& request) override {
    return EmbeddedDigest(g_, request);
  }

 private:
  const GlobalOptions& g_;
};

}  // namespace

std::unique_ptr<Backend> NewEmbeddedBackend(const GlobalOptions& options) {
  return std::make_unique<EmbeddedBackend>(options);
}

}  // namespace xueji
