// The child-record actions that end or postpone a record's stay: leave,
// graduate, graduateCohort, defer, cancel. Check order: see decider.cc.
// Issue 10's rules of the 2025 regulation, each marked where it is applied:
// deferral (Art. 14), graduation season and cohort (Art. 13), cancel on
// death only (Art. 15). Moved from record_decider.cc (issue 8).
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/decide/record_internal.h"

namespace xueji::decide_internal {

using xueji::v1::Child;

namespace {

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

// The front of leave and defer, which a parent or guardian asks for under
// `article`: the applicant (RefuseApplicant), then the record
// (RecordForRegistrar, field `<action>.studentNo`), which must be ENROLLED.
template <typename Ask>
absl::StatusOr<Found> EnrolledForApplicant(const Call& call, const Ask& ask,
                                           std::string_view action,
                                           std::string_view article) {
  Found found;
  found.refusal = RefuseApplicant(
      call, ask.has_applicant() ? &ask.applicant() : nullptr, action, article);
  if (found.refusal) return found;
  ASSIGN_OR_RETURN(found, RecordForRegistrar(call, ask.student_no(),
                                             Cat(action, ".studentNo")));
  if (!found.refusal && found.record->status() != xueji::v1::ENROLLED) {
    found.refusal = WrongStatus(*found.record, action, "ENROLLED");
  }
  return found;
}

}  // namespace

absl::StatusOr<Draft> DecideLeave(const Call& call) {
  const xueji::v1::Leave& leave = call.request.leave();
  ASSIGN_OR_RETURN(Found found,
                   EnrolledForApplicant(call, leave, "leave", "Art. 12"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  if (auto bad = RefuseSelfOrEarly(call, leave.applicant(), record)) {
    return std::move(*bad);
  }
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
  DateField until =
      ParseDateField(defer.until_date(), "defer.untilDate", ReqSubject(call));
  if (until.refusal) return std::move(*until.refusal);
  if (IsBlank(defer.evidence())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "defer.evidence is required: the guardian's 缓学证明材料 "
                  "(Art. 14)",
                  ReqSubject(call));
  }
  ASSIGN_OR_RETURN(Found found,
                   EnrolledForApplicant(call, defer, "defer", "Art. 14"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  ASSIGN_OR_RETURN(const Policy* policy, PolicyOfRecord(call, record));
  absl::StatusOr<absl::CivilDay> birth = ParseDate(record.child().birth_date());
  if (!birth.ok()) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       "the record's birth date is not a date");
  }
  absl::CivilDay primary = policy->PrimaryEntryDate(*birth);
  if (until.day <= primary) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       Cat("untilDate must be after the primary "
                           "entry date ",
                           FormatDate(primary)));
  }
  // Issue 10, Art. 14: for a child of primary-entry age (适龄入学儿童), so
  // asked within the year before its primary entry date; for at most
  // deferralMaxYears after it.
  const absl::CivilDay latest =
      AddMonths(primary, 12 * policy->deferral_max_years);
  if (until.day > latest) {
    return RefuseAbout(
        record, xueji::v1::INVALID_FIELD,
        Cat("untilDate may be at most ", policy->deferral_max_years,
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
  if (auto bad = RefuseSelfOrEarly(call, defer.applicant(), record)) {
    return std::move(*bad);
  }
  Event event = RecordEvent(record);
  event.mutable_deferral_requested()->set_until_date(FormatDate(until.day));
  event.mutable_deferral_requested()->set_evidence(defer.evidence());
  *event.mutable_deferral_requested()->mutable_applicant() =
      Recorded(defer.applicant());
  return AwaitingCounty("deferral", {std::move(event)});
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
  DateField died = ParseDateField(cancel.date_of_death(), "cancel.dateOfDeath",
                                  ReqSubject(call));
  if (died.refusal) return std::move(*died.refusal);
  if (died.day > call.today) {
    return Refuse(xueji::v1::INVALID_DATE,
                  Cat("cancel.dateOfDeath ", FormatDate(died.day),
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
  if (FormatDate(died.day) < record.child().birth_date()) {
    return RefuseAbout(record, xueji::v1::INVALID_FIELD,
                       "cancel.dateOfDeath is before the child's birth date");
  }
  Event event = RecordEvent(record);
  event.mutable_cancellation_requested()->set_reason(cancel.reason());
  event.mutable_cancellation_requested()->set_date_of_death(
      FormatDate(died.day));
  event.mutable_cancellation_requested()->set_evidence(cancel.evidence());
  return AwaitingCounty("cancellation", {std::move(event)});
}

}  // namespace xueji::decide_internal
