#include "commands/signing.h"

#include <cstdlib>
#include <ostream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "ledger/base/dates.h"
#include "ledger/rules/signed_batch.h"

namespace xueji {

absl::StatusOr<BatchSigner> BatchSigner::FromOptions(
    const GlobalOptions& options) {
  BatchSigner signer;
  std::string path = options.key_file;
  if (path.empty()) {
    const char* env = std::getenv("LEDGER_KEY");
    if (env != nullptr) path = env;
  }
  if (path.empty()) return signer;
  absl::StatusOr<Ed25519PrivateKey> key = LoadPrivateKeyFile(path);
  if (!key.ok()) return key.status();
  signer.key_ = *std::move(key);
  return signer;
}

absl::StatusOr<xueji::v1::SignedBatch> BatchSigner::SignBody(
    xueji::v1::RequestBatch batch) const {
  batch.set_nonce(NewNonce());
  batch.set_created_at(FormatRfc3339(absl::Now()));
  if (!key_.has_value()) {
    xueji::v1::SignedBatch unsigned_batch;
    batch.SerializeToString(unsigned_batch.mutable_body());
    return unsigned_batch;
  }
  return SignBatch(std::move(batch), *key_);
}

absl::StatusOr<xueji::v1::SignedBatch> BatchSigner::Sign(
    const std::vector<xueji::v1::Request>& requests) const {
  xueji::v1::RequestBatch batch;
  batch.mutable_requests()->Reserve(static_cast<int>(requests.size()));
  for (const xueji::v1::Request& r : requests) *batch.add_requests() = r;
  return SignBody(std::move(batch));
}

absl::StatusOr<xueji::v1::SignedBatch> BatchSigner::Sign(
    const std::vector<xueji::v1::RegistryLine>& lines) const {
  xueji::v1::RequestBatch batch;
  for (const xueji::v1::RegistryLine& l : lines)
    *batch.add_registry_lines() = l;
  return SignBody(std::move(batch));
}

absl::StatusOr<std::vector<std::string>> ReportSignatures(SignatureAudit& audit,
                                                          EventLog& log,
                                                          std::ostream& out) {
  auto found =
      audit.Finish([&log](int32_t partition,
                          int64_t offset) -> absl::StatusOr<xueji::v1::Event> {
        auto read = log.Read(partition, offset, 1);
        if (!read.ok()) return read.status();
        if (read->empty() || read->front().event.offset() != offset) {
          return absl::DataLossError(
              absl::StrCat("partition ", partition, " offset ", offset,
                           ": the event is gone on a second read"));
        }
        return read->front().event;
      });
  if (!found.ok()) return found.status();
  std::vector<std::string> problems;
  for (const SignatureProblem& p : *found) {
    out << "SIGNATURE at partition " << p.partition << " offset " << p.offset
        << ": " << p.problem << "\n";
    problems.push_back(absl::StrCat("partition ", p.partition, " offset ",
                                    p.offset, ": ", p.problem));
  }
  out << audit.batches_checked() << " signed batches checked ("
      << audit.signed_events() << " signed events)\n";
  if (problems.empty()) out << "signatures intact\n";
  return problems;
}

absl::StatusOr<std::vector<std::string>> CheckSignatures(
    SignatureAudit& audit, EventLog& log,
    xueji::v1::VerifyReport::SignatureCheck* check) {
  std::ostringstream printed;  // verify prints the report instead
  auto problems = ReportSignatures(audit, log, printed);
  if (!problems.ok()) return problems.status();
  check->set_batches_checked(audit.batches_checked());
  check->set_signed_events(audit.signed_events());
  for (const std::string& problem : *problems) check->add_problems(problem);
  return problems;
}

}  // namespace xueji
