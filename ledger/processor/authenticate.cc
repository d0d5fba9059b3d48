// RequestProcessor's authentication of a batch (processor.h): who signed it,
// with which key, whether the key was in force; the signatures of a call
// checked ahead on a second thread (signature_checks.h).
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "ledger/base/ed25519.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/processor/prepared.h"
#include "ledger/processor/processor.h"
#include "ledger/processor/signature_checks.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/signed_batch.h"

namespace xueji {

using xueji::v1::ReasonCode;
using xueji::v1::RequestBatch;
using xueji::v1::Result;
using xueji::v1::SignedBatch;

absl::Status RequestProcessor::LookUpKey(const std::string& key_id,
                                         Prepared* p) const {
  p->ahead_key_id.clear();
  p->ahead_op.reset();
  ASSIGN_OR_RETURN(p->ahead_holder, state_.OperatorByKey(key_id));
  if (p->ahead_holder.has_value()) {
    ASSIGN_OR_RETURN(p->ahead_op, state_.Operator(*p->ahead_holder));
  }
  p->ahead_key_id = key_id;
  return absl::OkStatus();
}

void RequestProcessor::CheckAhead(const std::vector<Input>& inputs,
                                  std::vector<Prepared>& prepared,
                                  SignatureChecks& checks) {
  operators_folded_ = false;
  size_t signed_inputs = 0;
  for (const Input& input : inputs) {
    if (input.signed_batch != nullptr &&
        !input.signed_batch->signature().empty()) {
      ++signed_inputs;
    }
  }
  if (!checks.WouldStart(signed_inputs)) return;
  // With nothing pending, the committed state is the state the call starts
  // from: the worker looks the keys up in it, off this thread.
  std::unique_ptr<KvStore> committed;
  if (state_kv_->PendingBytes() == 0) committed = state_kv_->CommittedView();
  const bool look_up_here = committed == nullptr;
  if (!look_up_here) checks.LookUpKeysIn(std::move(committed));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const SignedBatch* batch = inputs[i].signed_batch;
    if (batch == nullptr || batch->signature().empty()) continue;
    Prepared& p = prepared[i];
    std::string public_key;
    const std::string key_id =
        look_up_here ? KeyIdOfBody(batch->body()) : std::string();
    // A lookup that fails here fails again, and is reported, in
    // Authenticate; ahead of it, only the keys found matter.
    if (!key_id.empty() && LookUpKey(key_id, &p).ok() && p.ahead_op) {
      if (const xueji::v1::OperatorKey* key = FindKey(*p.ahead_op, key_id)) {
        public_key = key->public_key();
      }
    }
    checks.Add(i, std::move(public_key), &batch->body(), &batch->signature(),
               p.owned);
  }
  if (check_thread_ == nullptr) check_thread_ = std::make_unique<CheckThread>();
  checks.Start(check_thread_.get());
}

absl::StatusOr<bool> RequestProcessor::TakenBefore(
    const Prepared& p, const std::string& holder) const {
  // A ledger written before answer rows named their batch kept a row for
  // the batch itself ("batch:<id>", a reserved request id).
  ASSIGN_OR_RETURN(std::optional<Result> row,
                   state_.ResultFor(BatchRequestId(p.batch_id)));
  if (row.has_value()) return true;
  // Now: a row of one of its requests, answered to its holder and stamped
  // with its id. The ledger keeps a batch exactly when one of its requests
  // was recorded, and each recorded request's row names its batch (another
  // batch's request of the same id is stamped with that batch; a request
  // refused for its form has no row).
  for (size_t i = 0; i < p.size(); ++i) {
    ASSIGN_OR_RETURN(std::optional<xueji::v1::AnsweredRequest> answered,
                     state_.AnswerFor(p.IdOf(i, holder)));
    if (answered.has_value() && answered->actor() == holder &&
        answered->batch() == p.batch_id) {
      return true;
    }
  }
  return false;
}

