// The child-record actions that open or move a record: admit, transferOut,
// transferIn; and the record helpers the other record deciders share
// (record_internal.h): leave, graduate, defer and cancel are in
// exit_decider.cc, editKeyInfo and convertNumber in key_info_decider.cc,
// withdrawTransfer and refuseTransfer in transfer_decider.cc.
// Check order: see decider.cc. Issue 10's rules of the 2025 regulation, each
// marked where it is applied: entryDate ahead (Art. 6, 8).
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/decide/record_internal.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/reasons.h"
#include "ledger/rules/student_number.h"

namespace xueji::decide_internal {

using xueji::v1::Child;

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

namespace {

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

bool IsBlank(std::string_view text) {
  return absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()))
      .empty();
}

absl::StatusOr<OwnKindergarten> FindOwnKindergarten(const Call& call,
                                                    const std::string& code,
                                                    std::string_view missing) {
  OwnKindergarten out;
  if (code.empty()) {
    out.refusal = Refuse(xueji::v1::INVALID_FIELD, std::string(missing),
                         ReqSubject(call));
    return out;
  }
  ASSIGN_OR_RETURN(out.kg, call.state.Kindergarten(code));
  if (!out.kg.has_value()) {
    out.refusal = Refuse(xueji::v1::UNKNOWN_KINDERGARTEN,
                         Cat("unknown kindergarten ", code), ReqSubject(call));
  } else if (auto denied = MayActFor(call.op, out.kg->code())) {
    out.refusal = Refuse(xueji::v1::NOT_AUTHORIZED, *denied, ReqSubject(call));
  } else if (IsClosed(*out.kg)) {
    out.refusal = Refuse(xueji::v1::KINDERGARTEN_CLOSED,
                         Cat("kindergarten ", out.kg->code(), " is closed"),
                         ReqSubject(call));
  }
  return out;
}

std::optional<Draft> RefuseApplicant(const Call& call,
                                     const xueji::v1::Applicant* applicant,
                                     std::string_view action,
                                     std::string_view article) {
  if (applicant == nullptr) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat(action,
                      ".applicant is required: the parent or guardian who "
                      "applies (",
                      article,
                      ": 由父母或者其他监护人提出申请), as {name, relation, "
                      "idType, idNumber}"),
                  ReqSubject(call));
  }
  if (absl::Status valid = ValidateApplicant(*applicant); !valid.ok()) {
    return Refuse(ReasonOf(valid).value_or(xueji::v1::INVALID_FIELD),
                  Cat(action, ".", valid.message()), ReqSubject(call));
  }
  return std::nullopt;
}

xueji::v1::Applicant Recorded(const xueji::v1::Applicant& applicant) {
  xueji::v1::Applicant out = applicant;
  out.set_id_number(NormalizeIdNumber(applicant.id_number()));
  return out;
}

std::optional<Draft> RefuseSelfOrEarly(const Call& call,
                                       const xueji::v1::Applicant& applicant,
                                       const RecordState& record) {
  if (IdentityKey(applicant.id_type(),
                  NormalizeIdNumber(applicant.id_number())) ==
      IdentityKey(record.child().id_type(), record.child().id_number())) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       "the applicant's identity document is the child's own: "
                       "the applicant is a parent or guardian");
  }
  return RefuseIfBefore(call, record);
}

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
    DateField parsed =
        ParseDateField(admit.entry_date(), "entryDate", ReqSubject(call));
    if (parsed.refusal) return std::move(*parsed.refusal);
    entry = parsed.day;
  }
  ASSIGN_OR_RETURN(OwnKindergarten own,
                   FindOwnKindergarten(call, admit.kindergarten(),
                                       "admit.kindergarten is required"));
  if (own.refusal.has_value()) return *std::move(own.refusal);
  const std::optional<KindergartenState>& kg = own.kg;
  const Policy& policy = call.policies.ForCounty(kg->county());
  // Issue 10: an entry in the future is not an enrolment today (空挂, Art. 8):
  // at most entryMaxDaysAhead ahead, and established only from that day on
  // (approve).
  if (entry > call.today + policy.entry_max_days_ahead) {
    return Refuse(xueji::v1::INVALID_DATE,
                  Cat("entryDate ", FormatDate(entry), " is more than ",
                      policy.entry_max_days_ahead, " days after ",
                      FormatDate(call.today), " (entryMaxDaysAhead)"),
                  ReqSubject(call));
  }
  std::string key = IdentityKey(child);
  std::optional<RecordState> existing;
  if (!key.empty()) {
    ASSIGN_OR_RETURN(existing, call.state.RecordByIdentity(key));
  }
  // Art. 14 保留或接收: a child whose approved deferral still runs may be
  // received by another kindergarten past its primary entry date.
  const bool deferred = existing.has_value() &&
                        !existing->deferred_until().empty() &&
                        FormatDate(entry) < existing->deferred_until();
  if (auto problem = AgeProblem(policy, *birth, entry);
      problem.has_value() &&
      !(deferred &&
        AgeInYears(*birth, entry) >= policy.admission_min_age_years)) {
    return Refuse(xueji::v1::AGE_OUT_OF_RANGE, *problem, ReqSubject(call));
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
    // Issue 10: a record deleted on a problem case frees its document.
    bool deleted =
        existing->status() == xueji::v1::CANCELLED && existing->deleted();
    if (existing->status() != xueji::v1::LEFT && !rejected && !deleted) {
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
  return AwaitingCounty(readmission ? "re-admission" : "admission",
                        std::move(events));
}

absl::StatusOr<Draft> DecideTransferOut(const Call& call) {
  const xueji::v1::TransferOut& out = call.request.transfer_out();
  if (out.to_kindergarten().empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "transferOut.toKindergarten is required", ReqSubject(call));
  }
  if (auto bad = RefuseApplicant(
          call, out.has_applicant() ? &out.applicant() : nullptr, "transferOut",
          "Art. 11")) {
    return std::move(*bad);
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
  if (auto bad = RefuseSelfOrEarly(call, out.applicant(), record)) {
    return std::move(*bad);
  }
  Event event = RecordEvent(record);
  event.mutable_transfer_requested()->set_from_kindergarten(
      record.kindergarten());
  event.mutable_transfer_requested()->set_to_kindergarten(target->code());
  *event.mutable_transfer_requested()->mutable_applicant() =
      Recorded(out.applicant());
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
  if (record.pending().request().has_transfer_in()) {
    return RefuseAbout(
        record, xueji::v1::INVALID_TRANSITION,
        Cat("the transfer-in (request ", record.pending().request_id(),
            ") awaits the receiving county's approval"));
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
  // Issue 10, Art. 11: each kindergarten reports its side to its own county.
  // From another county, the receiving county approves the transfer-in; within
  // one county, its approval of the transfer out approved both sides.
  ASSIGN_OR_RETURN(std::optional<KindergartenState> sending,
                   call.state.Kindergarten(record.kindergarten()));
  Event event = RecordEvent(record);
  if (sending.has_value() && sending->county() != target->county()) {
    auto* payload = event.mutable_transfer_in_requested();
    payload->set_from_kindergarten(record.kindergarten());
    payload->set_to_kindergarten(receiving);
    return Accept(xueji::v1::PENDING_APPROVAL,
                  Cat("transfer-in requested; awaiting the approval of county ",
                      target->county()),
                  {std::move(event)});
  }
  event.mutable_transferred_in()->set_from_kindergarten(record.kindergarten());
  event.mutable_transferred_in()->set_to_kindergarten(receiving);
  return Accept(xueji::v1::APPLIED, "transferred in", {std::move(event)});
}

}  // namespace xueji::decide_internal
