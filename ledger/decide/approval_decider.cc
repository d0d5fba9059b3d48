// approve / reject: the county completes or refuses a record's pending change.
// Which event follows depends on the pending request's action (design.md,
// life-cycle table). Check order: see decider.cc.
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/student_number.h"

namespace xueji::decide_internal {

namespace {

// The record whose pending change is `request_id`, authorized for the
// approver of its kindergarten's county.
struct Target {
  std::optional<RecordState> record;
  std::optional<KindergartenState> kg;
  std::optional<Draft> refusal;
  // Issue 10, item 5: no record's pending change, but an export request
  // (export_decider.cc decides it).
  std::optional<xueji::v1::ExportState> export_request;
};

absl::StatusOr<Target> FindPending(const Call& call,
                                   std::string_view request_id,
                                   std::string_view field) {
  Target target;
  const std::string subject = RequestSubject(call.request.request_id());
  if (request_id.empty()) {
    target.refusal =
        Refuse(xueji::v1::INVALID_FIELD, Cat(field, " is required"), subject);
    return target;
  }
  ASSIGN_OR_RETURN(target.record,
                   call.state.RecordByPendingRequest(request_id));
  if (!target.record.has_value()) {
    ASSIGN_OR_RETURN(target.export_request,
                     call.state.ExportRequest(request_id));
    if (target.export_request.has_value()) return target;
    target.refusal = Refuse(
        xueji::v1::UNKNOWN_REQUEST,
        Cat("request ", request_id, " is not a pending change"), subject);
    return target;
  }
  const RecordState& record = *target.record;
  // Issue 10, Art. 11: a transfer-in is the receiving kindergarten's side,
  // approved by its county (the kindergarten it names, or what it was merged
  // into); every other change by the record's kindergarten's county.
  const bool incoming = record.pending().request().has_transfer_in();
  const std::string& code =
      incoming ? record.transfer_to() : record.kindergarten();
  if (incoming) {
    ASSIGN_OR_RETURN(target.kg, ResolveKindergarten(call.state, code));
  } else {
    ASSIGN_OR_RETURN(target.kg, call.state.Kindergarten(code));
  }
  if (!target.kg.has_value()) {
    target.refusal = Refuse(xueji::v1::UNKNOWN_KINDERGARTEN,
                            Cat("unknown kindergarten ", code),
                            record.subject(), record.student_no());
  } else if (auto denied = MayApproveFor(call.op, *target.kg)) {
    target.refusal = Refuse(xueji::v1::NOT_AUTHORIZED, *denied,
                            record.subject(), record.student_no());
  }
  return target;
}

Draft Closed(const RecordState& record, std::string_view kg) {
  return Refuse(xueji::v1::KINDERGARTEN_CLOSED,
                Cat("kindergarten ", kg, " is closed"), record.subject(),
                record.student_no());
}

}  // namespace

absl::StatusOr<Draft> DecideApprove(const Call& call) {
  const std::string& id = call.request.approve().request_id();
  ASSIGN_OR_RETURN(Target target, FindPending(call, id, "approve.requestId"));
  if (target.refusal) return std::move(*target.refusal);
  if (target.export_request) {
    return DecideApproveExport(call, *target.export_request);
  }
  const RecordState& record = *target.record;
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  const Request& pending = record.pending().request();
  Event event = NewEvent(record.subject(), record.student_no());
  std::string message;
  switch (pending.action_case()) {
    case Request::kAdmit: {
      if (IsClosed(*target.kg)) return Closed(record, target.kg->code());
      // Issue 10: never enrolled before the child enters (空挂, Art. 8).
      if (FormatDate(call.today) < record.entry_date()) {
        return Refuse(xueji::v1::INVALID_DATE,
                      Cat("the child enters on ", record.entry_date(),
                          "; the record is established from that day on"),
                      record.subject(), record.student_no());
      }
      auto* payload = event.mutable_record_established();
      payload->set_approved_request_id(id);
      payload->set_kindergarten(record.kindergarten());
      message = "admission approved; the record is established";
      break;
    }
    case Request::kTransferOut: {
      ASSIGN_OR_RETURN(std::optional<KindergartenState> to,
                       ResolveKindergarten(call.state, record.transfer_to()));
      if (!to.has_value() || IsClosed(*to)) {
        return Closed(record, record.transfer_to());
      }
      auto* payload = event.mutable_transferred_out();
      payload->set_approved_request_id(id);
      payload->set_from_kindergarten(record.kindergarten());
      payload->set_to_kindergarten(record.transfer_to());
      message = "transfer approved; awaiting the receiving kindergarten";
      break;
    }
    case Request::kTransferIn: {
      // Issue 10: the receiving county approves its side (Art. 11).
      if (IsClosed(*target.kg)) return Closed(record, target.kg->code());
      auto* payload = event.mutable_transferred_in();
      payload->set_from_kindergarten(record.kindergarten());
      payload->set_to_kindergarten(target.kg->code());
      message =
          Cat("transfer-in approved; the child is at ", target.kg->code());
      break;
    }
    case Request::kDefer: {
      auto* payload = event.mutable_deferral_approved();
      payload->set_approved_request_id(id);
      payload->set_until_date(pending.defer().until_date());
      message = "deferral approved";
      break;
    }
    case Request::kCancel: {
      auto* payload = event.mutable_cancelled();
      payload->set_approved_request_id(id);
      payload->set_reason(pending.cancel().reason());
      payload->set_date_of_death(pending.cancel().date_of_death());
      message = "cancellation approved; the record is cancelled";
      break;
    }
    case Request::kEditKeyInfo: {
      const xueji::v1::Child& child = pending.edit_key_info().child();
      ASSIGN_OR_RETURN(std::optional<Draft> taken,
                       RefuseIfTaken(call.state, child, record));
      if (taken) return std::move(*taken);
      auto* payload = event.mutable_key_info_edit_approved();
      payload->set_approved_request_id(id);
      *payload->mutable_child() = child;
      message = "key-information edit approved";
      break;
    }
    case Request::kConvertNumber: {
      // Issue 10: approved by the county (Art. 17), checked again.
      xueji::v1::Child child = record.child();
      child.set_id_type(pending.convert_number().id_type());
      child.set_id_number(pending.convert_number().id_number());
      child.clear_issuing_country();
      ASSIGN_OR_RETURN(std::optional<Draft> taken,
                       RefuseIfTaken(call.state, child, record));
      if (taken) return std::move(*taken);
      const std::string formal = FormalNumber(child.id_number());
      event = NewEvent(record.subject(), formal);
      auto* payload = event.mutable_number_converted();
      payload->set_from_student_no(record.student_no());
      payload->set_to_student_no(formal);
      payload->set_id_type(child.id_type());
      payload->set_id_number(child.id_number());
      message = "conversion approved; the old number stays an alias";
      break;
    }
    default:
      return absl::DataLossError(
          Cat("pending change ", id, " of ", record.subject(),
              " has an action that needs no approval: ", ActionName(pending)));
  }
  return Accept(xueji::v1::APPLIED, std::move(message), {std::move(event)});
}

absl::StatusOr<Draft> DecideReject(const Call& call) {
  const xueji::v1::Reject& reject = call.request.reject();
  ASSIGN_OR_RETURN(Target target,
                   FindPending(call, reject.request_id(), "reject.requestId"));
  if (target.refusal) return std::move(*target.refusal);
  if (target.export_request) {
    return DecideRejectExport(call, *target.export_request);
  }
  const RecordState& record = *target.record;
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = NewEvent(record.subject(), record.student_no());
  std::string message;
  if (record.pending().request().has_admit()) {
    event.mutable_record_rejected()->set_rejected_request_id(
        reject.request_id());
    event.mutable_record_rejected()->set_reason(reject.reason());
    message = "admission rejected";
  } else {
    event.mutable_change_rejected()->set_rejected_request_id(
        reject.request_id());
    event.mutable_change_rejected()->set_reason(reject.reason());
    message = record.pending().request().has_transfer_in() ||
                      record.pending().request().has_transfer_out()
                  ? Cat("transfer rejected; the child stays at ",
                        record.kindergarten())
                  : "change rejected";
  }
  return Accept(xueji::v1::APPLIED, std::move(message), {std::move(event)});
}

}  // namespace xueji::decide_internal
