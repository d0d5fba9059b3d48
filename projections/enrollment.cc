// Enrollment view: records with their number, identity, probable-identity
// and kindergarten indexes and (kg, status, birth date) counters; the
// kindergarten and operator registry; operator activity. Queries and stats.
#include <algorithm>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/base/status_macros.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/subjects.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace views_internal {
namespace {

using xueji::v1::Event;
using xueji::v1::RecordState;

std::string IdentityOf(const RecordState& r) {
  if (!r.has_child()) return "";
  return IdentityKey(r.child());
}

std::string ProbableOf(const RecordState& r) {
  if (!r.has_child() || r.child().name().empty()) return "";
  return ProbableIdentityKey(r.child());
}

// Moves `subject` from index prefix `before` to `after` (either may be "").
void MoveIndex(KvStore* kv, const std::string& before, const std::string& after,
               std::string_view subject) {
  if (before == after) return;
  if (!before.empty()) kv->Delete(before + std::string(subject));
  if (!after.empty()) kv->Put(after + std::string(subject), "");
}

absl::Status UpdateCounters(KvStore* kv, const RecordState& before,
                            const RecordState& after) {
  auto key = [](const RecordState& r) -> std::string {
    if (r.status() == xueji::v1::RECORD_STATUS_UNSPECIFIED) return "";
    return CounterKey(r.kindergarten(), r.status(), r.child().birth_date());
  };
  std::string old_key = key(before), new_key = key(after);
  if (old_key == new_key) return absl::OkStatus();
  if (!old_key.empty()) {
    if (absl::Status s = AddToCounter(kv, old_key, -1); !s.ok()) return s;
  }
  if (!new_key.empty()) return AddToCounter(kv, new_key, +1);
  return absl::OkStatus();
}

absl::Status UpdateExtra(KvStore* kv, const RecordState& before,
                         const RecordState& after, const Event& event) {
  const std::string key = RecordExtraKey(event.subject());
  absl::StatusOr<std::optional<std::string>> value = kv->Get(key);
  if (!value.ok()) return value.status();
  const RecordExtra old = ParseExtra(value->value_or(""));
  const RecordExtra extra = NextExtra(old, before, after, event);
  if (extra.arrived_on != old.arrived_on ||
      extra.temp_assigned_on != old.temp_assigned_on || !value->has_value()) {
    kv->Put(key, FormatExtra(extra));
  }
  return absl::OkStatus();
}

absl::Status ApplyRecord(KvStore* kv, const Event& event) {
  const std::string& subject = event.subject();
  RecordState before;
  absl::StatusOr<bool> found = GetMessage(*kv, RecordKey(subject), &before);
  if (!found.ok()) return found.status();
  RecordState after = EvolveRecord(before, event);
  if (after.subject().empty()) after.set_subject(subject);

  if (!after.student_no().empty())
    kv->Put(NumberKey(after.student_no()), subject);
  for (const std::string& former : after.former_numbers()) {
    kv->Put(NumberKey(former), subject);
  }
  auto prefixed = [](const std::string& key,
                     std::string (*prefix)(std::string_view)) {
    return key.empty() ? std::string() : prefix(key);
  };
  // Each key once per state (normalizing a name is not free).
  const std::string identity_before = IdentityOf(before);
  const std::string identity_after = IdentityOf(after);
  const std::string probable_before = ProbableOf(before);
  const std::string probable_after = ProbableOf(after);
  MoveIndex(kv, prefixed(identity_before, IdentityPrefix),
            prefixed(identity_after, IdentityPrefix), subject);
  MoveIndex(kv, prefixed(probable_before, ProbablePrefix),
            prefixed(probable_after, ProbablePrefix), subject);
  MoveIndex(kv, prefixed(before.kindergarten(), KgIndexPrefix),
            prefixed(after.kindergarten(), KgIndexPrefix), subject);
  auto incoming = [](const RecordState& r) {
    return r.status() == xueji::v1::TRANSFERRING ? r.transfer_to()
                                                 : std::string();
  };
  MoveIndex(kv, prefixed(incoming(before), IncomingIndexPrefix),
            prefixed(incoming(after), IncomingIndexPrefix), subject);
  // Issue 10: every kindergarten, document and name the record has had.
  auto ever = [&](const std::string& was, const std::string& now,
                  std::string (*prefix)(std::string_view)) {
    if (!now.empty() && now != was) kv->Put(prefix(now) + subject, "");
  };
  ever(before.kindergarten(), after.kindergarten(), EverAtKgPrefix);
  ever(identity_before, identity_after, EverIdentityPrefix);
  ever(probable_before, probable_after, EverProbablePrefix);
  if (absl::Status s = UpdateCounters(kv, before, after); !s.ok()) return s;
  if (absl::Status s = ApplyStats(kv, event, before, after); !s.ok()) return s;
  if (absl::Status s = UpdateExtra(kv, before, after, event); !s.ok()) {
    return s;
  }
  // Last, handing the state over (nothing above reads the record's row).
  PutMessage(kv, RecordKey(subject), std::move(after));
  return absl::OkStatus();
}

// The row at `key`; nullopt when there is none.
template <typename State>
absl::StatusOr<std::optional<State>> RowAt(const KvStore& kv,
                                           std::string_view key) {
  State state;
  ASSIGN_OR_RETURN(bool found, GetMessage(kv, key, &state));
  if (!found) return std::optional<State>();
  return std::optional<State>(std::move(state));
}

// The row at `key` (an empty state when there is none) with `event` folded
// in by `evolve`.
template <typename State>
absl::StatusOr<State> Evolved(const KvStore& kv, const std::string& key,
                              const Event& event,
                              State (*evolve)(State, const Event&)) {
  State state;
  absl::StatusOr<bool> found = GetMessage(kv, key, &state);
  if (!found.ok()) return found.status();
  return evolve(std::move(state), event);
}

absl::Status ApplyKindergarten(KvStore* kv, const Event& event) {
  std::string code(event.subject().substr(3));
  ASSIGN_OR_RETURN(
      xueji::v1::KindergartenState state,
      Evolved(*kv, KindergartenKey(code), event, &EvolveKindergarten));
  if (state.code().empty()) state.set_code(code);
  PutMessage(kv, KindergartenKey(code), state);
  if (event.has_verification_recorded()) {
    // Every verification by date (anomalies as of a past date use the
    // latest one on or before it), with its business date in the envelope.
    Event latest;
    latest.set_business_date(event.business_date());
    *latest.mutable_verification_recorded() = event.verification_recorded();
    PutMessage(kv, VerificationKey(code, event.business_date()), latest);
    // Issue 10: numbers listed as present that are not live here (人籍分离).
    for (const std::string& no :
         event.verification_recorded().unknown_student_nos()) {
      kv->Put(SightingKey(no, code, event.business_date()),
              event.verification_recorded().term());
    }
  }
  return absl::OkStatus();
}

absl::Status ApplyOperator(KvStore* kv, const Event& event) {
  std::string id(event.subject().substr(3));
  ASSIGN_OR_RETURN(xueji::v1::OperatorState state,
                   Evolved(*kv, OperatorKey(id), event, &EvolveOperator));
  if (state.id().empty()) state.set_id(id);
  PutMessage(kv, OperatorKey(id), state);
  return absl::OkStatus();
}

// Activity is a max over the days events were recorded (by the ledger's
// clock, rules/accounts.h): commutative across partitions.
absl::Status ApplyActivity(KvStore* kv, const Event& event) {
  const std::string& op = event.actor().operator_id();
  const std::string date = ActivityDate(event);
  if (op.empty() || date.empty()) return absl::OkStatus();
  absl::StatusOr<std::optional<std::string>> last = kv->Get(ActivityKey(op));
  if (!last.ok()) return last.status();
  if (!last->has_value() || **last < date) kv->Put(ActivityKey(op), date);
  // Issue 10: each active day, for DORMANT_ACCOUNT as of a past date.
  if (!last->has_value() || **last != date) {
    kv->Put(ActiveDayPrefix(op) + date, "");
  }
  return absl::OkStatus();
}

// A late entry (docs/accountability.md): one row per request, from the first
// event of its decision, for the LATE_ENTRY anomaly.
void ApplyLateEntry(KvStore* kv, const Event& event) {
  if (event.late_reason().empty() ||
      event.event_id() != EventId(event.request_id(), 0)) {
    return;
  }
  Event entry = event;
  entry.clear_hash();
  entry.clear_prev_hash();
  PutMessage(kv, LateEntryKey(event.request_id()), entry);
}

}  // namespace

