// Anomalies: the problem records of docs/design.md, evaluated at query time
// from the enrollment rows (which depend only on events) as of a date. A
// deadline-based anomaly's `since` is the deadline that passed.
#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "ledger/rules/areas.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/reasons.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace {

using views_internal::GetMessage;
using xueji::v1::Anomaly;
using xueji::v1::KindergartenState;
using xueji::v1::RecordState;

std::optional<absl::CivilDay> Day(std::string_view text) {
  absl::StatusOr<absl::CivilDay> day = ParseDate(text);
  if (!day.ok()) return std::nullopt;
  return *day;
}

// One live record under evaluation.
struct Live {
  RecordState record;
  views_internal::RecordExtra extra;
  std::string county;
  const Policy* policy = nullptr;
};

class Evaluator {
 public:
  Evaluator(const KvStore& kv, const AnomalyQuery& q) : kv_(kv), q_(q) {}

  absl::StatusOr<std::vector<Anomaly>> Run() {
    if (absl::Status s = LoadKindergartens(); !s.ok()) return s;
    absl::StatusOr<std::vector<std::string>> subjects = SubjectsInRegion();
    if (!subjects.ok()) return subjects.status();
    for (const std::string& subject : *subjects) {
      absl::StatusOr<std::optional<Live>> live = LoadLive(subject);
      if (!live.ok()) return live.status();
      if (!live->has_value()) continue;
      if (absl::Status s = CheckRecord(**live); !s.ok()) return s;
    }
    if (Want(Anomaly::DORMANT_ACCOUNT)) {
      if (absl::Status s = CheckOperators(); !s.ok()) return s;
    }
    return std::move(out_);
  }

 private:
  bool Want(Anomaly::Kind kind) const {
    return !q_.kind.has_value() || *q_.kind == kind;
  }
  bool Everything() const { return q_.region.empty() || q_.region == "00"; }

  void Add(Anomaly::Kind kind, const Live& live, std::string since,
           std::string detail, std::vector<std::string> related = {}) {
    Anomaly a;
    a.set_kind(kind);
    a.set_student_no(live.record.student_no());
    a.set_kindergarten(live.record.kindergarten());
    a.set_county(live.county);
    a.set_since(std::move(since));
    a.set_detail(std::move(detail));
    std::sort(related.begin(), related.end());
    for (std::string& r : related) a.add_related(std::move(r));
    out_.push_back(std::move(a));
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
    return absl::OkStatus();
  }

  std::string CountyOf(const std::string& kg) const {
    auto it = kgs_.find(kg);
    return it == kgs_.end() ? "" : it->second.county();
  }

