// Stats view (`ledger stats`, Art. 4 and 23): rows that let the statistics
// of any day be counted without reading the log or folding histories.
//
//   d  the signed change, on a business date, of the number of records in a
//      (kindergarten, status, gender, birth date) cell: the counts on a day
//      are the sum of the rows up to it (a record that moves from one cell to
//      another adds -1 and +1 on the date of the event that moved it);
//   f  the flows of a business date: admissions, transfers in and out,
//      leaves, graduations, deferrals, cancellations, rejected admissions,
//      per kindergarten, gender and birth date;
//   a  the county decisions of a business date: per kindergarten, the date
//      the decided change was requested, its kind and whether it was
//      rejected (the deadline is judged at query time, with the policy).
//
// Every row is a counter keyed by a business date, so the rows are the same
// however partitions interleave, and `replay`/`verify --views` rebuild and
// compare them with the rest of the store.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "ledger/base/dates.h"
#include "ledger/base/status_macros.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/areas.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace views_internal {
namespace {

using xueji::v1::Event;
using xueji::v1::RecordState;
using xueji::v1::Request;

std::string Part(std::string_view s) {
  std::string out(s);
  out.push_back('\0');
  return out;
}

// The change waiting for a county decision: its request id and date; ""
// when none (the rule PendingApprovalOf applies, without the deadline).
std::pair<std::string, std::string> WaitingOf(const RecordState& r) {
  std::string id, on;
  if (r.has_pending()) {
    id = r.pending().request_id();
    on = r.pending().requested_on();
  }
  if (on.empty() && r.status() == xueji::v1::PENDING) on = r.requested_on();
  return {id, on};
}

int KindOf(const RecordState& r) {  // xueji.v1.PendingItem.Kind
  if (!r.has_pending() || !r.pending().has_request()) return 1;
  switch (r.pending().request().action_case()) {
    case Request::kAdmit:
      return 1;
    case Request::kTransferOut:
    case Request::kTransferIn:  // issue 10: the receiving county's side
      return 2;
    case Request::kDefer:
      return 3;
    case Request::kCancel:
      return 4;
    case Request::kEditKeyInfo:
      return 5;
    default:
      return 0;
  }
}

// The flow an event is, and the kindergarten it counts at; 0 when none.
std::pair<int, std::string> FlowOf(const Event& event,
                                   const RecordState& before,
                                   const RecordState& after) {
  switch (event.payload_case()) {
    case Event::kRecordEstablished:
      return {kFlowAdmission, after.kindergarten()};
    case Event::kRecordRejected:
      return {kFlowRejectedAdmission, before.kindergarten()};
    case Event::kTransferredOut:
      return {kFlowTransferOut,
              event.transferred_out().from_kindergarten().empty()
                  ? before.kindergarten()
                  : event.transferred_out().from_kindergarten()};
    case Event::kTransferredIn:
      return {kFlowTransferIn, event.transferred_in().to_kindergarten().empty()
                                   ? after.kindergarten()
                                   : event.transferred_in().to_kindergarten()};
    case Event::kLeft:
      return {kFlowLeave, before.kindergarten()};
    case Event::kGraduated:
      return {kFlowGraduation, before.kindergarten()};
    case Event::kDeferralApproved:
      return {kFlowDeferral, before.kindergarten()};
    case Event::kCancelled:
      return {kFlowCancellation, before.kindergarten()};
    default:
      return {0, ""};
  }
}

}  // namespace

std::string StatsDeltaKey(std::string_view date, std::string_view kg,
                          int status, int gender, std::string_view birth_date) {
  return absl::StrCat("d", Part(date), Part(kg),
                      absl::StrFormat("%02d", status), std::string(1, '\0'),
                      absl::StrFormat("%d", gender), std::string(1, '\0'),
                      Sv(birth_date));
}

