// Anchored history (issue 9): `ledger digest` writes the log's heads;
// `ledger verify --digest FILE` proves later that the log still holds that
// history -- and fails (exit 3, naming the partition) for a rewrite whose
// chain was resealed, which plain `verify` cannot see, and for a history
// regenerated from the same requests.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <regex>

#include "tests/e2e_support.h"
#include "tests/log_tamper.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;

void DemoTerm(const TestLedger& ledger) {
  ledger.LoadDemoRegistry();
  REQUIRE(ledger.Run({"submit", ledger.TermInOneSitting()}).exit_code == 1);
}

RunResult VerifyDigest(const TestLedger& ledger, const std::string& file) {
  return ledger.Run({"verify", "--digest", file});
}

TEST_CASE("verify --digest: the log still holds the history it anchored",
          "[e2e][digest]") {
  TestLedger ledger;
  DemoTerm(ledger);
  const std::string file = ledger.tmp().Sub("digest.json");
  RunResult taken = ledger.Run({"digest", "--out", file});
  INFO("digest: " << taken.err);
  REQUIRE(taken.exit_code == 0);
  struct stat st;
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  const auto digest = JsonAs<xueji::v1::LedgerDigest>(ReadFile(file));
  CHECK(digest.taken_at() == ledger.now());
  CHECK(digest.heads_size() == 6);
  int64_t events = 0;
  for (const auto& h : digest.heads()) {
    events += h.next_offset();
    if (h.next_offset() > 0) CHECK(h.head_hash().size() == 64);
  }
  CHECK(events > 50);
  // A digest is an anchor: never overwritten.
  CHECK(ledger.Run({"digest", "--out", file}).exit_code == 2);

  RunResult intact = VerifyDigest(ledger, file);
  INFO("verify: " << intact.out << intact.err);
  CHECK(intact.exit_code == 0);
  CHECK(intact.out.find("the log still holds the history the digest "
                        "anchored") != std::string::npos);

  // The log grows: still the same history below the heads.
  REQUIRE(ledger
              .SubmitLines({R"({"requestId":"later-1","actor":"reg-sm1",)"
                            R"("occurredOn":"2026-01-05","graduate":)"
                            R"({"studentNo":"NO-SUCH"}})"},
                           "later.jsonl")
              .exit_code == 1);
  CHECK(VerifyDigest(ledger, file).exit_code == 0);

  SECTION(
      "a rewritten event, the chain resealed: verify passes, the digest "
      "does not") {
    TamperResult rewrite = RewriteAndReseal(
        (fs::path(ledger.data_dir()) / "log").string(), "r-002", "2025-08-31");
    INFO(rewrite.error);
    REQUIRE(rewrite.changed);
    RunResult plain = ledger.Run({"verify"});
    INFO("verify: " << plain.out << plain.err);
    CHECK(plain.exit_code == 0);  // the chain alone cannot tell
    RunResult anchored = VerifyDigest(ledger, file);
    INFO("verify --digest: " << anchored.out << anchored.err);
    CHECK(anchored.exit_code == 3);
    const std::string partition =
        "partition " + std::to_string(rewrite.partition) + ":";
    CHECK(anchored.out.find("DIGEST MISMATCH: " + partition) !=
          std::string::npos);
    CHECK(anchored.err.find(partition) != std::string::npos);
  }
  SECTION("a regenerated history: the same requests on a fresh ledger") {
    TestLedger again;
    again.set_now("2026-01-05T10:00:00Z");  // same events, another time
    DemoTerm(again);
    RunResult anchored = VerifyDigest(again, file);
    INFO("verify --digest: " << anchored.out << anchored.err);
    CHECK(anchored.exit_code == 3);
    // Another `ledger init` is another ledger id: named before any head.
    CHECK(anchored.err.find("the digest is of ledger") != std::string::npos);
  }
  SECTION("a digest file that is not one") {
    WriteFile(ledger.tmp().path() / "bad.json", "{\"heads\":[{\"nope\":1}]}");
    CHECK(VerifyDigest(ledger, ledger.tmp().Sub("bad.json")).exit_code == 2);
    CHECK(VerifyDigest(ledger, ledger.tmp().Sub("none.json")).exit_code == 2);
  }
}

TEST_CASE("the views digest keeps its forms", "[e2e][digest]") {
  TestLedger ledger;
  DemoTerm(ledger);
  const std::regex hex("^[0-9a-f]{64}\n$");
  RunResult plain = ledger.Run({"digest", "--views"});
  REQUIRE(plain.exit_code == 0);
  CHECK(std::regex_match(plain.out, hex));
  const std::string views = (fs::path(ledger.data_dir()) / "views").string();
  RunResult global = ledger.Run({"--views", views, "digest"});
  CHECK(global.exit_code == 0);
  CHECK(global.out == plain.out);
  RunResult after = ledger.Run({"digest", "--views", views});
  CHECK(after.exit_code == 0);
  CHECK(after.out == plain.out);
  // Without --views: the ledger digest, JSON.
  RunResult ledger_digest = ledger.Run({"digest"});
  CHECK(ledger_digest.exit_code == 0);
  CHECK(JsonAs<xueji::v1::LedgerDigest>(ledger_digest.out).heads_size() == 6);
}

TEST_CASE("a digest signed with a key nobody registered is refused",
          "[e2e][digest]") {
  TestLedger ledger;
  DemoTerm(ledger);
  const std::string key = ledger.tmp().Sub("stray.pem");
  REQUIRE(ledger.Run({"keygen", "--out", key}).exit_code == 0);
  RunResult r = ledger.Run({"--key", key, "digest"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("not registered") != std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