absl::Status RequestProcessor::Authenticate(const Input& input, absl::Time now,
                                            size_t index,
                                            SignatureChecks& checks,
                                            Prepared* p) const {
  p->requests = input.requests;
  p->lines = input.lines;
  p->registry = input.lines != nullptr;
  p->signed_batch = input.signed_batch;
  auto refuse = [&](ReasonCode code, std::string message, bool record) {
    p->refused = code;
    p->refusal = std::move(message);
    p->record_refusal = record;
    return absl::OkStatus();
  };
  if (input.signed_batch != nullptr) {
    const SignedBatch& signed_batch = *input.signed_batch;
    if (p->body == 0) {
      std::optional<bool> parsed = checks.Parsed(index);  // ahead, or now
      if (!parsed.has_value()) {
        parsed = p->owned->ParseFromString(signed_batch.body());
      }
      p->body = *parsed ? 1 : 2;
    }
    if (p->body != 1) {
      Result r;
      r.set_status(xueji::v1::REJECTED);
      r.set_code(xueji::v1::MALFORMED_REQUEST);
      r.set_message("the batch body is not a xueji.v1.RequestBatch");
      p->malformed = std::move(r);
      return absl::OkStatus();
    }
    p->registry = p->owned->registry_lines_size() > 0;
    std::optional<std::string> named = checks.TakeBatchId(index);  // ahead
    p->batch_id =
        named.has_value() ? *std::move(named) : BatchId(signed_batch.body());
    p->claimed_signer = p->owned->signer();
    p->key_id = p->owned->key_id();
    if (std::optional<SignatureChecks::KeyLookup> ahead =
            checks.TakeLookup(index)) {  // looked up on the worker
      p->ahead_key_id = std::move(ahead->key_id);
      p->ahead_holder = std::move(ahead->holder);
      p->ahead_op = std::move(ahead->op);
    }
    if (p->owned->requests_size() > 0 && p->owned->registry_lines_size() > 0) {
      return refuse(xueji::v1::MALFORMED_REQUEST,
                    "a batch holds requests or registry lines, not both",
                    false);
    }
  }
  ASSIGN_OR_RETURN(xueji::v1::LedgerMode mode, Mode());
  if (mode == xueji::v1::LEDGER_MODE_UNSPECIFIED) {
    return refuse(xueji::v1::NOT_AUTHENTICATED,
                  "not an initialised ledger: run `ledger init --root-key "
                  "FILE` (production) or `ledger init --dev` first",
                  false);
  }
  if (input.signed_batch == nullptr ||
      input.signed_batch->signature().empty()) {
    if (mode == xueji::v1::DEVELOPMENT) return absl::OkStatus();  // unsigned
    if (p->batch_id.empty()) {  // Submit's vector: name it by its bytes
      RequestBatch body;
      for (size_t i = 0; i < p->size(); ++i) {
        if (p->registry) {
          *body.add_registry_lines() = p->line(i);
        } else {
          *body.add_requests() = p->request(i);
        }
      }
      p->batch_id = BatchId(body.SerializeAsString());
    }
    return refuse(xueji::v1::NOT_AUTHENTICATED,
                  "the batch is not signed: a production ledger takes signed "
                  "batches only (--key KEYFILE or $LEDGER_KEY)",
                  true);
  }
  const SignedBatch& signed_batch = *input.signed_batch;
  if (p->key_id.empty()) {
    return refuse(xueji::v1::NOT_AUTHENTICATED,
                  "the signed batch names no key (key_id)", true);
  }
  // The lookup made ahead stands unless an operator event came in between
  // (a key added, rotated or revoked by an earlier batch of the call).
  if (p->ahead_key_id != p->key_id || operators_folded_) {
    RETURN_IF_ERROR(LookUpKey(p->key_id, p));
  }
  const std::optional<std::string>& holder = p->ahead_holder;
  if (!holder.has_value()) {
    return refuse(xueji::v1::NOT_AUTHENTICATED,
                  Cat("key ", p->key_id, " is not registered to any operator"),
                  true);
  }
  if (!p->claimed_signer.empty() && p->claimed_signer != *holder) {
    return refuse(xueji::v1::NOT_AUTHENTICATED,
                  Cat("key ", p->key_id, " is not operator \"",
                      p->claimed_signer, "\"'s"),
                  true);
  }
  const std::optional<xueji::v1::OperatorState>& op = p->ahead_op;
  const xueji::v1::OperatorKey* key =
      op.has_value() ? FindKey(*op, p->key_id) : nullptr;
  if (key == nullptr) {
    return absl::DataLossError(Cat("ledger state: key ", p->key_id,
                                   " indexed for operator ", *holder,
                                   ", who does not hold it"));
  }
  // Checked ahead on the second thread when it could be (signature_checks.h).
  std::optional<bool> verified = checks.Verified(index, key->public_key());
  if (!verified.has_value()) {
    verified = Verify(key->public_key(), kRequestBatchDomain,
                      signed_batch.body(), signed_batch.signature())
                   .ok();
  }
  if (!*verified) {
    return refuse(xueji::v1::BAD_SIGNATURE,
                  Cat("the batch's signature does not verify over its bytes "
                      "with key ",
                      p->key_id, " of operator \"", *holder, "\""),
                  true);
  }
  std::optional<std::string> revoked;
  if (op->sealed()) {
    revoked = Cat("operator \"", *holder, "\" is sealed: its keys are revoked");
  } else if (std::optional<std::string> why = KeyInvalidAt(*key, now)) {
    revoked =
        Cat(*why, ": operator \"", *holder, "\" signs with its current key");
  }
  if (revoked.has_value()) {
    // The same bytes the ledger took while their key was in force are the
    // same requests: answered DUPLICATE_REQUEST below, nothing appended,
    // whatever became of the key or its holder since (a replay after a
    // rotation or a seal is no new act).
    ASSIGN_OR_RETURN(bool taken, TakenBefore(*p, *holder));
    if (!taken) {
      return refuse(xueji::v1::NOT_AUTHENTICATED, *std::move(revoked), true);
    }
  }
  p->signer = *holder;
  // Into the operator cache (a no-op where the lookup went through it):
  // Decide reads the signer from there, not from the store again.
  state_.SeedOperator(*holder, *std::move(p->ahead_op));
  p->ahead_op.reset();
  return absl::OkStatus();
}

}  // namespace xueji
