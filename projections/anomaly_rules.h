// The anomaly rules (docs/design.md, "Anomalies"): pure functions from the
// facts about one live record, or one operator account, to the problem
// records found in them as of a date. No store is read here: anomalies.cc
// scans the views, gathers the facts and calls these, so the rules are
// unit-tested on hand-made facts (anomaly_rules_test.cc).
//
// A deadline-based anomaly's `since` is the deadline that passed.
//
// Thread-safety: pure functions.
#ifndef XUEJI_PROJECTIONS_ANOMALY_RULES_H_
#define XUEJI_PROJECTIONS_ANOMALY_RULES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/policy.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/state.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji {

// When and under which rules the anomalies are judged.
struct AnomalyRules {
  absl::CivilDay as_of;
  const WorkingCalendar* calendar = nullptr;     // required
  std::optional<xueji::v1::Anomaly::Kind> only;  // only this kind
  bool Want(xueji::v1::Anomaly::Kind kind) const {
    return !only.has_value() || *only == kind;
  }
};

// Another kindergarten's verification that listed this record's number as
// present although the record is not live there (its number among the
// verification's unknown_student_nos): the child is at `kindergarten`, the
// record elsewhere (人籍分离, Art. 17 ¶3).
struct Sighting {
  std::string kindergarten;  // where the child was confirmed present
  std::string date;          // the verification's business date
  std::string term;
};

// What is known about one live record.
struct LiveRecordFacts {
  xueji::v1::RecordState record;
  std::string county;              // of its kindergarten ("" if unknown)
  const Policy* policy = nullptr;  // in force for that county; required
  std::string arrived_on;          // business date it became live there
  std::string temp_assigned_on;    // business date of its L number
  // Its kindergarten (nullptr if unknown) and that kindergarten's latest
  // verification on or before the as-of date (nullptr if none).
  const xueji::v1::KindergartenState* kindergarten = nullptr;
  const xueji::v1::Event* verification = nullptr;
  // Current numbers of the other live records with the same identity
  // document / (no document) the same name, gender and birth date.
  std::vector<std::string> same_document;
  std::vector<std::string> same_person_probably;
  // Issue 10, Art. 11: while TRANSFERRING, the receiving side (its
  // kindergarten, forwarded through merges, that kindergarten's county and
  // policy): a transfer approved out is overdue at the receiving side, and a
  // transfer-in waits for the receiving county. Empty / nullptr otherwise.
  std::string receiving_kindergarten;
  std::string receiving_county;
  const Policy* receiving_policy = nullptr;
  // Current numbers of the other live records of the same child under the
  // other kind of HK/Macao/Taiwan document (SameChildOtherDocument).
  std::vector<std::string> same_child_other_document;
  // The latest verification, on or before the as-of date, of each other
  // kindergarten whose verification listed the record's number (current or
  // former) as present.
  std::vector<Sighting> sightings;
};

// Are `a` and `b` one child under the two kinds of document an HK, Macao or
// Taiwan resident holds: a travel permit (港澳居民来往内地通行证, H/M + 8
// digits; 台湾居民来往大陆通行证) and a residence permit (港澳台居民居住证,
// area 810000 Hong Kong, 820000 Macao, 830000 Taiwan) of the same place,
// with the same normalised name and gender, and the permit holder's birth
// date the one the residence permit's number carries?
bool SameChildOtherDocument(const xueji::v1::Child& a,
                            const xueji::v1::Child& b);

std::vector<xueji::v1::Anomaly> RecordAnomalies(const LiveRecordFacts& facts,
                                                const AnomalyRules& rules);

// A change of `record` waiting for the county's decision, and the last day to
// decide it in time: approveWorkingDays working days after it was requested.
// After that day it is OVERDUE_APPROVAL (and late in `ledger pending`).
struct PendingApproval {
  std::string request_id;
  std::string requested_on;  // YYYY-MM-DD
  absl::CivilDay due;
};
// nullopt when nothing of `record` waits for approval (or its date does not
// read).
std::optional<PendingApproval> PendingApprovalOf(
    const xueji::v1::RecordState& record, const Policy& policy,
    const WorkingCalendar& calendar);

// What is known about one kindergarten (UNVERIFIED_KINDERGARTEN, Art. 17 ¶3).
struct KindergartenFacts {
  xueji::v1::KindergartenState kindergarten;  // as of the as-of date
  const Policy* policy = nullptr;             // of its county; required
  int64_t live_records = 0;                   // on the as-of date
  // The earliest day one of those records came there ("" unknown): a
  // kindergarten whose children all came after a term's deadline could not
  // verify them in that term.
  std::string earliest_arrival;
  // Business dates of its verifications on or before the as-of date,
  // ascending (only the ones from the term start on matter).
  std::vector<std::string> verified_on;
};

// The start of the term (1 March or 1 September) whose verification deadline
// (policy.verification_deadline_days after its start) is the latest one
// before `as_of`, and that deadline.
struct VerificationTerm {
  absl::CivilDay start, deadline;
};
VerificationTerm VerificationTermBefore(absl::CivilDay as_of,
                                        const Policy& policy);

// UNVERIFIED_KINDERGARTEN when an open kindergarten with live records, one
// of them there by the deadline, has no verification from the start of the
// term VerificationTermBefore names up to the as-of date; `since` is that
// term's deadline.
std::optional<xueji::v1::Anomaly> KindergartenAnomaly(
    const KindergartenFacts& facts, const AnomalyRules& rules);

// What is known about one operator account.
struct AccountFacts {
  xueji::v1::OperatorState account;
  std::string last_active;         // its latest activity (YYYY-MM-DD)
  std::string kindergarten;        // a registrar's kindergarten, else ""
  std::string county;              // its county (or region, for other roles)
  const Policy* policy = nullptr;  // required
};

// DORMANT_ACCOUNT when the account is unused past the sealing deadline (its
// last activity by the ledger's clock, rules/accounts.h) and not sealed;
// nothing for officers and auditors.
std::optional<xueji::v1::Anomaly> AccountAnomaly(const AccountFacts& facts,
                                                 const AnomalyRules& rules);

// What is known about one late entry (docs/accountability.md, "The ledger's
// clock is the only clock").
struct LateEntryFacts {
  // The first event of the late decision: its envelope carries late_reason,
  // business_date (the date claimed), recorded_at (when it was entered),
  // the actor and the outcome. Required.
  const xueji::v1::Event* event = nullptr;
  std::string student_no;    // the record's current number, or ""
  std::string kindergarten;  // the record's or the event's kindergarten
  std::string county;        // its county (a policy event: the region)
};

// LATE_ENTRY for an entry with a lateReason that changed the ledger (not
// refused) and was recorded on or before the as-of date; `since` is the
// business date it was entered for, the detail names what was entered, when,
// how many working days late, by whom and why.
std::optional<xueji::v1::Anomaly> LateEntryAnomaly(const LateEntryFacts& facts,
                                                   const AnomalyRules& rules);

}  // namespace xueji

#endif  // XUEJI_PROJECTIONS_ANOMALY_RULES_H_
