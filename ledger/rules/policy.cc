// Policy: settings, versions and the policy in force (policy.h).
#include "ledger/rules/policy.h"

#include <cstdio>
#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/base/strings.h"

namespace xueji {
namespace {

using xueji::v1::PolicySet;
using xueji::v1::PolicySettings;

// One integer field of PolicySettings: its JSON name, range and place.
struct IntField {
  const char* json;
  int lo, hi;
  bool (PolicySettings::*has)() const;
  int32_t (PolicySettings::*get)() const;
  void (PolicySettings::*set)(int32_t);
  int Policy::*member;
};

constexpr IntField kIntFields[] = {
    {"establishMonths", 0, 120, &PolicySettings::has_establish_months,
     &PolicySettings::establish_months, &PolicySettings::set_establish_months,
     &Policy::establish_months},
    {"transferWorkingDays", 0, 1000, &PolicySettings::has_transfer_working_days,
     &PolicySettings::transfer_working_days,
     &PolicySettings::set_transfer_working_days,
     &Policy::transfer_working_days},
    {"approveWorkingDays", 0, 1000, &PolicySettings::has_approve_working_days,
     &PolicySettings::approve_working_days,
     &PolicySettings::set_approve_working_days, &Policy::approve_working_days},
    {"admissionMinAgeYears", 0, 10,
     &PolicySettings::has_admission_min_age_years,
     &PolicySettings::admission_min_age_years,
     &PolicySettings::set_admission_min_age_years,
     &Policy::admission_min_age_years},
    {"primaryEntryAge", 1, 12, &PolicySettings::has_primary_entry_age,
     &PolicySettings::primary_entry_age, &PolicySettings::set_primary_entry_age,
     &Policy::primary_entry_age},
    {"sealAfterMonths", 1, 1200, &PolicySettings::has_seal_after_months,
     &PolicySettings::seal_after_months, &PolicySettings::set_seal_after_months,
     &Policy::seal_after_months},
    {"cancelWorkingDays", 0, 1000, &PolicySettings::has_cancel_working_days,
     &PolicySettings::cancel_working_days,
     &PolicySettings::set_cancel_working_days, &Policy::cancel_working_days},
    {"temporaryNumberMonths", 1, 120,
     &PolicySettings::has_temporary_number_months,
     &PolicySettings::temporary_number_months,
     &PolicySettings::set_temporary_number_months,
     &Policy::temporary_number_months},
    {"lateEntryWorkingDays", 0, 1000,
     &PolicySettings::has_late_entry_working_days,
     &PolicySettings::late_entry_working_days,
     &PolicySettings::set_late_entry_working_days,
     &Policy::late_entry_working_days},
    {"lateEntryMaxWorkingDays", 0, 1000,
     &PolicySettings::has_late_entry_max_working_days,
     &PolicySettings::late_entry_max_working_days,
     &PolicySettings::set_late_entry_max_working_days,
     &Policy::late_entry_max_working_days},
    {"deferralMaxYears", 0, 6, &PolicySettings::has_deferral_max_years,
     &PolicySettings::deferral_max_years,
     &PolicySettings::set_deferral_max_years, &Policy::deferral_max_years},
    {"graduationWindowMonths", 1, 12,
     &PolicySettings::has_graduation_window_months,
     &PolicySettings::graduation_window_months,
     &PolicySettings::set_graduation_window_months,
     &Policy::graduation_window_months},
    {"entryMaxDaysAhead", 0, 366, &PolicySettings::has_entry_max_days_ahead,
     &PolicySettings::entry_max_days_ahead,
     &PolicySettings::set_entry_max_days_ahead, &Policy::entry_max_days_ahead},
    // Issue 10, item 5: the suppression threshold of de-identified exports.
    {"exportMinCell", 2, 1000, &PolicySettings::has_export_min_cell,
     &PolicySettings::export_min_cell, &PolicySettings::set_export_min_cell,
     &Policy::export_min_cell},
    // Issue 10, Art. 17 ¶3 (UNVERIFIED_KINDERGARTEN).
    {"verificationDeadlineDays", 1, 180,
     &PolicySettings::has_verification_deadline_days,
     &PolicySettings::verification_deadline_days,
     &PolicySettings::set_verification_deadline_days,
     &Policy::verification_deadline_days},
};

// "MM-DD", a day that exists in every year (so not 02-29).
absl::StatusOr<absl::CivilDay> ParseCutoff(std::string_view text) {
  absl::StatusOr<absl::CivilDay> day = text.size() == 5
                                           ? ParseDate(Cat("2001-", text))
                                           : absl::InvalidArgumentError("");
  if (!day.ok()) {
    return absl::InvalidArgumentError(
        "policy.primaryEntryCutoff must be a day \"MM-DD\" of every year");
  }
  return day;
}

// The fields of `settings` onto `policy`, unchecked.
void ApplyFields(const PolicySettings& settings, Policy* policy) {
  for (const IntField& field : kIntFields) {
    if ((settings.*field.has)())
      policy->*field.member = (settings.*field.get)();
  }
  if (settings.has_primary_entry_cutoff()) {
    absl::StatusOr<absl::CivilDay> day =
        ParseCutoff(settings.primary_entry_cutoff());
    if (day.ok()) {
      policy->primary_entry_cutoff_month = day->month();
      policy->primary_entry_cutoff_day = day->day();
    }
  }
}

std::string Label(const PolicySet& set) {
  return absl::StrCat(set.region(), ":", set.version());
}

}  // namespace

absl::CivilDay Policy::PrimaryEntryDate(absl::CivilDay birth) const {
  bool by_cutoff = birth.month() < primary_entry_cutoff_month ||
                   (birth.month() == primary_entry_cutoff_month &&
                    birth.day() <= primary_entry_cutoff_day);
  absl::civil_year_t year =
      birth.year() + primary_entry_age + (by_cutoff ? 0 : 1);
  return absl::CivilDay(year, 9, 1);
}

PolicySettings ToSettings(const Policy& policy) {
  PolicySettings settings;
  for (const IntField& field : kIntFields) {
    (settings.*field.set)(policy.*field.member);
  }
  char cutoff[8];
  std::snprintf(cutoff, sizeof cutoff, "%02d-%02d",
                policy.primary_entry_cutoff_month,
                policy.primary_entry_cutoff_day);
  settings.set_primary_entry_cutoff(cutoff);
  return settings;
}

absl::Status ValidateSettings(const PolicySettings& settings) {
  for (const IntField& field : kIntFields) {
    if (!(settings.*field.has)()) continue;
    const int value = (settings.*field.get)();
    if (value < field.lo || value > field.hi) {
      return absl::InvalidArgumentError(
          absl::StrCat("policy.", field.json, " must be a whole number from ",
                       field.lo, " to ", field.hi));
    }
  }
  if (settings.has_primary_entry_cutoff()) {
    absl::StatusOr<absl::CivilDay> day =
        ParseCutoff(settings.primary_entry_cutoff());
    if (!day.ok()) return day.status();
  }
  return absl::OkStatus();
}

absl::Status ApplySettings(const PolicySettings& settings, Policy* policy) {
  if (absl::Status valid = ValidateSettings(settings); !valid.ok()) {
    return valid;
  }
  Policy result = *policy;
  ApplyFields(settings, &result);
  if (result.admission_min_age_years >= result.primary_entry_age) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy.admissionMinAgeYears (", result.admission_min_age_years,
        ") must be below policy.primaryEntryAge (", result.primary_entry_age,
        ")"));
  }
  if (result.late_entry_working_days > result.late_entry_max_working_days) {
    return absl::InvalidArgumentError(absl::StrCat(
        "policy.lateEntryWorkingDays (", result.late_entry_working_days,
        ") must not exceed policy.lateEntryMaxWorkingDays (",
        result.late_entry_max_working_days, ")"));
  }
  *policy = result;
  return absl::OkStatus();
}

