// The child-record actions that change a record's key information:
// editKeyInfo and convertNumber, approved by the county and never taking
// another record's document (Art. 10, 17); and EditedChild and
// RefuseIfTaken, which approval_decider.cc shares (decide_internal.h).
// Check order: see decider.cc. Moved from record_decider.cc (issue 8).
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/decide/record_internal.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/student_number.h"

namespace xueji::decide_internal {

using xueji::v1::Child;

absl::StatusOr<Draft> DecideEditKeyInfo(const Call& call) {
  const xueji::v1::EditKeyInfo& edit = call.request.edit_key_info();
  // Issue 10: the edit names only what changes.
  const Child& change = edit.child();
  if (change.name().empty() &&
      change.gender() == xueji::v1::GENDER_UNSPECIFIED &&
      change.birth_date().empty() &&
      change.id_type() == xueji::v1::ID_TYPE_UNSPECIFIED &&
      change.id_number().empty() && change.issuing_country().empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "editKeyInfo.child names nothing to change (name, gender, "
                  "birthDate, idType, idNumber, issuingCountry)",
                  ReqSubject(call));
  }
  if (IsBlank(edit.evidence())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "editKeyInfo.evidence is required: the guardian's proof "
                  "(Art. 17)",
                  ReqSubject(call));
  }
  if (auto bad = RefuseApplicant(
          call, edit.has_applicant() ? &edit.applicant() : nullptr,
          "editKeyInfo", "Art. 17")) {
    return std::move(*bad);
  }
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(call, edit.student_no(),
                                                   "editKeyInfo.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  Child child = EditedChild(record.child(), change);
  if (absl::Status valid = ValidateChild(child); !valid.ok()) {
    return RefuseStatus(valid, record.subject(), record.student_no());
  }
  if (!IsLive(record.status())) {
    return WrongStatus(record, "editKeyInfo",
                       "PENDING, ENROLLED or TRANSFERRING");
  }
  ASSIGN_OR_RETURN(std::optional<Draft> taken,
                   RefuseIfTaken(call.state, child, record));
  if (taken) return std::move(*taken);
  if (auto bad = RefuseSelfOrEarly(call, edit.applicant(), record)) {
    return std::move(*bad);
  }
  Event event = RecordEvent(record);
  *event.mutable_key_info_edit_requested()->mutable_child() = child;
  event.mutable_key_info_edit_requested()->set_evidence(edit.evidence());
  *event.mutable_key_info_edit_requested()->mutable_applicant() =
      Recorded(edit.applicant());
  return AwaitingCounty("key-information edit", {std::move(event)});
}

absl::StatusOr<Draft> DecideConvertNumber(const Call& call) {
  const xueji::v1::ConvertNumber& convert = call.request.convert_number();
  if (convert.id_type() != xueji::v1::RESIDENT_ID) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "convertNumber.idType must be RESIDENT_ID", ReqSubject(call));
  }
  std::string id_number = NormalizeIdNumber(convert.id_number());
  if (absl::Status valid = ValidateIdNumber(convert.id_type(), id_number);
      !valid.ok()) {
    return RefuseStatus(valid, ReqSubject(call));
  }
  // Issue 10: a change of key information (Art. 17), so the county approves
  // it, one pending change at a time, and never on a record the county has
  // not established yet.
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(call, convert.student_no(),
                                                   "convertNumber.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (record.status() != xueji::v1::ENROLLED &&
      record.status() != xueji::v1::TRANSFERRING) {
    return WrongStatus(record, "convertNumber", "ENROLLED or TRANSFERRING");
  }
  if (!SequenceOf(record.student_no()).has_value()) {
    return RefuseAbout(record, xueji::v1::INVALID_TRANSITION,
                       "the record already has a formal (G) number");
  }
  Child child = record.child();
  child.set_id_type(xueji::v1::RESIDENT_ID);
  child.set_id_number(id_number);
  child.clear_issuing_country();
  if (absl::Status valid = ValidateChild(child); !valid.ok()) {
    return RefuseStatus(valid, record.subject(), record.student_no());
  }
  ASSIGN_OR_RETURN(std::optional<Draft> taken,
                   RefuseIfTaken(call.state, child, record));
  if (taken) return std::move(*taken);
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  auto* payload = event.mutable_number_conversion_requested();
  payload->set_id_type(xueji::v1::RESIDENT_ID);
  payload->set_id_number(id_number);
  return AwaitingCounty("number conversion", {std::move(event)});
}

Child EditedChild(const Child& record, const Child& change) {
  Child child = record;
  if (!change.name().empty()) child.set_name(change.name());
  if (change.gender() != xueji::v1::GENDER_UNSPECIFIED) {
    child.set_gender(change.gender());
  }
  if (!change.birth_date().empty()) child.set_birth_date(change.birth_date());
  if (change.id_type() != xueji::v1::ID_TYPE_UNSPECIFIED &&
      change.id_type() != child.id_type()) {
    child.set_id_type(change.id_type());
    child.clear_issuing_country();  // a passport's, or none
    if (change.id_type() == xueji::v1::NONE) child.clear_id_number();
  }
  if (!change.id_number().empty()) {
    child.set_id_number(NormalizeIdNumber(change.id_number()));
  }
  if (!change.issuing_country().empty()) {
    child.set_issuing_country(change.issuing_country());
  }
  return child;
}

absl::StatusOr<std::optional<Draft>> RefuseIfTaken(const StateView& state,
                                                   const Child& child,
                                                   const RecordState& record) {
  const std::string key = IdentityKey(child);
  if (key.empty() || key == IdentityKey(record.child())) {
    return std::optional<Draft>();
  }
  ASSIGN_OR_RETURN(std::optional<RecordState> holder,
                   state.RecordByIdentity(key));
  if (!holder.has_value() && child.id_type() == xueji::v1::RESIDENT_ID) {
    // The formal number of the document stays with a record for life.
    ASSIGN_OR_RETURN(holder,
                     state.RecordByNumber(FormalNumber(child.id_number())));
  }
  if (!holder.has_value() || holder->subject() == record.subject()) {
    return std::optional<Draft>();
  }
  return std::optional<Draft>(
      Refuse(xueji::v1::DUPLICATE_REGISTRATION,
             Cat("the identity document is held by another record (",
                 xueji::v1::RecordStatus_Name(holder->status()),
                 "): one person, one record (一人一籍); re-admit that record "
                 "instead"),
             record.subject(), record.student_no()));
}

}  // namespace xueji::decide_internal
