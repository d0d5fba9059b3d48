// export, and approve/reject of one (issue 10, item 5; Art. 22 数据使用权限;
// docs/design.md, "De-identified export (Art. 22)"). An export is a request
// like any other: signed, stating its purpose, region and fields, decided by
// the level above its requester, and recorded on subject "exp:<request id>".
// `ledger export` then writes the file (commands/export_query.cc); nothing
// leaves the ledger before the approval.
//
// Check order (decider.cc):
//   export:  a. purpose (1..500 characters), region (a known GB/T 2260 code
//               or "00"), fields (one or more of rules/export_fields.h, none
//               twice)                                   INVALID_FIELD
//            c. the requester may ask for one (a county approver, a city or
//               province officer: ExportApproverRegion) and the region lies
//               in its own                               NOT_AUTHORIZED
//            -> ExportRequested, PENDING_APPROVAL
//   approve/reject of an export request (found by approval_decider.cc):
//            c. an officer of the level above (MayApproveExport)
//                                                        NOT_AUTHORIZED
//            d. not decided yet                          INVALID_TRANSITION
//               not before the request                   INVALID_DATE
//            -> ExportApproved / ExportRejected, APPLIED
// Pure: see decider.h.
#include <set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/rules/export_fields.h"

namespace xueji::decide_internal {

using xueji::v1::ExportState;

namespace {

constexpr size_t kMaxPurposeBytes = 500;

bool IsKnownRegion(const Call& call, const std::string& region) {
  if (region == kNationalRegion) return true;
  return !call.ctx.areas->Name(region).empty();
}

// The refusals of a decision on `request` by the acting operator, or nullopt.
std::optional<Draft> RefuseDecision(const Call& call,
                                    const ExportState& request) {
  const std::string subject = ExportSubject(request.request_id());
  if (auto denied = MayApproveExport(call.op, request.approver_region())) {
    return Refuse(xueji::v1::NOT_AUTHORIZED, *denied, subject);
  }
  if (request.decision() != ExportState::AWAITING) {
    return Refuse(xueji::v1::INVALID_TRANSITION,
                  Cat("export request ", request.request_id(), " was already ",
                      request.decision() == ExportState::APPROVED ? "approved"
                                                                  : "rejected",
                      " on ", request.decided_on(), " by ",
                      request.decided_by().operator_id()),
                  subject);
  }
  const std::string today = FormatDate(call.today);
  if (today < request.requested_on()) {
    return Refuse(xueji::v1::INVALID_DATE,
                  Cat("occurredOn ", today, " is before the export request on ",
                      request.requested_on(),
                      ": a decision may not precede the request it decides"),
                  subject);
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<Draft> DecideExport(const Call& call) {
  const xueji::v1::ExportRequest& ask = call.request.export_();
  const std::string subject = RequestSubject(call.request.request_id());
  const std::string purpose(absl::StripAsciiWhitespace(ask.purpose()));
  if (purpose.empty() || purpose.size() > kMaxPurposeBytes) {
    return Refuse(
        xueji::v1::INVALID_FIELD,
        Cat("export.purpose is required: what the data is for, at "
            "most ",
            kMaxPurposeBytes, " bytes (Art. 22: used only within it)"),
        subject);
  }
  const std::string region = AreaTable::CanonicalRegion(ask.region());
  if (region.empty() || !IsKnownRegion(call, region)) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("export.region \"", ask.region(),
                      "\" must be a known GB/T 2260 province, prefecture or "
                      "county code (or \"00\")"),
                  subject);
  }
  if (ask.fields().empty()) {
    return Refuse(
        xueji::v1::INVALID_FIELD,
        Cat("export.fields is required: one or more of ", kExportFieldList),
        subject);
  }
  std::set<std::string> seen;
  for (const std::string& field : ask.fields()) {
    if (!IsExportField(field)) {
      return Refuse(xueji::v1::INVALID_FIELD,
                    Cat("export.fields: unknown field \"", field,
                        "\"; an export carries only ", kExportFieldList,
                        " (never a name, document or student number)"),
                    subject);
    }
    if (!seen.insert(field).second) {
      return Refuse(xueji::v1::INVALID_FIELD,
                    Cat("export.fields names \"", field, "\" twice"), subject);
    }
  }
  absl::StatusOr<std::string> approver = ExportApproverRegion(call.op);
  if (!approver.ok()) {
    return Refuse(xueji::v1::NOT_AUTHORIZED,
                  std::string(approver.status().message()), subject);
  }
  if (!RegionContains(call.op.org(), region, /*strictly=*/false)) {
    return Refuse(xueji::v1::NOT_AUTHORIZED,
                  Cat(RoleOrg(call.op), " may not export region ", region,
                      ": it is outside its own (Art. 22: each level only its "
                      "region's data)"),
                  subject);
  }
  Event event = NewEvent(ExportSubject(call.request.request_id()), "");
  xueji::v1::ExportRequested* requested = event.mutable_export_requested();
  requested->set_purpose(purpose);
  requested->set_region(region);
  *requested->mutable_fields() = ask.fields();
  requested->set_approver_region(*approver);
  return Accept(
      xueji::v1::PENDING_APPROVAL,
      Cat("export requested; awaiting the approval of an officer of ",
          *approver == kNationalRegion ? std::string("the national level")
                                       : Cat("province ", *approver)),
      {std::move(event)});
}

absl::StatusOr<Draft> DecideApproveExport(const Call& call,
                                          const ExportState& request) {
  if (auto refused = RefuseDecision(call, request)) return std::move(*refused);
  Event event = NewEvent(ExportSubject(request.request_id()), "");
  event.mutable_export_approved()->set_approved_request_id(
      request.request_id());
  event.mutable_export_approved()->set_region(request.region());
  return Accept(
      xueji::v1::APPLIED,
      Cat("export approved; its requester ",
          request.requested_by().operator_id(),
          " may now run `ledger export --request ", request.request_id(), "`"),
      {std::move(event)});
}

absl::StatusOr<Draft> DecideRejectExport(const Call& call,
                                         const ExportState& request) {
  if (auto refused = RefuseDecision(call, request)) return std::move(*refused);
  Event event = NewEvent(ExportSubject(request.request_id()), "");
  event.mutable_export_rejected()->set_rejected_request_id(
      request.request_id());
  event.mutable_export_rejected()->set_reason(call.request.reject().reason());
  return Accept(xueji::v1::APPLIED, "export rejected", {std::move(event)});
}

}  // namespace xueji::decide_internal
