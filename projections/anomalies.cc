// Anomalies: the problem records of docs/design.md, evaluated at query time
// from the enrollment rows (which depend only on events) as of a date. This
// file scans the rows and gathers the facts; the rules themselves are pure,
// in anomaly_rules.h.
//
// As of today (by the ledger's clock) or later, the facts are the current
// rows. As of a past day they are what was true at the end of that day: each
// record, kindergarten and account folded from its history (the H rows) up
// to the events whose business date is that day or earlier (the same
// business-date reading as the stats rows), found through the W rows (every
// kindergarten, document and name a record has had, each active day of an
// account), so that a problem fixed since is reported and one that arose
// since is not.
#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/base/status_macros.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/subjects.h"
#include "projections/anomalies_internal.h"
#include "projections/anomaly_rules.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace anomalies_internal {

absl::StatusOr<std::vector<Anomaly>> Evaluator::Run() {
  RETURN_IF_ERROR(CheckRowsPresent());
  ASSIGN_OR_RETURN(past_, EventsAfterAsOf());
  RETURN_IF_ERROR(LoadKindergartens());
  if (rules_.Want(Anomaly::PRESENT_ELSEWHERE)) RETURN_IF_ERROR(LoadSightings());
  ASSIGN_OR_RETURN(std::vector<std::string> subjects, SubjectsInRegion());
  for (const std::string& subject : subjects) {
    ASSIGN_OR_RETURN(std::optional<LiveRecordFacts> facts, LoadLive(subject));
    if (!facts.has_value()) continue;
    LiveAt& at = live_at_[facts->record.kindergarten()];
    ++at.count;
    if (at.earliest.empty() || facts->arrived_on < at.earliest) {
      at.earliest = facts->arrived_on;
    }
    for (Anomaly& a : RecordAnomalies(*facts, rules_)) {
      // Issue 10: a record in transfer into the region shows there only
      // its receiving side's anomalies.
      if (!Everything() && !AreaTable::InRegion(facts->county, q_.region) &&
          !AreaTable::InRegion(a.county(), q_.region)) {
        continue;
      }
      out_.push_back(std::move(a));
    }
  }
  if (rules_.Want(Anomaly::UNVERIFIED_KINDERGARTEN)) {
    RETURN_IF_ERROR(CheckKindergartens());
  }
  if (rules_.Want(Anomaly::DORMANT_ACCOUNT)) RETURN_IF_ERROR(CheckOperators());
  if (rules_.Want(Anomaly::LATE_ENTRY)) RETURN_IF_ERROR(CheckLateEntries());
  return std::move(out_);
}

absl::Status Evaluator::CheckKindergartens() {
  for (const auto& [code, kg] : kgs_) {
    auto live = live_at_.find(code);
    if (live == live_at_.end() || !InRegion(kg.county())) continue;
    KindergartenFacts facts;
    facts.kindergarten = kg;
    facts.policy = &policy_.ForCounty(kg.county());
    facts.live_records = live->second.count;
    facts.earliest_arrival = live->second.earliest;
    ASSIGN_OR_RETURN(const Verifications* v, VerificationsOf(code));
    facts.verified_on = v->dates;
    if (std::optional<Anomaly> a = KindergartenAnomaly(facts, rules_)) {
      out_.push_back(*std::move(a));
    }
  }
  return absl::OkStatus();
}

absl::Status Evaluator::CheckOperators() {
  std::vector<std::string> ids;
  RETURN_IF_ERROR(
      kv_.ScanPrefix("O", [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(1));
        return true;
      }));
  for (const std::string& id : ids) RETURN_IF_ERROR(CheckOperator(id));
  return absl::OkStatus();
}

absl::Status Evaluator::CheckOperator(const std::string& id) {
  AccountFacts facts;
  ASSIGN_OR_RETURN(bool found, AccountOf(id, &facts));
  if (!found) return absl::OkStatus();
  const xueji::v1::OperatorState& op = facts.account;
  facts.kindergarten = op.role() == xueji::v1::REGISTRAR ? op.org() : "";
  facts.county =
      facts.kindergarten.empty() ? op.org() : CountyOf(facts.kindergarten);
  if (!Everything() &&
      (facts.county.empty() || !AreaTable::InRegion(facts.county, q_.region))) {
    return absl::OkStatus();
  }
  facts.policy = &policy_.ForCounty(facts.county);
  if (std::optional<Anomaly> a = AccountAnomaly(facts, rules_)) {
    out_.push_back(*std::move(a));
  }
  return absl::OkStatus();
}

absl::Status Evaluator::CheckLateEntries() {
  std::vector<xueji::v1::Event> entries;
  bool bad = false;
  RETURN_IF_ERROR(kv_.ScanPrefix(
      views_internal::kLateEntryPrefix,
      [&](std::string_view, std::string_view value) {
        xueji::v1::Event& event = entries.emplace_back();
        bad =
            !event.ParseFromArray(value.data(), static_cast<int>(value.size()));
        return !bad;
      }));
  if (bad) return absl::DataLossError("views: unparseable late-entry row");
  for (const xueji::v1::Event& event : entries) {
    LateEntryFacts facts;
    facts.event = &event;
    const ParsedSubject subject = ParseSubject(event.subject());
    if (subject.kind == SubjectKind::kRecord) {
      RecordState r;
      ASSIGN_OR_RETURN(
          bool found,
          GetMessage(kv_, views_internal::RecordKey(event.subject()), &r));
      if (found) {
        facts.student_no = r.student_no();
        facts.kindergarten = r.kindergarten();
      }
    } else if (subject.kind == SubjectKind::kKindergarten) {
      facts.kindergarten = std::string(subject.id);
    }
    facts.county = subject.kind == SubjectKind::kPolicy
                       ? std::string(subject.id)
                       : CountyOf(facts.kindergarten);
    if (!Everything() && (facts.county.empty() ||
                          !AreaTable::InRegion(facts.county, q_.region))) {
      continue;
    }
    if (std::optional<Anomaly> a = LateEntryAnomaly(facts, rules_)) {
      out_.push_back(*std::move(a));
    }
  }
  return absl::OkStatus();
}

}  // namespace anomalies_internal

using anomalies_internal::Anomaly;
using anomalies_internal::Evaluator;

absl::StatusOr<xueji::v1::AnomalyReport> Views::Anomalies(
    const AnomalyQuery& query) const {
  if (query.calendar == nullptr) {
    return absl::InvalidArgumentError("anomalies need a calendar");
  }
  absl::StatusOr<PolicyHistory> policies = Policies();
  if (!policies.ok()) return policies.status();
  Evaluator evaluator(*this, *kv_, query, policies->InForce(query.as_of));
  absl::StatusOr<std::vector<Anomaly>> found = evaluator.Run();
  if (!found.ok()) return found.status();
  auto key = [](const Anomaly& a) {
    return std::tuple<int, const std::string&, const std::string&,
                      const std::string&, const std::string&,
                      const std::string&, const std::string&>(
        a.kind(), a.county(), a.kindergarten(), a.student_no(), a.operator_(),
        a.since(), a.detail());
  };
  std::sort(
      found->begin(), found->end(),
      [&](const Anomaly& a, const Anomaly& b) { return key(a) < key(b); });
  xueji::v1::AnomalyReport report;
  report.set_as_of(FormatDate(query.as_of));
  report.set_region(query.region);
  for (Anomaly& a : *found) *report.add_anomalies() = std::move(a);
  return report;
}

}  // namespace xueji
