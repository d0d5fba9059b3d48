// The child-record actions a kindergarten registrar submits: admit,
// transferOut, transferIn, leave, graduate, defer, cancel, editKeyInfo,
// convertNumber (withdrawTransfer and refuseTransfer: transfer_decider.cc).
// Check order: see decider.cc. Issue 10's rules of the 2025 regulation, each
// marked where it is applied: entryDate ahead (Art. 6, 8), deferral (Art. 14),
// graduation season and cohort (Art. 13), cancel on death only (Art. 15),
// conversion and key-information edits approved by the county and never
// taking another record's document (Art. 10, 17).
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/reasons.h"
#include "ledger/rules/student_number.h"

namespace xueji::decide_internal {

using xueji::v1::Child;

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

bool IsBlank(std::string_view text) {
  return absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size()))
      .empty();
}

// The policy of the record's kindergarten's county (national if unknown).
absl::StatusOr<const Policy*> PolicyOfRecord(const Call& call,
                                             const RecordState& record) {
  ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                   call.state.Kindergarten(record.kindergarten()));
  return kg.has_value() ? &call.policies.ForCounty(kg->county())
                        : &call.policies.national();
}

// Issue 10, Art. 13: the primary entry date (1 September) whose graduation
// season `day` lies in — the graduationWindowMonths before it — or nullopt
// out of season.
std::optional<absl::CivilDay> GraduationSeason(const Policy& policy,
                                               absl::CivilDay day) {
  absl::CivilDay entry(day.year(), 9, 1);
  if (day >= entry) entry = absl::CivilDay(day.year() + 1, 9, 1);
  if (day < AddMonths(entry, -policy.graduation_window_months)) {
    return std::nullopt;
  }
  return entry;
}

std::string OutOfSeason(const Policy& policy, absl::CivilDay day) {
  const absl::CivilDay entry(day.year(), 9, 1);
  return Cat(
      "graduation (Art. 13) is taken from ",
      FormatDate(AddMonths(entry, -policy.graduation_window_months)).substr(5),
      " to 08-31, before primary school begins on 1 September "
      "(graduationWindowMonths ",
      policy.graduation_window_months, "); ", FormatDate(day),
      " is out of season");
}

// The day the child enters primary school: its primary entry date, or, with
// an approved deferral (Art. 14), the first 1 September on or after the
// deferral's end.
absl::StatusOr<absl::CivilDay> EffectiveEntry(const Policy& policy,
                                              const RecordState& record) {
  ASSIGN_OR_RETURN(absl::CivilDay birth,
                   ParseDate(record.child().birth_date()));
  absl::CivilDay entry = policy.PrimaryEntryDate(birth);
  if (!record.deferred_until().empty()) {
    absl::StatusOr<absl::CivilDay> until = ParseDate(record.deferred_until());
    if (until.ok() && *until > entry) {
      const absl::CivilDay september(until->year(), 9, 1);
      entry = *until <= september ? september
                                  : absl::CivilDay(until->year() + 1, 9, 1);
    }
  }
  return entry;
}

// The kindergarten a registrar's request names (`code`; `missing` is the
// refusal's text when it is empty): a refusal when it is unknown, not the
// operator's, or closed.
struct OwnKindergarten {
  std::optional<KindergartenState> kg;
  std::optional<Draft> refusal;
};
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

// Issue 10 (Art. 11, 12, 14, 17: 由父母或者其他监护人提出申请): the parent or
// guardian a new request names (`applicant`, nullptr when the request has
// none) for `action`; a refusal when it is missing or invalid. Events already
// in the log without one stay valid: this judges new requests only.
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

// The applicant as recorded: its number normalized.
xueji::v1::Applicant Recorded(const xueji::v1::Applicant& applicant) {
  xueji::v1::Applicant out = applicant;
  out.set_id_number(NormalizeIdNumber(applicant.id_number()));
  return out;
}

