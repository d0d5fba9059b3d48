// The child-record actions a kindergarten registrar submits: admit,
// transferOut, transferIn, leave, graduate, defer, cancel, editKeyInfo,
// convertNumber. Check order: see decider.cc.
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/student_number.h"

namespace xueji::decide_internal {

using xueji::v1::Child;
using xueji::v1::Event;
using xueji::v1::KindergartenState;
using xueji::v1::RecordState;

namespace {

std::string ReqSubject(const Call& call) {
  return RequestSubject(call.request.request_id());
}

Draft RefuseAbout(const RecordState& record, xueji::v1::ReasonCode code,
                  std::string message) {
  return Refuse(code, std::move(message), record.subject(),
                record.student_no());
}

Draft WrongStatus(const RecordState& record, std::string_view action,
                  std::string_view needed) {
  return RefuseAbout(
      record, xueji::v1::INVALID_TRANSITION,
      Cat("the record is ", xueji::v1::RecordStatus_Name(record.status()), "; ",
          action, " needs ", needed));
}

Event RecordEvent(const RecordState& record) {
  return NewEvent(record.subject(), record.student_no());
}

// The student number for a child without a live or re-admittable record:
// G + resident ID, or the next L/J number under the kindergarten's county.
// Returns a refusal when no number can be given.
struct NewNumber {
  std::string student_no;
  std::optional<Draft> refusal;
};
absl::StatusOr<NewNumber> AssignNumber(const Call& call, const Child& child,
                                       const KindergartenState& kg,
                                       absl::CivilDay birth) {
  char letter = NumberLetter(child.id_type());
  NewNumber out;
  if (letter == 'G') {
    out.student_no = FormalNumber(child.id_number());
    ASSIGN_OR_RETURN(std::optional<RecordState> holder,
                     call.state.RecordByNumber(out.student_no));
    if (holder.has_value()) {
      // Its document was corrected away by a key-info edit: the number stays
      // with that record for life, so the county has to resolve the clash.
      out.refusal = Refuse(
          xueji::v1::DUPLICATE_REGISTRATION,
          "the formal number of this document is held by another record "
          "(corrected by a key-information edit); the county must resolve it",
          RecordSubject(out.student_no), out.student_no);
    }
    return out;
  }
  std::string prefix = NumberPrefix(letter, kg.county(), birth);
  ASSIGN_OR_RETURN(int seq, call.state.NextSequence(prefix));
  int max = letter == 'L' ? 9999 : 999;
  if (seq < 1 || seq > max) {
    out.refusal =
        Refuse(xueji::v1::INVALID_FIELD,
               Cat("no free ", std::string(1, letter),
                   " number sequence left for this county and birth date"),
               ReqSubject(call));
    return out;
  }
  out.student_no = letter == 'L' ? TemporaryNumber(kg.county(), birth, seq)
                                 : ForeignNumber(kg.county(), birth, seq);
  return out;
}

// Age rule of admission: at least admissionMinAgeYears on the entry date and
// the entry date before the primary entry date.
std::optional<std::string> AgeProblem(const Policy& policy,
                                      absl::CivilDay birth,
                                      absl::CivilDay entry) {
  int age = AgeInYears(birth, entry);
  if (age < policy.admission_min_age_years) {
    return Cat("the child is ", age, " on the entry date ", FormatDate(entry),
               "; admission needs at least ", policy.admission_min_age_years,
               " years");
  }
  absl::CivilDay primary = policy.PrimaryEntryDate(birth);
  if (entry >= primary) {
    return Cat("the entry date ", FormatDate(entry),
               " is on or after the child's primary entry date ",
               FormatDate(primary));
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<Found> FindRecord(const Call& call, std::string_view student_no,
                                 std::string_view field) {
  Found found;
  if (student_no.empty()) {
    found.refusal = Refuse(xueji::v1::INVALID_FIELD, Cat(field, " is required"),
                           ReqSubject(call));
    return found;
  }
  ASSIGN_OR_RETURN(found.record, call.state.RecordByNumber(student_no));
  if (!found.record.has_value()) {
    found.refusal = Refuse(xueji::v1::UNKNOWN_STUDENT,
                           Cat("no record has the student number in ", field),
                           ReqSubject(call));
  }
  return found;
}

absl::StatusOr<std::optional<KindergartenState>> ResolveKindergarten(
    const StateView& state, std::string_view code) {
  ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                   state.Kindergarten(code));
  for (int hops = 0; kg.has_value() && !kg->merged_into().empty() && hops < 16;
       ++hops) {
    ASSIGN_OR_RETURN(kg, state.Kindergarten(kg->merged_into()));
  }
  return kg;
}

absl::StatusOr<Draft> DecideAdmit(const Call& call) {
  const xueji::v1::Admit& admit = call.request.admit();
  Child child = admit.child();
  child.set_id_number(NormalizeIdNumber(child.id_number()));
  if (absl::Status valid = ValidateChild(child); !valid.ok()) {
    return RefuseStatus(valid, ReqSubject(call));
  }
  absl::StatusOr<absl::CivilDay> birth = ParseDate(child.birth_date());
  if (!birth.ok()) {
    return Refuse(xueji::v1::INVALID_FIELD, "child.birthDate is not a date",
                  ReqSubject(call));
  }
  absl::CivilDay entry = call.today;
  if (!admit.entry_date().empty()) {
    absl::StatusOr<absl::CivilDay> parsed = ParseDate(admit.entry_date());
    if (!parsed.ok()) {
      return Refuse(xueji::v1::INVALID_FIELD,
                    "entryDate must be a real date in the form YYYY-MM-DD",
                    ReqSubject(call));
    }
    entry = *parsed;
  }
  if (admit.kindergarten().empty()) {
    return Refuse(xueji::v1::INVALID_FIELD, "admit.kindergarten is required",
                  ReqSubject(call));
  }
  ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                   call.state.Kindergarten(admit.kindergarten()));
  if (!kg.has_value()) {
    return Refuse(xueji::v1::UNKNOWN_KINDERGARTEN,
                  Cat("unknown kindergarten ", admit.kindergarten()),
                  ReqSubject(call));
  }
  if (auto denied = MayActFor(call.op, kg->code())) {
    return Refuse(xueji::v1::NOT_AUTHORIZED, *denied, ReqSubject(call));
  }
  if (IsClosed(*kg)) {
    return Refuse(xueji::v1::KINDERGARTEN_CLOSED,
                  Cat("kindergarten ", kg->code(), " is closed"),
                  ReqSubject(call));
  }
  const Policy& policy = call.policies.ForCounty(kg->county());
  if (auto problem = AgeProblem(policy, *birth, entry)) {
    return Refuse(xueji::v1::AGE_OUT_OF_RANGE, *problem, ReqSubject(call));
  }
  std::string key = IdentityKey(child.id_type(), child.id_number());
  std::optional<RecordState> existing;
  if (!key.empty()) {
    ASSIGN_OR_RETURN(existing, call.state.RecordByIdentity(key));
  }
  bool readmission = existing.has_value();
  std::string student_no, subject;
  if (readmission) {
    if (IsLive(existing->status())) {
      return RefuseAbout(*existing, xueji::v1::DUPLICATE_REGISTRATION,
                         "the identity document already has a live record");
    }
    bool rejected = existing->status() == xueji::v1::CANCELLED &&
                    existing->admission_rejected();
    if (existing->status() != xueji::v1::LEFT && !rejected) {
      return WrongStatus(*existing, "re-admission",
                         "a LEFT record or a rejected admission");
    }
    if (auto early = RefuseIfBefore(call, *existing)) return std::move(*early);
    student_no = existing->student_no();
    subject = existing->subject();
  } else {
    ASSIGN_OR_RETURN(NewNumber number, AssignNumber(call, child, *kg, *birth));
    if (number.refusal.has_value()) return std::move(*number.refusal);
    student_no = number.student_no;
    subject = RecordSubject(student_no);
  }
  std::vector<Event> events;
  Event requested = NewEvent(subject, student_no);
  auto* payload = requested.mutable_record_requested();
  payload->set_kindergarten(kg->code());
  *payload->mutable_child() = child;
  payload->set_entry_date(FormatDate(entry));
  payload->set_readmission(readmission);
  events.push_back(std::move(requested));
  if (child.id_type() == xueji::v1::NONE) {
    Event temporary = NewEvent(subject, student_no);
    temporary.mutable_temporary_number_assigned()->set_student_no(student_no);
    temporary.mutable_temporary_number_assigned()->set_area(kg->county());
    events.push_back(std::move(temporary));
  }
  return Accept(xueji::v1::PENDING_APPROVAL,
                readmission ? "re-admission requested; awaiting county approval"
                            : "admission requested; awaiting county approval",
                std::move(events));
}

absl::StatusOr<Draft> DecideTransferOut(const Call& call) {
  const xueji::v1::TransferOut& out = call.request.transfer_out();
  if (out.to_kindergarten().empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "transferOut.toKindergarten is required", ReqSubject(call));
  }
  ASSIGN_OR_RETURN(Found found,
                   FindRecord(call, out.student_no(), "transferOut.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  ASSIGN_OR_RETURN(std::optional<KindergartenState> target,
                   call.state.Kindergarten(out.to_kindergarten()));
  if (!target.has_value()) {
    return RefuseAbout(record, xueji::v1::UNKNOWN_KINDERGARTEN,
                       Cat("unknown kindergarten ", out.to_kindergarten()));
  }
  if (auto denied = MayActFor(call.op, record.kindergarten())) {
    return RefuseAbout(record, xueji::v1::NOT_AUTHORIZED, *denied);
  }
  if (auto pending = RefuseIfPending(record)) return std::move(*pending);
  if (record.status() != xueji::v1::ENROLLED) {
    return WrongStatus(record, "transferOut", "ENROLLED");
  }
  if (target->code() == record.kindergarten()) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       "toKindergarten is the child's current kindergarten");
  }
  if (IsClosed(*target)) {
    return RefuseAbout(record, xueji::v1::KINDERGARTEN_CLOSED,
                       Cat("kindergarten ", target->code(), " is closed"));
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_transfer_requested()->set_from_kindergarten(
      record.kindergarten());
  event.mutable_transfer_requested()->set_to_kindergarten(target->code());
  return Accept(xueji::v1::PENDING_APPROVAL,
                "transfer requested; awaiting the sending county's approval",
                {std::move(event)});
}

absl::StatusOr<Draft> DecideTransferIn(const Call& call) {
  ASSIGN_OR_RETURN(Found found,
                   FindRecord(call, call.request.transfer_in().student_no(),
                              "transferIn.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  // The receiving kindergarten (forwarded if it has since been merged); a
  // record not in transfer answers to its own kindergarten's registrar.
  std::string receiving = record.kindergarten();
  std::optional<KindergartenState> target;
  if (!record.transfer_to().empty()) {
    ASSIGN_OR_RETURN(target,
                     ResolveKindergarten(call.state, record.transfer_to()));
    receiving = target.has_value() ? target->code() : record.transfer_to();
  }
  if (auto denied = MayActFor(call.op, receiving)) {
    return RefuseAbout(record, xueji::v1::NOT_AUTHORIZED, *denied);
  }
  if (record.status() != xueji::v1::TRANSFERRING) {
    return WrongStatus(record, "transferIn", "TRANSFERRING");
  }
  if (!record.transferred_out()) {
    return RefuseAbout(
        record, xueji::v1::INVALID_TRANSITION,
        Cat("the transfer (request ", record.pending().request_id(),
            ") awaits the sending county's approval"));
  }
  if (!target.has_value() || IsClosed(*target)) {
    return RefuseAbout(record, xueji::v1::KINDERGARTEN_CLOSED,
                       Cat("kindergarten ", receiving, " is closed"));
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_transferred_in()->set_from_kindergarten(record.kindergarten());
  event.mutable_transferred_in()->set_to_kindergarten(receiving);
  return Accept(xueji::v1::APPLIED, "transferred in", {std::move(event)});
}

namespace {

// The shared front of leave/graduate/defer/cancel: the record exists, the
// operator is its kindergarten's registrar and no change is pending.
absl::StatusOr<Found> RecordForRegistrar(const Call& call,
                                         std::string_view student_no,
                                         std::string_view field) {
  ASSIGN_OR_RETURN(Found found, FindRecord(call, student_no, field));
  if (found.refusal) return found;
  const RecordState& record = *found.record;
  if (auto denied = MayActFor(call.op, record.kindergarten())) {
    found.refusal = RefuseAbout(record, xueji::v1::NOT_AUTHORIZED, *denied);
  } else if (auto pending = RefuseIfPending(record)) {
    found.refusal = std::move(*pending);
  }
  return found;
}

}  // namespace

absl::StatusOr<Draft> DecideLeave(const Call& call) {
  const xueji::v1::Leave& leave = call.request.leave();
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(call, leave.student_no(),
                                                   "leave.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (record.status() != xueji::v1::ENROLLED) {
    return WrongStatus(record, "leave", "ENROLLED");
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_left()->set_kindergarten(record.kindergarten());
  event.mutable_left()->set_reason(leave.reason());
  return Accept(xueji::v1::APPLIED, "left; the record is kept",
                {std::move(event)});
}

absl::StatusOr<Draft> DecideGraduate(const Call& call) {
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(
                                    call, call.request.graduate().student_no(),
                                    "graduate.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (record.status() != xueji::v1::ENROLLED) {
    return WrongStatus(record, "graduate", "ENROLLED");
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_graduated()->set_kindergarten(record.kindergarten());
  return Accept(xueji::v1::APPLIED, "graduated", {std::move(event)});
}

absl::StatusOr<Draft> DecideDefer(const Call& call) {
  const xueji::v1::Defer& defer = call.request.defer();
  absl::StatusOr<absl::CivilDay> until = ParseDate(defer.until_date());
  if (!until.ok()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "defer.untilDate must be a real date in the form YYYY-MM-DD",
                  ReqSubject(call));
  }
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(call, defer.student_no(),
                                                   "defer.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (record.status() != xueji::v1::ENROLLED) {
    return WrongStatus(record, "defer", "ENROLLED");
  }
  ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                   call.state.Kindergarten(record.kindergarten()));
  const Policy& policy = kg.has_value() ? call.policies.ForCounty(kg->county())
                                        : call.policies.national();
  absl::StatusOr<absl::CivilDay> birth = ParseDate(record.child().birth_date());
  if (!birth.ok()) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       "the record's birth date is not a date");
  }
  absl::CivilDay primary = policy.PrimaryEntryDate(*birth);
  if (*until <= primary) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       Cat("untilDate must be after the primary "
                           "entry date ",
                           FormatDate(primary)));
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_deferral_requested()->set_until_date(FormatDate(*until));
  event.mutable_deferral_requested()->set_evidence(defer.evidence());
  return Accept(xueji::v1::PENDING_APPROVAL,
                "deferral requested; awaiting county approval",
                {std::move(event)});
}

absl::StatusOr<Draft> DecideCancel(const Call& call) {
  const xueji::v1::Cancel& cancel = call.request.cancel();
  // A PENDING record always has its admission pending, so the one-pending
  // rule answers first: the county rejects that admission instead.
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(call, cancel.student_no(),
                                                   "cancel.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (!IsLive(record.status())) {
    return WrongStatus(record, "cancel", "PENDING, ENROLLED or TRANSFERRING");
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_cancellation_requested()->set_reason(cancel.reason());
  return Accept(xueji::v1::PENDING_APPROVAL,
                "cancellation requested; awaiting county approval",
                {std::move(event)});
}

absl::StatusOr<Draft> DecideEditKeyInfo(const Call& call) {
  const xueji::v1::EditKeyInfo& edit = call.request.edit_key_info();
  Child child = edit.child();
  child.set_id_number(NormalizeIdNumber(child.id_number()));
  if (absl::Status valid = ValidateChild(child); !valid.ok()) {
    return RefuseStatus(valid, ReqSubject(call));
  }
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(call, edit.student_no(),
                                                   "editKeyInfo.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (!IsLive(record.status())) {
    return WrongStatus(record, "editKeyInfo",
                       "PENDING, ENROLLED or TRANSFERRING");
  }
  ASSIGN_OR_RETURN(
      std::optional<Draft> held,
      RefuseIfHeld(call.state, IdentityKey(child.id_type(), child.id_number()),
                   record));
  if (held) return std::move(*held);
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  *event.mutable_key_info_edit_requested()->mutable_child() = child;
  event.mutable_key_info_edit_requested()->set_evidence(edit.evidence());
  return Accept(xueji::v1::PENDING_APPROVAL,
                "key-information edit requested; awaiting county approval",
                {std::move(event)});
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
  ASSIGN_OR_RETURN(Found found, FindRecord(call, convert.student_no(),
                                           "convertNumber.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (auto denied = MayActFor(call.op, record.kindergarten())) {
    return RefuseAbout(record, xueji::v1::NOT_AUTHORIZED, *denied);
  }
  // Conversion is immediate; it only clashes with a pending key-info edit.
  if (record.pending().request().has_edit_key_info()) {
    return std::move(*RefuseIfPending(record));
  }
  if (!IsLive(record.status())) {
    return WrongStatus(record, "convertNumber",
                       "PENDING, ENROLLED or TRANSFERRING");
  }
  if (!SequenceOf(record.student_no()).has_value()) {
    return RefuseAbout(record, xueji::v1::INVALID_TRANSITION,
                       "the record already has a formal (G) number");
  }
  Child child = record.child();
  child.set_id_type(xueji::v1::RESIDENT_ID);
  child.set_id_number(id_number);
  if (absl::Status valid = ValidateChild(child); !valid.ok()) {
    return RefuseStatus(valid, record.subject(), record.student_no());
  }
  ASSIGN_OR_RETURN(
      std::optional<Draft> held,
      RefuseIfHeld(call.state, IdentityKey(child.id_type(), id_number),
                   record));
  if (held) return std::move(*held);
  std::string formal = FormalNumber(id_number);
  ASSIGN_OR_RETURN(std::optional<RecordState> holder,
                   call.state.RecordByNumber(formal));
  if (holder.has_value() && holder->subject() != record.subject()) {
    return RefuseAbout(record, xueji::v1::DUPLICATE_REGISTRATION,
                       "the formal number of this document is held by "
                       "another record");
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = NewEvent(record.subject(), formal);
  auto* payload = event.mutable_number_converted();
  payload->set_from_student_no(record.student_no());
  payload->set_to_student_no(formal);
  payload->set_id_type(xueji::v1::RESIDENT_ID);
  payload->set_id_number(id_number);
  return Accept(xueji::v1::APPLIED,
                "converted to a formal number; the old number stays an alias",
                {std::move(event)});
}

}  // namespace xueji::decide_internal