std::string StatsFlowKey(std::string_view date, std::string_view kg, int flow,
                         int gender, std::string_view birth_date) {
  return absl::StrCat("f", Part(date), Part(kg), absl::StrFormat("%02d", flow),
                      std::string(1, '\0'), absl::StrFormat("%d", gender),
                      std::string(1, '\0'), Sv(birth_date));
}

std::string StatsApprovalKey(std::string_view decided, std::string_view kg,
                             std::string_view requested, int kind,
                             bool rejected) {
  return absl::StrCat("a", Part(decided), Part(kg), Part(requested),
                      absl::StrFormat("%02d", kind), std::string(1, '\0'),
                      rejected ? "1" : "0");
}

absl::Status AddToSignedCounter(KvStore* kv, std::string_view key,
                                int64_t delta) {
  absl::StatusOr<std::optional<std::string>> value = kv->Get(key);
  if (!value.ok()) return value.status();
  int64_t count =
      value->has_value() ? static_cast<int64_t>(DecodeFixed64BE(**value)) : 0;
  count += delta;
  if (count == 0) {
    kv->Delete(key);
  } else {
    kv->Put(key, EncodeFixed64BE(static_cast<uint64_t>(count)));
  }
  return absl::OkStatus();
}

absl::Status ApplyStats(KvStore* kv, const Event& event,
                        const RecordState& before, const RecordState& after) {
  const std::string& date = event.business_date();
  auto cell = [&](const RecordState& r) -> std::string {
    if (r.status() == xueji::v1::RECORD_STATUS_UNSPECIFIED) return "";
    return StatsDeltaKey(date, r.kindergarten(), r.status(), r.child().gender(),
                         r.child().birth_date());
  };
  const std::string old_cell = cell(before), new_cell = cell(after);
  if (old_cell != new_cell) {
    if (!old_cell.empty()) {
      RETURN_IF_ERROR(AddToSignedCounter(kv, old_cell, -1));
    }
    if (!new_cell.empty()) {
      RETURN_IF_ERROR(AddToSignedCounter(kv, new_cell, +1));
    }
  }
  auto [flow, kg] = FlowOf(event, before, after);
  if (flow != 0) {
    const RecordState& who = after.has_child() ? after : before;
    RETURN_IF_ERROR(
        AddToCounter(kv,
                     StatsFlowKey(date, kg, flow, who.child().gender(),
                                  who.child().birth_date()),
                     +1));
  }
  // A decision: what waited before the event no longer does.
  auto [was_id, was_on] = WaitingOf(before);
  if (!was_on.empty()) {
    auto [now_id, now_on] = WaitingOf(after);
    if (now_on.empty() || now_id != was_id || now_on != was_on) {
      const bool rejected =
          event.has_record_rejected() || event.has_change_rejected();
      // A transfer-in is decided by the receiving side's county (issue 10).
      const std::string& side = before.pending().request().has_transfer_in()
                                    ? before.transfer_to()
                                    : before.kindergarten();
      RETURN_IF_ERROR(AddToCounter(
          kv, StatsApprovalKey(date, side, was_on, KindOf(before), rejected),
          +1));
    }
  }
  return absl::OkStatus();
}

}  // namespace views_internal