// The applicant applies for the child: its document is not the child's own.
std::optional<Draft> RefuseSelfApplicant(const xueji::v1::Applicant& applicant,
                                         const RecordState& record) {
  if (IdentityKey(applicant.id_type(),
                  NormalizeIdNumber(applicant.id_number())) !=
      IdentityKey(record.child().id_type(), record.child().id_number())) {
    return std::nullopt;
  }
  return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                     "the applicant's identity document is the child's own: "
                     "the applicant is a parent or guardian");
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
  if (auto self = RefuseSelfApplicant(out.applicant(), record)) {
    return std::move(*self);
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
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
  if (auto bad = RefuseApplicant(
          call, leave.has_applicant() ? &leave.applicant() : nullptr, "leave",
          "Art. 12")) {
    return std::move(*bad);
  }
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(call, leave.student_no(),
                                                   "leave.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (record.status() != xueji::v1::ENROLLED) {
    return WrongStatus(record, "leave", "ENROLLED");
  }
  if (auto self = RefuseSelfApplicant(leave.applicant(), record)) {
    return std::move(*self);
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_left()->set_kindergarten(record.kindergarten());
  event.mutable_left()->set_reason(leave.reason());
  *event.mutable_left()->mutable_applicant() = Recorded(leave.applicant());
  return Accept(xueji::v1::APPLIED, "left; the record is kept",
                {std::move(event)});
}

absl::StatusOr<Draft> DecideGraduate(const Call& call) {
  const xueji::v1::Graduate& graduate = call.request.graduate();
  if (!graduate.student_no().empty() &&
      (!graduate.kindergarten().empty() || !graduate.cohort().empty())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "graduate names either studentNo or kindergarten and "
                  "cohort, not both",
                  ReqSubject(call));
  }
  if (graduate.student_no().empty() &&
      (!graduate.kindergarten().empty() || !graduate.cohort().empty())) {
    return DecideGraduateCohort(call);
  }
  ASSIGN_OR_RETURN(Found found, RecordForRegistrar(call, graduate.student_no(),
                                                   "graduate.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (record.status() != xueji::v1::ENROLLED) {
    return WrongStatus(record, "graduate", "ENROLLED");
  }
  ASSIGN_OR_RETURN(const Policy* policy, PolicyOfRecord(call, record));
  std::optional<absl::CivilDay> season = GraduationSeason(*policy, call.today);
  if (!season.has_value()) {
    return RefuseAbout(record, xueji::v1::INVALID_DATE,
                       OutOfSeason(*policy, call.today));
  }
  absl::StatusOr<absl::CivilDay> entry = EffectiveEntry(*policy, record);
  if (!entry.ok()) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       "the record's birth date is not a date");
  }
  if (*entry > *season) {
    return RefuseAbout(
        record, xueji::v1::AGE_OUT_OF_RANGE,
        Cat("the child enters primary school on ", FormatDate(*entry),
            record.deferred_until().empty() ? "" : " (deferred)",
            "; graduation now is for children entering on ",
            FormatDate(*season), " or before (Art. 13)"));
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_graduated()->set_kindergarten(record.kindergarten());
  return Accept(xueji::v1::APPLIED, "graduated", {std::move(event)});
}

absl::StatusOr<Draft> DecideGraduateCohort(const Call& call) {
  const xueji::v1::Graduate& graduate = call.request.graduate();
  int cohort = 0;
  if (graduate.cohort().size() != 4 ||
      !absl::SimpleAtoi(graduate.cohort(), &cohort) || cohort < 1900) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "graduate.cohort must be the year of primary entry, "
                  "YYYY (e.g. \"2026\")",
                  ReqSubject(call));
  }
  ASSIGN_OR_RETURN(
      OwnKindergarten own,
      FindOwnKindergarten(call, graduate.kindergarten(),
                          "graduate.kindergarten is required with cohort"));
  if (own.refusal.has_value()) return *std::move(own.refusal);
  const std::optional<KindergartenState>& kg = own.kg;
  const Policy& policy = call.policies.ForCounty(kg->county());
  std::optional<absl::CivilDay> season = GraduationSeason(policy, call.today);
  if (!season.has_value() || season->year() != cohort) {
    return Refuse(xueji::v1::INVALID_DATE,
                  season.has_value()
                      ? Cat("the graduation season of ", FormatDate(call.today),
                            " is the cohort ", season->year(), ", not ", cohort)
                      : OutOfSeason(policy, call.today),
                  ReqSubject(call));
  }
  ASSIGN_OR_RETURN(std::vector<RecordState> live,
                   call.state.LiveRecordsAt(kg->code()));
  std::vector<Event> events;
  int skipped = 0;
  for (const RecordState& record : live) {
    if (record.status() != xueji::v1::ENROLLED) continue;
    absl::StatusOr<absl::CivilDay> entry = EffectiveEntry(policy, record);
    if (!entry.ok() || entry->year() != cohort) continue;
    if (!record.pending().request_id().empty() ||
        RefuseIfBefore(call, record).has_value()) {
      ++skipped;  // a change awaits the county: graduate it on its own
      continue;
    }
    Event event = RecordEvent(record);
    event.mutable_graduated()->set_kindergarten(record.kindergarten());
    events.push_back(std::move(event));
  }
  if (events.empty()) {
    return Refuse(
        xueji::v1::INVALID_TRANSITION,
        Cat("no child of cohort ", cohort, " at kindergarten ", kg->code(),
            " can graduate now",
            skipped > 0 ? Cat(" (", skipped, " with a pending change)")
                        : std::string()),
        ReqSubject(call));
  }
  std::string message =
      Cat(events.size(), " children of cohort ", cohort, " graduated");
  if (skipped > 0) {
    message += Cat("; ", skipped, " with a pending change left enrolled");
  }
  return Accept(xueji::v1::APPLIED, std::move(message), std::move(events));
}

