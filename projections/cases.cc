// Problem record cases (`ledger cases`; docs/design.md, "Problem records
// (cases)"): a case lives in the RecordState of the record it is about (the
// enrollment view's R rows, folded by EvolveRecord); this module keeps the
// index of cases by id (j<case id>\0 -> subject) and lists them.
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "ledger/base/enum_text.h"
#include "ledger/rules/jurisdiction.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace views_internal {

std::string CaseKey(std::string_view case_id) {
  return absl::StrCat(kCasePrefix, Sv(case_id), std::string(1, '\0'));
}

absl::Status ApplyCases(KvStore* kv, const xueji::v1::Event& event) {
  if (event.has_case_opened() && IsRecordSubject(event.subject())) {
    kv->Put(CaseKey(event.case_opened().case_id()), event.subject());
  }
  return absl::OkStatus();
}

}  // namespace views_internal

namespace {

std::string ActorId(const xueji::v1::Actor& actor) {
  return actor.operator_id();
}

std::string ResolutionText(xueji::v1::ResolveCase::Resolution r) {
  if (r == xueji::v1::ResolveCase::RESOLUTION_UNSPECIFIED) return "";
  return xueji::v1::ResolveCase::Resolution_Name(r);
}

}  // namespace

std::string CaseStatusText(xueji::v1::CaseStatus status) {
  constexpr EnumText<xueji::v1::CaseStatus, const char*> kTexts[] = {
      {xueji::v1::CASE_STATUS_OPEN, "open"},
      {xueji::v1::CASE_STATUS_ANSWERED, "answered"},
      {xueji::v1::CASE_STATUS_CLOSED, "closed"},
  };
  return TextOf(kTexts, status).value_or("");
}

xueji::v1::CaseItem CaseItemOf(const xueji::v1::RecordState& record,
                               const xueji::v1::CaseState& c,
                               std::string_view county) {
  xueji::v1::CaseItem item;
  item.set_case_id(c.case_id());
  item.set_status(CaseStatusText(c.status()));
  item.set_kind(c.kind());
  item.set_student_no(record.student_no());
  item.set_kindergarten(record.kindergarten());
  item.set_county(std::string(county));
  item.set_since(c.since());
  item.set_detail(c.detail());
  *item.mutable_related() = c.related();
  item.set_decider_region(c.decider_region());
  item.set_opened_on(c.opened_on());
  item.set_opened_by(ActorId(c.opened_by()));
  item.set_resolution(ResolutionText(c.resolution()));
  item.set_evidence(c.evidence());
  item.set_answered_on(c.answered_on());
  item.set_answered_by(ActorId(c.answered_by()));
  item.set_decided_on(c.decided_on());
  item.set_decided_by(ActorId(c.decided_by()));
  item.set_accepted(c.accepted());
  item.set_reason(c.reason());
  item.set_answers(c.answers());
  item.set_record_status(xueji::v1::RecordStatus_Name(record.status()));
  return item;
}

absl::StatusOr<xueji::v1::CaseReport> Views::Cases(
    const CaseQuery& query) const {
  xueji::v1::CaseReport report;
  report.set_region(query.region);
  report.set_status(query.status);
  std::vector<std::string> subjects;
  absl::Status scanned =
      kv_->ScanPrefix(views_internal::kCasePrefix,
                      [&](std::string_view, std::string_view subject) {
                        subjects.emplace_back(subject);
                        return true;
                      });
  if (!scanned.ok()) return scanned;
  std::sort(subjects.begin(), subjects.end());
  subjects.erase(std::unique(subjects.begin(), subjects.end()), subjects.end());
  for (const std::string& subject : subjects) {
    absl::StatusOr<xueji::v1::RecordState> record =
        LoadRecordOfSubject(subject);
    if (!record.ok()) return record.status();
    absl::StatusOr<std::optional<xueji::v1::KindergartenState>> kg =
        Kindergarten(record->kindergarten());
    if (!kg.ok()) return kg.status();
    const std::string county = kg->has_value() ? (*kg)->county() : "";
    if (!query.kindergarten.empty() &&
        record->kindergarten() != query.kindergarten) {
      continue;
    }
    if (!RegionContains(query.region, county, false)) continue;
    for (const xueji::v1::CaseState& c : record->cases()) {
      const std::string status = CaseStatusText(c.status());
      if (!query.status.empty() && status != query.status) continue;
      *report.add_cases() = CaseItemOf(*record, c, county);
    }
  }
  std::sort(report.mutable_cases()->begin(), report.mutable_cases()->end(),
            [](const xueji::v1::CaseItem& a, const xueji::v1::CaseItem& b) {
              return std::tie(a.county(), a.kindergarten(), a.opened_on(),
                              a.case_id()) <
                     std::tie(b.county(), b.kindergarten(), b.opened_on(),
                              b.case_id());
            });
  return report;
}

}  // namespace xueji
