// Policy: defaults, province overrides, errors and the primary entry date.
#include "ledger/rules/policy.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

namespace xueji {
namespace {

using absl::CivilDay;

std::string MessageOf(const absl::StatusOr<PolicyBook>& book) {
  return std::string(book.status().message());
}

TEST_CASE("national defaults") {
  PolicyBook book;
  const Policy& p = book.ForCounty("350203");
  CHECK(p.establish_months == 2);
  CHECK(p.transfer_working_days == 10);
  CHECK(p.approve_working_days == 5);
  CHECK(p.admission_min_age_years == 2);
  CHECK(p.primary_entry_age == 6);
  CHECK(p.seal_after_months == 6);
  CHECK(p.cancel_working_days == 30);
}

TEST_CASE("national block and province overrides") {
  absl::StatusOr<PolicyBook> book = PolicyBook::FromJson(R"({
    "national": {"approveWorkingDays": 7, "primaryEntryCutoff": "09-30"},
    "provinces": {"35": {"transferWorkingDays": 15}, "44": {}}
  })");
  REQUIRE(book.ok());
  const Policy& fujian = book->ForCounty("350203");
  CHECK(fujian.transfer_working_days == 15);
  CHECK(fujian.approve_working_days == 7);  // inherited from national
  CHECK(fujian.primary_entry_cutoff_month == 9);
  CHECK(fujian.primary_entry_cutoff_day == 30);
  const Policy& beijing = book->ForCounty("110105");
  CHECK(beijing.transfer_working_days == 10);
  CHECK(beijing.approve_working_days == 7);
  CHECK(book->ForCounty("440305").transfer_working_days == 10);
  CHECK(book->ForCounty("").transfer_working_days == 10);
  CHECK(book->national().approve_working_days == 7);
}

TEST_CASE("bad policy files name the problem") {
  absl::StatusOr<PolicyBook> bad = PolicyBook::FromJson("{not json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);

  bad = PolicyBook::FromJson(R"({"national": {"transferWorkDays": 3}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(MessageOf(bad).find("transferWorkDays") != std::string::npos);

  bad = PolicyBook::FromJson(R"({"nation": {}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(MessageOf(bad).find("nation") != std::string::npos);

  bad = PolicyBook::FromJson(R"({"national": {"establishMonths": "2"}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(MessageOf(bad).find("establishMonths") != std::string::npos);

  bad = PolicyBook::FromJson(R"({"national": {"establishMonths": 2.5}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(MessageOf(bad).find("establishMonths") != std::string::npos);

  bad = PolicyBook::FromJson(R"({"national": {"primaryEntryCutoff": "02-30"}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(MessageOf(bad).find("primaryEntryCutoff") != std::string::npos);

  bad = PolicyBook::FromJson(R"({"provinces": {"99": {}}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(MessageOf(bad).find("99") != std::string::npos);

  bad = PolicyBook::FromJson(R"({"provinces": {"3502": {}}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(MessageOf(bad).find("3502") != std::string::npos);

  bad = PolicyBook::FromJson(R"({"provinces": {"35": {"sealAfterMonth": 3}}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(MessageOf(bad).find("provinces.35.sealAfterMonth") !=
        std::string::npos);

  bad = PolicyBook::FromJson(R"({"provinces": {"35": 3}})");
  REQUIRE_FALSE(bad.ok());
  CHECK(MessageOf(bad).find("provinces.35") != std::string::npos);
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

TEST_CASE("policy from a file, and the shipped example") {
  const char* source = std::getenv("LEDGER_SOURCE_DIR");
  std::filesystem::path example =
      std::filesystem::path(source ? source : ".") / "deploy" /
      "policy.example.json";
  if (std::filesystem::exists(example)) {
    absl::StatusOr<PolicyBook> book = PolicyBook::FromFile(example.string());
    REQUIRE(book.ok());
    CHECK(book->national().transfer_working_days == 10);
  }

  std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("xueji_policy_test_" + std::to_string(::getpid()) + ".json");
  {
    std::ofstream out(path);
    out << R"({"provinces": {"35": {"approveWorkingDays": 3}}})";
  }
  absl::StatusOr<PolicyBook> book = PolicyBook::FromFile(path.string());
  std::filesystem::remove(path);
  REQUIRE(book.ok());
  CHECK(book->ForCounty("350203").approve_working_days == 3);

  absl::StatusOr<PolicyBook> missing = PolicyBook::FromFile(path.string());
  REQUIRE_FALSE(missing.ok());
  CHECK(MessageOf(missing).find(path.string()) != std::string::npos);
}

}  // namespace
}  // namespace xueji
