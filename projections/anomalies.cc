// Anomalies: the problem records of docs/design.md, evaluated at query time
// from the enrollment rows (which depend only on events) as of a date. This
// file scans the rows and gathers the facts; the rules themselves are pure,
// in anomaly_rules.h.
#include <algorithm>
#include <map>
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
#include "projections/anomaly_rules.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace {

using views_internal::GetMessage;
using xueji::v1::Anomaly;
using xueji::v1::KindergartenState;
using xueji::v1::RecordState;

class Evaluator {
 public:
  Evaluator(const KvStore& kv, const AnomalyQuery& q, PolicyBook policy)
      : kv_(kv),
        q_(q),
        rules_{q.as_of, q.calendar, q.kind},
        policy_(std::move(policy)) {}

  absl::StatusOr<std::vector<Anomaly>> Run() {
    RETURN_IF_ERROR(LoadKindergartens());
    ASSIGN_OR_RETURN(std::vector<std::string> subjects, SubjectsInRegion());
    for (const std::string& subject : subjects) {
      ASSIGN_OR_RETURN(std::optional<LiveRecordFacts> facts, LoadLive(subject));
      if (!facts.has_value()) continue;
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
    if (rules_.Want(Anomaly::DORMANT_ACCOUNT))
      RETURN_IF_ERROR(CheckOperators());
    if (rules_.Want(Anomaly::LATE_ENTRY)) RETURN_IF_ERROR(CheckLateEntries());
    return std::move(out_);
  }

 private:
  bool Everything() const { return q_.region.empty() || q_.region == "00"; }

  absl::Status LoadKindergartens() {
    bool bad = false;
    absl::Status s = kv_.ScanPrefix("G", [&](std::string_view key,
                                             std::string_view value) {
      KindergartenState kg;
      if (!kg.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        bad = true;
        return false;
      }
      kgs_[std::string(key.substr(1))] = std::move(kg);
      return true;
    });
    if (!s.ok()) return s;
    if (bad) return absl::DataLossError("views: unparseable kindergarten row");
    return absl::OkStatus();
  }

  std::string CountyOf(const std::string& kg) const {
    auto it = kgs_.find(kg);
    return it == kgs_.end() ? "" : it->second.county();
  }

  // Record subjects whose kindergarten lies in the region, and (issue 10)
  // those in transfer to a kindergarten of it.
  absl::StatusOr<std::vector<std::string>> SubjectsInRegion() const {
    std::vector<std::string> subjects;
    auto collect = [&](const std::string& prefix) {
      return kv_.ScanPrefix(prefix,
                            [&](std::string_view key, std::string_view) {
                              subjects.emplace_back(key.substr(prefix.size()));
                              return true;
                            });
    };
    if (Everything()) {
      RETURN_IF_ERROR(collect("R"));
      return subjects;
    }
    for (const auto& [code, kg] : kgs_) {
      if (!AreaTable::InRegion(kg.county(), q_.region)) continue;
      RETURN_IF_ERROR(collect(views_internal::KgIndexPrefix(code)));
      RETURN_IF_ERROR(collect(views_internal::IncomingIndexPrefix(code)));
    }
    std::sort(subjects.begin(), subjects.end());
    subjects.erase(std::unique(subjects.begin(), subjects.end()),
                   subjects.end());
    return subjects;
  }

  // The kindergarten `code` ends up as, following merges.
  std::string Forwarded(std::string code) const {
    for (int hops = 0; hops < 16; ++hops) {
      auto it = kgs_.find(code);
      if (it == kgs_.end() || it->second.merged_into().empty()) break;
      code = it->second.merged_into();
    }
    return code;
  }

  // The facts the rules need about a record, if it is live.
  absl::StatusOr<std::optional<LiveRecordFacts>> LoadLive(
      const std::string& subject) {
    LiveRecordFacts facts;
    RecordState& r = facts.record;
    ASSIGN_OR_RETURN(bool found,
                     GetMessage(kv_, views_internal::RecordKey(subject), &r));
    if (!found || !IsLive(r.status())) return std::optional<LiveRecordFacts>();
    ASSIGN_OR_RETURN(std::optional<std::string> extra,
                     kv_.Get(views_internal::RecordExtraKey(subject)));
    views_internal::RecordExtra parsed =
        views_internal::ParseExtra(extra.value_or(""));
    facts.arrived_on = std::move(parsed.arrived_on);
    facts.temp_assigned_on = std::move(parsed.temp_assigned_on);
    facts.county = CountyOf(r.kindergarten());
    facts.policy = &policy_.ForCounty(facts.county);
    auto kg = kgs_.find(r.kindergarten());
    if (kg != kgs_.end()) facts.kindergarten = &kg->second;
    if (r.status() == xueji::v1::TRANSFERRING && !r.transfer_to().empty()) {
      facts.receiving_kindergarten = Forwarded(r.transfer_to());
      facts.receiving_county = CountyOf(facts.receiving_kindergarten);
      facts.receiving_policy = &policy_.ForCounty(facts.receiving_county);
    }
    if (rules_.Want(Anomaly::PHANTOM)) {
      ASSIGN_OR_RETURN(facts.verification, Verification(r.kindergarten()));
    }
    std::string id_key = IdentityKey(r.child());
    if (rules_.Want(Anomaly::DUPLICATE) && !id_key.empty()) {
      ASSIGN_OR_RETURN(
          facts.same_document,
          OtherLive(views_internal::IdentityPrefix(id_key), subject));
    }
    if (rules_.Want(Anomaly::PROBABLE_DUPLICATE) && id_key.empty() &&
        !r.child().name().empty()) {
      ASSIGN_OR_RETURN(facts.same_person_probably,
                       OtherLive(views_internal::ProbablePrefix(
                                     ProbableIdentityKey(r.child())),
                                 subject));
    }
    return std::optional<LiveRecordFacts>(std::move(facts));
  }

  // Current numbers of the other live records under an index prefix.
  absl::StatusOr<std::vector<std::string>> OtherLive(const std::string& prefix,
                                                     const std::string& self) {
    std::vector<std::string> subjects, numbers;
    RETURN_IF_ERROR(
        kv_.ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
          std::string_view subject = key.substr(prefix.size());
          if (subject != self) subjects.emplace_back(subject);
          return true;
        }));
    for (const std::string& subject : subjects) {
      RecordState other;
      ASSIGN_OR_RETURN(
          bool found,
          GetMessage(kv_, views_internal::RecordKey(subject), &other));
      if (found && IsLive(other.status()))
        numbers.push_back(other.student_no());
    }
    return numbers;
  }

  // The kindergarten's latest verification on or before the as-of date.
  absl::StatusOr<const xueji::v1::Event*> Verification(const std::string& kg) {
    auto it = verifications_.find(kg);
    if (it == verifications_.end()) {
      const std::string as_of = FormatDate(q_.as_of);
      const std::string prefix = views_internal::VerificationPrefix(kg);
      std::string latest;
      RETURN_IF_ERROR(kv_.ScanPrefix(
          prefix, [&](std::string_view key, std::string_view value) {
            if (key.substr(prefix.size()) > as_of) return false;
            latest.assign(value);
            return true;
          }));
      xueji::v1::Event event;
      if (!latest.empty() && !event.ParseFromString(latest)) {
        return absl::DataLossError(
            absl::StrCat("unreadable verification row of kindergarten ", kg));
      }
      it = verifications_.emplace(kg, std::move(event)).first;
    }
    if (!it->second.has_verification_recorded()) return nullptr;
    return &it->second;
  }

  absl::Status CheckOperators() {
    std::vector<std::string> ids;
    RETURN_IF_ERROR(
        kv_.ScanPrefix("O", [&](std::string_view key, std::string_view) {
          ids.emplace_back(key.substr(1));
          return true;
        }));
    for (const std::string& id : ids) RETURN_IF_ERROR(CheckOperator(id));
    return absl::OkStatus();
  }

  absl::Status CheckOperator(const std::string& id) {
    AccountFacts facts;
    xueji::v1::OperatorState& op = facts.account;
    ASSIGN_OR_RETURN(bool found,
                     GetMessage(kv_, views_internal::OperatorKey(id), &op));
    if (!found) return absl::OkStatus();
    ASSIGN_OR_RETURN(std::optional<std::string> activity,
                     kv_.Get(views_internal::ActivityKey(id)));
    facts.last_active = op.last_active();
    if (activity.has_value() && facts.last_active < *activity) {
      facts.last_active = *activity;
    }
    facts.kindergarten = op.role() == xueji::v1::REGISTRAR ? op.org() : "";
    facts.county =
        facts.kindergarten.empty() ? op.org() : CountyOf(facts.kindergarten);
    if (!Everything() && (facts.county.empty() ||
                          !AreaTable::InRegion(facts.county, q_.region))) {
      return absl::OkStatus();
    }
    facts.policy = &policy_.ForCounty(facts.county);
    if (std::optional<Anomaly> a = AccountAnomaly(facts, rules_)) {
      out_.push_back(*std::move(a));
    }
    return absl::OkStatus();
  }

  // LATE_ENTRY: every late entry row, placed by what it changed (a record:
  // its current kindergarten; a kindergarten; a policy: its region).
  absl::Status CheckLateEntries() {
    std::vector<xueji::v1::Event> entries;
    bool bad = false;
    RETURN_IF_ERROR(
        kv_.ScanPrefix(views_internal::kLateEntryPrefix,
                       [&](std::string_view, std::string_view value) {
                         xueji::v1::Event& event = entries.emplace_back();
                         bad = !event.ParseFromArray(
                             value.data(), static_cast<int>(value.size()));
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

  const KvStore& kv_;
  const AnomalyQuery& q_;
  const AnomalyRules rules_;
  const PolicyBook policy_;  // the log's, in force on the as-of date
  std::map<std::string, KindergartenState> kgs_;
  std::map<std::string, xueji::v1::Event> verifications_;
  std::vector<Anomaly> out_;
};

}  // namespace

absl::StatusOr<xueji::v1::AnomalyReport> Views::Anomalies(
    const AnomalyQuery& query) const {
  if (query.calendar == nullptr) {
    return absl::InvalidArgumentError("anomalies need a calendar");
  }
  absl::StatusOr<PolicyHistory> policies = Policies();
  if (!policies.ok()) return policies.status();
  Evaluator evaluator(*kv_, query, policies->InForce(query.as_of));
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
