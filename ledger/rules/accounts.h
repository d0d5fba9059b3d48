// Operator accounts (Art. 22): an account unused for more than the policy's
// sealAfterMonths is sealed. The one owner of that rule: the deciders seal a
// dormant account when it next acts, the anomaly report lists dormant
// accounts nobody has sealed yet. Activity is judged on the ledger's clock
// (docs/accountability.md): an account's last activity is the Beijing date of
// `recorded_at` of its last event, never the business date it claimed, and
// dormancy is judged on the clock's day.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_RULES_ACCOUNTS_H_
#define XUEJI_LEDGER_RULES_ACCOUNTS_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/rules/policy.h"
#include "xueji/v1/common.pb.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

// The last day an account last active on `last_active` (YYYY-MM-DD, or a
// longer RFC 3339 text whose first ten characters are the date) may act
// before it counts as dormant; nullopt when it has no readable activity
// (never active: registration sets it).
std::optional<absl::CivilDay> DormancyDeadline(std::string_view last_active,
                                               const Policy& policy);

// The day an event counts as activity of its actor: the Beijing date of its
// recorded_at (YYYY-MM-DD); "" when recorded_at does not read.
std::string ActivityDate(const xueji::v1::Event& event);

// Dormant on `today`: last active more than sealAfterMonths before it.
bool IsDormant(std::string_view last_active, const Policy& policy,
               absl::CivilDay today);

// Whether the ledger can judge the account's activity at all: officers and
// auditors only read, and reads are not events, so their accounts are never
// judged dormant.
bool ActivityIsJudged(xueji::v1::Role role);

// Keys (docs/accountability.md, "Rotation and revocation"). The key of `op`
// with id `key_id`, or nullptr.
const xueji::v1::OperatorKey* FindKey(const xueji::v1::OperatorState& op,
                                      std::string_view key_id);
// The key `op` signs with now: its latest, unless superseded or revoked.
const xueji::v1::OperatorKey* CurrentKey(const xueji::v1::OperatorState& op);
// Why `key` may not sign at `at` (not yet valid, superseded, revoked), or
// nullopt when it may. Times are RFC 3339 (the ledger clock); an unreadable
// one counts against the key.
std::optional<std::string> KeyInvalidAt(const xueji::v1::OperatorKey& key,
                                        absl::Time at);

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_ACCOUNTS_H_
