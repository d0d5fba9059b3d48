// Decide: validation common to every request, dispatch to the action
// deciders, and the event envelope.
//
// Order of checks (the first failing one answers):
//   1. requestId present                         MALFORMED_REQUEST
//      in a signed batch (ctx.signer), actor omitted or the signer
//                                                NOT_AUTHENTICATED
//   2. occurredOn a real YYYY-MM-DD date         INVALID_FIELD
//   3. actor a registered operator               UNKNOWN_OPERATOR
//   4. operator not sealed                       OPERATOR_SEALED
//      operator not dormant (last active more than sealAfterMonths before
//      occurredOn): OperatorSealed + RequestRejected(OPERATOR_SEALED)
//   5. an action present                         MALFORMED_REQUEST
//   6. the action's own checks, always in this order:
//      a. the request's own fields (admit/editKeyInfo: the child first:
//         INVALID_FIELD, INVALID_ID_NUMBER, ID_MISMATCH; then other fields)
//      b. existence of what it names (UNKNOWN_STUDENT, UNKNOWN_KINDERGARTEN,
//         UNKNOWN_REQUEST)
//      c. authorization (NOT_AUTHORIZED: the message names the operator's
//         role and organisation, never the child)
//      d. state: closed kindergartens (KINDERGARTEN_CLOSED), the record's
//         status and pending change (INVALID_TRANSITION), age
//         (AGE_OUT_OF_RANGE), one live record per document
//         (DUPLICATE_REGISTRATION).
// Steps 1 and 5 are also form checks (request_form.h) that the processor
// applies before deciding: through it, such a request is answered
// MALFORMED_REQUEST and never recorded. Decide still refuses them itself.
// Refusals in steps 1-5 and refusals before a record is found are on the
// subject req:<requestId>; a refusal about a known record is on its subject.
// In a signed batch the envelope's actor is always the signer, whatever the
// request claims: the signer did send it.
// Messages never contain identity document numbers or student numbers (a G
// number embeds the resident ID).
#include "ledger/decide/decider.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/subjects.h"
#include "ledger/rules/reasons.h"

