#include "ledger/processor/signature_checks.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/base/ed25519.h"
#include "ledger/rules/signed_batch.h"

namespace xueji {
namespace {

Ed25519PrivateKey Key(char fill) {
  auto key = Ed25519PrivateKey::FromSeed(std::string(kEd25519SeedSize, fill));
  REQUIRE(key.ok());
  return *key;
}

std::string SignBody(const Ed25519PrivateKey& key, const std::string& body) {
  auto sig = key.Sign(kRequestBatchDomain, body);
  REQUIRE(sig.ok());
  return *sig;
}

TEST_CASE("SignatureChecks answers each batch for the key it was checked with",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  const Ed25519PrivateKey b = Key('b');
  const std::vector<std::string> bodies = {"body 0", "body 1", "body 2",
                                           "body 3"};
  std::vector<std::string> sigs = {SignBody(a, bodies[0]),
                                   SignBody(a, bodies[1]),
                                   SignBody(b, bodies[2]),
                                   SignBody(a, bodies[3])};
  sigs[1][5] = static_cast<char>(sigs[1][5] ^ 1);  // forged
  SignatureChecks checks;
  checks.Add(0, a.public_key(), &bodies[0], &sigs[0]);
  checks.Add(1, a.public_key(), &bodies[1], &sigs[1]);
  checks.Add(2, a.public_key(), &bodies[2], &sigs[2]);  // signed by b
  // Batch 3 not added (its key was not known ahead).
  checks.Start();
  CHECK(checks.Verified(0, a.public_key()) == std::optional<bool>(true));
  CHECK(checks.Verified(1, a.public_key()) == std::optional<bool>(false));
  // Asked for another key than the one checked: no answer, verify inline.
  CHECK(checks.Verified(2, b.public_key()) == std::nullopt);
  CHECK(checks.Verified(3, a.public_key()) == std::nullopt);
}

TEST_CASE("SignatureChecks starts no thread for a single batch",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  const std::string body = "only";
  const std::string sig = SignBody(a, body);
  SignatureChecks checks;
  checks.Add(0, a.public_key(), &body, &sig);
  checks.Start();
  CHECK(checks.Verified(0, a.public_key()) == std::nullopt);
}

TEST_CASE("SignatureChecks stops its worker when the call ends early",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  std::vector<std::string> bodies(200, "same body");
  const std::string sig = SignBody(a, bodies[0]);
  {
    SignatureChecks checks;
    for (size_t i = 0; i < bodies.size(); ++i) {
      checks.Add(i, a.public_key(), &bodies[i], &sig);
    }
    checks.Start();
    CHECK(checks.Verified(0, a.public_key()) == std::optional<bool>(true));
  }  // destroyed with most checks pending: joins, no crash
  SUCCEED("the destructor returned");
}

}  // namespace
}  // namespace xueji