absl::Status ApplyEnrollment(KvStore* kv, const Event& event) {
  if (absl::Status s = ApplyActivity(kv, event); !s.ok()) return s;
  ApplyLateEntry(kv, event);
  const std::string& subject = event.subject();
  if (IsRecordSubject(subject)) return ApplyRecord(kv, event);
  if (IsKindergartenSubject(subject)) return ApplyKindergarten(kv, event);
  if (IsOperatorSubject(subject)) return ApplyOperator(kv, event);
  if (event.has_policy_set()) {
    const xueji::v1::PolicySet& set = event.policy_set();
    PutMessage(kv, PolicyKey(set.region(), set.version()), set);
  }
  if (event.has_ledger_initialized()) {
    PutMessage(kv, LedgerKey(),
               EvolveLedger(xueji::v1::LedgerSettings(), event));
  }
  return absl::OkStatus();  // req:<id> refusals, sig:<id>: audit rows only
}

}  // namespace views_internal

using views_internal::GetMessage;
using views_internal::Sv;
using xueji::v1::RecordState;

absl::StatusOr<std::string> Views::SubjectOfNumber(
    std::string_view student_no) const {
  absl::StatusOr<std::optional<std::string>> subject =
      kv_->Get(views_internal::NumberKey(student_no));
  if (!subject.ok()) return subject.status();
  if (!subject->has_value()) {
    return absl::NotFoundError("no record with that student number");
  }
  return **subject;
}

