// The approver's queue (`ledger pending`, issue 13): every record whose
// change waits for its county's decision, from the enrollment rows (the
// record's `pending` change, or a PENDING admission), with the day it is due
// under the policy the log records for the as-of day. The deadline is
// PendingApprovalOf (anomaly_rules.h), the rule OVERDUE_APPROVAL uses, so the
// queue and the anomalies never disagree on what is late.
//
// Issue 9 (a review): the de-identified export requests (Art. 22) awaiting
// the level above are listed too, kind EXPORT, folded with EvolveExport from
// their audit rows (subjects "exp:<id>": a handful per region and year, no
// row of their own, so no replay is needed). They have no record, county or
// deadline; a reader sees those whose region lies in its own (the deciding
// officer's region holds the requester's, which holds the export's).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/base/dates.h"
#include "ledger/base/status_macros.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/jurisdiction.h"
#include "projections/anomaly_rules.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace {

using xueji::v1::PendingItem;
using xueji::v1::RecordState;
using xueji::v1::Request;

PendingItem::Kind KindOf(const RecordState& r) {
  if (!r.has_pending() || !r.pending().has_request()) {
    return PendingItem::ADMISSION;  // a PENDING record without its request
  }
  switch (r.pending().request().action_case()) {
    case Request::kAdmit:
      return PendingItem::ADMISSION;
    case Request::kTransferOut:
    case Request::kTransferIn:  // issue 10: the receiving side's
      return PendingItem::TRANSFER;
    case Request::kDefer:
      return PendingItem::DEFERRAL;
    case Request::kCancel:
      return PendingItem::CANCELLATION;
    case Request::kEditKeyInfo:
      return PendingItem::KEY_INFO_EDIT;
    case Request::kConvertNumber:
      return PendingItem::NUMBER_CONVERSION;
    default:
      return PendingItem::KIND_UNSPECIFIED;
  }
}

// What is asked, in a few words (no identity numbers).
std::string DetailOf(const RecordState& r) {
  if (!r.has_pending()) return "";
  const Request& q = r.pending().request();
  switch (q.action_case()) {
    case Request::kAdmit:
      return absl::StrCat("entry ", q.admit().entry_date());
    case Request::kTransferOut:
      return absl::StrCat("to ", q.transfer_out().to_kindergarten());
    case Request::kTransferIn:
      return absl::StrCat("in from ", r.kindergarten());
    case Request::kDefer:
      return absl::StrCat("until ", q.defer().until_date());
    case Request::kCancel:
      return q.cancel().reason();
    case Request::kEditKeyInfo:
      return "key information";
    case Request::kConvertNumber:
      return "formal number";
    default:
      return "";
  }
}

// Working days from `as_of` to `due`: positive before it, 0 on it, minus the
// working days since it after.
int DaysLeft(const WorkingCalendar& calendar, absl::CivilDay as_of,
             absl::CivilDay due) {
  if (as_of <= due) return calendar.WorkingDaysBetween(as_of, due);
  return -calendar.WorkingDaysBetween(due, as_of);
}

// The export requests still AWAITING a decision whose region lies in
// `region` ("" or "00": all), folded from their audit rows.
absl::StatusOr<std::vector<PendingItem>> WaitingExports(
    const KvStore& kv, const std::string& region) {
  std::map<std::string, xueji::v1::ExportState> exports;  // by subject
  bool bad = false;
  RETURN_IF_ERROR(kv.ScanPrefix(
      views_internal::ExportHistoriesPrefix(),
      [&](std::string_view, std::string_view value) {
        xueji::v1::Event event;
        bad =
            !event.ParseFromArray(value.data(), static_cast<int>(value.size()));
        if (bad) return false;
        xueji::v1::ExportState& state = exports[event.subject()];
        state = EvolveExport(std::move(state), event);  // in offset order
        return true;
      }));
  if (bad) return absl::DataLossError("views: unparseable export event");
  std::vector<PendingItem> items;
  for (const auto& [subject, state] : exports) {
    if (state.decision() != xueji::v1::ExportState::AWAITING) continue;
    if (!RegionContains(region, state.region(), /*strictly=*/false)) continue;
    PendingItem item;
    item.set_kind(PendingItem::EXPORT);
    item.set_request_id(state.request_id());
    item.set_requested_on(state.requested_on());
    item.set_requested_by(state.requested_by().operator_id());
    item.set_detail(
        absl::StrCat("region ", state.region(), ": ",
                     absl::StrJoin(state.fields(), ","), "; ",
                     state.approver_region() == "00"
                         ? std::string("the national level")
                         : absl::StrCat("province ", state.approver_region()),
                     " decides"));
    items.push_back(std::move(item));
  }
  return items;
}

}  // namespace

