#include "ledger/rules/signed_batch.h"

#include <openssl/rand.h>

#include <algorithm>
#include <tuple>
#include <utility>

#include "absl/hash/hash.h"
#include "ledger/base/dates.h"
#include "ledger/base/sha256.h"
#include "ledger/base/strings.h"
#include "ledger/rules/subjects.h"

namespace xueji {
namespace {

using xueji::v1::Event;

constexpr size_t kUnsignedKept = 5;  // unsigned decisions named in a report

uint64_t MemberHash(std::string_view request_id) {
  const std::string digest = Sha256(request_id);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) {
    h = (h << 8) | static_cast<unsigned char>(digest[static_cast<size_t>(i)]);
  }
  return h;
}

// Is `at` (RFC 3339) before `limit`? An unreadable time counts as not.
bool Before(const std::string& at, const std::string& limit) {
  absl::StatusOr<absl::Time> a = ParseRfc3339(at);
  absl::StatusOr<absl::Time> b = ParseRfc3339(limit);
  return a.ok() && b.ok() && *a < *b;
}

// Was a batch recorded at `at` signed after its key ended at `end`? A batch
// recorded at the very time its key ended came before the ending in the same
// append (one group commit shares one time, and the processor refuses a key
// from the time it ends), so only a later time is. An unreadable time counts
// as after.
bool After(const std::string& at, const std::string& end) {
  absl::StatusOr<absl::Time> a = ParseRfc3339(at);
  absl::StatusOr<absl::Time> b = ParseRfc3339(end);
  return !a.ok() || !b.ok() || *a > *b;
}

// The events a ledger records without a signed batch: its initialisation
// and the batch records themselves.
bool NeedsNoBatch(const Event& event) {
  return event.has_ledger_initialized() || event.has_batch_signed() ||
         event.has_batch_refused() || event.request_id().empty() ||
         event.request_id() == "ledger:init";
}

}  // namespace

std::string BatchId(std::string_view body) {
  return HexEncode(Sha256(body)).substr(0, 32);
}
std::string BatchRequestId(std::string_view batch_id) {
  return Cat("batch:", batch_id);
}
std::string RefusedBatchRequestId(std::string_view batch_id) {
  return Cat("refused:", batch_id);
}

std::string NewNonce() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    // Never expected; the nonce then still differs by time.
    return HexEncode(Sha256(FormatRfc3339(absl::Now()))).substr(0, 32);
  }
  return HexEncode(
      std::string_view(reinterpret_cast<const char*>(bytes), sizeof(bytes)));
}

xueji::v1::InitLedger DevelopmentLedger() {
  xueji::v1::InitLedger init;
  init.set_mode(xueji::v1::DEVELOPMENT);
  init.set_ledger_id(NewNonce());
  return init;
}

xueji::v1::InitLedger ProductionLedger(std::string_view root_id,
                                       std::string_view root_public_key) {
  xueji::v1::InitLedger init;
  init.set_mode(xueji::v1::PRODUCTION);
  init.set_ledger_id(NewNonce());
  init.set_root_operator(std::string(root_id.empty() ? "root" : root_id));
  init.set_root_public_key(std::string(root_public_key));
  return init;
}

absl::StatusOr<xueji::v1::SignedBatch> SignBatch(xueji::v1::RequestBatch batch,
                                                 const Ed25519PrivateKey& key) {
  batch.set_key_id(key.key_id());
  xueji::v1::SignedBatch out;
  if (!batch.SerializeToString(out.mutable_body())) {
    return absl::InternalError("cannot serialize the request batch");
  }
  absl::StatusOr<std::string> signature =
      key.Sign(kRequestBatchDomain, out.body());
  if (!signature.ok()) return signature.status();
  out.set_signature(*std::move(signature));
  return out;
}

uint32_t SignatureAudit::Intern(const std::string& batch_id) {
  auto [it, added] =
      batch_index_.emplace(batch_id, static_cast<uint32_t>(batches_.size()));
  if (added) batches_.emplace_back();
  return it->second;
}

void SignatureAudit::Problem(const Event& event, std::string problem) {
  problems_.push_back({event.partition(), event.offset(), std::move(problem)});
}

