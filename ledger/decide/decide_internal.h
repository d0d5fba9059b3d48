// Private helpers shared by the deciders (decider.cc, record_decider.cc,
// exit_decider.cc, key_info_decider.cc, approval_decider.cc,
// kindergarten_decider.cc, registry_decider.cc). Not a public interface: only
// the xueji_decide library includes it.
//
// An action decider returns a Draft: the answer and the events with their
// subject, student_no and payload set. Decide() then stamps the envelope
// (event ids, clock, business date, actor, request/correlation ids, outcome),
// so every action gets the same envelope rules.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_DECIDE_DECIDE_INTERNAL_H_
#define XUEJI_LEDGER_DECIDE_DECIDE_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/jurisdiction.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji::decide_internal {

using ::xueji::Av;
using ::xueji::Cat;

// The messages every decider reads and writes, by their short names (the
// files of this library include this header instead of a using-list each).
using ::xueji::v1::Event;
using ::xueji::v1::KindergartenState;
using ::xueji::v1::OperatorState;
using ::xueji::v1::RecordState;
using ::xueji::v1::Request;

// An action decider's answer before the envelope is stamped.
struct Draft {
  xueji::v1::ResultStatus status = xueji::v1::RESULT_STATUS_UNSPECIFIED;
  xueji::v1::ReasonCode code = xueji::v1::REASON_CODE_UNSPECIFIED;
  std::string message;
  std::vector<xueji::v1::Event> events;  // subject, student_no, payload
};

// What an action decider may read: the request, the state, the context, the
// acting operator (known, not sealed), the request's business date, the
// ledger clock's day, and the policy: every recorded version, and the book
// in force on the business date.
struct Call {
  const xueji::v1::Request& request;
  const StateView& state;
  const DecideContext& ctx;
  const xueji::v1::OperatorState& op;
  absl::CivilDay today;      // the business date (occurredOn)
  absl::CivilDay clock_day;  // BeijingDay(ctx.now); today <= clock_day
  const PolicyHistory& history;
  const PolicyBook& policies;  // history.InForce(today)
};

// The envelope fields common to every event of one decision.
struct Envelope {
  std::string request_id;
  std::string correlation_id;
  std::string business_date;  // YYYY-MM-DD, or "" when it was not valid
  xueji::v1::Actor actor;
  std::string action;          // RequestRejected.action
  std::string policy_version;  // "00:1,35:2"; "" = built-in defaults only
  std::string late_reason;     // a late entry's lateReason, else ""
};
// Stamps the envelope on every event of `draft` (event_id from request_id and
// the index, recorded_at from ctx.now, outcome = draft.status) and makes the
// Decision; its student_no is the first event's.
Decision Finish(Draft draft, const Envelope& envelope,
                const DecideContext& ctx);

// An event with only subject and student_no set.
xueji::v1::Event NewEvent(std::string_view subject,
                          std::string_view student_no);

// A refusal: one RequestRejected event (its `action` is filled by Decide).
Draft Refuse(xueji::v1::ReasonCode code, std::string message,
             std::string_view subject, std::string_view student_no = "");
// A refusal from a reasons.h Rejection status (INVALID_FIELD if it carries no
// ReasonCode).
Draft RefuseStatus(const absl::Status& rejection, std::string_view subject,
                   std::string_view student_no = "");

// A request's date field `field` (its value `text`): the day, or an
// INVALID_FIELD refusal on `subject` ("<field> must be a real date in the
// form YYYY-MM-DD").
struct DateField {
  absl::CivilDay day;
  std::optional<Draft> refusal;
};
DateField ParseDateField(std::string_view text, std::string_view field,
                         std::string_view subject);

// A successful answer.
Draft Accept(xueji::v1::ResultStatus status, std::string message,
             std::vector<xueji::v1::Event> events);
// The answer to a request the county approves: PENDING_APPROVAL, "<what>
// requested; awaiting county approval".
Draft AwaitingCounty(std::string_view what,
                     std::vector<xueji::v1::Event> events);

// A kindergarten that no longer takes children (closed or merged away).
bool IsClosed(const xueji::v1::KindergartenState& kg);

// The record subject used for refusals about `record`.
inline std::string SubjectOf(const xueji::v1::RecordState& record) {
  return record.subject();
}

// The policy that governs `who` on `day`: every recorded version, the book in
// force on `day`, and the operator's region in it (a registrar's
// kindergarten's county, another operator's organisation; "" or "00":
// national).
struct AccountPolicy {
  PolicyHistory history;
  PolicyBook book;
  std::string region;
};
absl::StatusOr<AccountPolicy> PolicyOfOperator(
    const xueji::v1::OperatorState& who, const StateView& state,
    absl::CivilDay day);

// The acting operator's account (Art. 22), judged on the ledger's clock
// (`clock_day`), never on a claimed date: OPERATOR_SEALED when sealed; when
// dormant under `policy` (for the roles rules/accounts.h ActivityIsJudged),
// OperatorSealed + OPERATOR_SEALED (the account is sealed by this decision);
// nullopt when it may act. Refusals on `subject`.
std::optional<Draft> RefuseIfInactive(const xueji::v1::OperatorState& who,
                                      const Policy& policy,
                                      absl::CivilDay clock_day,
                                      std::string_view subject);

