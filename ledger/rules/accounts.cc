#include "ledger/rules/accounts.h"

#include "ledger/base/dates.h"

namespace xueji {

std::optional<absl::CivilDay> DormancyDeadline(std::string_view last_active,
                                               const Policy& policy) {
  absl::StatusOr<absl::CivilDay> last = ParseDate(last_active.substr(0, 10));
  if (!last.ok()) return std::nullopt;
  return AddMonths(*last, policy.seal_after_months);
}

std::string ActivityDate(const xueji::v1::Event& event) {
  absl::StatusOr<absl::Time> at = ParseRfc3339(event.recorded_at());
  return at.ok() ? FormatDate(BeijingDay(*at)) : "";
}

bool IsDormant(std::string_view last_active, const Policy& policy,
               absl::CivilDay today) {
  std::optional<absl::CivilDay> deadline =
      DormancyDeadline(last_active, policy);
  return deadline.has_value() && *deadline < today;
}

bool ActivityIsJudged(xueji::v1::Role role) {
  return role != xueji::v1::OFFICER && role != xueji::v1::AUDITOR;
}

}  // namespace xueji
