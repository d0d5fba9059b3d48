// The kindergarten-level requests: verify (a term's check of who is
// present), mergeKindergarten and closeKindergarten. Each is decided by the
// approver of the kindergarten's county (verify also by its registrar) and
// refused for a kindergarten that is unknown or closed (decide_internal.h).
#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "ledger/decide/decide_internal.h"

namespace xueji {

namespace decide_internal {
namespace {

Draft Denied(const Call& call, const KindergartenState& kg,
             std::string_view what) {
  return Refuse(
      xueji::v1::NOT_AUTHORIZED,
      Cat(RoleOrg(call.op), " may not ", what, " kindergarten ", kg.code(),
          " (only the approver of county ", kg.county(), " may)"),
      RequestSubject(call.request.request_id()));
}

// Looks a kindergarten up by a required field; a refusal when it is empty
// (INVALID_FIELD) or unknown (UNKNOWN_KINDERGARTEN).
struct KgLookup {
  std::optional<KindergartenState> kg;
  std::optional<Draft> refusal;
};
absl::StatusOr<KgLookup> FindKindergarten(const Call& call,
                                          std::string_view code,
                                          std::string_view field) {
  KgLookup out;
  std::string subject = RequestSubject(call.request.request_id());
  if (code.empty()) {
    out.refusal =
        Refuse(xueji::v1::INVALID_FIELD, Cat(field, " is required"), subject);
    return out;
  }
  ASSIGN_OR_RETURN(out.kg, call.state.Kindergarten(code));
  if (!out.kg.has_value()) {
    out.refusal = Refuse(xueji::v1::UNKNOWN_KINDERGARTEN,
                         Cat("unknown kindergarten ", code), subject);
  }
  return out;
}

Draft ClosedKg(const Call& call, const KindergartenState& kg) {
  return Refuse(xueji::v1::KINDERGARTEN_CLOSED,
                Cat("kindergarten ", kg.code(), " is closed"),
                RequestSubject(call.request.request_id()));
}

}  // namespace

absl::StatusOr<Draft> DecideVerify(const Call& call) {
  const xueji::v1::Verify& verify = call.request.verify();
  if (!IsCode(verify.term(), 32, "-")) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "verify.term must be 1-32 characters of 0-9, A-Z, a-z "
                  "and - (e.g. 2025-autumn)",
                  RequestSubject(call.request.request_id()));
  }
  ASSIGN_OR_RETURN(KgLookup found, FindKindergarten(call, verify.kindergarten(),
                                                    "verify.kindergarten"));
  if (found.refusal) return std::move(*found.refusal);
  const KindergartenState& kg = *found.kg;
  if (MayActFor(call.op, kg.code()).has_value() &&
      MayApproveFor(call.op, kg).has_value()) {
    return Refuse(xueji::v1::NOT_AUTHORIZED,
                  Cat(RoleOrg(call.op),
                      " may not verify "
                      "kindergarten ",
                      kg.code(),
                      " (only its "
                      "registrar or its county's approver may)"),
                  RequestSubject(call.request.request_id()));
  }
  // Issue 10, Art. 17 ¶3: a closed or merged-away kindergarten has no
  // children to verify; a term is verified once. A child the verification
  // missed is a problem record, answered with evidence; the verification
  // stays what it was (a second one would rewrite the term's dated check).
  if (IsClosed(kg)) return ClosedKg(call, kg);
  const auto& terms = kg.verified_terms();
  if (kg.last_verification_term() == verify.term() ||
      std::find(terms.begin(), terms.end(), verify.term()) != terms.end()) {
    return Refuse(xueji::v1::TERM_ALREADY_VERIFIED,
                  Cat("kindergarten ", kg.code(), " has already verified term ",
                      verify.term(),
                      " (one verification a term, Art. 17); a child it "
                      "missed is answered through its problem record"),
                  RequestSubject(call.request.request_id()));
  }
  Event event = NewEvent(KindergartenSubject(kg.code()), "");
  auto* payload = event.mutable_verification_recorded();
  payload->set_kindergarten(kg.code());
  payload->set_term(verify.term());
  // From the indexes alone: a listed number is present iff its record (by
  // the number index) is among the kindergarten's live subjects; missing are
  // the live subjects not listed, under their current numbers.
  ASSIGN_OR_RETURN(std::vector<StateView::LiveSubject> live,
                   call.state.LiveSubjectsAt(kg.code()));
  std::unordered_map<std::string_view, size_t> live_index;
  live_index.reserve(live.size());
  for (size_t i = 0; i < live.size(); ++i) live_index[live[i].subject] = i;
  std::vector<bool> present(live.size(), false);
  std::unordered_set<std::string_view> listed;
  for (const std::string& no : verify.present_student_nos()) {
    if (!listed.insert(no).second) continue;
    ASSIGN_OR_RETURN(std::optional<std::string> subject,
                     call.state.SubjectByNumber(no));
    auto found =
        subject.has_value() ? live_index.find(*subject) : live_index.end();
    if (found == live_index.end()) {
      payload->add_unknown_student_nos(no);
    } else if (!present[found->second]) {
      present[found->second] = true;
      payload->add_present_student_nos(live[found->second].student_no);
    }
  }
  for (size_t i = 0; i < live.size(); ++i) {
    if (!present[i]) payload->add_missing_student_nos(live[i].student_no);
  }
  std::string message =
      Cat("verification recorded: ", payload->present_student_nos_size(),
          " present, ", payload->missing_student_nos_size(), " missing, ",
          payload->unknown_student_nos_size(), " unknown");
  return Accept(xueji::v1::APPLIED, std::move(message), {std::move(event)});
}

