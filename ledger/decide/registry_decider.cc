// The registry: kindergartens and operators (registry load), and the
// ledger's first event (init). The kindergarten-level requests verify,
// mergeKindergarten and closeKindergarten are kindergarten_decider.cc's.
//
// Registry lines are decided like requests but carry no request id, actor or
// business date of their own: the request id is "registry:" + the first 16
// hex digits of SHA-256 of the line's deterministic protobuf bytes (in a
// signed batch: of the signer's id, NUL and those bytes), so the same line
// twice is the same request, and a changed line is a new one; the actor is
// the signer of the batch, or on a development ledger's unsigned batch
// {operator_id "registry", ROLE_UNSPECIFIED, ""}; the business date is the
// ledger clock's day in China (UTC+8, no daylight saving).
//
// In a signed batch the registry is governed (docs/accountability.md; the
// rules are jurisdiction.h's MayGovern): the signer must be active (not
// sealed, not dormant), may not register, change, re-key or seal itself
// (but may rotate its own key), and must govern both what an entry names
// now and what it would make of it. On a production ledger a new operator
// needs its public key, and no key serves two operators.
#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "ledger/base/dates.h"
#include "ledger/base/ed25519.h"
#include "ledger/base/sha256.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/identity.h"

namespace xueji {

using xueji::v1::RegistryLine;

namespace decide_internal {

bool IsCode(std::string_view s, size_t max_len, std::string_view extra) {
  if (s.empty() || s.size() > max_len) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

namespace {

// Is `org` a region an OFFICER or AUDITOR may hold: "" or "00" (national),
// a province (2), a prefecture (4) or a county (6)?
bool IsRegion(const AreaTable& areas, std::string_view org) {
  if (org.empty() || org == "00") return true;
  if (!IsCode(org, 6, "")) return false;
  for (char c : org) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  switch (org.size()) {
    case 2:
      return areas.IsProvince(org);
    case 4:
      return !areas.Name(org).empty() || !areas.Name(Cat(org, "00")).empty();
    case 6:
      return areas.IsCounty(org);
    default:
      return false;
  }
}

// Who decides a registry line: the signer (governed) or nobody (an unsigned
// line of a development ledger).
struct Governor {
  const xueji::v1::OperatorState* op = nullptr;  // null: ungoverned
};

// NOT_AUTHORIZED unless the governor may govern (role, region).
std::optional<Draft> RefuseUngoverned(const Governor& g, xueji::v1::Role role,
                                      std::string_view region,
                                      const std::string& subject) {
  if (g.op == nullptr) return std::nullopt;
  std::optional<std::string> why = MayGovern(*g.op, role, region);
  if (!why.has_value()) return std::nullopt;
  return Refuse(xueji::v1::NOT_AUTHORIZED, *why, subject);
}

std::optional<Draft> RefuseSelf(const Governor& g, std::string_view id,
                                std::string_view what,
                                const std::string& subject) {
  if (g.op == nullptr || g.op->id() != id) return std::nullopt;
  return Refuse(xueji::v1::NOT_AUTHORIZED,
                Cat("operator \"", id, "\" may not ", what,
                    " itself: whoever may register it does (Art. 19)"),
                subject);
}

// The region an operator's registration lies in: its kindergarten's county
// for a registrar (nullopt when that kindergarten is unknown), its org else.
absl::StatusOr<std::optional<std::string>> RegionOf(const StateView& state,
                                                    xueji::v1::Role role,
                                                    const std::string& org) {
  if (role != xueji::v1::REGISTRAR) return std::optional<std::string>(org);
  ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                   state.Kindergarten(org));
  if (!kg.has_value()) return std::optional<std::string>();
  return std::optional<std::string>(kg->county());
}

// May the governor change the operator as registered now?
absl::StatusOr<std::optional<Draft>> RefuseUngovernedOperator(
    const Governor& g, const StateView& state, const OperatorState& known,
    const std::string& subject) {
  if (g.op == nullptr) return std::optional<Draft>();
  ASSIGN_OR_RETURN(std::optional<std::string> region,
                   RegionOf(state, known.role(), known.org()));
  return RefuseUngoverned(g, known.role(), region.value_or("?"), subject);
}

// A public key for `id`: 32 bytes of a usable key (CheckPublicKey), not
// another operator's, not one of its own earlier keys. Sets *key_id.
absl::StatusOr<std::optional<Draft>> RefuseKey(const StateView& state,
                                               std::string_view id,
                                               const std::string& public_key,
                                               const std::string& subject,
                                               std::string* key_id) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return std::optional<Draft>(
        Refuse(xueji::v1::INVALID_FIELD,
               Cat("operator ", id,
                   ": publicKey must be an Ed25519 public key (32 "
                   "bytes, base64 as `ledger keygen` prints it), not ",
                   public_key.size(), " bytes"),
               subject));
  }
  if (absl::Status usable = CheckPublicKey(public_key); !usable.ok()) {
    return std::optional<Draft>(Refuse(
        xueji::v1::INVALID_FIELD,
        Cat("operator ", id, ": publicKey: ", usable.message()), subject));
  }
  *key_id = KeyId(public_key);
  ASSIGN_OR_RETURN(std::optional<std::string> holder,
                   state.OperatorByKey(*key_id));
  if (holder.has_value() && *holder != id) {
    return std::optional<Draft>(
        Refuse(xueji::v1::INVALID_FIELD,
               Cat("operator ", id, ": key ", *key_id,
                   " is already registered to another operator"),
               subject));
  }
  if (holder.has_value()) {
    ASSIGN_OR_RETURN(std::optional<OperatorState> op, state.Operator(id));
    const xueji::v1::OperatorKey* current =
        op.has_value() ? CurrentKey(*op) : nullptr;
    if (current == nullptr || current->key_id() != *key_id) {
      return std::optional<Draft>(
          Refuse(xueji::v1::INVALID_FIELD,
                 Cat("operator ", id, ": key ", *key_id,
                     " was superseded or revoked; a new key is needed"),
                 subject));
    }
  }
  return std::optional<Draft>();
}

absl::StatusOr<Draft> DecideKindergartenEntry(
    const xueji::v1::KindergartenEntry& entry, const StateView& state,
    const DecideContext& ctx, const Governor& g, const std::string& subject) {
  if (!IsCode(entry.code(), 32, "-")) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "kindergarten code must be 1-32 characters of 0-9, A-Z, "
                  "a-z and -",
                  subject);
  }
  if (entry.name().empty() || entry.name().size() > 200 ||
      !IsValidUtf8(entry.name())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("kindergarten ", entry.code(),
                      ": name must be 1-200 bytes of UTF-8"),
                  subject);
  }
  if (!ctx.areas->IsCounty(entry.county())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("kindergarten ", entry.code(), ": county \"",
                      entry.county(), "\" is not a known 6-digit county code"),
                  subject);
  }
  if (auto refusal = RefuseUngoverned(g, xueji::v1::ROLE_UNSPECIFIED,
                                      entry.county(), subject)) {
    return std::move(*refusal);
  }
  ASSIGN_OR_RETURN(std::optional<KindergartenState> known,
                   state.Kindergarten(entry.code()));
  if (known.has_value()) {
    if (auto refusal = RefuseUngoverned(g, xueji::v1::ROLE_UNSPECIFIED,
                                        known->county(), subject)) {
      return std::move(*refusal);
    }
  }
  if (known.has_value() && IsClosed(*known)) {
    return Refuse(xueji::v1::KINDERGARTEN_CLOSED,
                  Cat("kindergarten ", entry.code(), " is closed"), subject);
  }
  Event event = NewEvent(KindergartenSubject(entry.code()), "");
  auto* payload = event.mutable_kindergarten_registered();
  payload->set_code(entry.code());
  payload->set_name(entry.name());
  payload->set_county(entry.county());
  return Accept(
      xueji::v1::APPLIED,
      known.has_value() ? "kindergarten updated" : "kindergarten registered",
      {std::move(event)});
}