absl::StatusOr<RecordState> Views::LoadRecordOfSubject(
    std::string_view subject) const {
  RecordState record;
  absl::StatusOr<bool> found =
      GetMessage(*kv_, views_internal::RecordKey(subject), &record);
  if (!found.ok()) return found.status();
  if (!*found) {
    return absl::DataLossError(
        absl::StrCat("views: index names a missing record ", Sv(subject)));
  }
  return record;
}

absl::StatusOr<std::optional<RecordState>> Views::RecordByNumber(
    std::string_view student_no) const {
  absl::StatusOr<std::string> subject = SubjectOfNumber(student_no);
  if (absl::IsNotFound(subject.status())) return std::optional<RecordState>();
  if (!subject.ok()) return subject.status();
  absl::StatusOr<RecordState> record = LoadRecordOfSubject(*subject);
  if (!record.ok()) return record.status();
  return std::optional<RecordState>(*std::move(record));
}

namespace {

// Records of every subject listed under `prefix` (keys prefix + subject).
absl::StatusOr<std::vector<std::string>> SubjectsUnder(
    const KvStore& kv, const std::string& prefix) {
  std::vector<std::string> subjects;
  absl::Status s =
      kv.ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
        subjects.emplace_back(key.substr(prefix.size()));
        return true;
      });
  if (!s.ok()) return s;
  return subjects;
}

}  // namespace

absl::StatusOr<std::vector<RecordState>> Views::RecordsByIdentity(
    xueji::v1::IdType type, std::string_view number) const {
  std::vector<RecordState> out;
  std::string key = IdentityKey(type, number);
  if (key.empty()) return out;
  absl::StatusOr<std::vector<std::string>> subjects =
      SubjectsUnder(*kv_, views_internal::IdentityPrefix(key));
  if (!subjects.ok()) return subjects.status();
  for (const std::string& subject : *subjects) {
    absl::StatusOr<RecordState> record = LoadRecordOfSubject(subject);
    if (!record.ok()) return record.status();
    out.push_back(*std::move(record));
  }
  return out;
}

absl::StatusOr<std::vector<RecordState>> Views::RecordsAtKindergarten(
    std::string_view kg, bool include_inactive) const {
  absl::StatusOr<std::vector<std::string>> subjects =
      SubjectsUnder(*kv_, views_internal::KgIndexPrefix(kg));
  if (!subjects.ok()) return subjects.status();
  std::vector<RecordState> out;
  for (const std::string& subject : *subjects) {
    absl::StatusOr<RecordState> record = LoadRecordOfSubject(subject);
    if (!record.ok()) return record.status();
    if (include_inactive || IsLive(record->status())) {
      out.push_back(*std::move(record));
    }
  }
  return out;
}

absl::StatusOr<std::optional<xueji::v1::KindergartenState>> Views::Kindergarten(
    std::string_view code) const {
  return views_internal::RowAt<xueji::v1::KindergartenState>(
      *kv_, views_internal::KindergartenKey(code));
}

absl::StatusOr<std::vector<xueji::v1::KindergartenState>> Views::Kindergartens(
    std::string_view region) const {
  std::vector<xueji::v1::KindergartenState> out;
  RETURN_IF_ERROR(views_internal::ScanMessages<xueji::v1::KindergartenState>(
      *kv_, "G", "kindergarten",
      [&](std::string_view, xueji::v1::KindergartenState& state) {
        if (AreaTable::InRegion(state.county(), region)) {
          out.push_back(std::move(state));
        }
        return true;
      }));
  return out;
}

absl::StatusOr<std::optional<xueji::v1::LedgerSettings>> Views::Ledger() const {
  return views_internal::RowAt<xueji::v1::LedgerSettings>(
      *kv_, views_internal::LedgerKey());
}