void SignatureAudit::AddKey(const Event& event, const std::string& operator_id,
                            const std::string& public_key,
                            const std::string& key_id) {
  if (public_key.empty()) return;
  if (KeyId(public_key) != key_id) {
    Problem(event, Cat("key ", key_id, " of operator ", operator_id,
                       " is not the id of the key registered with it (",
                       KeyId(public_key), ")"));
    return;
  }
  std::vector<std::string>& ids = operator_keys_[operator_id];
  if (!ids.empty() && ids.back() == key_id) return;  // the current key again
  if (keys_.contains(key_id)) {
    Problem(event, Cat("key ", key_id, " registered a second time"));
    return;
  }
  if (!ids.empty()) {
    Key& previous = keys_[ids.back()];
    previous.superseded_at = event.recorded_at();
    previous.superseded_by = event.batch();
  }
  Key key;
  key.operator_id = operator_id;
  key.public_key = public_key;
  key.registered_at = event.recorded_at();
  keys_.emplace(key_id, std::move(key));
  ids.push_back(key_id);
}

std::string SignatureAudit::CheckSignature(const xueji::v1::BatchSigned& batch,
                                           const Key& key) {
  absl::Status verified = Verify(key.public_key, kRequestBatchDomain,
                                 batch.body(), batch.signature());
  if (verified.ok()) return "";
  return Cat("the signature of batch ", BatchId(batch.body()), " by ",
             batch.signer(), " does not verify with key ", batch.key_id(), " (",
             verified.message(), ")");
}

void SignatureAudit::AddBatch(const Event& event,
                              const xueji::v1::BatchSigned& payload) {
  const std::string id = BatchId(payload.body());
  ++batches_checked_;
  if (event.has_batch_signed()) {  // an event of its own
    if (event.subject() != BatchSubject(id)) {
      Problem(event, Cat("BatchSigned on subject \"", event.subject(),
                         "\" holds batch ", id));
    }
  } else if (event.batch() != id) {  // kept on the first event of the batch
    Problem(event, Cat("the event keeps batch ", id, " but names batch \"",
                       event.batch(), "\""));
  }
  if (event.actor().operator_id() != payload.signer()) {
    Problem(event, Cat("BatchSigned by ", payload.signer(), " has actor \"",
                       event.actor().operator_id(), "\""));
  }
  xueji::v1::RequestBatch body;
  if (!body.ParseFromString(payload.body())) {
    Problem(event,
            Cat("the body of batch ", id, " is not a xueji.v1.RequestBatch"));
    return;
  }
  if (body.key_id() != payload.key_id() ||
      (!body.signer().empty() && body.signer() != payload.signer())) {
    Problem(event, Cat("batch ", id, " names signer \"", body.signer(),
                       "\" and key ", body.key_id(), ", not ", payload.signer(),
                       " and ", payload.key_id()));
  }
  Batch& batch = batches_[Intern(id)];
  if (batch.seen) {
    Problem(event, Cat("batch ", id, " recorded twice"));
    return;
  }
  batch.seen = true;
  batch.signer = payload.signer();
  for (const xueji::v1::Request& request : body.requests()) {
    batch.members.push_back(MemberHash(request.request_id()));
  }
  for (const xueji::v1::RegistryLine& line : body.registry_lines()) {
    batch.members.push_back(
        MemberHash(RegistryRequestId(line, payload.signer())));
  }
  std::sort(batch.members.begin(), batch.members.end());
  Signed entry;
  entry.key_id = payload.key_id();
  entry.signer = payload.signer();
  entry.batch_id = id;
  entry.recorded_at = event.recorded_at();
  entry.at = {event.partition(), event.offset()};
  auto key = keys_.find(payload.key_id());
  if (key != keys_.end()) {
    if (std::string problem = CheckSignature(payload, key->second);
        !problem.empty()) {
      Problem(event, std::move(problem));
    }
    entry.signature_checked = true;
  }
  signed_.push_back(std::move(entry));
}

void SignatureAudit::Add(const Event& event) {
  if (event.has_signed_batch()) AddBatch(event, event.signed_batch());
  switch (event.payload_case()) {
    case Event::kLedgerInitialized:
      initialised_ = true;
      mode_ = event.ledger_initialized().mode();
      break;
    case Event::kOperatorRegistered:
      AddKey(event, event.operator_registered().id(),
             event.operator_registered().public_key(),
             event.operator_registered().key_id());
      break;
    case Event::kOperatorKeyAdded:
      AddKey(event, event.operator_key_added().id(),
             event.operator_key_added().public_key(),
             event.operator_key_added().key_id());
      break;
    case Event::kOperatorSealed:
      for (const std::string& id :
           operator_keys_[event.operator_sealed().id()]) {
        Key& key = keys_[id];
        if (key.revoked_at.empty()) {
          key.revoked_at = event.recorded_at();
          key.revoked_by = event.batch();
        }
      }
      break;
    case Event::kBatchSigned:
      AddBatch(event, event.batch_signed());
      return;
    default:
      break;
  }
  if (event.batch().empty()) {
    if (!NeedsNoBatch(event)) {
      if (first_unsigned_.size() < kUnsignedKept) {
        first_unsigned_.push_back({event.partition(), event.offset()});
      }
      ++unsigned_decisions_;
    }
    return;
  }
  ++signed_events_;
  members_.push_back({Intern(event.batch()),
                      MemberHash(event.request_id()),
                      event.actor().operator_id(),
                      {event.partition(), event.offset()}});
}