namespace xueji {

using xueji::v1::Actor;
using xueji::v1::Event;
using xueji::v1::KindergartenState;
using xueji::v1::OperatorState;
using xueji::v1::RecordState;
using xueji::v1::Request;
using xueji::v1::Result;

namespace decide_internal {

Event NewEvent(std::string_view subject, std::string_view student_no) {
  Event event;
  event.set_subject(std::string(subject));
  event.set_student_no(std::string(student_no));
  return event;
}

Draft Refuse(xueji::v1::ReasonCode code, std::string message,
             std::string_view subject, std::string_view student_no) {
  Draft draft;
  draft.status = xueji::v1::REJECTED;
  draft.code = code;
  draft.message = std::move(message);
  Event event = NewEvent(subject, student_no);
  event.mutable_request_rejected()->set_code(code);
  event.mutable_request_rejected()->set_message(draft.message);
  draft.events.push_back(std::move(event));
  return draft;
}

Draft RefuseStatus(const absl::Status& rejection, std::string_view subject,
                   std::string_view student_no) {
  xueji::v1::ReasonCode code =
      ReasonOf(rejection).value_or(xueji::v1::INVALID_FIELD);
  return Refuse(code, std::string(rejection.message()), subject, student_no);
}

Draft Accept(xueji::v1::ResultStatus status, std::string message,
             std::vector<Event> events) {
  Draft draft;
  draft.status = status;
  draft.message = std::move(message);
  draft.events = std::move(events);
  return draft;
}

bool IsClosed(const KindergartenState& kg) {
  return kg.closed() || !kg.merged_into().empty();
}

std::optional<Draft> RefuseIfPending(const RecordState& record) {
  if (record.pending().request_id().empty()) return std::nullopt;
  return Refuse(xueji::v1::INVALID_TRANSITION,
                Cat("the record has a pending change (request ",
                             record.pending().request_id(),
                             "); one pending change per record at a time"),
                record.subject(), record.student_no());
}

absl::StatusOr<std::optional<Draft>> RefuseIfHeld(
    const StateView& state, std::string_view identity_key,
    const RecordState& record) {
  if (identity_key.empty()) return std::optional<Draft>();
  ASSIGN_OR_RETURN(std::optional<RecordState> holder,
                         state.RecordByIdentity(identity_key));
  if (!holder.has_value() || holder->subject() == record.subject() ||
      !IsLive(holder->status())) {
    return std::optional<Draft>();
  }
  return std::optional<Draft>(
      Refuse(xueji::v1::DUPLICATE_REGISTRATION,
             "the identity document already has another live record",
             record.subject(), record.student_no()));
}

Decision Finish(Draft draft, const Envelope& envelope,
                const DecideContext& ctx) {
  Decision decision;
  decision.status = draft.status;
  decision.code = draft.code;
  decision.message = std::move(draft.message);
  std::string recorded_at = FormatRfc3339(ctx.now);
  for (size_t i = 0; i < draft.events.size(); ++i) {
    Event& event = draft.events[i];
    event.set_event_id(EventId(envelope.request_id, i));
    event.set_recorded_at(recorded_at);
    event.set_business_date(envelope.business_date);
    *event.mutable_actor() = envelope.actor;
    event.set_request_id(envelope.request_id);
    event.set_correlation_id(envelope.correlation_id);
    event.set_outcome(draft.status);
    if (event.has_request_rejected() &&
        event.request_rejected().action().empty()) {
      event.mutable_request_rejected()->set_action(envelope.action);
    }
  }
  if (!draft.events.empty()) decision.student_no = draft.events[0].student_no();
  decision.events = std::move(draft.events);
  return decision;
}

}  // namespace decide_internal

namespace {

using namespace decide_internal;  // NOLINT: this file implements them

// The policy that governs an operator's account (sealing): by the county of
// its kindergarten (registrar) or its region (others).
absl::StatusOr<const Policy*> PolicyForOperator(const OperatorState& op,
                                                const StateView& state,
                                                const DecideContext& ctx) {
  std::string region = op.org();
  if (op.role() == xueji::v1::REGISTRAR) {
    ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                           state.Kindergarten(op.org()));
    region = kg.has_value() ? kg->county() : "";
  }
  if (region.size() < 2 || region == "00") return &ctx.policy->national();
  return &ctx.policy->ForCounty(region);
}

absl::StatusOr<Draft> Dispatch(const Call& call) {
  switch (call.request.action_case()) {
    case Request::kAdmit: return DecideAdmit(call);
    case Request::kApprove: return DecideApprove(call);
    case Request::kReject: return DecideReject(call);
    case Request::kTransferOut: return DecideTransferOut(call);
    case Request::kTransferIn: return DecideTransferIn(call);
    case Request::kLeave: return DecideLeave(call);
    case Request::kGraduate: return DecideGraduate(call);
    case Request::kDefer: return DecideDefer(call);
    case Request::kCancel: return DecideCancel(call);
    case Request::kEditKeyInfo: return DecideEditKeyInfo(call);
    case Request::kConvertNumber: return DecideConvertNumber(call);
    case Request::kVerify: return DecideVerify(call);
    case Request::kMergeKindergarten: return DecideMerge(call);
    case Request::kCloseKindergarten: return DecideClose(call);
    case Request::ACTION_NOT_SET: break;
  }
  return Refuse(xueji::v1::MALFORMED_REQUEST,
                "the request names no action (admit, approve, ...)",
                RequestSubject(call.request.request_id()));
}

}  // namespace

namespace decide_internal {

absl::StatusOr<std::optional<Draft>> RefuseIfInactive(
    const OperatorState& who, const StateView& state, const DecideContext& ctx,
    absl::CivilDay today, std::string_view subject) {
  if (who.sealed()) {
    return std::optional<Draft>(
        Refuse(xueji::v1::OPERATOR_SEALED,
               Cat("operator \"", who.id(),
                   "\" is sealed (account unused too long, or sealed by "
                   "whoever registered it)"),
               subject));
  }
  ASSIGN_OR_RETURN(const Policy* policy, PolicyForOperator(who, state, ctx));
  if (IsDormant(who.last_active(), *policy, today)) {
    Draft draft = Refuse(
        xueji::v1::OPERATOR_SEALED,
        Cat("operator \"", who.id(), "\" was last active on ",
            who.last_active(), ", more than ", policy->seal_after_months,
            " months ago: the account is now sealed"),
        subject);
    Event sealed = NewEvent(OperatorSubject(who.id()), "");
    sealed.mutable_operator_sealed()->set_id(who.id());
    sealed.mutable_operator_sealed()->set_last_active(who.last_active());
    draft.events.insert(draft.events.begin(), std::move(sealed));
    return std::optional<Draft>(std::move(draft));
  }
  return std::optional<Draft>();
}

}  // namespace decide_internal