absl::StatusOr<std::optional<xueji::v1::OperatorState>> Views::Operator(
    std::string_view id) const {
  ASSIGN_OR_RETURN(std::optional<xueji::v1::OperatorState> state,
                   views_internal::RowAt<xueji::v1::OperatorState>(
                       *kv_, views_internal::OperatorKey(id)));
  if (!state.has_value()) return state;
  absl::StatusOr<std::optional<std::string>> activity =
      kv_->Get(views_internal::ActivityKey(id));
  if (!activity.ok()) return activity.status();
  if (activity->has_value() && state->last_active() < **activity) {
    state->set_last_active(**activity);
  }
  return state;
}

absl::StatusOr<std::optional<std::string>> Views::OperatorWithKey(
    std::string_view key_id) const {
  std::optional<std::string> holder;
  RETURN_IF_ERROR(views_internal::ScanMessages<xueji::v1::OperatorState>(
      *kv_, "O", "operator",
      [&](std::string_view, xueji::v1::OperatorState& state) {
        for (const auto& key : state.keys()) {
          if (key.key_id() == key_id) holder = state.id();
        }
        return !holder.has_value();
      }));
  return holder;
}

namespace {

void AppendRows(const std::map<std::string, int64_t>& counts,
                google::protobuf::RepeatedPtrField<xueji::v1::CountRow>* rows) {
  for (const auto& [key, count] : counts) {
    xueji::v1::CountRow* row = rows->Add();
    row->set_key(key);
    row->set_count(count);
  }
}

}  // namespace

absl::StatusOr<PolicyHistory> Views::Policies() const {
  std::vector<xueji::v1::PolicySet> versions;
  RETURN_IF_ERROR(views_internal::ScanMessages<xueji::v1::PolicySet>(
      *kv_, views_internal::kPolicyPrefix, "policy",
      [&](std::string_view, xueji::v1::PolicySet& set) {
        versions.push_back(std::move(set));
        return true;
      }));
  return PolicyHistory::From(versions);
}

absl::StatusOr<xueji::v1::Stats> Views::ComputeStats(
    std::string_view region, absl::CivilDay as_of,
    std::string_view kindergarten) const {
  absl::StatusOr<std::vector<xueji::v1::KindergartenState>> kgs =
      Kindergartens("");
  if (!kgs.ok()) return kgs.status();
  std::map<std::string, std::string, std::less<>> county_of;
  for (const auto& kg : *kgs) county_of[kg.code()] = kg.county();
  const bool everything = region.empty() || region == "00";

  std::map<std::string, int64_t> by_county, by_kg, by_status;
  std::map<int, int64_t> by_age;
  int64_t live = 0;
  absl::Status s = kv_->ScanPrefix("c", [&](std::string_view key,
                                            std::string_view value) {
    // c <kg>\0<status>\0<birth date>
    size_t kg_end = key.find('\0', 1);
    size_t status_end = key.find('\0', kg_end + 1);
    std::string kg(key.substr(1, kg_end - 1));
    if (!kindergarten.empty() && kg != kindergarten) return true;
    int status = std::atoi(std::string(key.substr(kg_end + 1, 2)).c_str());
    std::string_view birth = key.substr(status_end + 1);
    auto county = county_of.find(kg);
    std::string county_code = county == county_of.end() ? "" : county->second;
    if (!everything &&
        (county_code.empty() || !AreaTable::InRegion(county_code, region))) {
      return true;
    }
    int64_t count = static_cast<int64_t>(DecodeFixed64BE(value));
    by_status[xueji::v1::RecordStatus_Name(
        static_cast<xueji::v1::RecordStatus>(status))] += count;
    if (!IsLive(static_cast<xueji::v1::RecordStatus>(status))) return true;
    live += count;
    by_county[county_code] += count;
    by_kg[kg] += count;
    absl::StatusOr<absl::CivilDay> born = ParseDate(birth);
    if (born.ok()) by_age[AgeInYears(*born, as_of)] += count;
    return true;
  });
  if (!s.ok()) return s;

  xueji::v1::Stats stats;
  stats.set_region(std::string(region));
  stats.set_live_records(live);
  AppendRows(by_county, stats.mutable_by_county());
  AppendRows(by_kg, stats.mutable_by_kindergarten());
  AppendRows(by_status, stats.mutable_by_status());
  for (const auto& [age, count] : by_age) {
    xueji::v1::CountRow* row = stats.add_by_age();
    row->set_key(absl::StrCat(age));
    row->set_count(count);
  }
  return stats;
}

}  // namespace xueji
