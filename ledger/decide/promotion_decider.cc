// recordPromotion (升学, Art. 10, 13): the primary-school register's
// confirmation that a graduate reported to a school, recorded as Promoted on
// the record, which stays GRADUATED (the register keeps it, Art. 13).
//
// Who: the APPROVER of the graduating kindergarten's county. The primary
// school is not an operator of this register; the county education
// department (县级教育行政部门) is the level that administers both the
// kindergartens' and the primary schools' registers in its county (Art. 5)
// and the one that takes the primary school's confirmation in. A registrar
// is refused: the kindergarten's part ended with the graduation (Art. 13).
//
// Check order: the fields (studentNo, school, reportedOn), the record
// (UNKNOWN_STUDENT), the approver's county (NOT_AUTHORIZED), the status
// (INVALID_TRANSITION: not GRADUATED, or already promoted), the dates
// (INVALID_DATE: reportedOn before the graduation or after the business
// date). Pure: see decider.h.
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"

namespace xueji::decide_internal {

absl::StatusOr<Draft> DecidePromotion(const Call& call) {
  const xueji::v1::RecordPromotion& promotion = call.request.record_promotion();
  const std::string subject = RequestSubject(call.request.request_id());
  if (absl::StripAsciiWhitespace(promotion.school()).empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "recordPromotion.school is required (the primary school)",
                  subject);
  }
  DateField reported = ParseDateField(promotion.reported_on(),
                                      "recordPromotion.reportedOn", subject);
  if (reported.refusal) return std::move(*reported.refusal);
  ASSIGN_OR_RETURN(Found found, FindRecord(call, promotion.student_no(),
                                           "recordPromotion.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  auto refuse = [&record](xueji::v1::ReasonCode code, std::string message) {
    return Refuse(code, std::move(message), record.subject(),
                  record.student_no());
  };
  ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                   call.state.Kindergarten(record.kindergarten()));
  if (!kg.has_value()) {
    return refuse(xueji::v1::UNKNOWN_KINDERGARTEN,
                  Cat("unknown kindergarten ", record.kindergarten()));
  }
  if (auto denied = MayApproveFor(call.op, *kg)) {
    return refuse(xueji::v1::NOT_AUTHORIZED,
                  Cat(*denied,
                      "; a promotion is recorded by the county approver of the "
                      "kindergarten the child graduated from (Art. 13)"));
  }
  if (record.status() != xueji::v1::GRADUATED) {
    return refuse(
        xueji::v1::INVALID_TRANSITION,
        Cat("the record is ", xueji::v1::RecordStatus_Name(record.status()),
            "; recordPromotion needs GRADUATED (Art. 13)"));
  }
  if (!record.promoted_school().empty()) {
    return refuse(xueji::v1::INVALID_TRANSITION,
                  Cat("the record is already promoted: reported to ",
                      record.promoted_school(), " on ", record.promoted_on()));
  }
  const std::string reported_on = FormatDate(reported.day);
  if (reported_on < record.graduated_on()) {
    return refuse(xueji::v1::INVALID_DATE,
                  Cat("reportedOn ", reported_on,
                      " is before the graduation on ", record.graduated_on()));
  }
  if (reported.day > call.today) {
    return refuse(xueji::v1::INVALID_DATE,
                  Cat("reportedOn ", reported_on,
                      " is in the future: the request's business date is ",
                      FormatDate(call.today)));
  }
  Event event = NewEvent(record.subject(), record.student_no());
  xueji::v1::Promoted* promoted = event.mutable_promoted();
  promoted->set_kindergarten(record.kindergarten());
  promoted->set_school(
      std::string(absl::StripAsciiWhitespace(promotion.school())));
  promoted->set_reported_on(reported_on);
  return Accept(xueji::v1::APPLIED, Cat("promoted to ", promoted->school()),
                {std::move(event)});
}

}  // namespace xueji::decide_internal
