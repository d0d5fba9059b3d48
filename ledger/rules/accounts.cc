#include "ledger/rules/accounts.h"

#include "ledger/base/dates.h"
#include "ledger/base/strings.h"

namespace xueji {

std::optional<absl::CivilDay> DormancyDeadline(std::string_view last_active,
                                               const Policy& policy) {
  absl::StatusOr<absl::CivilDay> last = ParseDate(last_active.substr(0, 10));
  if (!last.ok()) return std::nullopt;
  return AddMonths(*last, policy.seal_after_months);
}

std::string ActivityDate(const xueji::v1::Event& event) {
  // The events of one append share one recorded_at: the last answer, per
  // thread, saves a parse and a format per event.
  thread_local std::string last_recorded_at;
  thread_local std::string last_date;
  if (!last_date.empty() && event.recorded_at() == last_recorded_at) {
    return last_date;
  }
  absl::StatusOr<absl::Time> at = ParseRfc3339(event.recorded_at());
  if (!at.ok()) return "";
  last_recorded_at = event.recorded_at();
  last_date = FormatDate(BeijingDay(*at));
  return last_date;
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

const xueji::v1::OperatorKey* FindKey(const xueji::v1::OperatorState& op,
                                      std::string_view key_id) {
  for (const xueji::v1::OperatorKey& key : op.keys()) {
    if (key.key_id() == key_id) return &key;
  }
  return nullptr;
}

const xueji::v1::OperatorKey* CurrentKey(const xueji::v1::OperatorState& op) {
  if (op.keys_size() == 0) return nullptr;
  const xueji::v1::OperatorKey& last = op.keys(op.keys_size() - 1);
  if (!last.superseded_at().empty() || !last.revoked_at().empty()) {
    return nullptr;
  }
  return &last;
}

std::optional<std::string> KeyInvalidAt(const xueji::v1::OperatorKey& key,
                                        absl::Time at) {
  auto parse = [](const std::string& text) -> std::optional<absl::Time> {
    absl::StatusOr<absl::Time> t = ParseRfc3339(text);
    if (!t.ok()) return std::nullopt;
    return *t;
  };
  std::optional<absl::Time> from = parse(key.valid_from());
  if (!from.has_value() || at < *from) {
    return Cat("key ", key.key_id(), " is not valid before ", key.valid_from());
  }
  if (!key.revoked_at().empty()) {
    std::optional<absl::Time> revoked = parse(key.revoked_at());
    if (!revoked.has_value() || at >= *revoked) {
      return Cat("key ", key.key_id(), " was revoked at ", key.revoked_at(),
                 " (the operator was sealed)");
    }
  }
  if (!key.superseded_at().empty()) {
    std::optional<absl::Time> superseded = parse(key.superseded_at());
    if (!superseded.has_value() || at >= *superseded) {
      return Cat("key ", key.key_id(), " was superseded at ",
                 key.superseded_at(), " by a newer key");
    }
  }
  return std::nullopt;
}

}  // namespace xueji
