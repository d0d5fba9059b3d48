// The Kafka backend (commands/backend.h): requests go to PREFIX.requests
// and their answers come back on PREFIX.results (ledger/service); replay
// and verify read PREFIX.events, and the views are those of --views DIR (a
// projector's store, read as a RocksDB secondary instance).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "commands/backend.h"
#include "commands/csv_input.h"
#include "commands/digest.h"
#include "commands/jsonl_batch.h"
#include "commands/kafka_commands.h"
#include "commands/output/output.h"
#include "commands/reads.h"
#include "commands/rebuild.h"
#include "commands/signing.h"
#include "ledger/decide/decider.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/log/hash_chain.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/rules/signed_batch.h"
#include "ledger/service/kafka_requests.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;

using xueji::v1::RegistryLine;
using xueji::v1::Request;
using xueji::v1::RequestRecord;

// Requests per produced batch: the processor decides up to 512 at a time;
// a larger client batch keeps it busy between the client's round trips.
constexpr size_t kKafkaBatch = 8192;

}  // namespace

std::chrono::milliseconds KafkaTimeout() {
  const char* env = std::getenv("LEDGER_KAFKA_TIMEOUT");
  absl::Duration d;
  if (env != nullptr && absl::ParseDuration(env, &d) &&
      d > absl::ZeroDuration()) {
    return std::chrono::milliseconds(absl::ToInt64Milliseconds(d));
  }
  return std::chrono::milliseconds(30000);
}

