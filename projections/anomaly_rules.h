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
  const WorkingCalendar* calendar = nullptr;    // required
  std::optional<xueji::v1::Anomaly::Kind> only;  // only this kind
  bool Want(xueji::v1::Anomaly::Kind kind) const {
    return !only.has_value() || *only == kind;
  }
};

// What is known about one live record.
struct LiveRecordFacts {
  xueji::v1::RecordState record;
  std::string county;                // of its kindergarten ("" if unknown)
  const Policy* policy = nullptr;    // in force for that county; required
  std::string arrived_on;            // business date it became live there
  std::string temp_assigned_on;      // business date of its L number
  // Its kindergarten (nullptr if unknown) and that kindergarten's latest
  // verification on or before the as-of date (nullptr if none).
  const xueji::v1::KindergartenState* kindergarten = nullptr;
  const xueji::v1::Event* verification = nullptr;
  // Current numbers of the other live records with the same identity
  // document / (no document) the same name, gender and birth date.
  std::vector<std::string> same_document;
  std::vector<std::string> same_person_probably;
};

std::vector<xueji::v1::Anomaly> RecordAnomalies(const LiveRecordFacts& facts,
                                                const AnomalyRules& rules);

// What is known about one operator account.
struct AccountFacts {
  xueji::v1::OperatorState account;
  std::string last_active;   // its latest activity (YYYY-MM-DD)
  std::string kindergarten;  // a registrar's kindergarten, else ""
  std::string county;        // its county (or region, for other roles)
  const Policy* policy = nullptr;  // required
};

// DORMANT_ACCOUNT when the account is unused past the sealing deadline and
// not sealed (rules/accounts.h); nothing for officers and auditors.
std::optional<xueji::v1::Anomaly> AccountAnomaly(const AccountFacts& facts,
                                                 const AnomalyRules& rules);

}  // namespace xueji

#endif  // XUEJI_PROJECTIONS_ANOMALY_RULES_H_
