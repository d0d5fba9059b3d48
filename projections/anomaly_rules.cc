#include "projections/anomaly_rules.h"

#include <algorithm>
#include <string>
#include <tuple>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "ledger/base/dates.h"
#include "ledger/base/strings.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/reasons.h"

namespace xueji {
namespace {

using xueji::v1::Anomaly;
using xueji::v1::RecordState;

std::optional<absl::CivilDay> Day(std::string_view text) {
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (!day.ok()) return std::nullopt;
  return *day;
}

// The rules over one live record; each Check* adds what it finds.
class RecordRules {
 public:
  RecordRules(const LiveRecordFacts& facts, const AnomalyRules& rules)
      : facts_(facts),
        r_(facts.record),
        rules_(rules),
        policy_(*facts.policy) {}

  std::vector<Anomaly> Run() {
    if (rules_.Want(Anomaly::DUPLICATE)) CheckDuplicate();
    if (rules_.Want(Anomaly::PROBABLE_DUPLICATE)) CheckProbableDuplicate();
    if (rules_.Want(Anomaly::PHANTOM)) CheckPhantom();
    if (rules_.Want(Anomaly::INVALID_IDENTITY)) CheckIdentity();
    if (rules_.Want(Anomaly::AGE_OUT_OF_RANGE)) CheckAge();
    if (rules_.Want(Anomaly::OVERDUE_APPROVAL)) CheckApproval();
    if (rules_.Want(Anomaly::OVERDUE_TRANSFER)) CheckTransfer();
    if (rules_.Want(Anomaly::LATE_ESTABLISHMENT)) CheckEstablishment();
    if (rules_.Want(Anomaly::STALE_TEMPORARY_NUMBER)) CheckTemporary();
    if (rules_.Want(Anomaly::PRESENT_ELSEWHERE)) CheckPresentElsewhere();
    if (rules_.Want(Anomaly::CROSS_DOCUMENT_DUPLICATE)) CheckOtherDocument();
    return std::move(out_);
  }

 private:
  void Add(Anomaly::Kind kind, std::string since, std::string detail,
           std::vector<std::string> related = {}, bool receiving = false) {
    Anomaly a;
    a.set_kind(kind);
    a.set_student_no(r_.student_no());
    a.set_kindergarten(receiving ? facts_.receiving_kindergarten
                                 : r_.kindergarten());
    a.set_county(receiving ? facts_.receiving_county : facts_.county);
    a.set_since(std::move(since));
    a.set_detail(std::move(detail));
    std::sort(related.begin(), related.end());
    for (std::string& n : related) a.add_related(std::move(n));
    out_.push_back(std::move(a));
  }

  void CheckDuplicate() {
    if (facts_.same_document.empty()) return;
    Add(Anomaly::DUPLICATE, r_.requested_on(),
        absl::StrCat("identity document also in ", facts_.same_document.size(),
                     " other live record(s)"),
        facts_.same_document);
  }

  void CheckProbableDuplicate() {
    if (facts_.same_person_probably.empty()) return;
    Add(Anomaly::PROBABLE_DUPLICATE, r_.requested_on(),
        absl::StrCat("no identity document; same name, gender and birth "
                     "date as ",
                     facts_.same_person_probably.size(),
                     " other live record(s)"),
        facts_.same_person_probably);
  }