namespace {

// What a command says of the cluster's ledger.
std::string KafkaWhere(const KafkaConnection& kafka) {
  return absl::StrCat("the Kafka ledger ", kafka.topic_prefix, " on ",
                      kafka.bootstrap_servers);
}

// Admits the cluster's ledger (session.h: AdmitLedger).
absl::Status AdmitKafkaLedger(const KafkaConnection& kafka) {
  const std::chrono::milliseconds timeout = KafkaTimeout();
  auto mode = KafkaLedgerMode(kafka, timeout);
  if (absl::IsDeadlineExceeded(mode.status())) {
    // Said like every other "the cluster did not answer" error of submit.
    return absl::UnavailableError(
        absl::StrCat("Kafka: the ledger's events topic unreachable within ",
                     timeout.count() / 1000.0,
                     " s (a broker down?); nothing was submitted (",
                     mode.status().message(), ")"));
  }
  if (!mode.ok()) return mode.status();
  return AdmitLedger(KafkaWhere(kafka), *mode);
}

// A signed batch holds at most this many requests or bytes of them, so that
// its record stays well below Kafka's default message.max.bytes (1 MB).
constexpr size_t kSignedBatchRequests = 512;
constexpr size_t kSignedBatchBytes = 256 << 10;

template <typename Msg>
int RunKafkaJsonl(
    const GlobalOptions& g, const KafkaConnection& kafka, LineReader& input,
    const char* what, JsonlPipeline<Msg> pipeline,
    const std::function<std::pair<std::string, RequestRecord>(const Msg&)>&
        to_record) {
  auto signer = BatchSigner::FromOptions(g);
  if (!signer.ok()) return Fail(signer.status());
  if (absl::Status s = AdmitKafkaLedger(kafka); !s.ok()) return Fail(s);
  auto client = KafkaRequestClient::Open(kafka, KafkaTimeout());
  if (!client.ok()) return Fail(client.status());
  Progress progress(what);
  pipeline.submit = [&](const std::vector<Msg>& batch)
      -> absl::StatusOr<std::vector<xueji::v1::Result>> {
    std::vector<std::pair<std::string, RequestRecord>> records;
    if (!signer->has_key()) {
      records.reserve(batch.size());
      for (const Msg& m : batch) records.push_back(to_record(m));
      return (*client)->Submit(records);
    }
    // Signed: one record per signed batch; the key never leaves here.
    std::vector<int> answers;
    std::vector<Msg> chunk;
    size_t bytes = 0;
    auto seal = [&]() -> absl::Status {
      if (chunk.empty()) return absl::OkStatus();
      auto signed_batch = signer->Sign(chunk);
      if (!signed_batch.ok()) return signed_batch.status();
      RequestRecord record;
      *record.mutable_signed_batch() = *std::move(signed_batch);
      records.emplace_back(
          absl::StrCat("batch:", BatchId(record.signed_batch().body())),
          std::move(record));
      answers.push_back(static_cast<int>(chunk.size()));
      chunk.clear();
      bytes = 0;
      return absl::OkStatus();
    };
    for (const Msg& m : batch) {
      chunk.push_back(m);
      bytes += m.ByteSizeLong();
      if (chunk.size() >= kSignedBatchRequests || bytes >= kSignedBatchBytes) {
        if (absl::Status s = seal(); !s.ok()) return s;
      }
    }
    if (absl::Status s = seal(); !s.ok()) return s;
    return (*client)->Submit(records, answers);
  };
  BatchOutcome outcome =
      RunJsonl(input, std::cout, progress, pipeline, kKafkaBatch);
  if (!outcome.status.ok()) return Fail(outcome.status);
  if (!outcome.input_error.ok()) return Fail(outcome.input_error);
  return outcome.rejected > 0 ? kExitRejected : kExitOk;
}

int KafkaSubmit(const GlobalOptions& g, const KafkaConnection& kafka,
                const SubmitRequest& request) {
  auto input = OpenRequestInput(request.path, request.csv, request.encoding);
  if (!input.ok()) return Fail(input.status());
  JsonlPipeline<Request> pipeline;
  ConfigureRequestPipeline(*input, &pipeline);
  return RunKafkaJsonl<Request>(g, kafka, *input->reader, "submit: requests",
                                pipeline, [](const Request& r) {
                                  RequestRecord record;
                                  *record.mutable_request() = r;
                                  return std::make_pair(r.request_id(),
                                                        std::move(record));
                                });
}

int KafkaRegistryLoad(const GlobalOptions& g, const KafkaConnection& kafka,
                      const std::string& path) {
  auto input = LineReader::Open(path);
  if (!input.ok()) return Fail(input.status());
  JsonlPipeline<RegistryLine> pipeline;
  pipeline.validate = ValidateRegistryLine;
  return RunKafkaJsonl<RegistryLine>(
      g, kafka, **input, "registry load: lines", pipeline,
      [](const RegistryLine& line) {
        RequestRecord record;
        *record.mutable_registry_line() = line;
        return std::make_pair(RegistryRequestId(line), std::move(record));
      });
}

int KafkaInit(const KafkaConnection& kafka, const xueji::v1::InitLedger& init) {
  auto client = KafkaRequestClient::Open(kafka, KafkaTimeout());
  if (!client.ok()) return Fail(client.status());
  RequestRecord record;
  *record.mutable_init() = init;
  auto results = (*client)->Submit({{kInitRequestId, std::move(record)}});
  if (!results.ok()) return Fail(results.status());
  const xueji::v1::Result& result = results->front();
  if (result.status() != xueji::v1::APPLIED) {
    return Fail(absl::FailedPreconditionError(
        absl::StrCat(KafkaWhere(kafka), " is ", result.message())));
  }
  if (absl::Status s = AdmitLedger(KafkaWhere(kafka), init.mode()); !s.ok()) {
    return Fail(s);
  }
  std::cout << KafkaWhere(kafka) << ": " << result.message() << "\n";
  return kExitOk;
}

// `status` (a read, commands/reads.h): the answer from the results topic;
// who submitted it and what it concerns from the projector's store of
// --views DIR, beside which the read is recorded.
int KafkaStatus(const GlobalOptions& g, const KafkaConnection& kafka,
                const std::string& request_id) {
  if (absl::Status s = AdmitKafkaLedger(kafka); !s.ok()) return Fail(s);
  if (g.views_dir.empty()) {
    return Fail(absl::InvalidArgumentError(
        "in Kafka mode status is a read like the others: it needs a "
        "projector's store, --views DIR (who submitted the request and what "
        "it concerns; the read is recorded in access.log beside it)"));
  }
  auto c = OpenRead(g);
  if (!c.ok()) return Fail(c.status());
  auto result = FindResult(kafka, request_id, KafkaTimeout());
  if (!result.ok()) return Fail(result.status());
  return AnswerStatus(*c, request_id, *result,
                      absl::StrCat(" answered on ", kafka.results_topic(),
                                   " (not submitted, or not decided yet)"));
}

// Kafka mode: rebuilds --views DIR from the events topic.
int KafkaReplay(const GlobalOptions& g, const KafkaConnection& kafka,
                const CatchUpOptions& options, const std::string& until_text) {
  if (g.views_dir.empty()) {
    return Fail(absl::InvalidArgumentError(
        "in Kafka mode replay rebuilds the views store of --views DIR"));
  }
  auto log = OpenKafkaLog(KafkaLogOptionsFor(kafka));
  if (!log.ok()) return Fail(log.status());
  if (auto mode = LedgerModeOfLog(**log); !mode.ok()) {
    return Fail(mode.status());
  } else if (absl::Status st = AdmitLedger(KafkaWhere(kafka), *mode);
             !st.ok()) {
    return Fail(st);
  }
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

// Kafka mode: the events topic's chains, and --views DIR against a rebuild.
int KafkaVerify(const GlobalOptions& g, const KafkaConnection& kafka,
                const VerifyRequest& request) {
  const bool check_views = request.check_views;
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
  SignatureAudit audit;
  verify_options.visit = [&audit](const StoredEvent& stored) {
    audit.Add(stored.event);
  };
  auto report = VerifyLog(**log, verify_options);
  if (!report.ok()) return Fail(report.status());
  xueji::v1::VerifyReport out = VerifyReportOf(*report, report->heads);
  out.set_intact(report->breaks.empty());
  absl::Status digest_read;
  if (!request.digest_file.empty()) {
    digest_read = CheckDigestFile(**log, *report, request.digest_file,
                                  out.mutable_digest());
  }
  auto signatures = CheckSignatures(audit, **log, out.mutable_signatures());
  if (!signatures.ok()) return Fail(signatures.status());
  if (!out.intact()) {
    PrintVerifyReport(out, g.json);
    std::cerr << "ledger: the hash chain is broken in " << report->breaks.size()
              << " place(s): the log was altered\n";
    return kExitStorage;
  }
  if (!signatures->empty()) {
    PrintVerifyReport(out, g.json);
    std::cerr << "ledger: " << signatures->size()
              << " signature problem(s); the first: " << signatures->front()
              << "\n";
    return kExitStorage;
  }
  if (std::optional<int> refused = VerifyVerdict(
          g, out, AdmitLedger(KafkaWhere(kafka), audit.mode()), digest_read);
      refused.has_value()) {
    return *refused;
  }
  if (!check_views) {
    PrintVerifyReport(out, g.json);
    return kExitOk;
  }
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
  out.mutable_views()->set_events(applied);
  out.mutable_views()->set_identical(*rebuilt == *live);
  PrintVerifyReport(out, g.json);
  if (!out.views().identical()) {
    std::cerr << "ledger: the views differ from a rebuild of the log "
                 "(run `ledger replay`)\n";
    return kExitStorage;
  }
  return kExitOk;
}

class KafkaBackend : public Backend {
 public:
  KafkaBackend(const GlobalOptions& g, KafkaConnection kafka)
      : g_(g), kafka_(std::move(kafka)) {}

  int Init(const xueji::v1::InitLedger& init) override {
    return KafkaInit(kafka_, init);
  }
  int Submit(const SubmitRequest& request) override {
    return KafkaSubmit(g_, kafka_, request);
  }
  int LoadRegistry(const std::string& path) override {
    return KafkaRegistryLoad(g_, kafka_, path);
  }
  int Status(const std::string& request_id) override {
    return KafkaStatus(g_, kafka_, request_id);
  }
  int Replay(const ReplayRequest& request) override {
    return KafkaReplay(g_, kafka_, request.options, request.until_text);
  }
  int Verify(const VerifyRequest& request) override {
    return KafkaVerify(g_, kafka_, request);
  }
  int Digest(const DigestRequest& request) override {
    // The signer is found in the events topic (every partition read once),
    // unless --as names it.
    auto log = OpenKafkaLog(KafkaLogOptionsFor(kafka_));
    if (!log.ok()) return Fail(log.status());
    EventLog& events = **log;
    return WriteLedgerDigest(g_, events, request,
                             [&events](const std::string& key_id)
                                 -> absl::StatusOr<std::optional<std::string>> {
                               auto identity = ReadLedgerIdentity(events);
                               if (!identity.ok()) return identity.status();
                               return FindKeyHolder(events, *identity, key_id);
                             });
  }

 private:
  const GlobalOptions& g_;
  const KafkaConnection kafka_;
};

}  // namespace

std::unique_ptr<Backend> NewKafkaBackend(const GlobalOptions& options,
                                         KafkaConnection kafka) {
  return std::make_unique<KafkaBackend>(options, std::move(kafka));
}

absl::StatusOr<std::unique_ptr<Backend>> ChooseBackend(
    const GlobalOptions& options) {
  absl::StatusOr<KafkaConnection> kafka = KafkaFrom(options);
  if (!kafka.ok()) return kafka.status();
  if (kafka->enabled()) return NewKafkaBackend(options, *std::move(kafka));
  return NewEmbeddedBackend(options);
}

}  // namespace xueji