absl::StatusOr<Draft> DecideDefer(const Call& call) {
  const xueji::v1::Defer& defer = call.request.defer();
  absl::StatusOr<absl::CivilDay> until = ParseDate(defer.until_date());
  if (!until.ok()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "defer.untilDate must be a real date in the form YYYY-MM-DD",
                  ReqSubject(call));
  }
  if (IsBlank(defer.evidence())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "defer.evidence is required: the guardian's 缓学证明材料 "
                  "(Art. 14)",
                  ReqSubject(call));
  }
  if (auto bad = RefuseApplicant(
          call, defer.has_applicant() ? &defer.applicant() : nullptr, "defer",
          "Art. 14")) {
    return std::move(*bad);
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
  // Issue 10, Art. 14: for a child of primary-entry age (适龄入学儿童), so
  // asked within the year before its primary entry date; for at most
  // deferralMaxYears after it.
  const absl::CivilDay latest =
      AddMonths(primary, 12 * policy.deferral_max_years);
  if (*until > latest) {
    return RefuseAbout(
        record, xueji::v1::INVALID_FIELD,
        Cat("untilDate may be at most ", policy.deferral_max_years,
            " years after the primary entry date ", FormatDate(primary),
            " (deferralMaxYears): ", FormatDate(latest), " at the latest"));
  }
  if (call.today < AddMonths(primary, -12)) {
    return RefuseAbout(
        record, xueji::v1::AGE_OUT_OF_RANGE,
        Cat("a deferral (Art. 14) is for a child of primary-entry age: asked "
            "from ",
            FormatDate(AddMonths(primary, -12)),
            ", a year before its primary entry date ", FormatDate(primary)));
  }
  if (auto self = RefuseSelfApplicant(defer.applicant(), record)) {
    return std::move(*self);
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  event.mutable_deferral_requested()->set_until_date(FormatDate(*until));
  event.mutable_deferral_requested()->set_evidence(defer.evidence());
  *event.mutable_deferral_requested()->mutable_applicant() =
      Recorded(defer.applicant());
  return Accept(xueji::v1::PENDING_APPROVAL,
                "deferral requested; awaiting county approval",
                {std::move(event)});
}

absl::StatusOr<Draft> DecideCancel(const Call& call) {
  const xueji::v1::Cancel& cancel = call.request.cancel();
  // Issue 10, Art. 15: death only, with its date and proof.
  if (cancel.reason() != "DEATH") {
    return Refuse(xueji::v1::CANCEL_NOT_DEATH,
                  "cancel.reason must be \"DEATH\": a record is cancelled "
                  "only on the child's death (Art. 15); a child who leaves is "
                  "`leave`d, a wrong admission rejected by the county",
                  ReqSubject(call));
  }
  absl::StatusOr<absl::CivilDay> died = ParseDate(cancel.date_of_death());
  if (!died.ok()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "cancel.dateOfDeath must be a real date in the form "
                  "YYYY-MM-DD",
                  ReqSubject(call));
  }
  if (*died > call.today) {
    return Refuse(xueji::v1::INVALID_DATE,
                  Cat("cancel.dateOfDeath ", FormatDate(*died),
                      " is after the request's date ", FormatDate(call.today)),
                  ReqSubject(call));
  }
  if (IsBlank(cancel.evidence())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "cancel.evidence is required: the proof of death",
                  ReqSubject(call));
  }
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
  if (FormatDate(*died) < record.child().birth_date()) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       "cancel.dateOfDeath is before the child's birth date");
  }
  Event event = RecordEvent(record);
  event.mutable_cancellation_requested()->set_reason(cancel.reason());
  event.mutable_cancellation_requested()->set_date_of_death(FormatDate(*died));
  event.mutable_cancellation_requested()->set_evidence(cancel.evidence());
  return Accept(xueji::v1::PENDING_APPROVAL,
                "cancellation requested; awaiting county approval",
                {std::move(event)});
}

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
  if (auto self = RefuseSelfApplicant(edit.applicant(), record)) {
    return std::move(*self);
  }
  if (auto early = RefuseIfBefore(call, record)) return std::move(*early);
  Event event = RecordEvent(record);
  *event.mutable_key_info_edit_requested()->mutable_child() = child;
  event.mutable_key_info_edit_requested()->set_evidence(edit.evidence());
  *event.mutable_key_info_edit_requested()->mutable_applicant() =
      Recorded(edit.applicant());
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
  return Accept(xueji::v1::PENDING_APPROVAL,
                "number conversion requested; awaiting county approval",
                {std::move(event)});
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