  void CheckPhantom() {
    const xueji::v1::KindergartenState* kg = facts_.kindergarten;
    if (kg != nullptr && (kg->closed() || !kg->merged_into().empty())) {
      Add(Anomaly::PHANTOM, kg->closed_on(),
          kg->merged_into().empty()
              ? "live record at a closed kindergarten"
              : absl::StrCat("live record at a kindergarten merged into ",
                             kg->merged_into()));
    }
    const xueji::v1::Event* v = facts_.verification;
    if (v != nullptr && !facts_.arrived_on.empty() &&
        facts_.arrived_on < v->business_date()) {
      const auto& present = v->verification_recorded().present_student_nos();
      auto listed = [&](const std::string& no) {
        return std::find(present.begin(), present.end(), no) != present.end();
      };
      bool found = listed(r_.student_no());
      for (const std::string& former : r_.former_numbers()) {
        found |= listed(former);
      }
      if (!found) {
        Add(Anomaly::PHANTOM, v->business_date(),
            absl::StrCat("not confirmed present at verification ",
                         v->verification_recorded().term(), " on ",
                         v->business_date()));
      }
    }
    std::optional<absl::CivilDay> out = Day(r_.transfer_out_on());
    if (r_.status() == xueji::v1::TRANSFERRING && r_.transferred_out() && out) {
      int days = 2 * policy_.transfer_working_days;
      absl::CivilDay deadline = rules_.calendar->AddWorkingDays(*out, days);
      if (rules_.as_of > deadline) {
        Add(Anomaly::PHANTOM, FormatDate(deadline),
            absl::StrCat("transferred out to ", r_.transfer_to(), " on ",
                         r_.transfer_out_on(), ", not transferred in within ",
                         days, " working days"));
      }
    }
  }

  void CheckIdentity() {
    const xueji::v1::Child& child = r_.child();
    absl::Status s = ValidateChild(child);
    if (s.ok()) return;
    std::optional<xueji::v1::ReasonCode> code = ReasonOf(s);
    std::string message(s.message());
    // Never let a document number into the report.
    for (const std::string& number :
         {child.id_number(), NormalizeIdNumber(child.id_number())}) {
      if (!number.empty()) absl::StrReplaceAll({{number, "***"}}, &message);
    }
    Add(Anomaly::INVALID_IDENTITY, r_.requested_on(),
        absl::StrCat("identity fails validation (",
                     Av(code ? ReasonName(*code) : "INVALID"), "): ", message));
  }

  void CheckAge() {
    std::optional<absl::CivilDay> birth = Day(r_.child().birth_date());
    if (!birth) return;
    absl::CivilDay entry = policy_.PrimaryEntryDate(*birth);
    if (rules_.as_of >= entry) {
      std::optional<absl::CivilDay> until = Day(r_.deferred_until());
      if (until && rules_.as_of <= *until) return;  // deferral covers it
      Add(Anomaly::AGE_OUT_OF_RANGE, FormatDate(until ? *until + 1 : entry),
          until ? absl::StrCat("deferral ended ", r_.deferred_until(),
                               "; past primary entry ", FormatDate(entry))
                : absl::StrCat("past primary entry ", FormatDate(entry),
                               " without an approved deferral"));
      return;
    }
    int age = AgeInYears(*birth, rules_.as_of);
    if (age < policy_.admission_min_age_years) {
      Add(Anomaly::AGE_OUT_OF_RANGE,
          r_.entry_date().empty() ? r_.requested_on() : r_.entry_date(),
          absl::StrCat("age ", age, " is below the admission age ",
                       policy_.admission_min_age_years));
    }
  }

  // Issue 10: the receiving side of a transfer, when `facts_` know it.
  bool Receiving() const { return !facts_.receiving_kindergarten.empty(); }
  const Policy& ReceivingPolicy() const {
    return facts_.receiving_policy != nullptr ? *facts_.receiving_policy
                                              : policy_;
  }

  void CheckApproval() {
    // A transfer-in waits for the receiving county (Art. 11).
    const bool incoming =
        Receiving() && r_.pending().request().has_transfer_in();
    const Policy& policy = incoming ? ReceivingPolicy() : policy_;
    std::optional<PendingApproval> pending =
        PendingApprovalOf(r_, policy, *rules_.calendar);
    if (!pending || rules_.as_of <= pending->due) return;
    std::string what = "admission";
    if (r_.has_pending() && r_.pending().has_request()) {
      what = std::string(ActionName(r_.pending().request()));
    }
    Add(Anomaly::OVERDUE_APPROVAL, FormatDate(pending->due),
        absl::StrCat(what, " request ", pending->request_id, " pending since ",
                     pending->requested_on, ", not decided within ",
                     policy.approve_working_days, " working days"),
        {}, incoming);
  }

