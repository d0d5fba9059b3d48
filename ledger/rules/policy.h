// Policy: deadlines and age limits (Art. 26), and which of them are in force
// when and where. The policy is in the log (docs/accountability.md, "Policy is
// in the log"): the national defaults and each province's overrides are
// PolicySet events, versions 1, 2, ... per region ("00" or a province), each in
// force from its effective date. This file owns the rules of that:
//   - Policy: one complete set of values; its defaults are the built-in
//     national ones (domain.md): establishMonths 2, transferWorkingDays 10,
//     approveWorkingDays 5, admissionMinAgeYears 2, primaryEntryAge 6,
//     primaryEntryCutoff "08-31", sealAfterMonths 6, cancelWorkingDays 30,
//     temporaryNumberMonths 6, lateEntryWorkingDays 5,
//     lateEntryMaxWorkingDays 30, deferralMaxYears 1,
//     graduationWindowMonths 3, entryMaxDaysAhead 31, exportMinCell 5,
//     verificationDeadlineDays 50.
//   - PolicySettings (common.proto) <-> Policy: a version sets some fields;
//     an unset field inherits from the level above.
//   - PolicyHistory: every version recorded; PolicyHistory::InForce(day) is
//     the PolicyBook of that day. Each version is the region's whole policy
//     from its effective date until the next effective date: for a region
//     the version in force is the one with the latest effective date on or
//     before the day, of two with the same date the later version (so a
//     scheduled version is replaced by setting another from the same date).
//   - PolicyBook: the policy of each county on one day: the built-in
//     defaults, then the national version in force, then the province's; and
//     the label of the versions that made it ("00:1,35:2"; "" when only the
//     built-in defaults apply), which every decided event records.
// No command-line flag, environment variable or file changes a policy.
//
// Thread-safety: immutable values once built; safe to share.
#ifndef XUEJI_LEDGER_RULES_POLICY_H_
#define XUEJI_LEDGER_RULES_POLICY_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "xueji/v1/common.pb.h"
#include "xueji/v1/events.pb.h"

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
  // A request whose business date lies more working days before the ledger's
  // clock than this needs a lateReason; beyond the max it is refused.
  int late_entry_working_days = 5;
  int late_entry_max_working_days = 30;
  // Issue 10. Art. 14: a deferral ends at most this many years after the
  // primary entry date.
  int deferral_max_years = 1;
  // Graduation (Art. 13) from this many months before the primary entry
  // date (1 September) until the day before it: June to August.
  int graduation_window_months = 3;
  // An admission's entryDate at most this many days after its business date.
  int entry_max_days_ahead = 31;
  // Issue 10, item 5 (Art. 22): a de-identified export suppresses each cell
  // of fewer children than this (docs/design.md, "De-identified export").
  int export_min_cell = 5;
  // Issue 10, Art. 17 ¶3 (定期核验): a verification each term within this
  // many days of the term's start (1 March, 1 September): by 20 April and
  // 20 October, the 2016 norms' date.
  int verification_deadline_days = 50;

  // The first day of primary school for a child born on `birth`: 1 September
  // of the year in which the child is primary_entry_age by the cutoff.
  absl::CivilDay PrimaryEntryDate(absl::CivilDay birth) const;
};

// Every field of `policy`, set.
xueji::v1::PolicySettings ToSettings(const Policy& policy);

// Checks each field `settings` sets against its range. InvalidArgument naming
// the field as in JSON ("policy.transferWorkingDays must be a whole number
// from 0 to 1000").
absl::Status ValidateSettings(const xueji::v1::PolicySettings& settings);

// Applies the fields `settings` sets on top of `policy`. InvalidArgument
// naming the field as in JSON ("policy.transferWorkingDays must be a whole
// number from 0 to 1000") for a value out of range, and for a result that
// contradicts itself (admissionMinAgeYears not below primaryEntryAge,
// lateEntryWorkingDays above lateEntryMaxWorkingDays); `policy` is then
// unchanged.
absl::Status ApplySettings(const xueji::v1::PolicySettings& settings,
                           Policy* policy);

// The national region code of policy versions.
inline constexpr char kNationalRegion[] = "00";

// The policies of one day, per county.
class PolicyBook {
 public:
  PolicyBook() = default;  // the built-in defaults everywhere, no version

  // The policy in force for a county (by its 2-digit province prefix); the
  // national one for "", "00" or an unknown province.
  const Policy& ForCounty(std::string_view county) const;
  const Policy& national() const { return national_; }
  // The versions that made ForCounty(county): "00:1,35:2", "35:2", "00:3" or
  // "" (built-in defaults only).
  std::string VersionFor(std::string_view county) const;

 private:
  friend class PolicyHistory;
  Policy national_;
  std::string national_version_;  // "00:<n>" or ""
  struct Province {
    Policy policy;
    std::string version;  // "35:<n>"
  };
  std::map<std::string, Province, std::less<>> provinces_;
};

// Every recorded policy version, by region.
class PolicyHistory {
 public:
  PolicyHistory() = default;  // nothing recorded: the built-in defaults
  // From PolicySet events in any order. DataLoss for two versions of one
  // region with the same number, or a version whose date or settings do not
  // read (the deciders never record such).
  static absl::StatusOr<PolicyHistory> From(
      const std::vector<xueji::v1::PolicySet>& versions);

  // The policies in force on `day`.
  PolicyBook InForce(absl::CivilDay day) const;

  // The highest version number recorded for a region (0 if none).
  int LastVersion(std::string_view region) const;
  // Every version, in (region, version) order.
  std::vector<xueji::v1::PolicySet> Versions() const;
  // The versions in force on `day`, national first (at most one per region).
  std::vector<xueji::v1::PolicySet> VersionsInForce(absl::CivilDay day) const;

 private:
  struct Version {
    absl::CivilDay effective_from;
    xueji::v1::PolicySet set;
  };
  // By region, then version number.
  std::map<std::string, std::map<int, Version>, std::less<>> regions_;
  const Version* InForceFor(std::string_view region, absl::CivilDay day) const;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_POLICY_H_