namespace {

using xueji::v1::CountRow;
using xueji::v1::Stats;
using xueji::v1::StatsFlows;

// Splits a stats row key (after its one-byte prefix) at its '\0's.
std::vector<std::string_view> Fields(std::string_view key) {
  std::vector<std::string_view> out;
  size_t start = 1;
  while (true) {
    size_t end = key.find('\0', start);
    if (end == std::string_view::npos) {
      out.push_back(key.substr(start));
      return out;
    }
    out.push_back(key.substr(start, end - start));
    start = end + 1;
  }
}

int ToInt(std::string_view s) { return std::atoi(std::string(s).c_str()); }

// Scans the stats rows under `prefix` in key order, handing `row` each one's
// key fields and count; `row` returns false to stop. A key without its five
// fields is data loss: "views: unreadable <what>".
absl::Status ScanStatsRows(
    const KvStore& kv, std::string_view prefix, std::string_view what,
    const std::function<bool(const std::vector<std::string_view>& f,
                             int64_t n)>& row) {
  bool bad = false;
  RETURN_IF_ERROR(
      kv.ScanPrefix(prefix, [&](std::string_view key, std::string_view value) {
        std::vector<std::string_view> f = Fields(key);
        if (f.size() != 5) {
          bad = true;
          return false;
        }
        return row(f, static_cast<int64_t>(DecodeFixed64BE(value)));
      }));
  if (bad) {
    return absl::DataLossError(
        absl::StrCat("views: unreadable ", views_internal::Sv(what)));
  }
  return absl::OkStatus();
}

// The StatsFlows field each flow (rows.h) counts in.
struct FlowField {
  int flow;
  int64_t (StatsFlows::*get)() const;
  void (StatsFlows::*set)(int64_t);
};
constexpr FlowField kFlowFields[] = {
    {views_internal::kFlowAdmission, &StatsFlows::admissions,
     &StatsFlows::set_admissions},
    {views_internal::kFlowTransferIn, &StatsFlows::transfers_in,
     &StatsFlows::set_transfers_in},
    {views_internal::kFlowTransferOut, &StatsFlows::transfers_out,
     &StatsFlows::set_transfers_out},
    {views_internal::kFlowLeave, &StatsFlows::leaves, &StatsFlows::set_leaves},
    {views_internal::kFlowGraduation, &StatsFlows::graduations,
     &StatsFlows::set_graduations},
    {views_internal::kFlowDeferral, &StatsFlows::deferrals,
     &StatsFlows::set_deferrals},
    {views_internal::kFlowCancellation, &StatsFlows::cancellations,
     &StatsFlows::set_cancellations},
    {views_internal::kFlowRejectedAdmission, &StatsFlows::rejected_admissions,
     &StatsFlows::set_rejected_admissions},
};

// Adds `n` to the field `flow` counts in; an unknown flow counts nowhere.
void AddFlow(StatsFlows* f, int flow, int64_t n) {
  for (const FlowField& field : kFlowFields) {
    if (field.flow == flow) {
      (f->*field.set)((f->*field.get)() + n);
      return;
    }
  }
}

// Approvals summed while scanning; mean and max set by Finish.
struct ApprovalSums {
  int64_t decided = 0, rejected = 0, late = 0, days = 0, waiting = 0,
          waiting_overdue = 0;
  int max_days = 0;
  void Finish(xueji::v1::StatsApprovals* out) const {
    out->set_decided(decided);
    out->set_rejected(rejected);
    out->set_decided_late(late);
    out->set_mean_working_days(
        decided == 0 ? 0.0 : static_cast<double>(days) / decided);
    out->set_max_working_days(max_days);
    out->set_waiting(waiting);
    out->set_waiting_overdue(waiting_overdue);
  }
};

void AppendCounts(const std::map<std::string, int64_t>& counts,
                  google::protobuf::RepeatedPtrField<CountRow>* rows) {
  for (const auto& [key, count] : counts) {
    if (count == 0) continue;
    CountRow* row = rows->Add();
    row->set_key(key);
    row->set_count(count);
  }
}

double Rate(int64_t problems, int64_t live) {
  return live == 0 ? 0.0 : static_cast<double>(problems) / live;
}

// A group of --by, ordered by its sort key (ages numerically).
struct Group {
  int64_t live = 0;
  std::map<std::string, int64_t> by_status;
  StatsFlows flows;
  std::set<std::string> problems;
  ApprovalSums approvals;
};
using GroupKey = std::pair<int, std::string>;

}  // namespace