bool IsOperatorId(std::string_view id) {
  return IsCode(id, 64, "._@-") && id != "registry";
}

Draft BadOperatorId(const std::string& subject) {
  return Refuse(xueji::v1::INVALID_FIELD,
                "operator id must be 1-64 characters of 0-9, A-Z, a-z and "
                "._@- (\"registry\" is reserved)",
                subject);
}

absl::StatusOr<Draft> DecideOperatorEntry(const xueji::v1::OperatorEntry& entry,
                                          const StateView& state,
                                          const DecideContext& ctx,
                                          const Governor& g,
                                          const std::string& subject) {
  if (!IsOperatorId(entry.id())) return BadOperatorId(subject);
  // Issue 10: "350000" is "35" (AreaTable::CanonicalRegion); a registrar's
  // org is a kindergarten code and stays as given.
  const std::string org = entry.role() == xueji::v1::REGISTRAR
                              ? entry.org()
                              : AreaTable::CanonicalRegion(entry.org());
  std::string problem;
  switch (entry.role()) {
    case xueji::v1::REGISTRAR: {
      ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                       state.Kindergarten(org));
      if (!kg.has_value()) {
        return Refuse(xueji::v1::UNKNOWN_KINDERGARTEN,
                      Cat("operator ", entry.id(), ": unknown kindergarten \"",
                          org, "\""),
                      subject);
      }
      // Issue 10: a closed or merged-away kindergarten takes no new
      // registrar (its registrars already filed stay, as they were).
      if (IsClosed(*kg)) {
        ASSIGN_OR_RETURN(std::optional<OperatorState> known,
                         state.Operator(entry.id()));
        if (!known.has_value() || known->role() != xueji::v1::REGISTRAR ||
            known->org() != org) {
          return Refuse(
              xueji::v1::KINDERGARTEN_CLOSED,
              Cat("operator ", entry.id(), ": kindergarten ", org, " is closed",
                  kg->merged_into().empty()
                      ? std::string()
                      : Cat(" (merged into ", kg->merged_into(), ")")),
              subject);
        }
      }
      break;
    }
    case xueji::v1::APPROVER:
      if (!ctx.areas->IsCounty(org)) problem = "a known 6-digit county code";
      break;
    case xueji::v1::OFFICER:
    case xueji::v1::AUDITOR:
      if (!IsRegion(*ctx.areas, org)) {
        problem = "\"\", \"00\" or a known 2-, 4- or 6-digit region code";
      }
      break;
    default:
      return Refuse(xueji::v1::INVALID_FIELD,
                    Cat("operator ", entry.id(),
                        ": role must be "
                        "REGISTRAR, APPROVER, OFFICER or AUDITOR"),
                    subject);
  }
  if (!problem.empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("operator ", entry.id(), ": org \"", org, "\" of a ",
                      xueji::v1::Role_Name(entry.role()), " must be ", problem),
                  subject);
  }
  if (auto self = RefuseSelf(g, entry.id(), "register or change", subject)) {
    return std::move(*self);
  }
  ASSIGN_OR_RETURN(std::optional<std::string> region,
                   RegionOf(state, entry.role(), org));
  if (auto refusal =
          RefuseUngoverned(g, entry.role(), region.value_or(org), subject)) {
    return std::move(*refusal);
  }
  ASSIGN_OR_RETURN(std::optional<OperatorState> known,
                   state.Operator(entry.id()));
  if (known.has_value()) {
    ASSIGN_OR_RETURN(std::optional<Draft> refusal,
                     RefuseUngovernedOperator(g, state, *known, subject));
    if (refusal.has_value()) return std::move(*refusal);
  }
  std::string key_id;
  if (!entry.public_key().empty()) {
    ASSIGN_OR_RETURN(
        std::optional<Draft> refusal,
        RefuseKey(state, entry.id(), entry.public_key(), subject, &key_id));
    if (refusal.has_value()) return std::move(*refusal);
  } else if (ctx.mode == xueji::v1::PRODUCTION &&
             (!known.has_value() || CurrentKey(*known) == nullptr)) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("operator ", entry.id(),
                      ": publicKey is required on a production ledger (the "
                      "line `ledger keygen` printed for the operator)"),
                  subject);
  }
  Event event = NewEvent(OperatorSubject(entry.id()), "");
  auto* payload = event.mutable_operator_registered();
  payload->set_id(entry.id());
  payload->set_role(entry.role());
  payload->set_org(org);
  if (!key_id.empty()) {
    payload->set_public_key(entry.public_key());
    payload->set_key_id(key_id);
  }
  return Accept(xueji::v1::APPLIED,
                known.has_value() ? "operator updated" : "operator registered",
                {std::move(event)});
}

