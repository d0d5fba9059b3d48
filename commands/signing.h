// The client side of signed batches (docs/accountability.md, "Keys and
// signed batches"): the key of `--key KEYFILE` (else $LEDGER_KEY), loaded
// once per command, and each batch of requests or registry lines signed
// with it before it leaves the client (embedded and Kafka alike). The
// batch's signer is left for the ledger to find by the key's id: the
// operator the key is registered to.
//
// `ledger verify`'s side of it, ReportSignatures: what SignatureAudit found
// in the log, printed as `verify` prints its findings.
//
// Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_SIGNING_H_
#define XUEJI_COMMANDS_SIGNING_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "commands/session.h"
#include "ledger/base/ed25519.h"
#include "ledger/log/event_log.h"
#include "ledger/rules/signed_batch.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji {

class BatchSigner {
 public:
  // The key the options name; no key (unsigned batches) when neither
  // --key nor $LEDGER_KEY is set. InvalidArgument / NotFound naming the file
  // for a key file that is missing or not an Ed25519 private key.
  static absl::StatusOr<BatchSigner> FromOptions(const GlobalOptions& options);

  bool has_key() const { return key_.has_value(); }
  const Ed25519PrivateKey* key() const { return key_ ? &*key_ : nullptr; }

  // A batch of the requests (or lines), signed; unsigned (empty signature)
  // without a key.
  absl::StatusOr<xueji::v1::SignedBatch> Sign(
      const std::vector<xueji::v1::Request>& requests) const;
  absl::StatusOr<xueji::v1::SignedBatch> Sign(
      const std::vector<xueji::v1::RegistryLine>& lines) const;

 private:
  absl::StatusOr<xueji::v1::SignedBatch> SignBody(
      xueji::v1::RequestBatch batch) const;
  std::optional<Ed25519PrivateKey> key_;
};

// Finishes `audit` (fed every event of `log` by VerifyLog's visit), prints
// one "SIGNATURE at partition P offset O: ..." line per problem and a
// summary to `out`, and returns the problems as text ("partition P offset
// O: ..."). Non-OK: an event could not be read again.
absl::StatusOr<std::vector<std::string>> ReportSignatures(SignatureAudit& audit,
                                                          EventLog& log,
                                                          std::ostream& out);
// `verify`'s check of the signatures: ReportSignatures (its lines dropped:
// verify prints the report), counts and problems set in `check`. Returns the
// problems.
absl::StatusOr<std::vector<std::string>> CheckSignatures(
    SignatureAudit& audit, EventLog& log,
    xueji::v1::VerifyReport::SignatureCheck* check);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_SIGNING_H_