// Action deciders. Each returns a Draft (refusals included) or a non-OK
// status when the state could not be read.
// record_decider.cc
absl::StatusOr<Draft> DecideAdmit(const Call& call);
absl::StatusOr<Draft> DecideTransferOut(const Call& call);
absl::StatusOr<Draft> DecideTransferIn(const Call& call);
// exit_decider.cc
absl::StatusOr<Draft> DecideLeave(const Call& call);
absl::StatusOr<Draft> DecideGraduate(const Call& call);
absl::StatusOr<Draft> DecideGraduateCohort(const Call& call);  // issue 10
absl::StatusOr<Draft> DecideDefer(const Call& call);
absl::StatusOr<Draft> DecideCancel(const Call& call);
// key_info_decider.cc
absl::StatusOr<Draft> DecideEditKeyInfo(const Call& call);
absl::StatusOr<Draft> DecideConvertNumber(const Call& call);
// transfer_decider.cc (issue 10)
absl::StatusOr<Draft> DecideWithdrawTransfer(const Call& call);
absl::StatusOr<Draft> DecideRefuseTransfer(const Call& call);
// The events settling the transfers a closure of `kg` touches: each transfer
// into it refused (TransferRefused), the child staying where it was.
absl::StatusOr<std::vector<xueji::v1::Event>> SettleTransfersOnClose(
    const Call& call, const xueji::v1::KindergartenState& kg);
// A merge of `from` into `into`: with `moving` (a live record of `from`), its
// transfer withdrawn if it goes to `into`; without, the transfers of `into`'s
// records to `from` withdrawn.
absl::StatusOr<std::vector<xueji::v1::Event>> SettleTransfersOnMerge(
    const Call& call, const xueji::v1::KindergartenState& from,
    const xueji::v1::KindergartenState& into,
    const xueji::v1::RecordState* moving);
// approval_decider.cc
absl::StatusOr<Draft> DecideApprove(const Call& call);
absl::StatusOr<Draft> DecideReject(const Call& call);
// kindergarten_decider.cc
absl::StatusOr<Draft> DecideVerify(const Call& call);
absl::StatusOr<Draft> DecideMerge(const Call& call);
absl::StatusOr<Draft> DecideClose(const Call& call);
// policy_decider.cc
absl::StatusOr<Draft> DecideSetPolicy(const Call& call);
// promotion_decider.cc
absl::StatusOr<Draft> DecidePromotion(const Call& call);
// export_decider.cc (issue 10, item 5): the request, and the approval or
// rejection of one (approval_decider.cc finds the request).
absl::StatusOr<Draft> DecideExport(const Call& call);
absl::StatusOr<Draft> DecideApproveExport(
    const Call& call, const xueji::v1::ExportState& request);
absl::StatusOr<Draft> DecideRejectExport(const Call& call,
                                         const xueji::v1::ExportState& request);
// case_decider.cc (issue 10: problem records worked to closure)
absl::StatusOr<Draft> DecideOpenCase(const Call& call);
absl::StatusOr<Draft> DecideResolveCase(const Call& call);
absl::StatusOr<Draft> DecideDecideCase(const Call& call);
absl::StatusOr<Draft> DecideMergeRecords(const Call& call);

// 1..max_len characters of [0-9A-Za-z] plus those in `extra` (a code of the
// registry or a term; registry_decider.cc).
bool IsCode(std::string_view s, size_t max_len, std::string_view extra);

// Shared by the record deciders and approval_decider.cc: INVALID_TRANSITION
// naming the pending request, or nullopt if nothing is pending.
std::optional<Draft> RefuseIfPending(const xueji::v1::RecordState& record);
// INVALID_DATE when the request's business date precedes the latest step of
// the record's life it follows (its admission request, establishment,
// transfer request or transfer-out approval, or the pending change it
// completes); nullopt when it does not. The message names the step and its
// date, never the child.
std::optional<Draft> RefuseIfBefore(const Call& call,
                                    const xueji::v1::RecordState& record);

// key_info_decider.cc, shared with approval_decider.cc.
// Issue 10. The record's key information with the fields `change` sets
// (a non-empty string, a gender, an id type) replaced: an edit names only
// what changes.
xueji::v1::Child EditedChild(const xueji::v1::Child& record,
                             const xueji::v1::Child& change);
// DUPLICATE_REGISTRATION when `child`'s document (a new one for `record`) is
// held by another record, live or not (a LEFT child's document stays its
// own: re-admission finds it), or its formal G number is; nullopt if free or
// unchanged.
absl::StatusOr<std::optional<Draft>> RefuseIfTaken(
    const StateView& state, const xueji::v1::Child& child,
    const xueji::v1::RecordState& record);

// The record a request names by `student_no` (field name `field` for the
// message): the record, or a refusal (INVALID_FIELD when empty,
// UNKNOWN_STUDENT when unknown) on req:<requestId>.
struct Found {
  std::optional<xueji::v1::RecordState> record;
  std::optional<Draft> refusal;
};
absl::StatusOr<Found> FindRecord(const Call& call, std::string_view student_no,
                                 std::string_view field);

// The kindergarten `code` ends up as, following merges (closed and merged
// away kindergartens forward to the one they merged into); nullopt if unknown.
absl::StatusOr<std::optional<xueji::v1::KindergartenState>> ResolveKindergarten(
    const StateView& state, std::string_view code);

}  // namespace xueji::decide_internal

#endif  // XUEJI_LEDGER_DECIDE_DECIDE_INTERNAL_H_