// The operator a key or seal line names: known, or a refusal.
struct OperatorLookup {
  std::optional<OperatorState> op;
  std::optional<Draft> refusal;
};
absl::StatusOr<OperatorLookup> FindOperator(const StateView& state,
                                            std::string_view id,
                                            const std::string& subject) {
  OperatorLookup out;
  if (!IsOperatorId(id)) {
    out.refusal = BadOperatorId(subject);
    return out;
  }
  ASSIGN_OR_RETURN(out.op, state.Operator(id));
  if (!out.op.has_value()) {
    out.refusal = Refuse(xueji::v1::UNKNOWN_OPERATOR,
                         Cat("unknown operator \"", id, "\""), subject);
  }
  return out;
}

absl::StatusOr<Draft> DecideOperatorKeyEntry(
    const xueji::v1::OperatorKeyEntry& entry, const StateView& state,
    const Governor& g, const std::string& subject) {
  ASSIGN_OR_RETURN(OperatorLookup found,
                   FindOperator(state, entry.id(), subject));
  if (found.refusal) return std::move(*found.refusal);
  const OperatorState& op = *found.op;
  // Its own key: the operator rotates it itself (it signed with its current
  // key), or whoever may register it does.
  if (g.op != nullptr && g.op->id() != op.id()) {
    ASSIGN_OR_RETURN(std::optional<Draft> refusal,
                     RefuseUngovernedOperator(g, state, op, subject));
    if (refusal.has_value()) return std::move(*refusal);
  }
  if (op.sealed()) {
    return Refuse(
        xueji::v1::OPERATOR_SEALED,
        Cat("operator \"", op.id(), "\" is sealed: its keys stay revoked"),
        subject);
  }
  std::string key_id;
  ASSIGN_OR_RETURN(
      std::optional<Draft> refusal,
      RefuseKey(state, op.id(), entry.public_key(), subject, &key_id));
  if (refusal.has_value()) return std::move(*refusal);
  const xueji::v1::OperatorKey* current = CurrentKey(op);
  if (current != nullptr && current->key_id() == key_id) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("operator ", op.id(), ": key ", key_id,
                      " is already its current key"),
                  subject);
  }
  Event event = NewEvent(OperatorSubject(op.id()), "");
  auto* payload = event.mutable_operator_key_added();
  payload->set_id(op.id());
  payload->set_public_key(entry.public_key());
  payload->set_key_id(key_id);
  return Accept(xueji::v1::APPLIED,
                Cat("new key ", key_id, "; earlier keys superseded"),
                {std::move(event)});
}

