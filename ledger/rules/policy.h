// Policy: deadlines and age limits. National defaults (domain.md), overridable
// per province (Art. 26) in a JSON config file:
//   {"national": {...}, "provinces": {"35": {"transferWorkingDays": 15}}}
// Fields (all optional in the file): establishMonths (2), transferWorkingDays
// (10), approveWorkingDays (5), admissionMinAgeYears (2), primaryEntryAge (6),
// primaryEntryCutoff ("08-31"), sealAfterMonths (6), cancelWorkingDays (30),
// temporaryNumberMonths (6).
// A province block starts from the national block. A top-level "_comment"
// string is allowed; any other unknown key, a wrong type, a fraction or an
// unknown province code is InvalidArgument naming it (e.g. "provinces.35.x").
// deploy/policy.example.json spells out every field.
//
// Thread-safety: immutable after Load; safe to share.
#ifndef XUEJI_LEDGER_RULES_POLICY_H_
#define XUEJI_LEDGER_RULES_POLICY_H_

#include <map>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"

namespace xueji {

struct Policy {
  int establish_months = 2;
  int transfer_working_days = 10;
  int approve_working_days = 5;
  int admission_min_age_years = 2;
  int primary_entry_age = 6;
  int primary_entry_cutoff_month = 8;  // 6 by 31 August
  int primary_entry_cutoff_day = 31;
  int seal_after_months = 6;
  int cancel_working_days = 30;
  // An L number not converted within this many months is a problem record.
  int temporary_number_months = 6;

  // The first day of primary school for a child born on `birth`: 1 September
  // of the year in which the child is primary_entry_age by the cutoff.
  absl::CivilDay PrimaryEntryDate(absl::CivilDay birth) const;
};

class PolicyBook {
 public:
  PolicyBook() = default;  // national defaults everywhere
  // Parses the JSON config; InvalidArgument naming the problem.
  static absl::StatusOr<PolicyBook> FromJson(std::string_view json);
  static absl::StatusOr<PolicyBook> FromFile(const std::string& path);

  // The policy in force for a county (by its 2-digit province prefix).
  const Policy& ForCounty(std::string_view county) const;
  const Policy& national() const { return national_; }

 private:
  Policy national_;
  std::map<std::string, Policy, std::less<>> provinces_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_POLICY_H_
