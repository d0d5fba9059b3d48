// Decide: validation common to every request, dispatch to the action
// deciders, and the event envelope.
//
// Order of checks (the first failing one answers):
//   1. requestId present                         MALFORMED_REQUEST
//      in a signed batch (ctx.signer), actor omitted or the signer
//                                                NOT_AUTHENTICATED
//   2. occurredOn, if given, a real YYYY-MM-DD   INVALID_FIELD
//      (absent: today, the Beijing day of the ledger's clock ctx.now)
//   3. occurredOn not after today                INVALID_DATE
//   4. actor a registered operator               UNKNOWN_OPERATOR
//   5. operator not sealed                       OPERATOR_SEALED
//      operator not dormant (Art. 22: last active, by the ledger's clock,
//      more than sealAfterMonths before today, whatever occurredOn says):
//      OperatorSealed + RequestRejected(OPERATOR_SEALED). Officers and
//      auditors mostly read, and reads are not events: their accounts are
//      not judged (rules/accounts.h, ActivityIsJudged).
//   6. occurredOn at most lateEntryMaxWorkingDays working days before
//      today, and at most lateEntryWorkingDays unless lateReason is given
//                                                INVALID_DATE
//   7. an action present                         MALFORMED_REQUEST
//   8. the action's own checks, always in this order:
//      a. the request's own fields (admit/editKeyInfo: the child first:
//         INVALID_FIELD, INVALID_ID_NUMBER, ID_MISMATCH; then other fields)
//      b. existence of what it names (UNKNOWN_STUDENT, UNKNOWN_KINDERGARTEN,
//         UNKNOWN_REQUEST)
//      c. authorization (NOT_AUTHORIZED: the message names the operator's
//         role and organisation, never the child)
//      d. state: closed kindergartens (KINDERGARTEN_CLOSED), the record's
//         status and pending change (INVALID_TRANSITION), age
//         (AGE_OUT_OF_RANGE), one live record per document
//         (DUPLICATE_REGISTRATION), and the business date against the
//         record's history (INVALID_DATE: not before the step it follows,
//         RefuseIfBefore; setPolicy: effectiveFrom not before today).
// Steps 1 and 7 are also form checks (request_form.h) that the processor
// applies before deciding: through it, such a request is answered
// MALFORMED_REQUEST and never recorded. Decide still refuses them itself.
// Refusals in steps 1-7 and refusals before a record is found are on the
// subject req:<requestId>; a refusal about a known record is on its subject.
// In a signed batch the envelope's actor is always the signer, whatever the
// request claims: the signer did send it.
// Messages never contain identity document numbers or student numbers (a G
// number embeds the resident ID).
//
// The policy of a decision is the one in force on its business date for the
// actor's region (a registrar's: its kindergarten's county); its versions
// are the envelope's policy_version once the actor is known ("" before). A
// late entry's events carry its lateReason (late_reason); a lateReason given
// with a timely request is not recorded.
#include "ledger/decide/decider.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/reasons.h"
#include "ledger/rules/subjects.h"

