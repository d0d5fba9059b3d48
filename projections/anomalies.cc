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
#include "projections/anomaly_rules.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace {

using views_internal::GetMessage;
using xueji::v1::Anomaly;
using xueji::v1::KindergartenState;
using xueji::v1::RecordState;

// A record as the rules see it: its state and extras, now or as of the day.
struct Snapshot {
  RecordState record;
  views_internal::RecordExtra extra;
};

class Evaluator {
 public:
  Evaluator(const Views& views, const KvStore& kv, const AnomalyQuery& q,
            PolicyBook policy)
      : views_(views),
        kv_(kv),
        q_(q),
        rules_{q.as_of, q.calendar, q.kind},
        as_of_(FormatDate(q.as_of)),
        policy_(std::move(policy)) {}

  absl::StatusOr<std::vector<Anomaly>> Run() {
    RETURN_IF_ERROR(CheckRowsPresent());
    ASSIGN_OR_RETURN(past_, EventsAfterAsOf());
    RETURN_IF_ERROR(LoadKindergartens());
    if (rules_.Want(Anomaly::PRESENT_ELSEWHERE))
      RETURN_IF_ERROR(LoadSightings());
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
    if (rules_.Want(Anomaly::DORMANT_ACCOUNT))
      RETURN_IF_ERROR(CheckOperators());
    if (rules_.Want(Anomaly::LATE_ENTRY)) RETURN_IF_ERROR(CheckLateEntries());
    return std::move(out_);
  }

 private:
  bool Everything() const { return q_.region.empty() || q_.region == "00"; }
  bool InRegion(const std::string& county) const {
    return Everything() ||
           (!county.empty() && AreaTable::InRegion(county, q_.region));
  }

  // Views built before the W rows have records but no W rows (the first
  // record's kindergarten is not among them): the past, the sightings and
  // the other-document check would be missing, wrongly.
  absl::Status CheckRowsPresent() const {
    std::string subject, value;
    RETURN_IF_ERROR(
        kv_.ScanPrefix("R", [&](std::string_view key, std::string_view v) {
          subject.assign(key.substr(1));
          value.assign(v);
          return false;
        }));
    if (subject.empty()) return absl::OkStatus();
    RecordState first;
    if (!first.ParseFromString(value)) {
      return absl::DataLossError("views: unparseable record row");
    }
    if (first.kindergarten().empty()) return absl::OkStatus();
    ASSIGN_OR_RETURN(
        std::optional<std::string> row,
        kv_.Get(views_internal::EverAtKgPrefix(first.kindergarten()) +
                subject));
    if (row.has_value()) return absl::OkStatus();
    return absl::FailedPreconditionError(
        "the views predate the rows anomalies need (issue 10): run `ledger "
        "replay` to rebuild them");
  }