absl::StatusOr<Draft> DecideSealOperatorEntry(
    const xueji::v1::SealOperatorEntry& entry, const StateView& state,
    const Governor& g, const std::string& subject) {
  ASSIGN_OR_RETURN(OperatorLookup found,
                   FindOperator(state, entry.id(), subject));
  if (found.refusal) return std::move(*found.refusal);
  const OperatorState& op = *found.op;
  if (entry.reason().empty() || entry.reason().size() > 500 ||
      !IsValidUtf8(entry.reason())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "sealOperator.reason must be 1-500 bytes of UTF-8", subject);
  }
  if (auto self = RefuseSelf(g, op.id(), "seal", subject)) {
    return std::move(*self);
  }
  ASSIGN_OR_RETURN(std::optional<Draft> refusal,
                   RefuseUngovernedOperator(g, state, op, subject));
  if (refusal.has_value()) return std::move(*refusal);
  if (op.sealed()) {
    return Refuse(xueji::v1::INVALID_TRANSITION,
                  Cat("operator \"", op.id(), "\" is already sealed"), subject);
  }
  Event event = NewEvent(OperatorSubject(op.id()), "");
  auto* payload = event.mutable_operator_sealed();
  payload->set_id(op.id());
  payload->set_last_active(op.last_active());
  payload->set_reason(entry.reason());
  return Accept(xueji::v1::APPLIED, "operator sealed; its keys are revoked",
                {std::move(event)});
}

}  // namespace
}  // namespace decide_internal

