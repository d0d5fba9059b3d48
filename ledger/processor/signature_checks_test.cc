#include "ledger/processor/signature_checks.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/base/ed25519.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/rules/signed_batch.h"
#include "ledger/storage/kv.h"

namespace xueji {
namespace {

using xueji::v1::RequestBatch;

Ed25519PrivateKey Key(char fill) {
  auto key = Ed25519PrivateKey::FromSeed(std::string(kEd25519SeedSize, fill));
  REQUIRE(key.ok());
  return *key;
}

std::string Body(const std::string& nonce, const std::string& key_id) {
  RequestBatch batch;
  batch.set_signer("reg-1");
  batch.set_key_id(key_id);
  batch.set_nonce(nonce);
  batch.add_requests()->set_request_id("r-" + nonce);
  return batch.SerializeAsString();
}

std::string SignBody(const Ed25519PrivateKey& key, const std::string& body) {
  auto sig = key.Sign(kRequestBatchDomain, body);
  REQUIRE(sig.ok());
  return *sig;
}

TEST_CASE("KeyIdOfBody reads key_id without parsing the requests",
          "[processor][keys]") {
  CHECK(KeyIdOfBody(Body("n", "ed25519:0123456789abcdef")) ==
        "ed25519:0123456789abcdef");
  CHECK(KeyIdOfBody(Body("n", "")).empty());
  CHECK(KeyIdOfBody("not a protobuf \xff\xff").empty());
  const std::string body = Body("n", "ed25519:0123456789abcdef");
  CHECK(KeyIdOfBody(body.substr(0, body.size() - 1)).empty());  // truncated
}

TEST_CASE("SignatureChecks parses each body and answers for its key",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  const Ed25519PrivateKey b = Key('b');
  std::vector<std::string> bodies;
  for (int i = 0; i < 5; ++i) bodies.push_back(Body(std::to_string(i), "k"));
  bodies[4] = "\xff\xff not a batch";
  std::vector<std::string> sigs = {
      SignBody(a, bodies[0]), SignBody(a, bodies[1]), SignBody(b, bodies[2]),
      SignBody(a, bodies[3]), SignBody(a, bodies[4])};
  sigs[1][5] = static_cast<char>(sigs[1][5] ^ 1);  // forged
  std::vector<RequestBatch> parsed(5);
  SignatureChecks checks;
  checks.Add(0, a.public_key(), &bodies[0], &sigs[0], &parsed[0]);
  checks.Add(1, a.public_key(), &bodies[1], &sigs[1], &parsed[1]);
  checks.Add(2, a.public_key(), &bodies[2], &sigs[2], &parsed[2]);  // b's
  checks.Add(3, "", &bodies[3], &sigs[3], &parsed[3]);  // key unknown ahead
  checks.Add(4, a.public_key(), &bodies[4], &sigs[4], &parsed[4]);
  checks.Start();
  CHECK(checks.Parsed(0) == std::optional<bool>(true));
  CHECK(parsed[0].requests(0).request_id() == "r-0");
  CHECK(checks.Verified(0, a.public_key()) == std::optional<bool>(true));
  CHECK(checks.TakeBatchId(0) ==
        std::optional<std::string>(BatchId(bodies[0])));
  CHECK(checks.Parsed(1) == std::optional<bool>(true));
  CHECK(checks.Verified(1, a.public_key()) == std::optional<bool>(false));
  // Asked for another key than the one checked: no answer, verify inline.
  CHECK(checks.Parsed(2) == std::optional<bool>(true));
  CHECK(checks.Verified(2, b.public_key()) == std::nullopt);
  CHECK(checks.Parsed(3) == std::optional<bool>(true));
  CHECK(parsed[3].requests(0).request_id() == "r-3");
  CHECK(checks.Verified(3, a.public_key()) == std::nullopt);
  CHECK(checks.TakeBatchId(3) ==
        std::optional<std::string>(BatchId(bodies[3])));
  CHECK(checks.Parsed(4) == std::optional<bool>(false));
  CHECK(checks.Parsed(5) == std::nullopt);  // never added
  CHECK(checks.TakeBatchId(5) == std::nullopt);
}

TEST_CASE("SignatureChecks that assume answer at once and refute later",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  std::vector<std::string> bodies;
  for (int i = 0; i < 3; ++i) bodies.push_back(Body(std::to_string(i), "k"));
  std::vector<std::string> sigs;
  for (const std::string& body : bodies) sigs.push_back(SignBody(a, body));
  std::vector<RequestBatch> parsed(3);
  auto run = [&](bool forge_one) {
    std::vector<std::string> used = sigs;
    if (forge_one) used[1][7] = static_cast<char>(used[1][7] ^ 1);
    SignatureChecks checks(/*assume=*/true);
    for (size_t i = 0; i < 3; ++i) {
      checks.Add(i, a.public_key(), &bodies[i], &used[i], &parsed[i]);
    }
    checks.Start();
    for (size_t i = 0; i < 3; ++i) {
      CHECK(checks.Parsed(i) == std::optional<bool>(true));
      // Assumed: true even for the forged one, without waiting.
      CHECK(checks.Verified(i, a.public_key()) == std::optional<bool>(true));
    }
    return checks.AnyRefuted();
  };
  CHECK_FALSE(run(false));
  CHECK(run(true));
  // A key other than the one checked ahead is never assumed.
  SignatureChecks checks(/*assume=*/true);
  checks.Add(0, a.public_key(), &bodies[0], &sigs[0], &parsed[0]);
  checks.Add(1, a.public_key(), &bodies[1], &sigs[1], &parsed[1]);
  checks.Start();
  CHECK(checks.Parsed(0) == std::optional<bool>(true));
  CHECK(checks.Verified(0, Key('b').public_key()) == std::nullopt);
  CHECK_FALSE(checks.AnyRefuted());
}

TEST_CASE("SignatureChecks starts no thread for a single batch",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  const std::string body = Body("only", "k");
  const std::string sig = SignBody(a, body);
  RequestBatch parsed;
  SignatureChecks checks;
  checks.Add(0, a.public_key(), &body, &sig, &parsed);
  checks.Start();
  CHECK(checks.Parsed(0) == std::nullopt);
  CHECK(checks.Verified(0, a.public_key()) == std::nullopt);
  CHECK(parsed.requests_size() == 0);  // the caller parses it itself
}

TEST_CASE("SignatureChecks that assume check even a single batch ahead",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  const std::string body = Body("only", "k");
  std::string sig = SignBody(a, body);
  for (bool forged : {false, true}) {
    if (forged) sig[0] = static_cast<char>(sig[0] ^ 1);
    RequestBatch parsed;
    SignatureChecks checks(/*assume=*/true);
    checks.Add(0, a.public_key(), &body, &sig, &parsed);
    checks.Start();
    CHECK(checks.Parsed(0) == std::optional<bool>(true));
    CHECK(parsed.requests(0).request_id() == "r-only");
    CHECK(checks.Verified(0, a.public_key()) == std::optional<bool>(true));
    CHECK(checks.AnyRefuted() == forged);
  }
}

TEST_CASE("SignatureChecks: the caller helps verify what the worker has not",
          "[processor][keys]") {
  // Many batches, all assumed at once: AnyRefuted verifies from the back
  // while the worker goes from the front; each verdict counts once, right.
  const Ed25519PrivateKey a = Key('a');
  constexpr size_t kBatches = 64;
  std::vector<std::string> bodies, sigs;
  for (size_t i = 0; i < kBatches; ++i) {
    bodies.push_back(Body(std::to_string(i), "k"));
    sigs.push_back(SignBody(a, bodies.back()));
  }
  for (size_t forged : {size_t{0}, kBatches / 2, kBatches - 1, kBatches}) {
    std::vector<std::string> used = sigs;
    if (forged < kBatches) used[forged][2] ^= 1;
    std::vector<RequestBatch> parsed(kBatches);
    SignatureChecks checks(/*assume=*/true);
    for (size_t i = 0; i < kBatches; ++i) {
      checks.Add(i, a.public_key(), &bodies[i], &used[i], &parsed[i]);
    }
    checks.Start();
    for (size_t i = 0; i < kBatches; ++i) {
      REQUIRE(checks.Parsed(i) == std::optional<bool>(true));
      REQUIRE(checks.Verified(i, a.public_key()) == std::optional<bool>(true));
    }
    INFO("forged batch " << forged);
    CHECK(checks.AnyRefuted() == (forged < kBatches));
  }
}

TEST_CASE("SignatureChecks stops its worker when the call ends early",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  const std::string body = Body("same", "k");
  const std::string sig = SignBody(a, body);
  std::vector<RequestBatch> parsed(200);
  {
    SignatureChecks checks;
    for (size_t i = 0; i < parsed.size(); ++i) {
      checks.Add(i, a.public_key(), &body, &sig, &parsed[i]);
    }
    checks.Start();
    CHECK(checks.Verified(0, a.public_key()) == std::optional<bool>(true));
  }  // destroyed with most checks pending: joins before `parsed` goes
  CHECK(parsed[0].nonce() == "same");
}

// Operator `id` registered with `key` (an OperatorRegistered event).
xueji::v1::Event Registered(int64_t offset, const std::string& id,
                            const Ed25519PrivateKey& key) {
  xueji::v1::Event event;
  event.set_partition(0);
  event.set_offset(offset);
  event.set_subject("op:" + id);
  event.set_request_id("reg-" + id);
  event.set_recorded_at("2025-09-01T01:00:00Z");
  event.set_business_date("2025-09-01");
  event.set_outcome(xueji::v1::APPLIED);
  auto* payload = event.mutable_operator_registered();
  payload->set_id(id);
  payload->set_role(xueji::v1::REGISTRAR);
  payload->set_org("350502001");
  payload->set_public_key(key.public_key());
  payload->set_key_id(key.key_id());
  return event;
}

TEST_CASE("SignatureChecks look keys up on the worker, in the committed state",
          "[processor][keys]") {
  const Ed25519PrivateKey a = Key('a');
  const Ed25519PrivateKey b = Key('b');
  MemoryKv kv;
  LedgerState state(&kv);
  REQUIRE(state.Apply(Registered(0, "reg-1", a)).ok());
  REQUIRE(kv.Commit(false).ok());
  // reg-2 and its key b are pending, not committed: the worker's view of
  // the state does not have them.
  REQUIRE(state.Apply(Registered(1, "reg-2", b)).ok());
  std::vector<std::string> bodies = {Body("0", a.key_id()),
                                     Body("1", b.key_id()),
                                     Body("2", "ed25519:unknown")};
  std::vector<std::string> sigs = {
      SignBody(a, bodies[0]), SignBody(b, bodies[1]), SignBody(a, bodies[2])};
  std::vector<RequestBatch> parsed(3);
  SignatureChecks checks;
  checks.LookUpKeysIn(kv.CommittedView());
  for (size_t i = 0; i < 3; ++i) {
    checks.Add(i, "", &bodies[i], &sigs[i], &parsed[i]);
  }
  checks.Start();
  REQUIRE(checks.Parsed(0) == std::optional<bool>(true));
  std::optional<SignatureChecks::KeyLookup> found = checks.TakeLookup(0);
  REQUIRE(found.has_value());
  CHECK(found->key_id == a.key_id());
  CHECK(found->holder == std::optional<std::string>("reg-1"));
  REQUIRE(found->op.has_value());
  CHECK(found->op->org() == "350502001");
  CHECK(checks.Verified(0, a.public_key()) == std::optional<bool>(true));
  REQUIRE(checks.Parsed(1) == std::optional<bool>(true));
  found = checks.TakeLookup(1);
  REQUIRE(found.has_value());
  CHECK(found->holder == std::nullopt);  // pending only: not seen
  CHECK(checks.Verified(1, b.public_key()) == std::nullopt);  // not checked
  REQUIRE(checks.Parsed(2) == std::optional<bool>(true));
  CHECK(checks.TakeLookup(2)->holder == std::nullopt);
  CHECK(checks.TakeLookup(2) == std::nullopt);  // taken already
}

TEST_CASE(
    "SignatureChecks: a batch the caller parses first is verified with the "
    "key its lookup found, never before",
    "[processor][keys]") {
  // The caller parses batch 0 itself (it reaches it while the worker's
  // thread starts); batch 0 is large, so the worker has parsed batch 1 and
  // turned to verifying batch 0 while the caller is still at it.
  const Ed25519PrivateKey a = Key('a');
  MemoryKv kv;
  LedgerState state(&kv);
  REQUIRE(state.Apply(Registered(0, "reg-1", a)).ok());
  REQUIRE(kv.Commit(false).ok());
  RequestBatch large;
  large.set_signer("reg-1");
  large.set_key_id(a.key_id());
  for (int i = 0; i < 5000; ++i) {
    large.add_requests()->set_request_id("r-" + std::to_string(i));
  }
  std::vector<std::string> bodies = {large.SerializeAsString(),
                                     Body("small", a.key_id())};
  std::vector<std::string> sigs = {SignBody(a, bodies[0]),
                                   SignBody(a, bodies[1])};
  for (int round = 0; round < 100; ++round) {
    std::vector<RequestBatch> parsed(2);
    SignatureChecks checks(/*assume=*/false);
    checks.LookUpKeysIn(kv.CommittedView());
    checks.Add(0, "", &bodies[0], &sigs[0], &parsed[0]);
    checks.Add(1, "", &bodies[1], &sigs[1], &parsed[1]);
    checks.Start();
    INFO("round " << round);
    REQUIRE(checks.Parsed(0) == std::optional<bool>(true));
    CHECK(checks.Verified(0, a.public_key()) == std::optional<bool>(true));
    REQUIRE(checks.Parsed(1) == std::optional<bool>(true));
    CHECK(checks.Verified(1, a.public_key()) == std::optional<bool>(true));
  }
}

}  // namespace
}  // namespace xueji
