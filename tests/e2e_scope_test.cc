// Reads limited to the reader's region (Art. 22) with `ledger --as OPERATOR`:
// a registrar reads their kindergarten, an approver their county, officers and
// auditors their region; anything outside is refused (exit 2, NOT_AUTHORIZED).
#include <catch2/catch.hpp>

#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

// G350203202011020222 is enrolled at 350203001 (思明区) all term.
constexpr char kSimingChild[] = "G350203202011020222";

bool Refused(const RunResult& r) {
  return r.exit_code == 2 &&
         r.err.find("NOT_AUTHORIZED") != std::string::npos && r.out.empty();
}

TEST_CASE("reads with --as are limited to the operator's region", "[e2e]") {
  TestLedger ledger;
  ledger.EnterDemoTerm();

  SECTION("a registrar reads their own kindergarten only") {
    CHECK(ledger.Run({"--as", "reg-sm1", "list", "--kindergarten", "350203001"})
              .exit_code == 0);
    CHECK(ledger.Run({"--as", "reg-sm1", "show", kSimingChild}).exit_code == 0);
    CHECK(Refused(ledger.Run(
        {"--as", "reg-sm1", "list", "--kindergarten", "350203002"})));
    CHECK(Refused(ledger.Run({"--as", "reg-hl1", "show", kSimingChild})));
    CHECK(Refused(ledger.Run({"--as", "reg-sm1", "stats", "--region", kHuli})));
  }
  SECTION("an approver reads their county only") {
    CHECK(ledger.Run({"--as", "appr-siming", "history", kSimingChild})
              .exit_code == 0);
    CHECK(Refused(ledger.Run({"--as", "appr-huli", "history", kSimingChild})));
    CHECK(Refused(ledger.Run(
        {"--as", "appr-huli", "list", "--kindergarten", "350203001"})));
    RunResult stats = ledger.Run({"--as", "appr-huli", "stats", "--json"});
    REQUIRE(stats.exit_code == 0);
    xueji::v1::Stats s;
    REQUIRE(ParseJson(stats.out, &s) == "");
    CHECK(s.live_records() == 5);  // 湖里区 only, of 13 in the region
  }
  SECTION("officers and auditors read their region, not beyond") {
    for (const char* reader : {"officer-xiamen", "auditor-xiamen"}) {
      INFO(reader);
      CHECK(ledger.Run({"--as", reader, "show", kSimingChild}).exit_code == 0);
      CHECK(ledger.Run({"--as", reader, "anomalies", "--region", kHuli})
                .exit_code == 0);
      CHECK(
          Refused(ledger.Run({"--as", reader, "anomalies", "--region", "35"})));
    }
  }
  SECTION("an unknown reader is refused") {
    RunResult r = ledger.Run({"--as", "nobody", "stats"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("unknown operator") != std::string::npos);
  }
}

}  // namespace
}  // namespace xueji::e2e
