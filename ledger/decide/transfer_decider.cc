// Issue 10: a transfer (Art. 11) that does not complete. withdrawTransfer by
// the sending kindergarten's registrar, refuseTransfer by the receiving one's,
// at any time before the child is transferred in (awaiting the sending
// county, or approved out): the child stays where it was, ENROLLED at the
// sending kindergarten, and the record takes requests again. Neither needs
// the county: nothing about the child's record changes (Art. 11 has the
// county approve the change 学籍变动, and a transfer that did not happen is
// none), and the county still sees both on the audit trail.
//
// And the transfers a closure or a merge touches (Art. 16), settled before it:
//   - closing K: every transfer *into* K is refused by the closure (the child
//     stays at its sending kindergarten; K cannot take it). Transfers *out*
//     of K are live records of K and hold the closure up as before (Art. 16:
//     the transfers are completed before a kindergarten closes), unless it is
//     forced.
//   - merging F into T: a transfer between F and T (either way) has nowhere
//     to go once they are one kindergarten and is withdrawn (no "T -> T"
//     transfer); the child stays at the merged kindergarten. Transfers from
//     F elsewhere move with the record (RecordMoved) and continue; transfers
//     from elsewhere into F are received by T (ResolveKindergarten).
// Check order: see decider.cc.
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/decide/decide_internal.h"

namespace xueji::decide_internal {

namespace {

// The id of the transfer request still awaiting the county, or "".
std::string PendingTransfer(const RecordState& record) {
  return record.pending().request().has_transfer_out() ||
                 record.pending().request().has_transfer_in()
             ? record.pending().request_id()
             : std::string();
}

// A TransferWithdrawn (withdrawn) or TransferRefused event ending `record`'s
// transfer.
Event EndTransfer(const RecordState& record, bool withdrawn,
                  std::string reason) {
  Event event = NewEvent(record.subject(), record.student_no());
  if (withdrawn) {
    auto* p = event.mutable_transfer_withdrawn();
    p->set_from_kindergarten(record.kindergarten());
    p->set_to_kindergarten(record.transfer_to());
    p->set_reason(std::move(reason));
    p->set_cancelled_request_id(PendingTransfer(record));
  } else {
    auto* p = event.mutable_transfer_refused();
    p->set_from_kindergarten(record.kindergarten());
    p->set_to_kindergarten(record.transfer_to());
    p->set_reason(std::move(reason));
    p->set_cancelled_request_id(PendingTransfer(record));
  }
  return event;
}

// The shared body of withdrawTransfer (withdrawn = true) and refuseTransfer.
absl::StatusOr<Draft> DecideEndTransfer(const Call& call, bool withdrawn,
                                        std::string_view student_no,
                                        const std::string& reason) {
  const std::string action = withdrawn ? "withdrawTransfer" : "refuseTransfer";
  if (reason.empty()) {
    return Refuse(xueji::v1::INVALID_FIELD, Cat(action, ".reason is required"),
                  RequestSubject(call.request.request_id()));
  }
  ASSIGN_OR_RETURN(Found found,
                   FindRecord(call, student_no, Cat(action, ".studentNo")));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  // The side that may end it: the sending kindergarten's registrar, or the
  // receiving one's (by the code the transfer names, or the kindergarten it
  // has since been merged into).
  std::string side = record.kindergarten();
  std::optional<std::string> denied;
  if (withdrawn) {
    denied = MayActFor(call.op, side);
  } else {
    side = record.transfer_to();
    denied = MayActFor(call.op, side);
    if (denied.has_value() && !side.empty()) {
      ASSIGN_OR_RETURN(std::optional<KindergartenState> to,
                       ResolveKindergarten(call.state, side));
      if (to.has_value() && !MayActFor(call.op, to->code()).has_value()) {
        denied.reset();
      }
    }
  }
  if (record.status() != xueji::v1::TRANSFERRING) {
    // Only the record's own kindergarten learns its status.
    if (auto own = MayActFor(call.op, record.kindergarten())) {
      return Refuse(xueji::v1::NOT_AUTHORIZED, *own, record.subject(),
                    record.student_no());
    }
    return Refuse(
        xueji::v1::INVALID_TRANSITION,
        Cat("the record is ", xueji::v1::RecordStatus_Name(record.status()),
            "; ", action, " needs TRANSFERRING"),
        record.subject(), record.student_no());
  }
  if (denied.has_value()) {
    return Refuse(xueji::v1::NOT_AUTHORIZED, *denied, record.subject(),
                  record.student_no());
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  std::string message =
      Cat(withdrawn ? "transfer withdrawn" : "transfer refused",
          "; the child stays at ", record.kindergarten());
  return Accept(xueji::v1::APPLIED, std::move(message),
                {EndTransfer(record, withdrawn, reason)});
}

}  // namespace

absl::StatusOr<Draft> DecideWithdrawTransfer(const Call& call) {
  const xueji::v1::WithdrawTransfer& w = call.request.withdraw_transfer();
  return DecideEndTransfer(call, true, w.student_no(), w.reason());
}

absl::StatusOr<Draft> DecideRefuseTransfer(const Call& call) {
  const xueji::v1::RefuseTransfer& r = call.request.refuse_transfer();
  return DecideEndTransfer(call, false, r.student_no(), r.reason());
}

absl::StatusOr<std::vector<Event>> SettleTransfersOnClose(
    const Call& call, const KindergartenState& kg) {
  std::vector<Event> events;
  ASSIGN_OR_RETURN(std::vector<RecordState> incoming,
                   call.state.TransfersInto(kg.code()));
  for (const RecordState& record : incoming) {
    if (record.status() != xueji::v1::TRANSFERRING) continue;
    events.push_back(EndTransfer(
        record, false,
        Cat("the receiving kindergarten ", kg.code(), " closed (Art. 16)")));
  }
  return events;
}

absl::StatusOr<std::vector<Event>> SettleTransfersOnMerge(
    const Call& call, const KindergartenState& from,
    const KindergartenState& into, const RecordState* moving) {
  std::vector<Event> events;
  const std::string reason =
      Cat("kindergarten ", from.code(), " merged into ", into.code(),
          ": the transfer has nowhere to go (Art. 16)");
  if (moving != nullptr) {
    // A record of `from` transferring to `into` (or to what became it).
    if (moving->status() != xueji::v1::TRANSFERRING) return events;
    ASSIGN_OR_RETURN(std::optional<KindergartenState> to,
                     ResolveKindergarten(call.state, moving->transfer_to()));
    if (to.has_value() && to->code() == into.code()) {
      events.push_back(EndTransfer(*moving, true, reason));
    }
    return events;
  }
  // Records of `into` transferring to `from`.
  ASSIGN_OR_RETURN(std::vector<RecordState> incoming,
                   call.state.TransfersInto(from.code()));
  for (const RecordState& record : incoming) {
    if (record.status() == xueji::v1::TRANSFERRING &&
        record.kindergarten() == into.code()) {
      events.push_back(EndTransfer(record, true, reason));
    }
  }
  return events;
}

}  // namespace xueji::decide_internal