const Policy& PolicyBook::ForCounty(std::string_view county) const {
  if (county.size() >= 2) {
    auto it = provinces_.find(county.substr(0, 2));
    if (it != provinces_.end()) return it->second.policy;
  }
  return national_;
}

std::string PolicyBook::VersionFor(std::string_view county) const {
  std::string label = national_version_;
  if (county.size() >= 2) {
    auto it = provinces_.find(county.substr(0, 2));
    if (it != provinces_.end()) {
      absl::StrAppend(&label, label.empty() ? "" : ",", it->second.version);
    }
  }
  return label;
}

absl::StatusOr<PolicyHistory> PolicyHistory::From(
    const std::vector<PolicySet>& versions) {
  PolicyHistory history;
  for (const PolicySet& set : versions) {
    absl::StatusOr<absl::CivilDay> from = ParseDate(set.effective_from());
    absl::Status settings = ValidateSettings(set.policy());
    if (!from.ok() || !settings.ok() || set.version() < 1 ||
        set.region().empty()) {
      return absl::DataLossError(absl::StrCat(
          "policy version ", Label(set), " does not read: effective date \"",
          set.effective_from(), "\", ", settings.message()));
    }
    auto [it, added] = history.regions_[set.region()].emplace(
        set.version(), Version{*from, set});
    if (!added) {
      return absl::DataLossError(
          absl::StrCat("policy version ", Label(set), " is recorded twice"));
    }
  }
  return history;
}

const PolicyHistory::Version* PolicyHistory::InForceFor(
    std::string_view region, absl::CivilDay day) const {
  auto it = regions_.find(region);
  if (it == regions_.end()) return nullptr;
  const Version* in_force = nullptr;
  for (const auto& [number, version] : it->second) {  // ascending numbers
    if (version.effective_from <= day &&
        (in_force == nullptr ||
         version.effective_from >= in_force->effective_from)) {
      in_force = &version;
    }
  }
  return in_force;
}

PolicyBook PolicyHistory::InForce(absl::CivilDay day) const {
  PolicyBook book;
  if (const Version* national = InForceFor(kNationalRegion, day)) {
    ApplyFields(national->set.policy(), &book.national_);
    book.national_version_ = Label(national->set);
  }
  for (const auto& [region, versions] : regions_) {
    if (region == kNationalRegion) continue;
    const Version* version = InForceFor(region, day);
    if (version == nullptr) continue;
    PolicyBook::Province province{book.national_, Label(version->set)};
    ApplyFields(version->set.policy(), &province.policy);
    book.provinces_.emplace(region, std::move(province));
  }
  return book;
}

int PolicyHistory::LastVersion(std::string_view region) const {
  auto it = regions_.find(region);
  if (it == regions_.end() || it->second.empty()) return 0;
  return it->second.rbegin()->first;
}

std::vector<PolicySet> PolicyHistory::Versions() const {
  std::vector<PolicySet> out;
  for (const auto& [region, versions] : regions_) {
    for (const auto& [number, version] : versions) out.push_back(version.set);
  }
  return out;
}

std::vector<PolicySet> PolicyHistory::VersionsInForce(
    absl::CivilDay day) const {
  std::vector<PolicySet> out;
  if (const Version* national = InForceFor(kNationalRegion, day)) {
    out.push_back(national->set);
  }
  for (const auto& [region, versions] : regions_) {
    if (region == kNationalRegion) continue;
    if (const Version* version = InForceFor(region, day)) {
      out.push_back(version->set);
    }
  }
  return out;
}

}  // namespace xueji