  void CheckTransfer() {
    if (r_.status() != xueji::v1::TRANSFERRING) return;
    // Approved out, the transfer waits for the receiving side (Art. 11: each
    // kindergarten within transferWorkingDays): its kindergarten's, judged
    // by its county's policy.
    const bool incoming = Receiving() && r_.transferred_out();
    int days = incoming ? ReceivingPolicy().transfer_working_days
                        : policy_.transfer_working_days;
    std::optional<absl::CivilDay> start = Day(
        r_.transferred_out() ? r_.transfer_out_on() : r_.transfer_started_on());
    if (!start) return;
    absl::CivilDay deadline = rules_.calendar->AddWorkingDays(*start, days);
    if (rules_.as_of <= deadline) return;
    Add(Anomaly::OVERDUE_TRANSFER, FormatDate(deadline),
        r_.transferred_out()
            ? absl::StrCat("transferred out to ", r_.transfer_to(), " on ",
                           r_.transfer_out_on(), ", not in within ", days,
                           " working days")
            : absl::StrCat("transfer to ", r_.transfer_to(), " requested on ",
                           r_.transfer_started_on(), ", not out within ", days,
                           " working days"),
        {}, incoming);
  }

  void CheckEstablishment() {
    std::optional<absl::CivilDay> entry = Day(r_.entry_date());
    if (!entry) return;
    absl::CivilDay deadline = AddMonths(*entry, policy_.establish_months);
    std::optional<absl::CivilDay> established = Day(r_.established_on());
    if (established && *established > deadline) {
      Add(Anomaly::LATE_ESTABLISHMENT, FormatDate(deadline),
          absl::StrCat("entered ", r_.entry_date(), ", established ",
                       r_.established_on(), " after the deadline ",
                       FormatDate(deadline)));
    } else if (!established && r_.status() == xueji::v1::PENDING &&
               rules_.as_of > deadline) {
      Add(Anomaly::LATE_ESTABLISHMENT, FormatDate(deadline),
          absl::StrCat("entered ", r_.entry_date(),
                       ", still not established after the deadline ",
                       FormatDate(deadline)));
    }
  }

  void CheckTemporary() {
    if (!r_.student_no().starts_with("L")) return;
    const std::string& assigned = facts_.temp_assigned_on.empty()
                                      ? r_.requested_on()
                                      : facts_.temp_assigned_on;
    std::optional<absl::CivilDay> start = Day(assigned);
    if (!start) return;
    const int months = policy_.temporary_number_months;
    absl::CivilDay deadline = AddMonths(*start, months);
    if (rules_.as_of <= deadline) return;
    Add(Anomaly::STALE_TEMPORARY_NUMBER, FormatDate(deadline),
        absl::StrCat("temporary number assigned ", assigned,
                     ", not converted within ", months, " months"));
  }

  // 人籍分离: confirmed present at another kindergarten's verification taken
  // after the record came to its own (earlier sightings are history).
  void CheckPresentElsewhere() {
    std::vector<const Sighting*> seen;
    for (const Sighting& s : facts_.sightings) {
      if (s.kindergarten == r_.kindergarten() || s.date.empty()) continue;
      if (!facts_.arrived_on.empty() && s.date <= facts_.arrived_on) continue;
      seen.push_back(&s);
    }
    if (seen.empty()) return;
    std::sort(seen.begin(), seen.end(),
              [](const Sighting* a, const Sighting* b) {
                return std::tie(a->date, a->kindergarten) <
                       std::tie(b->date, b->kindergarten);
              });
    std::vector<std::string> where;
    for (const Sighting* s : seen) {
      where.push_back(absl::StrCat(s->kindergarten, " (verification ", s->term,
                                   " on ", s->date, ")"));
    }
    Add(Anomaly::PRESENT_ELSEWHERE, seen.front()->date,
        absl::StrCat("registered at ", r_.kindergarten(),
                     " but confirmed present at ", absl::StrJoin(where, ", ")));
  }