namespace xueji {

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

Draft AwaitingCounty(std::string_view what, std::vector<Event> events) {
  return Accept(xueji::v1::PENDING_APPROVAL,
                Cat(what, " requested; awaiting county approval"),
                std::move(events));
}

DateField ParseDateField(std::string_view text, std::string_view field,
                         std::string_view subject) {
  DateField parsed;
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (day.ok()) {
    parsed.day = *day;
  } else {
    parsed.refusal = Refuse(
        xueji::v1::INVALID_FIELD,
        Cat(field, " must be a real date in the form YYYY-MM-DD"), subject);
  }
  return parsed;
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

std::optional<Draft> RefuseIfBefore(const Call& call,
                                    const RecordState& record) {
  struct Step {
    const std::string& on;
    std::string_view what;
  };
  const Step steps[] = {
      {record.requested_on(), "the admission request"},
      {record.established_on(), "the record's establishment"},
      {record.transfer_started_on(), "the transfer request"},
      {record.transfer_out_on(), "the transfer-out approval"},
      {record.pending().requested_on(), "the pending request"},
  };
  const Step* latest = nullptr;
  for (const Step& step : steps) {
    if (!step.on.empty() && (latest == nullptr || step.on > latest->on)) {
      latest = &step;
    }
  }
  const std::string today = FormatDate(call.today);
  if (latest == nullptr || today >= latest->on) return std::nullopt;
  return Refuse(
      xueji::v1::INVALID_DATE,
      Cat("occurredOn ", today, " is before ", latest->what, " on ", latest->on,
          ": a request may not precede the events it follows"),
      record.subject(), record.student_no());
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
    event.set_policy_version(envelope.policy_version);
    event.set_late_reason(envelope.late_reason);
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

// The region whose policy governs a decision by `op`: a registrar's
// kindergarten's county, another operator's organisation ("" or "00":
// national).
absl::StatusOr<std::string> RegionOf(const OperatorState& op,
                                     const StateView& state) {
  if (op.role() != xueji::v1::REGISTRAR) return op.org();
  ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                   state.Kindergarten(op.org()));
  return kg.has_value() ? kg->county() : std::string();
}

absl::StatusOr<Draft> Dispatch(const Call& call) {
  switch (call.request.action_case()) {
    case Request::kAdmit:
      return DecideAdmit(call);
    case Request::kApprove:
      return DecideApprove(call);
    case Request::kReject:
      return DecideReject(call);
    case Request::kTransferOut:
      return DecideTransferOut(call);
    case Request::kTransferIn:
      return DecideTransferIn(call);
    case Request::kLeave:
      return DecideLeave(call);
    case Request::kGraduate:
      return DecideGraduate(call);
    case Request::kDefer:
      return DecideDefer(call);
    case Request::kCancel:
      return DecideCancel(call);
    case Request::kEditKeyInfo:
      return DecideEditKeyInfo(call);
    case Request::kConvertNumber:
      return DecideConvertNumber(call);
    case Request::kVerify:
      return DecideVerify(call);
    case Request::kMergeKindergarten:
      return DecideMerge(call);
    case Request::kCloseKindergarten:
      return DecideClose(call);
    case Request::kSetPolicy:
      return DecideSetPolicy(call);
    case Request::kWithdrawTransfer:
      return DecideWithdrawTransfer(call);
    case Request::kRefuseTransfer:
      return DecideRefuseTransfer(call);
    case Request::kRecordPromotion:
      return DecidePromotion(call);
    case Request::kExport:
      return DecideExport(call);
    case Request::kOpenCase:
      return DecideOpenCase(call);
    case Request::kResolveCase:
      return DecideResolveCase(call);
    case Request::kDecideCase:
      return DecideDecideCase(call);
    case Request::kMergeRecords:
      return DecideMergeRecords(call);
    case Request::ACTION_NOT_SET:
      break;
  }
  return Refuse(xueji::v1::MALFORMED_REQUEST,
                "the request names no action (admit, approve, ...)",
                RequestSubject(call.request.request_id()));
}

}  // namespace

namespace decide_internal {

absl::StatusOr<AccountPolicy> PolicyOfOperator(const OperatorState& who,
                                               const StateView& state,
                                               absl::CivilDay day) {
  ASSIGN_OR_RETURN(std::vector<xueji::v1::PolicySet> versions,
                   state.PolicyVersions());
  ASSIGN_OR_RETURN(PolicyHistory history, PolicyHistory::From(versions));
  ASSIGN_OR_RETURN(std::string region, RegionOf(who, state));
  AccountPolicy out{std::move(history), PolicyBook(), region};
  out.book = out.history.InForce(day);
  return out;
}

std::optional<Draft> RefuseIfInactive(const OperatorState& who,
                                      const Policy& policy,
                                      absl::CivilDay clock_day,
                                      std::string_view subject) {
  if (who.sealed()) {
    return Refuse(xueji::v1::OPERATOR_SEALED,
                  Cat("operator \"", who.id(),
                      "\" is sealed (account unused too long, or sealed by "
                      "whoever registered it)"),
                  subject);
  }
  if (ActivityIsJudged(who.role()) &&
      IsDormant(who.last_active(), policy, clock_day)) {
    Draft draft =
        Refuse(xueji::v1::OPERATOR_SEALED,
               Cat("operator \"", who.id(), "\" was last active on ",
                   who.last_active(), ", more than ", policy.seal_after_months,
                   " months before today (", FormatDate(clock_day),
                   "): the account is now sealed"),
               subject);
    Event sealed = NewEvent(OperatorSubject(who.id()), "");
    sealed.mutable_operator_sealed()->set_id(who.id());
    sealed.mutable_operator_sealed()->set_last_active(who.last_active());
    draft.events.insert(draft.events.begin(), std::move(sealed));
    return draft;
  }
  return std::nullopt;
}

}  // namespace decide_internal

namespace {

// Checks 1-7 of the order above, then the action. Fills the envelope's
// business date, policy version and late reason as they become known, and
// `op` once the operator is known (the envelope's actor).
absl::StatusOr<Draft> DecideChecked(const Request& request,
                                    const StateView& state,
                                    const DecideContext& ctx,
                                    std::optional<OperatorState>* op,
                                    Envelope* envelope) {
  const std::string subject = RequestSubject(request.request_id());
  if (request.request_id().empty()) {
    return Refuse(xueji::v1::MALFORMED_REQUEST, "requestId is required",
                  subject);
  }
  const std::string& actor = ctx.signer.empty() ? request.actor() : ctx.signer;
  if (!ctx.signer.empty() && !request.actor().empty() &&
      request.actor() != ctx.signer) {
    ASSIGN_OR_RETURN(*op, state.Operator(ctx.signer));
    return Refuse(
        xueji::v1::NOT_AUTHENTICATED,
        Cat("actor \"", request.actor(),
            "\" is not the operator who signed the batch (\"", ctx.signer,
            "\"): a signed request is its signer's (omit actor)"),
        subject);
  }
  const absl::CivilDay clock_day = BeijingDay(ctx.now);
  absl::CivilDay today = clock_day;
  if (!request.occurred_on().empty()) {
    DateField parsed =
        ParseDateField(request.occurred_on(), "occurredOn", subject);
    if (parsed.refusal) return std::move(*parsed.refusal);
    today = parsed.day;
  }
  envelope->business_date = FormatDate(today);
  if (today > clock_day) {
    return Refuse(xueji::v1::INVALID_DATE,
                  Cat("occurredOn ", FormatDate(today),
                      " is in the future: by the ledger's clock it is ",
                      FormatDate(clock_day), " (Beijing time)"),
                  subject);
  }
  ASSIGN_OR_RETURN(*op, state.Operator(actor));
  if (!op->has_value()) {
    return Refuse(xueji::v1::UNKNOWN_OPERATOR,
                  Cat("unknown operator \"", actor, "\""), subject);
  }
  const OperatorState& who = **op;
  ASSIGN_OR_RETURN(AccountPolicy account, PolicyOfOperator(who, state, today));
  const Policy& policy = account.book.ForCounty(account.region);
  envelope->policy_version = account.book.VersionFor(account.region);
  if (std::optional<Draft> inactive =
          RefuseIfInactive(who, policy, clock_day, subject)) {
    return std::move(*inactive);
  }
  const int late = ctx.calendar->WorkingDaysBetween(today, clock_day);
  if (late > policy.late_entry_max_working_days) {
    return Refuse(xueji::v1::INVALID_DATE,
                  Cat("occurredOn ", FormatDate(today), " is ", late,
                      " working days before today (", FormatDate(clock_day),
                      "); the ledger takes an entry at most ",
                      policy.late_entry_max_working_days, " working days late"),
                  subject);
  }
  if (late > policy.late_entry_working_days) {
    if (request.late_reason().empty()) {
      return Refuse(
          xueji::v1::INVALID_DATE,
          Cat("occurredOn ", FormatDate(today), " is ", late,
              " working days before today (", FormatDate(clock_day),
              "); an entry more than ", policy.late_entry_working_days,
              " working days late needs lateReason"),
          subject);
    }
    envelope->late_reason = request.late_reason();
  }
  return Dispatch(Call{request, state, ctx, who, today, clock_day,
                       account.history, account.book});
}

}  // namespace

absl::StatusOr<Decision> Decide(const Request& request, const StateView& state,
                                const DecideContext& ctx) {
  std::optional<OperatorState> op;
  Envelope envelope;
  ASSIGN_OR_RETURN(Draft draft,
                   DecideChecked(request, state, ctx, &op, &envelope));
  envelope.request_id = request.request_id();
  envelope.correlation_id = request.request_id();
  if (request.has_approve() && !request.approve().request_id().empty()) {
    envelope.correlation_id = request.approve().request_id();
  } else if (request.has_reject() && !request.reject().request_id().empty()) {
    envelope.correlation_id = request.reject().request_id();
  }
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
    case Request::kAdmit:
      return "admit";
    case Request::kApprove:
      return "approve";
    case Request::kReject:
      return "reject";
    case Request::kTransferOut:
      return "transferOut";
    case Request::kTransferIn:
      return "transferIn";
    case Request::kLeave:
      return "leave";
    case Request::kGraduate:
      return "graduate";
    case Request::kDefer:
      return "defer";
    case Request::kCancel:
      return "cancel";
    case Request::kEditKeyInfo:
      return "editKeyInfo";
    case Request::kConvertNumber:
      return "convertNumber";
    case Request::kVerify:
      return "verify";
    case Request::kMergeKindergarten:
      return "mergeKindergarten";
    case Request::kCloseKindergarten:
      return "closeKindergarten";
    case Request::kSetPolicy:
      return "setPolicy";
    case Request::kWithdrawTransfer:
      return "withdrawTransfer";
    case Request::kRefuseTransfer:
      return "refuseTransfer";
    case Request::kRecordPromotion:
      return "recordPromotion";
    case Request::kExport:
      return "export";
    case Request::kOpenCase:
      return "openCase";
    case Request::kResolveCase:
      return "resolveCase";
    case Request::kDecideCase:
      return "decideCase";
    case Request::kMergeRecords:
      return "mergeRecords";
    case Request::ACTION_NOT_SET:
      break;
  }
  return "";
}

}  // namespace xueji