  // Record subjects whose kindergarten lies in the region.
  absl::StatusOr<std::vector<std::string>> SubjectsInRegion() const {
    std::vector<std::string> subjects;
    auto collect = [&](const std::string& prefix) {
      return kv_.ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
        subjects.emplace_back(key.substr(prefix.size()));
        return true;
      });
    };
    if (Everything()) {
      absl::Status s = collect("R");
      if (!s.ok()) return s;
      return subjects;
    }
    for (const auto& [code, kg] : kgs_) {
      if (!AreaTable::InRegion(kg.county(), q_.region)) continue;
      if (absl::Status s = collect(views_internal::KgIndexPrefix(code)); !s.ok()) {
        return s;
      }
    }
    return subjects;
  }

  absl::StatusOr<std::optional<Live>> LoadLive(const std::string& subject) {
    Live live;
    absl::StatusOr<bool> found =
        GetMessage(kv_, views_internal::RecordKey(subject), &live.record);
    if (!found.ok()) return found.status();
    if (!*found || !IsLive(live.record.status())) return std::optional<Live>();
    absl::StatusOr<std::optional<std::string>> extra =
        kv_.Get(views_internal::RecordExtraKey(subject));
    if (!extra.ok()) return extra.status();
    live.extra = views_internal::ParseExtra(extra->value_or(""));
    live.county = CountyOf(live.record.kindergarten());
    live.policy = &q_.policy->ForCounty(live.county);
    return std::optional<Live>(std::move(live));
  }

  // Current numbers of the other live records under an index prefix.
  absl::StatusOr<std::vector<std::string>> OtherLive(const std::string& prefix,
                                                     const std::string& self) {
    std::vector<std::string> subjects, numbers;
    absl::Status s = kv_.ScanPrefix(prefix, [&](std::string_view key,
                                                std::string_view) {
      std::string_view subject = key.substr(prefix.size());
      if (subject != self) subjects.emplace_back(subject);
      return true;
    });
    if (!s.ok()) return s;
    for (const std::string& subject : subjects) {
      RecordState other;
      absl::StatusOr<bool> found =
          GetMessage(kv_, views_internal::RecordKey(subject), &other);
      if (!found.ok()) return found.status();
      if (*found && IsLive(other.status())) numbers.push_back(other.student_no());
    }
    return numbers;
  }

  absl::Status CheckRecord(const Live& live) {
    if (absl::Status s = CheckDuplicates(live); !s.ok()) return s;
    if (Want(Anomaly::PHANTOM)) {
      if (absl::Status s = CheckPhantom(live); !s.ok()) return s;
    }
    if (Want(Anomaly::INVALID_IDENTITY)) CheckIdentity(live);
    if (Want(Anomaly::AGE_OUT_OF_RANGE)) CheckAge(live);
    if (Want(Anomaly::OVERDUE_APPROVAL)) CheckApproval(live);
    if (Want(Anomaly::OVERDUE_TRANSFER)) CheckTransfer(live);
    if (Want(Anomaly::LATE_ESTABLISHMENT)) CheckEstablishment(live);
    if (Want(Anomaly::STALE_TEMPORARY_NUMBER)) CheckTemporary(live);
    return absl::OkStatus();
  }

  absl::Status CheckDuplicates(const Live& live) {
    const RecordState& r = live.record;
    const std::string& subject = r.subject();
    std::string id_key = IdentityKey(r.child().id_type(), r.child().id_number());
    if (Want(Anomaly::DUPLICATE) && !id_key.empty()) {
      absl::StatusOr<std::vector<std::string>> others =
          OtherLive(views_internal::IdentityPrefix(id_key), subject);
      if (!others.ok()) return others.status();
      if (!others->empty()) {
        Add(Anomaly::DUPLICATE, live, r.requested_on(),
            absl::StrCat("identity document also in ", others->size(),
                         " other live record(s)"),
            *others);
      }
    }
    if (Want(Anomaly::PROBABLE_DUPLICATE) && id_key.empty() &&
        !r.child().name().empty()) {
      absl::StatusOr<std::vector<std::string>> others = OtherLive(
          views_internal::ProbablePrefix(ProbableIdentityKey(r.child())),
          subject);
      if (!others.ok()) return others.status();
      if (!others->empty()) {
        Add(Anomaly::PROBABLE_DUPLICATE, live, r.requested_on(),
            absl::StrCat("no identity document; same name, gender and birth "
                         "date as ", others->size(), " other live record(s)"),
            *others);
      }
    }
    return absl::OkStatus();
  }

  // The kindergarten's latest verification on or before the as-of date.
  absl::StatusOr<const xueji::v1::Event*> Verification(const std::string& kg) {
    auto it = verifications_.find(kg);
    if (it == verifications_.end()) {
      const std::string as_of = FormatDate(q_.as_of);
      const std::string prefix = views_internal::VerificationPrefix(kg);
      std::string latest;
      absl::Status s = kv_.ScanPrefix(
          prefix, [&](std::string_view key, std::string_view value) {
            if (key.substr(prefix.size()) > as_of) return false;
            latest.assign(value);
            return true;
          });
      if (!s.ok()) return s;
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

  absl::Status CheckPhantom(const Live& live) {
    const RecordState& r = live.record;
    auto kg = kgs_.find(r.kindergarten());
    if (kg != kgs_.end() && (kg->second.closed() ||
                             !kg->second.merged_into().empty())) {
      Add(Anomaly::PHANTOM, live, kg->second.closed_on(),
          kg->second.merged_into().empty()
              ? "live record at a closed kindergarten"
              : absl::StrCat("live record at a kindergarten merged into ",
                             kg->second.merged_into()));
    }
    absl::StatusOr<const xueji::v1::Event*> v = Verification(r.kindergarten());
    if (!v.ok()) return v.status();
    if (*v != nullptr && !live.extra.arrived_on.empty() &&
        live.extra.arrived_on < (*v)->business_date()) {
      const auto& present = (*v)->verification_recorded().present_student_nos();
      auto listed = [&](const std::string& no) {
        return std::find(present.begin(), present.end(), no) != present.end();
      };
      bool found = listed(r.student_no());
      for (const std::string& former : r.former_numbers()) found |= listed(former);
      if (!found) {
        Add(Anomaly::PHANTOM, live, (*v)->business_date(),
            absl::StrCat("not confirmed present at verification ",
                         (*v)->verification_recorded().term(), " on ",
                         (*v)->business_date()));
      }
    }
    std::optional<absl::CivilDay> out = Day(r.transfer_out_on());
    if (r.status() == xueji::v1::TRANSFERRING && r.transferred_out() && out) {
      int days = 2 * live.policy->transfer_working_days;
      absl::CivilDay deadline = q_.calendar->AddWorkingDays(*out, days);
      if (q_.as_of > deadline) {
        Add(Anomaly::PHANTOM, live, FormatDate(deadline),
            absl::StrCat("transferred out to ", r.transfer_to(), " on ",
                         r.transfer_out_on(), ", not transferred in within ",
                         days, " working days"));
      }
    }
    return absl::OkStatus();
  }

  void CheckIdentity(const Live& live) {
    const xueji::v1::Child& child = live.record.child();
    absl::Status s = ValidateChild(child);
    if (s.ok()) return;
    std::optional<xueji::v1::ReasonCode> code = ReasonOf(s);
    std::string message(s.message());
    // Never let a document number into the report.
    for (const std::string& number :
         {child.id_number(), NormalizeIdNumber(child.id_number())}) {
      if (!number.empty()) absl::StrReplaceAll({{number, "***"}}, &message);
    }
    Add(Anomaly::INVALID_IDENTITY, live, live.record.requested_on(),
        absl::StrCat("identity fails validation (",
                     views_internal::Sv(code ? ReasonName(*code) : "INVALID"), "): ", message));
  }

  void CheckAge(const Live& live) {
    const RecordState& r = live.record;
    std::optional<absl::CivilDay> birth = Day(r.child().birth_date());
    if (!birth) return;
    absl::CivilDay entry = live.policy->PrimaryEntryDate(*birth);
    if (q_.as_of >= entry) {
      std::optional<absl::CivilDay> until = Day(r.deferred_until());
      if (until && q_.as_of <= *until) return;  // deferral covers it
      Add(Anomaly::AGE_OUT_OF_RANGE, live,
          FormatDate(until ? *until + 1 : entry),
          until ? absl::StrCat("deferral ended ", r.deferred_until(),
                               "; past primary entry ", FormatDate(entry))
                : absl::StrCat("past primary entry ", FormatDate(entry),
                               " without an approved deferral"));
      return;
    }
    int age = AgeInYears(*birth, q_.as_of);
    if (age < live.policy->admission_min_age_years) {
      Add(Anomaly::AGE_OUT_OF_RANGE, live,
          r.entry_date().empty() ? r.requested_on() : r.entry_date(),
          absl::StrCat("age ", age, " is below the admission age ",
                       live.policy->admission_min_age_years));
    }
  }

  void CheckApproval(const Live& live) {
    const RecordState& r = live.record;
    std::string requested = r.has_pending() ? r.pending().requested_on() : "";
    if (requested.empty() && r.status() == xueji::v1::PENDING) {
      requested = r.requested_on();
    }
    std::optional<absl::CivilDay> start = Day(requested);
    if (!start) return;
    int days = live.policy->approve_working_days;
    absl::CivilDay deadline = q_.calendar->AddWorkingDays(*start, days);
    if (q_.as_of <= deadline) return;
    std::string what = "admission";
    if (r.has_pending() && r.pending().has_request()) {
      what = std::string(ActionName(r.pending().request()));
    }
    Add(Anomaly::OVERDUE_APPROVAL, live, FormatDate(deadline),
        absl::StrCat(what, " request ", r.pending().request_id(),
                     " pending since ", requested, ", not decided within ",
                     days, " working days"));
  }

  void CheckTransfer(const Live& live) {
    const RecordState& r = live.record;
    if (r.status() != xueji::v1::TRANSFERRING) return;
    int days = live.policy->transfer_working_days;
    std::optional<absl::CivilDay> start =
        Day(r.transferred_out() ? r.transfer_out_on() : r.transfer_started_on());
    if (!start) return;
    absl::CivilDay deadline = q_.calendar->AddWorkingDays(*start, days);
    if (q_.as_of <= deadline) return;
    Add(Anomaly::OVERDUE_TRANSFER, live, FormatDate(deadline),
        r.transferred_out()
            ? absl::StrCat("transferred out to ", r.transfer_to(), " on ",
                           r.transfer_out_on(), ", not in within ", days,
                           " working days")
            : absl::StrCat("transfer to ", r.transfer_to(), " requested on ",
                           r.transfer_started_on(), ", not out within ", days,
                           " working days"));
  }

  void CheckEstablishment(const Live& live) {
    const RecordState& r = live.record;
    std::optional<absl::CivilDay> entry = Day(r.entry_date());
    if (!entry) return;
    absl::CivilDay deadline = AddMonths(*entry, live.policy->establish_months);
    std::optional<absl::CivilDay> established = Day(r.established_on());
    if (established && *established > deadline) {
      Add(Anomaly::LATE_ESTABLISHMENT, live, FormatDate(deadline),
          absl::StrCat("entered ", r.entry_date(), ", established ",
                       r.established_on(), " after the deadline ",
                       FormatDate(deadline)));
    } else if (!established && r.status() == xueji::v1::PENDING &&
               q_.as_of > deadline) {
      Add(Anomaly::LATE_ESTABLISHMENT, live, FormatDate(deadline),
          absl::StrCat("entered ", r.entry_date(),
                       ", still not established after the deadline ",
                       FormatDate(deadline)));
    }
  }

  void CheckTemporary(const Live& live) {
    const RecordState& r = live.record;
    if (!r.student_no().starts_with("L")) return;
    std::string assigned = live.extra.temp_assigned_on.empty()
                               ? r.requested_on()
                               : live.extra.temp_assigned_on;
    std::optional<absl::CivilDay> start = Day(assigned);
    if (!start) return;
    absl::CivilDay deadline = AddMonths(*start, 6);
    if (q_.as_of <= deadline) return;
    Add(Anomaly::STALE_TEMPORARY_NUMBER, live, FormatDate(deadline),
        absl::StrCat("temporary number assigned ", assigned,
                     ", not converted within 6 months"));
  }

  absl::Status CheckOperators() {
    std::vector<std::string> ids;
    absl::Status s = kv_.ScanPrefix("O", [&](std::string_view key,
                                             std::string_view) {
      ids.emplace_back(key.substr(1));
      return true;
    });
    if (!s.ok()) return s;
    for (const std::string& id : ids) {
      if (absl::Status c = CheckOperator(id); !c.ok()) return c;
    }
    return absl::OkStatus();
  }

  absl::Status CheckOperator(const std::string& id) {
    xueji::v1::OperatorState op;
    absl::StatusOr<bool> found =
        GetMessage(kv_, views_internal::OperatorKey(id), &op);
    if (!found.ok()) return found.status();
    if (!*found || op.sealed()) return absl::OkStatus();
    // Officers and auditors only read, and reads are not events: the ledger
    // cannot see whether they use their accounts, so it does not guess.
    if (op.role() == xueji::v1::OFFICER || op.role() == xueji::v1::AUDITOR) {
      return absl::OkStatus();
    }
    absl::StatusOr<std::optional<std::string>> activity =
        kv_.Get(views_internal::ActivityKey(id));
    if (!activity.ok()) return activity.status();
    std::string last = op.last_active();
    if (activity->has_value() && last < **activity) last = **activity;
    std::optional<absl::CivilDay> last_day = Day(last.substr(0, 10));
    if (!last_day) return absl::OkStatus();
    std::string kg = op.role() == xueji::v1::REGISTRAR ? op.org() : "";
    std::string county = kg.empty() ? op.org() : CountyOf(kg);
    if (!Everything() &&
        (county.empty() || !AreaTable::InRegion(county, q_.region))) {
      return absl::OkStatus();
    }
    int months = q_.policy->ForCounty(county).seal_after_months;
    absl::CivilDay deadline = AddMonths(*last_day, months);
    if (q_.as_of <= deadline) return absl::OkStatus();
    Anomaly a;
    a.set_kind(Anomaly::DORMANT_ACCOUNT);
    a.set_student_no(id);
    a.set_kindergarten(kg);
    a.set_county(county);
    a.set_since(FormatDate(deadline));
    a.set_detail(absl::StrCat(xueji::v1::Role_Name(op.role()),
                              " account last active ", FormatDate(*last_day),
                              ", unused for more than ", months,
                              " months and not sealed"));
    out_.push_back(std::move(a));
    return absl::OkStatus();
  }

  const KvStore& kv_;
  const AnomalyQuery& q_;
  std::map<std::string, KindergartenState> kgs_;
  std::map<std::string, xueji::v1::Event> verifications_;
  std::vector<Anomaly> out_;
};

}  // namespace

absl::StatusOr<xueji::v1::AnomalyReport> Views::Anomalies(
    const AnomalyQuery& query) const {
  if (query.policy == nullptr || query.calendar == nullptr) {
    return absl::InvalidArgumentError("anomalies need a policy and a calendar");
  }
  Evaluator evaluator(*kv_, query);
  absl::StatusOr<std::vector<Anomaly>> found = evaluator.Run();
  if (!found.ok()) return found.status();
  auto key = [](const Anomaly& a) {
    return std::tuple<int, const std::string&, const std::string&,
                      const std::string&, const std::string&,
                      const std::string&>(a.kind(), a.county(),
                                          a.kindergarten(), a.student_no(),
                                          a.since(), a.detail());
  };
  std::sort(found->begin(), found->end(),
            [&](const Anomaly& a, const Anomaly& b) { return key(a) < key(b); });
  xueji::v1::AnomalyReport report;
  report.set_as_of(FormatDate(query.as_of));
  report.set_region(query.region);
  for (Anomaly& a : *found) *report.add_anomalies() = std::move(a);
  return report;
}

}  // namespace xueji
