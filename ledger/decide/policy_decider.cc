// setPolicy (Art. 26; docs/accountability.md, "Policy is in the log"): a
// national officer sets the national policy ("00") or a province's, a
// province's officer its own province's. Check order: see decider.cc:
//   a. fields: region "00" or a known province, effectiveFrom a real date,
//      each setting in its range (INVALID_FIELD naming it)
//   b. authorization (NOT_AUTHORIZED)
//   c. effectiveFrom not before today by the ledger's clock (INVALID_DATE: a
//      policy is never retroactive), and the version composed with the
//      levels above it on that day consistent (INVALID_FIELD)
// The decision is one PolicySet on subject "policy:<region>", version = the
// region's last version + 1.
#include <utility>

#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"

namespace xueji::decide_internal {

absl::StatusOr<Draft> DecideSetPolicy(const Call& call) {
  const xueji::v1::SetPolicy& set = call.request.set_policy();
  const std::string subject = RequestSubject(call.request.request_id());
  const std::string region = AreaTable::CanonicalRegion(set.region());
  if (region != kNationalRegion &&
      !(region.size() == 2 && call.ctx.areas->IsProvince(region))) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("setPolicy.region \"", region,
                      "\" must be \"00\" (national) or a known 2-digit "
                      "province code"),
                  subject);
  }
  DateField from =
      ParseDateField(set.effective_from(), "setPolicy.effectiveFrom", subject);
  if (from.refusal) return std::move(*from.refusal);
  if (absl::Status valid = ValidateSettings(set.policy()); !valid.ok()) {
    return Refuse(xueji::v1::INVALID_FIELD, Cat("setPolicy.", valid.message()),
                  subject);
  }
  if (auto denied = MaySetPolicy(call.op, region)) {
    return Refuse(xueji::v1::NOT_AUTHORIZED, *denied, subject);
  }
  if (from.day < call.clock_day) {
    return Refuse(xueji::v1::INVALID_DATE,
                  Cat("setPolicy.effectiveFrom ", FormatDate(from.day),
                      " is in the past (today is ", FormatDate(call.clock_day),
                      "): a policy is never retroactive"),
                  subject);
  }
  // The version on top of what it inherits on its first day: the built-in
  // defaults (national), or the national policy then in force (a province).
  Policy composed = region == kNationalRegion
                        ? Policy()
                        : call.history.InForce(from.day).national();
  if (absl::Status valid = ApplySettings(set.policy(), &composed);
      !valid.ok()) {
    return Refuse(xueji::v1::INVALID_FIELD, Cat("setPolicy.", valid.message()),
                  subject);
  }
  const int version = call.history.LastVersion(region) + 1;
  xueji::v1::Event event = NewEvent(PolicySubject(region), "");
  auto* payload = event.mutable_policy_set();
  payload->set_region(region);
  payload->set_effective_from(FormatDate(from.day));
  *payload->mutable_policy() = set.policy();
  payload->set_version(version);
  return Accept(xueji::v1::APPLIED,
                Cat("policy ", region, ":", version, " in force from ",
                    FormatDate(from.day)),
                {std::move(event)});
}

}  // namespace xueji::decide_internal
