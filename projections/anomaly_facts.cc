// The anomaly Evaluator's facts (see anomalies_internal.h): the rows scanned
// and, as of a past day, the records, kindergartens and accounts folded from
// their history. The checks are in anomalies.cc.
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

namespace xueji::anomalies_internal {

absl::Status Evaluator::CheckRowsPresent() const {
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
      kv_.Get(views_internal::EverAtKgPrefix(first.kindergarten()) + subject));
  if (row.has_value()) return absl::OkStatus();
  return absl::FailedPreconditionError(
      "the views predate the rows anomalies need (issue 10): run `ledger "
      "replay` to rebuild them");
}

absl::StatusOr<bool> Evaluator::EventsAfterAsOf() const {
  bool after = false;
  RETURN_IF_ERROR(
      kv_.ScanPrefix("A", [&](std::string_view, std::string_view date) {
        after = date > std::string_view(as_of_);
        return !after;
      }));
  return after;
}

absl::Status Evaluator::LoadKindergartens() {
  RETURN_IF_ERROR(views_internal::ScanMessages<KindergartenState>(
      kv_, "G", "kindergarten",
      [&](std::string_view key, KindergartenState& kg) {
        kgs_[std::string(key.substr(1))] = std::move(kg);
        return true;
      }));
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

absl::StatusOr<std::vector<std::string>> Evaluator::SubjectsInRegion() const {
  std::vector<std::string> subjects;
  auto collect = [&](const std::string& prefix) {
    return kv_.ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
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
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
  return subjects;
}

absl::StatusOr<std::optional<Snapshot>> Evaluator::Fold(
    const std::string& subject) {
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

absl::StatusOr<const Snapshot*> Evaluator::FoldedOther(
    const std::string& subject) {
  auto it = folded_.find(subject);
  if (it == folded_.end()) {
    ASSIGN_OR_RETURN(std::optional<Snapshot> then, Fold(subject));
    it = folded_.emplace(subject, std::move(then)).first;
  }
  return it->second.has_value() ? &*it->second : nullptr;
}

absl::StatusOr<std::optional<LiveRecordFacts>> Evaluator::LoadLive(
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
    ASSIGN_OR_RETURN(const Verifications* v, VerificationsOf(r.kindergarten()));
    if (v->latest.has_verification_recorded()) facts.verification = &v->latest;
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
  const bool hk_mo_tw = child.id_type() == xueji::v1::HK_MO_PERMIT ||
                        child.id_type() == xueji::v1::TW_PERMIT ||
                        child.id_type() == xueji::v1::HK_MO_TW_RESIDENCE_PERMIT;
  const bool probable = rules_.Want(Anomaly::PROBABLE_DUPLICATE) &&
                        id_key.empty() && !child.name().empty();
  const bool other_document = rules_.Want(Anomaly::CROSS_DOCUMENT_DUPLICATE) &&
                              hk_mo_tw && !child.name().empty();
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

absl::StatusOr<std::vector<std::string>> Evaluator::OtherLive(
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

absl::StatusOr<const Evaluator::Verifications*> Evaluator::VerificationsOf(
    const std::string& kg) {
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

absl::Status Evaluator::LoadSightings() {
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
        Sighting{std::string(rest.substr(a + 1, b - a - 1)), std::string(date),
                 std::string(term)});
    return true;
  });
}

absl::StatusOr<std::vector<Sighting>> Evaluator::SightingsOf(
    const RecordState& r) {
  std::vector<Sighting> out;
  if (sightings_.empty()) return out;
  std::vector<std::string> numbers(r.former_numbers().begin(),
                                   r.former_numbers().end());
  numbers.push_back(r.student_no());
  for (const std::string& no : numbers) {
    auto it = sightings_.find(no);
    if (it == sightings_.end()) continue;
    for (const Sighting& s : it->second) {
      ASSIGN_OR_RETURN(const Verifications* v, VerificationsOf(s.kindergarten));
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

absl::StatusOr<bool> Evaluator::AccountOf(const std::string& id,
                                          AccountFacts* facts) {
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

}  // namespace xueji::anomalies_internal
