// 升学 hand-over (Art. 10, 13): the graduates of a year as the primary-school
// register takes them over (xueji.v1.GraduateRecord), read from the
// enrollment view's records (a graduated record stays indexed under the
// kindergarten it graduated from).
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "projections/views.h"

namespace xueji {

xueji::v1::GraduateRecord GraduateRecordOf(const xueji::v1::RecordState& record,
                                           std::string_view county) {
  xueji::v1::GraduateRecord out;
  out.set_student_no(record.student_no());
  for (const std::string& former : record.former_numbers()) {
    out.add_former_numbers(former);
  }
  *out.mutable_child() = record.child();
  out.set_kindergarten(record.kindergarten());
  out.set_county(std::string(county));
  out.set_entry_date(record.entry_date());
  out.set_graduated_on(record.graduated_on());
  out.set_deferred_until(record.deferred_until());
  out.set_promoted_school(record.promoted_school());
  out.set_promoted_on(record.promoted_on());
  return out;
}

absl::StatusOr<std::vector<xueji::v1::GraduateRecord>> Views::Graduates(
    int year, std::string_view region, std::string_view kindergarten) const {
  absl::StatusOr<std::vector<xueji::v1::KindergartenState>> kgs =
      Kindergartens(region);
  if (!kgs.ok()) return kgs.status();
  const std::string prefix = absl::StrCat(year, "-");
  std::vector<xueji::v1::GraduateRecord> out;
  for (const xueji::v1::KindergartenState& kg : *kgs) {
    if (!kindergarten.empty() && kg.code() != kindergarten) continue;
    absl::StatusOr<std::vector<xueji::v1::RecordState>> records =
        RecordsAtKindergarten(kg.code(), /*include_inactive=*/true);
    if (!records.ok()) return records.status();
    for (const xueji::v1::RecordState& record : *records) {
      if (record.status() != xueji::v1::GRADUATED ||
          record.graduated_on().rfind(prefix, 0) != 0) {
        continue;
      }
      out.push_back(GraduateRecordOf(record, kg.county()));
    }
  }
  std::sort(out.begin(), out.end(),
            [](const xueji::v1::GraduateRecord& a,
               const xueji::v1::GraduateRecord& b) {
              return std::tie(a.county(), a.kindergarten(), a.student_no()) <
                     std::tie(b.county(), b.kindergarten(), b.student_no());
            });
  return out;
}

}  // namespace xueji