  void CheckOtherDocument() {
    if (facts_.same_child_other_document.empty()) return;
    Add(Anomaly::CROSS_DOCUMENT_DUPLICATE, r_.requested_on(),
        absl::StrCat(
            "same name, gender and birth date as ",
            facts_.same_child_other_document.size(),
            " other live record(s) under the other HK/Macao/Taiwan document "
            "(travel permit and residence permit)"),
        facts_.same_child_other_document);
  }

  const LiveRecordFacts& facts_;
  const RecordState& r_;
  const AnomalyRules& rules_;
  const Policy& policy_;
  std::vector<Anomaly> out_;
};

}  // namespace

std::optional<PendingApproval> PendingApprovalOf(
    const xueji::v1::RecordState& record, const Policy& policy,
    const WorkingCalendar& calendar) {
  PendingApproval out;
  if (record.has_pending()) {
    out.request_id = record.pending().request_id();
    out.requested_on = record.pending().requested_on();
  }
  if (out.requested_on.empty() && record.status() == xueji::v1::PENDING) {
    out.requested_on = record.requested_on();
  }
  std::optional<absl::CivilDay> start = Day(out.requested_on);
  if (!start) return std::nullopt;
  out.due = calendar.AddWorkingDays(*start, policy.approve_working_days);
  return out;
}

std::vector<Anomaly> RecordAnomalies(const LiveRecordFacts& facts,
                                     const AnomalyRules& rules) {
  return RecordRules(facts, rules).Run();
}

namespace {

// The residence permit area of a travel permit's holder: 810000 (H, Hong
// Kong), 820000 (M, Macao), 830000 (Taiwan); "" for other documents.
std::string PermitArea(const xueji::v1::Child& child) {
  const std::string number = NormalizeIdNumber(child.id_number());
  if (child.id_type() == xueji::v1::TW_PERMIT) return "830000";
  if (child.id_type() != xueji::v1::HK_MO_PERMIT || number.empty()) return "";
  if (number[0] == 'H') return "810000";
  if (number[0] == 'M') return "820000";
  return "";
}

}  // namespace

bool SameChildOtherDocument(const xueji::v1::Child& a,
                            const xueji::v1::Child& b) {
  const xueji::v1::Child* permit = &a;
  const xueji::v1::Child* residence = &b;
  if (a.id_type() == xueji::v1::HK_MO_TW_RESIDENCE_PERMIT) {
    std::swap(permit, residence);
  }
  if (residence->id_type() != xueji::v1::HK_MO_TW_RESIDENCE_PERMIT) {
    return false;
  }
  const std::string area = PermitArea(*permit);
  const std::string number = NormalizeIdNumber(residence->id_number());
  if (area.empty() || number.size() != 18 || !number.starts_with(area)) {
    return false;
  }
  // The residence permit's own birth date: digits 7-14.
  const std::string born =
      absl::StrCat(number.substr(6, 4), "-", number.substr(10, 2), "-",
                   number.substr(12, 2));
  return permit->birth_date() == born &&
         permit->gender() == residence->gender() &&
         ProbableIdentityKey(*permit) == ProbableIdentityKey([&] {
           xueji::v1::Child c = *residence;
           c.set_birth_date(born);
           return c;
         }());
}

VerificationTerm VerificationTermBefore(absl::CivilDay as_of,
                                        const Policy& policy) {
  // Term starts from the year before, newest first: the first whose deadline
  // is before `as_of`.
  for (absl::civil_year_t y = as_of.year(); y >= as_of.year() - 1; --y) {
    for (int month : {9, 3}) {
      const absl::CivilDay start(y, month, 1);
      const absl::CivilDay deadline = start + policy.verification_deadline_days;
      if (deadline < as_of) return {start, deadline};
    }
  }
  const absl::CivilDay start(as_of.year() - 2, 9, 1);  // unreachable
  return {start, start + policy.verification_deadline_days};
}

std::optional<Anomaly> KindergartenAnomaly(const KindergartenFacts& facts,
                                           const AnomalyRules& rules) {
  const xueji::v1::KindergartenState& kg = facts.kindergarten;
  if (!rules.Want(Anomaly::UNVERIFIED_KINDERGARTEN) || kg.closed() ||
      !kg.merged_into().empty() || facts.live_records == 0) {
    return std::nullopt;
  }
  const VerificationTerm term =
      VerificationTermBefore(rules.as_of, *facts.policy);
  if (!facts.earliest_arrival.empty() &&
      facts.earliest_arrival > FormatDate(term.deadline)) {
    return std::nullopt;
  }
  const std::string from = FormatDate(term.start);
  const std::string to = FormatDate(rules.as_of);
  for (const std::string& on : facts.verified_on) {
    if (on >= from && on <= to) return std::nullopt;
  }
  Anomaly a;
  a.set_kind(Anomaly::UNVERIFIED_KINDERGARTEN);
  a.set_kindergarten(kg.code());
  a.set_county(kg.county());
  a.set_since(FormatDate(term.deadline));
  a.set_detail(absl::StrCat(
      facts.live_records,
      " live record(s), no verification since the term "
      "began on ",
      from, " (due within ", facts.policy->verification_deadline_days,
      " days, by ", FormatDate(term.deadline), ")",
      facts.verified_on.empty()
          ? "; never verified"
          : absl::StrCat("; last verified ", facts.verified_on.back())));
  return a;
}

std::optional<Anomaly> AccountAnomaly(const AccountFacts& facts,
                                      const AnomalyRules& rules) {
  const xueji::v1::OperatorState& op = facts.account;
  if (!rules.Want(Anomaly::DORMANT_ACCOUNT) || op.sealed() ||
      !ActivityIsJudged(op.role())) {
    return std::nullopt;
  }
  std::optional<absl::CivilDay> deadline =
      DormancyDeadline(facts.last_active, *facts.policy);
  if (!deadline || rules.as_of <= *deadline) return std::nullopt;
  Anomaly a;
  a.set_kind(Anomaly::DORMANT_ACCOUNT);
  a.set_operator_(op.id());  // no record: student_no stays empty
  a.set_kindergarten(facts.kindergarten);
  a.set_county(facts.county);
  a.set_since(FormatDate(*deadline));
  a.set_detail(
      absl::StrCat(xueji::v1::Role_Name(op.role()), " account last active ",
                   facts.last_active.substr(0, 10), ", unused for more than ",
                   facts.policy->seal_after_months, " months and not sealed"));
  return a;
}

std::optional<Anomaly> LateEntryAnomaly(const LateEntryFacts& facts,
                                        const AnomalyRules& rules) {
  const xueji::v1::Event& event = *facts.event;
  if (!rules.Want(Anomaly::LATE_ENTRY) || event.late_reason().empty() ||
      event.outcome() == xueji::v1::REJECTED) {
    return std::nullopt;
  }
  const std::string entered = ActivityDate(event);
  std::optional<absl::CivilDay> on = Day(entered);
  std::optional<absl::CivilDay> claimed = Day(event.business_date());
  if (!on || !claimed || *on > rules.as_of) return std::nullopt;
  const auto* field =
      xueji::v1::Event::descriptor()->FindFieldByNumber(event.payload_case());
  Anomaly a;
  a.set_kind(Anomaly::LATE_ENTRY);
  a.set_student_no(facts.student_no);
  a.set_kindergarten(facts.kindergarten);
  a.set_county(facts.county);
  a.set_since(event.business_date());
  a.set_detail(Cat(field == nullptr ? "an entry" : field->name(), " for ",
                   event.business_date(), " entered on ", entered, ", ",
                   rules.calendar->WorkingDaysBetween(*claimed, *on),
                   " working days later, by ", event.actor().operator_id(),
                   " (request ", event.request_id(),
                   "); reason: ", event.late_reason()));
  return a;
}

}  // namespace xueji