absl::StatusOr<Decision> DecideRegistry(const RegistryLine& line,
                                        const StateView& state,
                                        const DecideContext& ctx) {
  using namespace decide_internal;  // NOLINT
  Envelope envelope;
  envelope.request_id = RegistryRequestId(line, ctx.signer);
  envelope.correlation_id = envelope.request_id;
  const absl::CivilDay today = BeijingDay(ctx.now);
  envelope.business_date = FormatDate(today);
  envelope.actor.set_operator_id("registry");
  envelope.actor.set_role(xueji::v1::ROLE_UNSPECIFIED);
  const std::string subject = RequestSubject(envelope.request_id);
  switch (line.entry_case()) {
    case RegistryLine::kKindergarten:
      envelope.action = "kindergarten";
      break;
    case RegistryLine::kOperator:
      envelope.action = "operator";
      break;
    case RegistryLine::kOperatorKey:
      envelope.action = "operatorKey";
      break;
    case RegistryLine::kSealOperator:
      envelope.action = "sealOperator";
      break;
    case RegistryLine::ENTRY_NOT_SET:
      break;
  }
  Governor g;
  std::optional<OperatorState> signer;
  Draft draft;
  if (!ctx.signer.empty()) {
    envelope.actor.set_operator_id(ctx.signer);
    ASSIGN_OR_RETURN(signer, state.Operator(ctx.signer));
    if (!signer.has_value()) {
      draft = Refuse(xueji::v1::UNKNOWN_OPERATOR,
                     Cat("unknown operator \"", ctx.signer, "\""), subject);
      return Finish(std::move(draft), envelope, ctx);
    }
    envelope.actor.set_role(signer->role());
    envelope.actor.set_org(signer->org());
    g.op = &*signer;
    ASSIGN_OR_RETURN(AccountPolicy account,
                     PolicyOfOperator(*signer, state, today));
    if (std::optional<Draft> inactive = RefuseIfInactive(
            *signer, account.book.ForCounty(account.region), today, subject)) {
      return Finish(std::move(*inactive), envelope, ctx);
    }
  }
  switch (line.entry_case()) {
    case RegistryLine::kKindergarten: {
      ASSIGN_OR_RETURN(draft, DecideKindergartenEntry(line.kindergarten(),
                                                      state, ctx, g, subject));
      break;
    }
    case RegistryLine::kOperator: {
      ASSIGN_OR_RETURN(
          draft, DecideOperatorEntry(line.operator_(), state, ctx, g, subject));
      break;
    }
    case RegistryLine::kOperatorKey: {
      ASSIGN_OR_RETURN(draft, DecideOperatorKeyEntry(line.operator_key(), state,
                                                     g, subject));
      break;
    }
    case RegistryLine::kSealOperator: {
      ASSIGN_OR_RETURN(draft, DecideSealOperatorEntry(line.seal_operator(),
                                                      state, g, subject));
      break;
    }
    case RegistryLine::ENTRY_NOT_SET:
      draft = Refuse(xueji::v1::MALFORMED_REQUEST,
                     "a registry line holds a kindergarten, an operator, an "
                     "operatorKey or a sealOperator",
                     subject);
      break;
  }
  return Finish(std::move(draft), envelope, ctx);
}