absl::StatusOr<Draft> DecideMerge(const Call& call) {
  const xueji::v1::MergeKindergarten& merge = call.request.merge_kindergarten();
  std::string subject = RequestSubject(call.request.request_id());
  if (!merge.from().empty() && merge.from() == merge.into()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "mergeKindergarten.from and .into must differ", subject);
  }
  ASSIGN_OR_RETURN(KgLookup from, FindKindergarten(call, merge.from(),
                                                   "mergeKindergarten.from"));
  if (from.refusal) return std::move(*from.refusal);
  ASSIGN_OR_RETURN(KgLookup into, FindKindergarten(call, merge.into(),
                                                   "mergeKindergarten.into"));
  if (into.refusal) return std::move(*into.refusal);
  if (MayApproveFor(call.op, *from.kg)) return Denied(call, *from.kg, "merge");
  if (MayApproveFor(call.op, *into.kg)) return Denied(call, *into.kg, "merge");
  if (IsClosed(*from.kg)) return ClosedKg(call, *from.kg);
  if (IsClosed(*into.kg)) return ClosedKg(call, *into.kg);
  std::vector<Event> events;
  Event merged = NewEvent(KindergartenSubject(from.kg->code()), "");
  merged.mutable_kindergarten_merged()->set_from(from.kg->code());
  merged.mutable_kindergarten_merged()->set_into(into.kg->code());
  events.push_back(std::move(merged));
  ASSIGN_OR_RETURN(std::vector<RecordState> live,
                   call.state.LiveRecordsAt(from.kg->code()));
  // Issue 10: transfers between the two are settled first
  // (transfer_decider.cc).
  ASSIGN_OR_RETURN(std::vector<Event> settled,
                   SettleTransfersOnMerge(call, *from.kg, *into.kg, nullptr));
  for (Event& event : settled) events.push_back(std::move(event));
  for (const RecordState& record : live) {
    ASSIGN_OR_RETURN(settled,
                     SettleTransfersOnMerge(call, *from.kg, *into.kg, &record));
    for (Event& event : settled) events.push_back(std::move(event));
    Event moved = NewEvent(record.subject(), record.student_no());
    moved.mutable_record_moved()->set_from_kindergarten(from.kg->code());
    moved.mutable_record_moved()->set_to_kindergarten(into.kg->code());
    events.push_back(std::move(moved));
  }
  return Accept(
      xueji::v1::APPLIED,
      Cat("kindergarten merged; ", live.size(), " live records moved"),
      std::move(events));
}

absl::StatusOr<Draft> DecideClose(const Call& call) {
  const xueji::v1::CloseKindergarten& close = call.request.close_kindergarten();
  ASSIGN_OR_RETURN(KgLookup found,
                   FindKindergarten(call, close.kindergarten(),
                                    "closeKindergarten.kindergarten"));
  if (found.refusal) return std::move(*found.refusal);
  const KindergartenState& kg = *found.kg;
  if (MayApproveFor(call.op, kg)) return Denied(call, kg, "close");
  if (IsClosed(kg)) return ClosedKg(call, kg);
  // Art. 16: every transfer completed before closing, so TRANSFERRING
  // records (out of this kindergarten) hold the closing up too.
  ASSIGN_OR_RETURN(std::vector<RecordState> live,
                   call.state.LiveRecordsAt(kg.code()));
  if (!live.empty() && !close.force()) {
    return Refuse(xueji::v1::INVALID_TRANSITION,
                  Cat("kindergarten ", kg.code(), " still has ", live.size(),
                      " live records; transfer them first or close with force"),
                  RequestSubject(call.request.request_id()));
  }
  // Issue 10: transfers into it are refused first (transfer_decider.cc).
  ASSIGN_OR_RETURN(std::vector<Event> events, SettleTransfersOnClose(call, kg));
  const size_t refused = events.size();
  Event event = NewEvent(KindergartenSubject(kg.code()), "");
  auto* payload = event.mutable_kindergarten_closed();
  payload->set_kindergarten(kg.code());
  payload->set_forced(close.force() && !live.empty());
  payload->set_live_records(static_cast<int32_t>(live.size()));
  events.push_back(std::move(event));
  return Accept(xueji::v1::APPLIED,
                refused == 0 ? std::string("kindergarten closed")
                             : Cat("kindergarten closed; ", refused,
                                   " transfers into it refused"),
                std::move(events));
}

}  // namespace decide_internal
}  // namespace xueji
