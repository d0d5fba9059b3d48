// Policy: defaults, settings and their errors, versions in force, the
// primary entry date.
#include "ledger/rules/policy.h"

#include <catch2/catch.hpp>
#include <string>

namespace xueji {
namespace {

using absl::CivilDay;
using xueji::v1::PolicySet;
using xueji::v1::PolicySettings;

PolicySet Version(std::string region, int version, std::string from,
                  PolicySettings settings) {
  PolicySet set;
  set.set_region(std::move(region));
  set.set_version(version);
  set.set_effective_from(std::move(from));
  *set.mutable_policy() = std::move(settings);
  return set;
}

PolicySettings Transfer(int days) {
  PolicySettings settings;
  settings.set_transfer_working_days(days);
  return settings;
}

TEST_CASE("built-in national defaults") {
  PolicyBook book;
  const Policy& p = book.ForCounty("350203");
  CHECK(p.establish_months == 2);
  CHECK(p.transfer_working_days == 10);
  CHECK(p.approve_working_days == 5);
  CHECK(p.admission_min_age_years == 2);
  CHECK(p.primary_entry_age == 6);
  CHECK(p.seal_after_months == 6);
  CHECK(p.cancel_working_days == 30);
  CHECK(p.late_entry_working_days == 5);
  CHECK(p.late_entry_max_working_days == 30);
  CHECK(book.VersionFor("350203").empty());
}

TEST_CASE("settings round-trip and apply only what they set") {
  Policy policy;
  PolicySettings all = ToSettings(policy);
  CHECK(all.primary_entry_cutoff() == "08-31");
  CHECK(all.late_entry_max_working_days() == 30);
  Policy copy;
  copy.transfer_working_days = 99;
  REQUIRE(ApplySettings(all, &copy).ok());
  CHECK(copy.transfer_working_days == 10);

  PolicySettings some;
  some.set_approve_working_days(7);
  some.set_primary_entry_cutoff("09-30");
  REQUIRE(ApplySettings(some, &policy).ok());
  CHECK(policy.approve_working_days == 7);
  CHECK(policy.primary_entry_cutoff_month == 9);
  CHECK(policy.primary_entry_cutoff_day == 30);
  CHECK(policy.transfer_working_days == 10);  // not set: unchanged
}

TEST_CASE("bad settings name the field and change nothing") {
  Policy policy;
  PolicySettings bad;
  bad.set_establish_months(-1);
  absl::Status status = ApplySettings(bad, &policy);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK(status.message().find("policy.establishMonths") != std::string::npos);

  bad.Clear();
  bad.set_primary_entry_cutoff("02-29");
  status = ApplySettings(bad, &policy);
  CHECK(status.message().find("policy.primaryEntryCutoff") !=
        std::string::npos);
  bad.set_primary_entry_cutoff("8-31");
  CHECK_FALSE(ValidateSettings(bad).ok());

  bad.Clear();
  bad.set_admission_min_age_years(6);  // not below primaryEntryAge 6
  status = ApplySettings(bad, &policy);
  CHECK(status.message().find("admissionMinAgeYears") != std::string::npos);
  CHECK(ValidateSettings(bad).ok());  // in range on its own

  bad.Clear();
  bad.set_late_entry_working_days(31);  // above the max of 30
  status = ApplySettings(bad, &policy);
  CHECK(status.message().find("lateEntryWorkingDays") != std::string::npos);
  CHECK(policy.late_entry_working_days == 5);
}

TEST_CASE("the versions in force: national, then the province, by date") {
  PolicySettings national;
  national.set_approve_working_days(7);
  absl::StatusOr<PolicyHistory> history = PolicyHistory::From({
      Version("35", 1, "2025-10-01", Transfer(15)),
      Version("00", 1, "2025-09-01", national),
      Version("35", 2, "2026-03-01", Transfer(20)),
  });
  REQUIRE(history.ok());
  CHECK(history->LastVersion("35") == 2);
  CHECK(history->LastVersion("44") == 0);

  PolicyBook before = history->InForce(CivilDay(2025, 8, 31));
  CHECK(before.ForCounty("350203").approve_working_days == 5);
  CHECK(before.VersionFor("350203").empty());

  PolicyBook september = history->InForce(CivilDay(2025, 9, 1));
  CHECK(september.ForCounty("350203").approve_working_days == 7);
  CHECK(september.ForCounty("350203").transfer_working_days == 10);
  CHECK(september.VersionFor("350203") == "00:1");

  PolicyBook october = history->InForce(CivilDay(2025, 10, 1));
  const Policy& fujian = october.ForCounty("350203");
  CHECK(fujian.transfer_working_days == 15);
  CHECK(fujian.approve_working_days == 7);  // inherited from national
  CHECK(october.VersionFor("350203") == "00:1,35:1");
  CHECK(october.ForCounty("110105").transfer_working_days == 10);
  CHECK(october.VersionFor("110105") == "00:1");
  CHECK(october.VersionFor("") == "00:1");

  PolicyBook march = history->InForce(CivilDay(2026, 3, 1));
  CHECK(march.ForCounty("350203").transfer_working_days == 20);
  CHECK(march.VersionFor("350203") == "00:1,35:2");
  CHECK(history->VersionsInForce(CivilDay(2026, 3, 1)).size() == 2);
  CHECK(history->Versions().size() == 3);
}

TEST_CASE("each version is in force from its date until the next date") {
  absl::StatusOr<PolicyHistory> history = PolicyHistory::From({
      Version("35", 1, "2026-03-01", Transfer(20)),
      Version("35", 2, "2026-02-01", Transfer(12)),
      Version("35", 3, "2026-05-01", Transfer(14)),
      Version("35", 4, "2026-05-01", Transfer(16)),  // replaces version 3
  });
  REQUIRE(history.ok());
  CHECK(history->InForce(CivilDay(2026, 1, 31)).VersionFor("350203").empty());
  CHECK(history->InForce(CivilDay(2026, 2, 15))
            .ForCounty("350203")
            .transfer_working_days == 12);
  CHECK(history->InForce(CivilDay(2026, 3, 15)).VersionFor("350203") == "35:1");
  CHECK(history->InForce(CivilDay(2026, 5, 1)).VersionFor("350203") == "35:4");
  CHECK(history->InForce(CivilDay(2026, 5, 1))
            .ForCounty("350203")
            .transfer_working_days == 16);
}

TEST_CASE("a history that does not read is DataLoss") {
  CHECK(absl::IsDataLoss(
      PolicyHistory::From({
                              Version("35", 1, "2026-03-01", Transfer(20)),
                              Version("35", 1, "2026-04-01", Transfer(12)),
                          })
          .status()));
  CHECK(absl::IsDataLoss(
      PolicyHistory::From({Version("35", 1, "2026-13-01", Transfer(20))})
          .status()));
  CHECK(absl::IsDataLoss(
      PolicyHistory::From({Version("35", 1, "2026-03-01", Transfer(-3))})
          .status()));
}

TEST_CASE("primary entry date: six by 31 August") {
  Policy p;
  CHECK(p.PrimaryEntryDate(CivilDay(2019, 8, 30)) == CivilDay(2025, 9, 1));
  CHECK(p.PrimaryEntryDate(CivilDay(2019, 8, 31)) == CivilDay(2025, 9, 1));
  CHECK(p.PrimaryEntryDate(CivilDay(2019, 9, 1)) == CivilDay(2026, 9, 1));
  CHECK(p.PrimaryEntryDate(CivilDay(2019, 12, 31)) == CivilDay(2026, 9, 1));
  CHECK(p.PrimaryEntryDate(CivilDay(2020, 1, 1)) == CivilDay(2026, 9, 1));
  p.primary_entry_cutoff_month = 12;
  p.primary_entry_cutoff_day = 31;
  CHECK(p.PrimaryEntryDate(CivilDay(2019, 12, 31)) == CivilDay(2025, 9, 1));
}

}  // namespace
}  // namespace xueji