  // Was anything recorded after the as-of day? Then the current rows are not
  // what was true on it (a business date is never after the day it was
  // recorded, so otherwise they are).
  absl::StatusOr<bool> EventsAfterAsOf() const {
    bool after = false;
    RETURN_IF_ERROR(
        kv_.ScanPrefix("A", [&](std::string_view, std::string_view date) {
          after = date > std::string_view(as_of_);
          return !after;
        }));
    return after;
  }

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
    if (!past_) return absl::OkStatus();
    // As of the day: folded from each kindergarten's history up to it (its
    // county stays known for placing what happened there).
    for (auto& [code, kg] : kgs_) {
      ASSIGN_OR_RETURN(std::vector<StoredEvent> events,
                       views_.HistoryOfSubject(KindergartenSubject(code)));
      KindergartenState then;
      for (const StoredEvent& stored : events) {
        if (stored.event.business_date() > as_of_) break;
        then = EvolveKindergarten(std::move(then), stored.event);
      }
      if (then.code().empty()) then.set_code(code);
      if (then.county().empty()) then.set_county(kg.county());
      kg = std::move(then);
    }
    return absl::OkStatus();
  }

  std::string CountyOf(const std::string& kg) const {
    auto it = kgs_.find(kg);
    return it == kgs_.end() ? "" : it->second.county();
  }

  // Record subjects whose kindergarten lies in the region (as of a past day:
  // that ever were at one; LoadLive keeps those that were then), and (issue
  // 10) those in transfer to a kindergarten of it.
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
      RETURN_IF_ERROR(collect(past_ ? views_internal::EverAtKgPrefix(code)
                                    : views_internal::KgIndexPrefix(code)));
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

  // As of a past day: the record of `subject` folded from its events up to
  // that day; nullopt when it had none (or only refusals) by then.
  absl::StatusOr<std::optional<Snapshot>> Fold(const std::string& subject) {
    ASSIGN_OR_RETURN(std::vector<StoredEvent> events,
                     views_.HistoryOfSubject(subject));
    std::optional<Snapshot> then;
    for (const StoredEvent& stored : events) {
      const xueji::v1::Event& event = stored.event;
      if (event.business_date() > as_of_) break;  // dates ascend
      if (!then.has_value()) then.emplace();
      RecordState before = then->record;
      then->record = EvolveRecord(std::move(then->record), event);
      then->extra =
          views_internal::NextExtra(then->extra, before, then->record, event);
    }
    if (then.has_value() &&
        then->record.status() == xueji::v1::RECORD_STATUS_UNSPECIFIED) {
      then.reset();  // only refusals by then
    }
    if (then.has_value() && then->record.subject().empty()) {
      then->record.set_subject(subject);
    }
    return then;
  }

  // Fold, kept for the records looked up as another's duplicate (few).
  absl::StatusOr<const Snapshot*> FoldedOther(const std::string& subject) {
    auto it = folded_.find(subject);
    if (it == folded_.end()) {
      ASSIGN_OR_RETURN(std::optional<Snapshot> then, Fold(subject));
      it = folded_.emplace(subject, std::move(then)).first;
    }
    return it->second.has_value() ? &*it->second : nullptr;
  }

  // The facts the rules need about a record, if it is live (and, as of a
  // past day, was in the region then).
  absl::StatusOr<std::optional<LiveRecordFacts>> LoadLive(
      const std::string& subject) {
    LiveRecordFacts facts;
    RecordState& r = facts.record;
    if (past_) {
      ASSIGN_OR_RETURN(std::optional<Snapshot> then, Fold(subject));
      if (!then.has_value() || !IsLive(then->record.status())) {
        return std::optional<LiveRecordFacts>();
      }
      r = std::move(then->record);
      facts.arrived_on = std::move(then->extra.arrived_on);
      facts.temp_assigned_on = std::move(then->extra.temp_assigned_on);
      facts.county = CountyOf(r.kindergarten());
      if (!InRegion(facts.county)) return std::optional<LiveRecordFacts>();
    } else {
      ASSIGN_OR_RETURN(bool found,
                       GetMessage(kv_, views_internal::RecordKey(subject), &r));
      if (!found || !IsLive(r.status())) {
        return std::optional<LiveRecordFacts>();
      }
      ASSIGN_OR_RETURN(std::optional<std::string> extra,
                       kv_.Get(views_internal::RecordExtraKey(subject)));
      views_internal::RecordExtra parsed =
          views_internal::ParseExtra(extra.value_or(""));
      facts.arrived_on = std::move(parsed.arrived_on);
      facts.temp_assigned_on = std::move(parsed.temp_assigned_on);
      facts.county = CountyOf(r.kindergarten());
    }
    facts.policy = &policy_.ForCounty(facts.county);
    auto kg = kgs_.find(r.kindergarten());
    if (kg != kgs_.end()) facts.kindergarten = &kg->second;
    if (r.status() == xueji::v1::TRANSFERRING && !r.transfer_to().empty()) {
      facts.receiving_kindergarten = Forwarded(r.transfer_to());
      facts.receiving_county = CountyOf(facts.receiving_kindergarten);
      facts.receiving_policy = &policy_.ForCounty(facts.receiving_county);
    }
    if (rules_.Want(Anomaly::PHANTOM)) {
      ASSIGN_OR_RETURN(const Verifications* v,
                       VerificationsOf(r.kindergarten()));
      if (v->latest.has_verification_recorded())
        facts.verification = &v->latest;
    }
    const xueji::v1::Child& child = r.child();
    std::string id_key = IdentityKey(child);
    if (rules_.Want(Anomaly::DUPLICATE) && !id_key.empty()) {
      ASSIGN_OR_RETURN(
          facts.same_document,
          OtherLive(past_ ? views_internal::EverIdentityPrefix(id_key)
                          : views_internal::IdentityPrefix(id_key),
                    subject, [&](const RecordState& other) {
                      return IdentityKey(other.child()) == id_key;
                    }));
    }
    const bool hk_mo_tw =
        child.id_type() == xueji::v1::HK_MO_PERMIT ||
        child.id_type() == xueji::v1::TW_PERMIT ||
        child.id_type() == xueji::v1::HK_MO_TW_RESIDENCE_PERMIT;
    const bool probable = rules_.Want(Anomaly::PROBABLE_DUPLICATE) &&
                          id_key.empty() && !child.name().empty();
    const bool other_document =
        rules_.Want(Anomaly::CROSS_DOCUMENT_DUPLICATE) && hk_mo_tw &&
        !child.name().empty();
    if (probable || other_document) {
      const std::string key = ProbableIdentityKey(child);
      const std::string prefix = past_ ? views_internal::EverProbablePrefix(key)
                                       : views_internal::ProbablePrefix(key);
      if (probable) {
        ASSIGN_OR_RETURN(facts.same_person_probably,
                         OtherLive(prefix, subject, [&](const RecordState& o) {
                           return ProbableIdentityKey(o.child()) == key;
                         }));
      }
      if (other_document) {
        ASSIGN_OR_RETURN(facts.same_child_other_document,
                         OtherLive(prefix, subject, [&](const RecordState& o) {
                           return SameChildOtherDocument(child, o.child());
                         }));
      }
    }
    if (rules_.Want(Anomaly::PRESENT_ELSEWHERE)) {
      ASSIGN_OR_RETURN(facts.sightings, SightingsOf(r));
    }
    return std::optional<LiveRecordFacts>(std::move(facts));
  }

  // Current numbers of the other live records under an index prefix that
  // `match` (their document, name, ... as of the day).
  absl::StatusOr<std::vector<std::string>> OtherLive(
      const std::string& prefix, const std::string& self,
      const std::function<bool(const RecordState&)>& match) {
    std::vector<std::string> subjects, numbers;
    RETURN_IF_ERROR(
        kv_.ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
          std::string_view subject = key.substr(prefix.size());
          if (subject != self) subjects.emplace_back(subject);
          return true;
        }));
    for (const std::string& subject : subjects) {
      if (!past_) {
        RecordState other;
        ASSIGN_OR_RETURN(
            bool found,
            GetMessage(kv_, views_internal::RecordKey(subject), &other));
        if (found && IsLive(other.status()) && match(other)) {
          numbers.push_back(other.student_no());
        }
        continue;
      }
      ASSIGN_OR_RETURN(const Snapshot* other, FoldedOther(subject));
      if (other != nullptr && IsLive(other->record.status()) &&
          match(other->record)) {
        numbers.push_back(other->record.student_no());
      }
    }
    return numbers;
  }

  // A kindergarten's verifications on or before the as-of date: the dates,
  // and the latest one (an empty event when none).
  struct Verifications {
    std::vector<std::string> dates;
    xueji::v1::Event latest;
  };
  absl::StatusOr<const Verifications*> VerificationsOf(const std::string& kg) {
    auto it = verifications_.find(kg);
    if (it == verifications_.end()) {
      const std::string prefix = views_internal::VerificationPrefix(kg);
      Verifications found;
      std::string latest;
      RETURN_IF_ERROR(kv_.ScanPrefix(
          prefix, [&](std::string_view key, std::string_view value) {
            if (key.substr(prefix.size()) > as_of_) return false;
            found.dates.emplace_back(key.substr(prefix.size()));
            latest.assign(value);
            return true;
          }));
      if (!latest.empty() && !found.latest.ParseFromString(latest)) {
        return absl::DataLossError(
            absl::StrCat("unreadable verification row of kindergarten ", kg));
      }
      it = verifications_.emplace(kg, std::move(found)).first;
    }
    return &it->second;
  }

  // The W u rows: by the number listed, where and when (few: only numbers
  // a verification listed that were not live there).
  absl::Status LoadSightings() {
    const std::string prefix = views_internal::kSightingPrefix;
    return kv_.ScanPrefix(prefix, [&](std::string_view key,
                                      std::string_view term) {
      std::string_view rest = key.substr(prefix.size());
      const size_t a = rest.find('\0');
      const size_t b = a == std::string_view::npos ? a : rest.find('\0', a + 1);
      if (b == std::string_view::npos) return true;
      std::string_view date = rest.substr(b + 1);
      if (date > std::string_view(as_of_)) return true;
      sightings_[std::string(rest.substr(0, a))].push_back(
          Sighting{std::string(rest.substr(a + 1, b - a - 1)),
                   std::string(date), std::string(term)});
      return true;
    });
  }

  // The sightings of a record's numbers that the sighting kindergarten's
  // latest verification on or before the as-of date still says (the one on
  // that day, listing the number among those not live there).
  absl::StatusOr<std::vector<Sighting>> SightingsOf(const RecordState& r) {
    std::vector<Sighting> out;
    if (sightings_.empty()) return out;
    std::vector<std::string> numbers(r.former_numbers().begin(),
                                     r.former_numbers().end());
    numbers.push_back(r.student_no());
    for (const std::string& no : numbers) {
      auto it = sightings_.find(no);
      if (it == sightings_.end()) continue;
      for (const Sighting& s : it->second) {
        ASSIGN_OR_RETURN(const Verifications* v,
                         VerificationsOf(s.kindergarten));
        if (v->dates.empty() || v->dates.back() != s.date) continue;
        const auto& unknown =
            v->latest.verification_recorded().unknown_student_nos();
        if (std::find(unknown.begin(), unknown.end(), no) != unknown.end()) {
          out.push_back(s);
        }
      }
    }
    return out;
  }

  // UNVERIFIED_KINDERGARTEN: each kindergarten of the region with live
  // records (then).
  absl::Status CheckKindergartens() {
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

  // The account as of the day: today its rows; as of a past day its events
  // up to then folded, and its last active day up to then (the W a rows).
  absl::StatusOr<bool> AccountOf(const std::string& id, AccountFacts* facts) {
    xueji::v1::OperatorState& op = facts->account;
    if (!past_) {
      ASSIGN_OR_RETURN(bool found,
                       GetMessage(kv_, views_internal::OperatorKey(id), &op));
      if (!found) return false;
      ASSIGN_OR_RETURN(std::optional<std::string> activity,
                       kv_.Get(views_internal::ActivityKey(id)));
      facts->last_active = op.last_active();
      if (activity.has_value() && facts->last_active < *activity) {
        facts->last_active = *activity;
      }
      return true;
    }
    ASSIGN_OR_RETURN(std::vector<StoredEvent> events,
                     views_.HistoryOfSubject(OperatorSubject(id)));
    bool any = false;
    for (const StoredEvent& stored : events) {
      if (stored.event.business_date() > as_of_) break;
      op = EvolveOperator(std::move(op), stored.event);
      any = true;
    }
    if (!any || op.id().empty()) return false;
    facts->last_active = op.last_active().substr(0, 10);
    if (facts->last_active > as_of_) facts->last_active.clear();
    const std::string prefix = views_internal::ActiveDayPrefix(id);
    RETURN_IF_ERROR(
        kv_.ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
          std::string_view day = key.substr(prefix.size());
          if (day > std::string_view(as_of_)) return false;
          if (day > std::string_view(facts->last_active)) {
            facts->last_active.assign(day);
          }
          return true;
        }));
    return true;
  }

  absl::Status CheckOperator(const std::string& id) {
    AccountFacts facts;
    ASSIGN_OR_RETURN(bool found, AccountOf(id, &facts));
    if (!found) return absl::OkStatus();
    const xueji::v1::OperatorState& op = facts.account;
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

  const Views& views_;
  const KvStore& kv_;
  const AnomalyQuery& q_;
  const AnomalyRules rules_;
  const std::string as_of_;
  const PolicyBook policy_;  // the log's, in force on the as-of date
  bool past_ = false;        // events were recorded after the as-of day
  std::map<std::string, KindergartenState> kgs_;  // as of the day
  std::map<std::string, Verifications> verifications_;
  std::map<std::string, std::vector<Sighting>> sightings_;  // by number
  struct LiveAt {
    int64_t count = 0;
    std::string earliest;  // arrival
  };
  std::map<std::string, LiveAt> live_at_;  // live records by kindergarten
  // As of a past day: the other records of duplicates, by subject.
  std::map<std::string, std::optional<Snapshot>> folded_;
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
