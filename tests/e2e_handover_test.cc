// 升学 hand-over (Art. 10, 13) through the binary on the embedded default:
// a child of the demo term graduates, `ledger graduates` writes the year's
// file for the primary-school register (region-limited like every read), the
// county approver records the primary school's confirmation
// (recordPromotion), a second confirmation is refused, and the record's
// history shows the promotion.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;

// 赵子轩 (c8), born 2020-03-25, enrolled at 350203003 (思明区); the demo
// term's graduation of him on 2025-12-31 is refused (out of season).
constexpr char kGraduand[] = "G350203202003250917";

std::vector<xueji::v1::GraduateRecord> ReadGraduates(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream text;
  text << in.rdbuf();
  std::vector<xueji::v1::GraduateRecord> out;
  if (text.str().empty()) return out;
  REQUIRE(ParseJsonList(text.str(), &out) == "");
  return out;
}

TEST_CASE(
    "Art. 13: graduates of a year go to a hand-over file, the primary "
    "school's confirmation is recorded once as a promotion",
    "[e2e][handover]") {
  DemoLedger demo;
  const TestLedger& ledger = demo.ledger;
  // Spring: a new admission keeps 思明区's registrar and approver active
  // (accounts unused six months are sealed, Art. 22).
  const std::string spring = ledger.WriteLines(
      {R"({"requestId":"h-001","actor":"reg-sm3","occurredOn":"2026-04-01",)"
       R"("admit":{"kindergarten":"350203003","child":{"name":"测试春生",)"
       R"("gender":"MALE","birthDate":"2022-03-01","idType":"RESIDENT_ID",)"
       R"("idNumber":")" +
           SyntheticResidentId("20220301", 951) + R"("}}})",
       R"({"requestId":"h-002","actor":"appr-siming",)"
       R"("occurredOn":"2026-04-01","approve":{"requestId":"h-001"}})"},
      "spring.jsonl");
  RunResult admitted = ledger.RunAt(EndOfDay("2026-04-01"), {"submit", spring});
  INFO(admitted.out << admitted.err);
  REQUIRE(admitted.exit_code == 0);

  const std::string summer = ledger.WriteLines(
      {std::string(R"({"requestId":"h-003","actor":"reg-sm3",)") +
       R"("occurredOn":"2026-06-30","graduate":{"studentNo":")" + kGraduand +
       R"("}})"},
      "summer.jsonl");
  RunResult graduated =
      ledger.RunAt(EndOfDay("2026-06-30"), {"submit", summer});
  INFO(graduated.out);
  REQUIRE(OnlyResultOf(graduated).status() == xueji::v1::APPLIED);

  // The 2026 file: c8.
  const std::string file2026 = ledger.tmp().Sub("graduates-2026.jsonl");
  RunResult written = ledger.RunAt(
      EndOfDay("2026-06-30"), {"--as", "appr-siming", "graduates", "--year",
                               "2026", "--out", file2026});
  INFO(written.out << written.err);
  REQUIRE(written.exit_code == 0);
  CHECK_THAT(written.out, Catch::Contains("1 graduate(s) of 2026"));
  std::vector<xueji::v1::GraduateRecord> year2026 = ReadGraduates(file2026);
  REQUIRE(year2026.size() == 1);
  CHECK(year2026[0].student_no() == kGraduand);
  CHECK(year2026[0].child().name() == "赵子轩");
  CHECK(year2026[0].child().id_number() == "350203202003250917");
  CHECK(year2026[0].kindergarten() == "350203003");
  CHECK(year2026[0].county() == kSiming);
  CHECK(year2026[0].graduated_on() == "2026-06-30");
  CHECK(year2026[0].promoted_school().empty());
  // Children's data: the file is the owner's only.
  struct stat st;
  REQUIRE(::stat(file2026.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // Never overwritten.
  RunResult again = ledger.RunAt(EndOfDay("2026-06-30"),
                                 {"--as", "appr-siming", "graduates", "--year",
                                  "2026", "--out", file2026});
  CHECK(again.exit_code == 2);
  CHECK_THAT(again.err, Catch::Contains("exists"));

  // The 2025 file: nobody (the demo term's graduation of c8 on 2025-12-31
  // is refused, out of the graduation season).
  const std::string file2025 = ledger.tmp().Sub("graduates-2025.jsonl");
  RunResult none = ledger.RunAt(
      EndOfDay("2026-06-30"), {"--as", "officer-xiamen", "graduates", "--year",
                               "2025", "--out", file2025});
  REQUIRE(none.exit_code == 0);
  CHECK_THAT(none.out, Catch::Contains("0 graduate(s) of 2025"));
  CHECK(ReadGraduates(file2025).empty());

  // Region-limited: 湖里区's approver gets none of 思明区's graduates and is
  // refused 思明区 itself.
  const std::string huli = ledger.tmp().Sub("graduates-huli.jsonl");
  REQUIRE(ledger
              .RunAt(EndOfDay("2026-06-30"), {"--as", "appr-huli", "graduates",
                                              "--year", "2026", "--out", huli})
              .exit_code == 0);
  CHECK(ReadGraduates(huli).empty());
  RunResult outside =
      ledger.RunAt(EndOfDay("2026-06-30"),
                   {"--as", "appr-huli", "graduates", "--year", "2026",
                    "--region", kSiming, "--out", ledger.tmp().Sub("x.jsonl")});
  CHECK(outside.exit_code == 2);
  CHECK_THAT(outside.err, Catch::Contains("NOT_AUTHORIZED"));
  CHECK_FALSE(fs::exists(ledger.tmp().Sub("x.jsonl")));

  // September: the primary school confirms; the county approver records it.
  auto promotion = [&](const std::string& id) {
    return std::string(R"({"requestId":")") + id +
           R"(","actor":"appr-siming","occurredOn":"2026-09-01",)" +
           R"("recordPromotion":{"studentNo":")" + kGraduand +
           R"(","school":"厦门市思明区第一实验小学","reportedOn":"2026-09-01"}})";
  };
  RunResult promoted = ledger.RunAt(
      EndOfDay("2026-09-01"),
      {"submit", ledger.WriteLines({promotion("h-004")}, "promote.jsonl")});
  xueji::v1::Result first = OnlyResultOf(promoted);
  CHECK(first.status() == xueji::v1::APPLIED);
  CHECK(first.student_no() == kGraduand);
  CHECK(promoted.exit_code == 0);

  RunResult twice = ledger.RunAt(
      EndOfDay("2026-09-01"),
      {"submit", ledger.WriteLines({promotion("h-005")}, "promote2.jsonl")});
  xueji::v1::Result second = OnlyResultOf(twice);
  CHECK(second.status() == xueji::v1::REJECTED);
  CHECK(second.code() == xueji::v1::INVALID_TRANSITION);
  CHECK_THAT(second.message(), Catch::Contains("already promoted"));
  CHECK(twice.exit_code == 1);

  // The history shows the promotion, and the refusal after it.
  RunResult history =
      ledger.RunAt(EndOfDay("2026-09-01"), {"history", kGraduand, "--json"});
  REQUIRE(history.exit_code == 0);
  xueji::v1::History parsed;
  REQUIRE(ParseJson(history.out, &parsed) == "");
  int promotions = 0;
  bool refused = false;
  for (const auto& entry : parsed.events()) {
    if (entry.event().has_promoted()) {
      ++promotions;
      CHECK(entry.event().promoted().school() == "厦门市思明区第一实验小学");
      CHECK(entry.event().promoted().kindergarten() == "350203003");
      CHECK(entry.event().request_id() == "h-004");
    }
    if (entry.event().request_id() == "h-005") {
      refused = entry.event().has_request_rejected();
    }
  }
  CHECK(promotions == 1);
  CHECK(refused);
  RunResult text = ledger.RunAt(EndOfDay("2026-09-01"), {"history", kGraduand});
  CHECK_THAT(text.out, Catch::Contains("厦门市思明区第一实验小学"));

  // The hand-over file now carries the promotion.
  const std::string after = ledger.tmp().Sub("graduates-2026-after.jsonl");
  REQUIRE(
      ledger
          .RunAt(EndOfDay("2026-09-01"), {"--as", "appr-siming", "graduates",
                                          "--year", "2026", "--out", after})
          .exit_code == 0);
  std::vector<xueji::v1::GraduateRecord> handed = ReadGraduates(after);
  REQUIRE(handed.size() == 1);
  CHECK(handed[0].promoted_school() == "厦门市思明区第一实验小学");
  CHECK(handed[0].promoted_on() == "2026-09-01");
}

TEST_CASE("graduates: a year that is not YYYY is a usage error",
          "[e2e][handover]") {
  TestLedger ledger;
  RunResult bad = ledger.Run(
      {"graduates", "--year", "26", "--out", ledger.tmp().Sub("g.jsonl")});
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("--year"));
}

}  // namespace
}  // namespace xueji::e2e