absl::StatusOr<std::vector<SignatureProblem>> SignatureAudit::Finish(
    const Reread& reread) {
  // Each batch: signed with a key of its signer, valid then (or ended by
  // this very batch: a rotation or sealing it caused), over its bytes.
  for (const Signed& entry : signed_) {
    auto problem = [&](std::string text) {
      problems_.push_back(
          {entry.at.partition, entry.at.offset, std::move(text)});
    };
    auto key = keys_.find(entry.key_id);
    if (key == keys_.end()) {
      problem(Cat("batch ", entry.batch_id, " is signed with key ",
                  entry.key_id, ", which the log never registered"));
      continue;
    }
    const Key& k = key->second;
    if (k.operator_id != entry.signer) {
      problem(Cat("batch ", entry.batch_id, " by ", entry.signer,
                  " is signed with key ", entry.key_id, " of operator ",
                  k.operator_id));
      continue;
    }
    if (Before(entry.recorded_at, k.registered_at)) {
      problem(Cat("batch ", entry.batch_id, " was signed with key ",
                  entry.key_id, " before the key was registered (",
                  k.registered_at, ")"));
    }
    if (!k.superseded_at.empty() && k.superseded_by != entry.batch_id &&
        After(entry.recorded_at, k.superseded_at)) {
      problem(Cat("batch ", entry.batch_id, " was signed with key ",
                  entry.key_id, " after it was superseded (", k.superseded_at,
                  ")"));
    }
    if (!k.revoked_at.empty() && k.revoked_by != entry.batch_id &&
        After(entry.recorded_at, k.revoked_at)) {
      problem(Cat("batch ", entry.batch_id, " was signed with key ",
                  entry.key_id, " after it was revoked (", k.revoked_at, ")"));
    }
    if (entry.signature_checked) continue;
    absl::StatusOr<Event> event = reread(entry.at.partition, entry.at.offset);
    if (!event.ok()) return event.status();
    const xueji::v1::BatchSigned* kept =
        event->has_batch_signed()   ? &event->batch_signed()
        : event->has_signed_batch() ? &event->signed_batch()
                                    : nullptr;
    if (kept == nullptr) {
      problem("the event that keeps the batch changed between two reads");
      continue;
    }
    if (std::string text = CheckSignature(*kept, k); !text.empty()) {
      problem(std::move(text));
    }
  }
  // Each signed event: its request is in its batch, its actor the signer.
  std::vector<std::string> ids(batches_.size());
  for (const auto& [id, index] : batch_index_) ids[index] = id;
  for (const Member& member : members_) {
    const Batch& batch = batches_[member.batch];
    auto problem = [&](std::string text) {
      problems_.push_back(
          {member.at.partition, member.at.offset, std::move(text)});
    };
    if (!batch.seen) {
      problem(Cat("the event names batch ", ids[member.batch],
                  ", which is not in the log"));
      continue;
    }
    if (!std::binary_search(batch.members.begin(), batch.members.end(),
                            member.request)) {
      problem(
          Cat("the event's request is not in its batch ", ids[member.batch]));
    }
    if (member.actor != batch.signer) {
      problem(Cat("the event's actor \"", member.actor,
                  "\" is not the signer of its batch ", ids[member.batch], " (",
                  batch.signer, ")"));
    }
  }
  if (mode_ == xueji::v1::PRODUCTION && unsigned_decisions_ > 0) {
    for (const Position& at : first_unsigned_) {
      problems_.push_back(
          {at.partition, at.offset,
           Cat("an event of no signed batch on a production ledger (",
               unsigned_decisions_, " in all)")});
    }
  }
  std::sort(problems_.begin(), problems_.end(),
            [](const SignatureProblem& a, const SignatureProblem& b) {
              return std::tie(a.partition, a.offset) <
                     std::tie(b.partition, b.offset);
            });
  return std::move(problems_);
}

}  // namespace xueji