absl::StatusOr<xueji::v1::PendingReport> Views::Pending(
    const PendingQuery& query) const {
  if (query.calendar == nullptr) {
    return absl::InvalidArgumentError("pending needs a calendar");
  }
  ASSIGN_OR_RETURN(PolicyHistory policies, Policies());
  const PolicyBook book = policies.InForce(query.as_of);
  const bool everything = query.region.empty() || query.region == "00";

  std::map<std::string, xueji::v1::KindergartenState> kgs;
  bool bad = false;
  RETURN_IF_ERROR(
      kv_->ScanPrefix("G", [&](std::string_view key, std::string_view value) {
        xueji::v1::KindergartenState kg;
        bad = !kg.ParseFromArray(value.data(), static_cast<int>(value.size()));
        if (!bad) kgs[std::string(key.substr(1))] = std::move(kg);
        return !bad;
      }));
  if (bad) return absl::DataLossError("views: unparseable kindergarten row");

  // The records at the kindergartens of the region (while transferring: at
  // the sending one, whose county approves the transfer out) and, issue 10,
  // the records in transfer to them (the receiving county approves a
  // transfer-in from another county: Art. 11, each county its own side).
  std::set<std::string> subjects;
  for (const auto& [code, kg] : kgs) {
    if (!everything && !AreaTable::InRegion(kg.county(), query.region)) {
      continue;
    }
    for (const std::string& prefix :
         {views_internal::KgIndexPrefix(code),
          views_internal::IncomingIndexPrefix(code)}) {
      RETURN_IF_ERROR(
          kv_->ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
            subjects.emplace(key.substr(prefix.size()));
            return true;
          }));
    }
  }

  std::vector<PendingItem> items;
  for (const std::string& subject : subjects) {
    RecordState r;
    ASSIGN_OR_RETURN(bool found,
                     views_internal::GetMessage(
                         *kv_, views_internal::RecordKey(subject), &r));
    if (!found) continue;
    // The side whose county decides: a transfer-in's receiving kindergarten
    // (forwarded through merges), else the record's.
    std::string side = r.kindergarten();
    if (r.pending().request().has_transfer_in()) {
      side = r.transfer_to();
      for (int hops = 0; hops < 16; ++hops) {
        auto next = kgs.find(side);
        if (next == kgs.end() || next->second.merged_into().empty()) break;
        side = next->second.merged_into();
      }
    }
    if (!query.kindergarten.empty() && side != query.kindergarten) continue;
    auto kg = kgs.find(side);
    const std::string county = kg == kgs.end() ? "" : kg->second.county();
    if (!everything && !AreaTable::InRegion(county, query.region)) continue;
    const Policy& policy = book.ForCounty(county);
    std::optional<PendingApproval> pending =
        PendingApprovalOf(r, policy, *query.calendar);
    if (!pending) continue;
    PendingItem item;
    item.set_kind(KindOf(r));
    if (query.kind.has_value() && item.kind() != *query.kind) continue;
    item.set_request_id(pending->request_id);
    item.set_student_no(r.student_no());
    item.set_kindergarten(side);
    item.set_county(county);
    item.set_requested_on(pending->requested_on);
    if (r.has_pending()) {
      item.set_requested_by(r.pending().requested_by().operator_id());
    }
    item.set_due(FormatDate(pending->due));
    item.set_working_days_left(
        DaysLeft(*query.calendar, query.as_of, pending->due));
    item.set_overdue(query.as_of > pending->due);
    item.set_name(r.child().name());
    item.set_detail(DetailOf(r));
    items.push_back(std::move(item));
  }
  // Exports: not a kindergarten's (a registrar's queue has none).
  if (query.kindergarten.empty() &&
      (!query.kind.has_value() || *query.kind == PendingItem::EXPORT)) {
    ASSIGN_OR_RETURN(std::vector<PendingItem> exports,
                     WaitingExports(*kv_, everything ? "" : query.region));
    for (PendingItem& item : exports) items.push_back(std::move(item));
  }
  std::sort(items.begin(), items.end(),
            [](const PendingItem& a, const PendingItem& b) {
              return std::tie(a.requested_on(), a.request_id(),
                              a.student_no()) <
                     std::tie(b.requested_on(), b.request_id(), b.student_no());
            });
  xueji::v1::PendingReport report;
  report.set_as_of(FormatDate(query.as_of));
  report.set_region(everything ? "" : query.region);
  for (PendingItem& item : items) *report.add_items() = std::move(item);
  return report;
}

}  // namespace xueji
