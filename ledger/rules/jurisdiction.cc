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
  if (op.role() == xueji::v1::OFFICER &&
      (op.org().empty() || op.org() == "00" || op.org() == region)) {
    return std::nullopt;
  }
  return Cat(RoleOrg(op), " may not set the policy of region ", region,
             " (only a national officer, or an officer of that province, may)");
}

ReadScope ReadScopeOf(const OperatorState* op,
                      const KindergartenState* registrar_kg) {
  if (op == nullptr) return ReadScope{};
  if (op->role() != xueji::v1::REGISTRAR) return ReadScope{op->org(), ""};
  return ReadScope{registrar_kg != nullptr ? registrar_kg->county() : "-",
                   op->org()};
}

bool MayRead(const ReadScope& scope, const KindergartenState& kg) {
  return scope.region.empty() ||
         (AreaTable::InRegion(kg.county(), scope.region) &&
          (scope.kindergarten.empty() || scope.kindergarten == kg.code()));
}

absl::StatusOr<std::string> NarrowRegion(const ReadScope& scope,
                                         const std::string& requested) {
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
