#include "ledger/rules/jurisdiction.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/strings.h"
#include "ledger/rules/areas.h"

namespace xueji {

using xueji::v1::KindergartenState;
using xueji::v1::OperatorState;

std::string RoleOrg(const OperatorState& op) {
  return Cat("operator role ", xueji::v1::Role_Name(op.role()),
             " of organisation \"", op.org(), "\"");
}

std::optional<std::string> MayActFor(const OperatorState& op,
                                     std::string_view kg) {
  if (op.role() == xueji::v1::REGISTRAR && op.org() == kg) return std::nullopt;
  return Cat(RoleOrg(op), " may not act for kindergarten ", kg,
             " (only its registrar may)");
}

std::optional<std::string> MayApproveFor(const OperatorState& op,
                                         const KindergartenState& kg) {
  if (op.role() == xueji::v1::APPROVER && op.org() == kg.county()) {
    return std::nullopt;
  }
  return Cat(RoleOrg(op), " may not approve for kindergarten ", kg.code(),
             " (only the approver of county ", kg.county(), " may)");
}

std::optional<std::string> MaySetPolicy(const OperatorState& op,
                                        std::string_view region) {
  const std::string org = AreaTable::CanonicalRegion(op.org());
  if (op.role() == xueji::v1::OFFICER &&
      (org.empty() || org == "00" ||
       org == AreaTable::CanonicalRegion(region))) {
    return std::nullopt;
  }
  return Cat(RoleOrg(op), " may not set the policy of region ", region,
             " (only a national officer, or an officer of that province, may)");
}

namespace {

bool IsNational(std::string_view region) {
  return region.empty() || region == "00";
}

}  // namespace

bool RegionContains(std::string_view outer_given, std::string_view inner_given,
                    bool strictly) {
  const std::string outer = AreaTable::CanonicalRegion(outer_given);
  const std::string inner = AreaTable::CanonicalRegion(inner_given);
  if (IsNational(outer)) return !strictly || !IsNational(inner);
  if (IsNational(inner)) return false;
  if (!inner.starts_with(outer)) return false;
  return !strictly || inner.size() > outer.size();
}

std::optional<std::string> MayGovern(const OperatorState& actor,
                                     xueji::v1::Role role,
                                     std::string_view region) {
  const bool officer = actor.role() == xueji::v1::OFFICER;
  switch (role) {
    case xueji::v1::ROLE_UNSPECIFIED:  // a kindergarten
    case xueji::v1::REGISTRAR:
      if (actor.role() == xueji::v1::APPROVER && actor.org() == region) {
        return std::nullopt;
      }
      if (officer && RegionContains(actor.org(), region, false)) {
        return std::nullopt;
      }
      return Cat(RoleOrg(actor), " may not register or change ",
                 role == xueji::v1::REGISTRAR ? "a registrar of " : "",
                 "a kindergarten of county ", region,
                 " (only that county's approver or an officer whose region "
                 "contains it may)");
    default:
      if (officer && RegionContains(actor.org(), region, true)) {
        return std::nullopt;
      }
      return Cat(RoleOrg(actor), " may not register or change an ",
                 xueji::v1::Role_Name(role), " of region \"", region,
                 "\" (only an officer whose region strictly contains it may)");
  }
}

absl::StatusOr<std::string> ExportApproverRegion(
    const OperatorState& requester) {
  const std::string org = AreaTable::CanonicalRegion(requester.org());
  const bool county_approver =
      requester.role() == xueji::v1::APPROVER && org.size() == 6;
  const bool officer = requester.role() == xueji::v1::OFFICER;
  if (county_approver || (officer && (org.size() == 6 || org.size() == 4))) {
    return org.substr(0, 2);  // the province above the county or city
  }
  if (officer && org.size() == 2 && !IsNational(org)) return std::string("00");
  if (officer && IsNational(org)) {
    return absl::PermissionDeniedError(
        Cat(RoleOrg(requester),
            " is the national level: no level above it can approve its export "
            "in this register (Art. 22)"));
  }
  return absl::PermissionDeniedError(
      Cat(RoleOrg(requester),
          " may not request an export: a county approver or a city or "
          "province officer requests one for its region (Art. 22)"));
}

std::optional<std::string> MayApproveExport(const OperatorState& op,
                                            std::string_view approver_region) {
  const std::string org = AreaTable::CanonicalRegion(op.org());
  const bool national = IsNational(approver_region);
  if (op.role() == xueji::v1::OFFICER &&
      (national ? IsNational(org) : org == approver_region)) {
    return std::nullopt;
  }
  return Cat(RoleOrg(op),
             " may not decide this export: it is approved by "
             "the level above its requester, an officer of ",
             national ? "the national level (\"00\")"
                      : Cat("province ", approver_region),
             " (Art. 22, 谁批准、谁负责)");
}

ReadScope ReadScopeOf(const OperatorState* op,
                      const KindergartenState* registrar_kg) {
  if (op == nullptr) return ReadScope{};
  if (op->role() != xueji::v1::REGISTRAR) {
    return ReadScope{AreaTable::CanonicalRegion(op->org()), ""};
  }
  return ReadScope{registrar_kg != nullptr ? registrar_kg->county() : "-",
                   op->org()};
}

bool MayRead(const ReadScope& scope, const KindergartenState& kg) {
  return scope.region.empty() ||
         (AreaTable::InRegion(kg.county(), scope.region) &&
          (scope.kindergarten.empty() || scope.kindergarten == kg.code()));
}

absl::StatusOr<std::string> NarrowRegion(const ReadScope& scope,
                                         const std::string& given) {
  const std::string requested = AreaTable::CanonicalRegion(given);
  if (requested.empty()) return scope.region;
  if (!scope.kindergarten.empty() && requested != scope.region) {
    return absl::InvalidArgumentError(
        "NOT_AUTHORIZED: a registrar reads only their kindergarten");
  }
  if (scope.region.empty() || scope.region == "00" ||
      requested.starts_with(scope.region)) {
    return requested;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("NOT_AUTHORIZED: region ", requested,
                   " is outside your region ", scope.region));
}

}  // namespace xueji