absl::StatusOr<Decision> DecideInit(const xueji::v1::InitLedger& init,
                                    const StateView& state,
                                    const DecideContext& ctx) {
  using namespace decide_internal;  // NOLINT
  ASSIGN_OR_RETURN(std::optional<xueji::v1::LedgerSettings> settings,
                   state.Ledger());
  if (settings.has_value()) {
    return absl::FailedPreconditionError(
        Cat("already an initialised ledger (",
            xueji::v1::LedgerMode_Name(settings->mode()), ", id ",
            settings->ledger_id(), "); `ledger init` runs once"));
  }
  if (init.ledger_id().size() != 32 ||
      !std::all_of(init.ledger_id().begin(), init.ledger_id().end(),
                   [](char c) { return absl::ascii_isxdigit(c); })) {
    return absl::InvalidArgumentError("the ledger id must be 32 hex digits");
  }
  Event initialized = NewEvent(LedgerSubject(), "");
  auto* payload = initialized.mutable_ledger_initialized();
  payload->set_mode(init.mode());
  payload->set_ledger_id(init.ledger_id());
  std::vector<Event> events;
  Envelope envelope;
  envelope.request_id = kInitRequestId;
  envelope.correlation_id = kInitRequestId;
  envelope.business_date =
      FormatDate(absl::ToCivilDay(ctx.now, absl::FixedTimeZone(8 * 60 * 60)));
  envelope.actor.set_operator_id("ledger");
  envelope.action = "init";
  switch (init.mode()) {
    case xueji::v1::DEVELOPMENT:
      events.push_back(std::move(initialized));
      return Finish(Accept(xueji::v1::APPLIED, "development ledger initialised",
                           std::move(events)),
                    envelope, ctx);
    case xueji::v1::PRODUCTION:
      break;
    default:
      return absl::InvalidArgumentError(
          "a ledger is PRODUCTION (--root-key) or DEVELOPMENT (--dev)");
  }
  const std::string root =
      init.root_operator().empty() ? std::string("root") : init.root_operator();
  if (!IsOperatorId(root)) {
    return absl::InvalidArgumentError(
        Cat("root id \"", root,
            "\": an operator id is 1-64 characters of 0-9, A-Z, a-z and ._@-"));
  }
  if (init.root_public_key().size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        "the root key must be an Ed25519 public key (32 bytes)");
  }
  if (absl::Status usable = CheckPublicKey(init.root_public_key());
      !usable.ok()) {
    return absl::InvalidArgumentError(Cat("the root key: ", usable.message()));
  }
  const std::string key_id = KeyId(init.root_public_key());
  payload->set_root_operator(root);
  payload->set_root_public_key(init.root_public_key());
  payload->set_root_key_id(key_id);
  events.push_back(std::move(initialized));
  Event officer = NewEvent(OperatorSubject(root), "");
  auto* registered = officer.mutable_operator_registered();
  registered->set_id(root);
  registered->set_role(xueji::v1::OFFICER);
  registered->set_org("00");
  registered->set_public_key(init.root_public_key());
  registered->set_key_id(key_id);
  events.push_back(std::move(officer));
  return Finish(Accept(xueji::v1::APPLIED,
                       Cat("production ledger initialised; national officer ",
                           root, " holds key ", key_id),
                       std::move(events)),
                envelope, ctx);
}

}  // namespace xueji