absl::StatusOr<Stats> Views::Statistics(const StatsQuery& query) const {
  if (query.calendar == nullptr) {
    return absl::InvalidArgumentError("stats needs a calendar");
  }
  const std::string& by = query.by;
  if (!by.empty() && by != "kindergarten" && by != "county" && by != "age" &&
      by != "gender") {
    return absl::InvalidArgumentError(
        absl::StrCat("--by must be kindergarten, county, age or gender, not ",
                     views_internal::Sv(by)));
  }
  if (query.from.has_value() != query.to.has_value()) {
    return absl::InvalidArgumentError("a period needs both --from and --to");
  }
  const bool period = query.from.has_value();
  if (period && *query.from > *query.to) {
    return absl::InvalidArgumentError("--from is after --to");
  }
  const std::string as_of = FormatDate(query.as_of);
  const std::string from = period ? FormatDate(*query.from) : "";
  const std::string to = period ? FormatDate(*query.to) : "";
  const bool everything = query.region.empty() || query.region == "00";

  std::map<std::string, std::string, std::less<>> county_of;
  bool bad = false;
  RETURN_IF_ERROR(
      kv_->ScanPrefix("G", [&](std::string_view, std::string_view value) {
        xueji::v1::KindergartenState kg;
        bad = !kg.ParseFromArray(value.data(), static_cast<int>(value.size()));
        if (!bad) county_of[kg.code()] = kg.county();
        return !bad;
      }));
  if (bad) return absl::DataLossError("views: unparseable kindergarten row");
  auto county = [&](std::string_view kg) -> std::string {
    auto it = county_of.find(kg);
    return it == county_of.end() ? "" : it->second;
  };
  auto in_scope = [&](std::string_view kg) {
    if (!query.kindergarten.empty()) return kg == query.kindergarten;
    if (everything) return true;
    const std::string c = county(kg);
    return !c.empty() && AreaTable::InRegion(c, query.region);
  };
  // The group of a record cell (kg, gender, birth date), for age on `day`.
  auto group_of = [&](std::string_view kg, int gender, std::string_view birth,
                      absl::CivilDay day) -> std::optional<GroupKey> {
    if (by == "kindergarten") return GroupKey{0, std::string(kg)};
    if (by == "county") return GroupKey{0, county(kg)};
    if (by == "gender") {
      return GroupKey{gender, xueji::v1::Gender_Name(
                                  static_cast<xueji::v1::Gender>(gender))};
    }
    if (by == "age") {
      absl::StatusOr<absl::CivilDay> born = ParseDate(birth);
      if (!born.ok()) return std::nullopt;
      const int age = AgeInYears(*born, day);
      return GroupKey{age, absl::StrCat(age)};
    }
    return std::nullopt;
  };
  std::map<GroupKey, Group> groups;

  // 1. The records on `as_of`: every dated change up to it, summed per cell.
  using Cell = std::tuple<std::string, int, int, std::string>;
  std::map<Cell, int64_t> cells;
  RETURN_IF_ERROR(
      ScanStatsRows(*kv_, views_internal::kStatsDeltaPrefix, "stats row",
                    [&](const std::vector<std::string_view>& f, int64_t n) {
                      if (f[0] > std::string_view(as_of))
                        return false;  // dates ascend
                      if (!in_scope(f[1])) return true;
                      cells[Cell(std::string(f[1]), ToInt(f[2]), ToInt(f[3]),
                                 std::string(f[4]))] += n;
                      return true;
                    }));
  // Views built before the stats rows existed have records (counters) but
  // no dated rows at all: counting them would say "nothing", wrongly.
  bool any_dated = false, any_counter = false;
  RETURN_IF_ERROR(kv_->ScanPrefix(views_internal::kStatsDeltaPrefix,
                                  [&](std::string_view, std::string_view) {
                                    any_dated = true;
                                    return false;
                                  }));
  RETURN_IF_ERROR(kv_->ScanPrefix("c", [&](std::string_view, std::string_view) {
    any_counter = true;
    return false;
  }));
  if (any_counter && !any_dated) {
    return absl::FailedPreconditionError(
        "the views predate the statistics rows: run `ledger replay` to "
        "rebuild them");
  }

  std::map<std::string, int64_t> by_county, by_kg, by_status, by_gender;
  std::map<int, int64_t> by_age;
  int64_t live = 0;
  for (const auto& [cell, count] : cells) {
    const auto& [kg, status_number, gender, birth] = cell;
    if (count < 0) {
      return absl::DataLossError("views: a dated count went below zero");
    }
    if (count == 0) continue;
    const auto status = static_cast<xueji::v1::RecordStatus>(status_number);
    const std::string status_name = xueji::v1::RecordStatus_Name(status);
    by_status[status_name] += count;
    std::optional<GroupKey> g = group_of(kg, gender, birth, query.as_of);
    if (g) groups[*g].by_status[status_name] += count;
    if (!IsLive(status)) continue;
    live += count;
    if (g) groups[*g].live += count;
    by_county[county(kg)] += count;
    by_kg[kg] += count;
    by_gender[xueji::v1::Gender_Name(static_cast<xueji::v1::Gender>(gender))] +=
        count;
    absl::StatusOr<absl::CivilDay> born = ParseDate(birth);
    if (born.ok()) by_age[AgeInYears(*born, query.as_of)] += count;
  }

  Stats stats;
  stats.set_region(everything ? "" : query.region);
  stats.set_as_of(as_of);
  stats.set_kindergarten(query.kindergarten);
  stats.set_live_records(live);
  AppendCounts(by_county, stats.mutable_by_county());
  AppendCounts(by_kg, stats.mutable_by_kindergarten());
  AppendCounts(by_status, stats.mutable_by_status());
  for (const auto& [age, count] : by_age) {
    CountRow* row = stats.add_by_age();
    row->set_key(absl::StrCat(age));
    row->set_count(count);
  }
  AppendCounts(by_gender, stats.mutable_by_gender());

  // 2. The flows of the period; a flow's age is the child's on its day.
  if (period) {
    stats.set_from(from);
    stats.set_to(to);
    StatsFlows* total = stats.mutable_flows();
    RETURN_IF_ERROR(ScanStatsRows(
        *kv_, views_internal::kStatsFlowPrefix, "stats flow row",
        [&](const std::vector<std::string_view>& f, int64_t n) {
          if (f[0] < std::string_view(from)) return true;
          if (f[0] > std::string_view(to)) return false;
          if (!in_scope(f[1])) return true;
          const int flow = ToInt(f[2]);
          AddFlow(total, flow, n);
          absl::StatusOr<absl::CivilDay> day = ParseDate(f[0]);
          std::optional<GroupKey> g =
              group_of(f[1], ToInt(f[3]), f[4], day.ok() ? *day : query.as_of);
          if (g) {
            AddFlow(&groups[*g].flows, flow, n);
          }
          return true;
        }));
  }

  // 3. Problem records on `as_of`: the live records with an anomaly.
  AnomalyQuery aq;
  aq.region = query.region;
  aq.as_of = query.as_of;
  aq.calendar = query.calendar;
  ASSIGN_OR_RETURN(xueji::v1::AnomalyReport report, Anomalies(aq));
  std::set<std::string> problems;
  std::map<std::string, int64_t> by_kind;
  for (const auto& a : report.anomalies()) {
    if (a.student_no().empty() || !in_scope(a.kindergarten())) continue;
    problems.insert(a.student_no());
    by_kind[xueji::v1::Anomaly::Kind_Name(a.kind())] += 1;
    if (by == "kindergarten" || by == "county") {
      const std::string key =
          by == "kindergarten" ? a.kindergarten() : county(a.kindergarten());
      groups[GroupKey{0, key}].problems.insert(a.student_no());
    }
  }
  stats.set_problem_records(static_cast<int64_t>(problems.size()));
  stats.set_problem_rate(Rate(stats.problem_records(), live));
  AppendCounts(by_kind, stats.mutable_anomalies_by_kind());

  // 4. Approvals: decided in the period (or up to `as_of`) against the
  // deadline of the policy in force on the day of the decision; waiting on
  // `as_of` (decided later, or still waiting) against the policy on it.
  ASSIGN_OR_RETURN(PolicyHistory policies, Policies());
  const PolicyBook book_as_of = policies.InForce(query.as_of);
  ApprovalSums approvals;
  auto approval_group = [&](std::string_view kg) -> ApprovalSums* {
    if (by == "kindergarten")
      return &groups[GroupKey{0, std::string(kg)}].approvals;
    if (by == "county") return &groups[GroupKey{0, county(kg)}].approvals;
    return nullptr;
  };
  RETURN_IF_ERROR(ScanStatsRows(
      *kv_, views_internal::kStatsApprovalPrefix, "stats approval row",
      [&](const std::vector<std::string_view>& f, int64_t n) {
        if (!in_scope(f[1])) return true;
        absl::StatusOr<absl::CivilDay> decided = ParseDate(f[0]);
        absl::StatusOr<absl::CivilDay> requested = ParseDate(f[2]);
        if (!decided.ok() || !requested.ok()) return true;
        const std::string c = county(f[1]);
        ApprovalSums* group = approval_group(f[1]);
        const bool in_window =
            period ? (*decided >= *query.from && *decided <= *query.to)
                   : *decided <= query.as_of;
        if (in_window) {
          const int days =
              query.calendar->WorkingDaysBetween(*requested, *decided);
          const absl::CivilDay due = query.calendar->AddWorkingDays(
              *requested,
              policies.InForce(*decided).ForCounty(c).approve_working_days);
          for (ApprovalSums* s : {&approvals, group}) {
            if (s == nullptr) continue;
            s->decided += n;
            if (f[4] == "1") s->rejected += n;
            if (*decided > due) s->late += n;
            s->days += days * n;
            s->max_days = std::max(s->max_days, days);
          }
        }
        if (*requested <= query.as_of && query.as_of < *decided) {
          const absl::CivilDay due = query.calendar->AddWorkingDays(
              *requested, book_as_of.ForCounty(c).approve_working_days);
          for (ApprovalSums* s : {&approvals, group}) {
            if (s == nullptr) continue;
            s->waiting += n;
            if (query.as_of > due) s->waiting_overdue += n;
          }
        }
        return true;
      }));
  PendingQuery pq;
  pq.region = query.region;
  pq.kindergarten = query.kindergarten;
  pq.as_of = query.as_of;
  pq.calendar = query.calendar;
  ASSIGN_OR_RETURN(xueji::v1::PendingReport waiting, Pending(pq));
  for (const auto& item : waiting.items()) {
    if (item.requested_on() > as_of) continue;  // not yet asked on as_of
    // An export waits for the level above, not for a county (issue 9).
    if (item.kind() == xueji::v1::PendingItem::EXPORT) continue;
    for (ApprovalSums* s : {&approvals, approval_group(item.kindergarten())}) {
      if (s == nullptr) continue;
      s->waiting += 1;
      if (item.overdue()) s->waiting_overdue += 1;
    }
  }
  approvals.Finish(stats.mutable_approvals());

  // 5. The groups of --by, in key order (ages numerically).
  stats.set_by(by);
  for (auto& [key, group] : groups) {
    xueji::v1::StatsGroup* out = stats.add_groups();
    out->set_key(key.second);
    out->set_live_records(group.live);
    AppendCounts(group.by_status, out->mutable_by_status());
    if (period) *out->mutable_flows() = group.flows;
    if (by == "kindergarten" || by == "county") {
      out->set_problem_records(static_cast<int64_t>(group.problems.size()));
      out->set_problem_rate(Rate(out->problem_records(), group.live));
      group.approvals.Finish(out->mutable_approvals());
    }
  }
  return stats;
}

}  // namespace xueji