namespace {

// Checks 1-5 of the order above, then the action. `op` is filled once the
// operator is known (the envelope's actor).
absl::StatusOr<Draft> DecideChecked(const Request& request,
                                    const StateView& state,
                                    const DecideContext& ctx,
                                    std::optional<OperatorState>* op,
                                    std::string* business_date) {
  const std::string subject = RequestSubject(request.request_id());
  if (request.request_id().empty()) {
    return Refuse(xueji::v1::MALFORMED_REQUEST, "requestId is required",
                  subject);
  }
  const std::string& actor = ctx.signer.empty() ? request.actor() : ctx.signer;
  if (!ctx.signer.empty() && !request.actor().empty() &&
      request.actor() != ctx.signer) {
    ASSIGN_OR_RETURN(*op, state.Operator(ctx.signer));
    return Refuse(xueji::v1::NOT_AUTHENTICATED,
                  Cat("actor \"", request.actor(),
                      "\" is not the operator who signed the batch (\"",
                      ctx.signer,
                      "\"): a signed request is its signer's (omit actor)"),
                  subject);
  }
  absl::StatusOr<absl::CivilDay> today = ParseDate(request.occurred_on());
  if (!today.ok()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "occurredOn must be a real date in the form YYYY-MM-DD",
                  subject);
  }
  *business_date = FormatDate(*today);
  ASSIGN_OR_RETURN(*op, state.Operator(actor));
  if (!op->has_value()) {
    return Refuse(xueji::v1::UNKNOWN_OPERATOR,
                  Cat("unknown operator \"", actor, "\""), subject);
  }
  const OperatorState& who = **op;
  ASSIGN_OR_RETURN(std::optional<Draft> inactive,
                   RefuseIfInactive(who, state, ctx, *today, subject));
  if (inactive.has_value()) return std::move(*inactive);
  return Dispatch(Call{request, state, ctx, who, *today});
}

}  // namespace

absl::StatusOr<Decision> Decide(const Request& request, const StateView& state,
                                const DecideContext& ctx) {
  std::optional<OperatorState> op;
  std::string business_date;
  ASSIGN_OR_RETURN(
      Draft draft, DecideChecked(request, state, ctx, &op, &business_date));
  Envelope envelope;
  envelope.request_id = request.request_id();
  envelope.correlation_id = request.request_id();
  if (request.has_approve() && !request.approve().request_id().empty()) {
    envelope.correlation_id = request.approve().request_id();
  } else if (request.has_reject() && !request.reject().request_id().empty()) {
    envelope.correlation_id = request.reject().request_id();
  }
  envelope.business_date = business_date;
  if (op.has_value()) {
    envelope.actor.set_operator_id(op->id());
    envelope.actor.set_role(op->role());
    envelope.actor.set_org(op->org());
  } else {
    envelope.actor.set_operator_id(ctx.signer.empty() ? request.actor()
                                                      : ctx.signer);
  }
  envelope.action = std::string(ActionName(request));
  return Finish(std::move(draft), envelope, ctx);
}

Result ResultOf(const Request& request, const Decision& decision) {
  Result result;
  result.set_request_id(request.request_id());
  result.set_status(decision.status);
  result.set_student_no(decision.student_no);
  if (decision.status == xueji::v1::REJECTED) {
    result.set_code(decision.code);
    result.set_message(decision.message);
  }
  return result;
}

bool IsLive(xueji::v1::RecordStatus status) {
  return status == xueji::v1::PENDING || status == xueji::v1::ENROLLED ||
         status == xueji::v1::TRANSFERRING;
}

std::string_view ActionName(const Request& request) {
  switch (request.action_case()) {
    case Request::kAdmit: return "admit";
    case Request::kApprove: return "approve";
    case Request::kReject: return "reject";
    case Request::kTransferOut: return "transferOut";
    case Request::kTransferIn: return "transferIn";
    case Request::kLeave: return "leave";
    case Request::kGraduate: return "graduate";
    case Request::kDefer: return "defer";
    case Request::kCancel: return "cancel";
    case Request::kEditKeyInfo: return "editKeyInfo";
    case Request::kConvertNumber: return "convertNumber";
    case Request::kVerify: return "verify";
    case Request::kMergeKindergarten: return "mergeKindergarten";
    case Request::kCloseKindergarten: return "closeKindergarten";
    case Request::ACTION_NOT_SET: break;
  }
  return "";
}

}  // namespace xueji
