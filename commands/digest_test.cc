// The signed ledger digest over a real embedded log: what verifies, and each
// way it must not (another key, a key no longer valid, an altered digest, a
// regenerated history, a chain broken below a signed head).
#include "commands/digest.h"

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "ledger/rules/subjects.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

using xueji::v1::Event;
using xueji::v1::LedgerDigest;

Ed25519PrivateKey Key(char seed) {
  auto key = Ed25519PrivateKey::FromSeed(std::string(kEd25519SeedSize, seed));
  REQUIRE(key.ok());
  return *std::move(key);
}

Event At(const std::string& subject, const std::string& recorded_at,
         const std::string& request) {
  Event e;
  e.set_event_id("evt-" + request);
  e.set_subject(subject);
  e.set_request_id(request);
  e.set_recorded_at(recorded_at);
  e.set_business_date(recorded_at.substr(0, 10));
  return e;
}

struct Ledger {
  TempDir tmp;
  std::unique_ptr<EventLog> log;
  explicit Ledger(xueji::v1::LedgerMode mode = xueji::v1::PRODUCTION) {
    EmbeddedLogOptions options;
    auto opened = OpenEmbeddedLog(tmp.Sub("log"), options);
    REQUIRE(opened.ok());
    log = *std::move(opened);
    Event init = At("ledger:", "2025-08-01T00:00:00Z", "init");
    auto* li = init.mutable_ledger_initialized();
    li->set_mode(mode);
    li->set_ledger_id("0123456789abcdef0123456789abcdef");
    li->set_root_operator("root");
    li->set_root_public_key(Key('r').public_key());
    Append(init);
  }
  void Append(const Event& e) { REQUIRE(log->Append({e}).ok()); }
  void Register(const std::string& id, char seed, const std::string& at) {
    Event e = At(OperatorSubject(id), at, "reg-" + id + at);
    auto* r = e.mutable_operator_registered();
    r->set_id(id);
    r->set_role(xueji::v1::OFFICER);
    r->set_org("35");
    r->set_public_key(Key(seed).public_key());
    r->set_key_id(Key(seed).key_id());
    Append(e);
  }
  void Work(int n, const std::string& at) {
    for (int i = 0; i < n; ++i) {
      Event e = At(KindergartenSubject(absl::StrCat("35020300", i)), at,
                   absl::StrCat("work-", at, "-", i));
      e.mutable_kindergarten_registered()->set_code(
          absl::StrCat("35020300", i));
      Append(e);
    }
  }
  LedgerDigest Take(const std::string& taken_at) {
    LedgerDigest d;
    auto identity = ReadLedgerIdentity(*log);
    REQUIRE(identity.ok());
    d.set_ledger_id(identity->ledger_id);
    d.set_taken_at(taken_at);
    auto heads = TakeHeads(*log);
    REQUIRE(heads.ok());
    for (auto& h : *heads) *d.add_heads() = h;
    return d;
  }
  // officer-fj registered with key 'a', `work` events on 1 September, and
  // the digest taken on the 2nd, signed with that key.
  LedgerDigest SignedDigest(int work) {
    Register("officer-fj", 'a', "2025-08-02T00:00:00Z");
    Work(work, "2025-09-01T00:00:00Z");
    LedgerDigest d = Take("2025-09-02T00:00:00Z");
    REQUIRE(SignDigest(Key('a'), "officer-fj", &d).ok());
    return d;
  }
  DigestFindings Check(const LedgerDigest& d) {
    auto report = VerifyLog(*log);
    REQUIRE(report.ok());
    auto findings = CheckDigest(*log, *report, d);
    REQUIRE(findings.ok());
    return *std::move(findings);
  }
};

std::string Problems(const DigestFindings& f) {
  return absl::StrJoin(f.problems, "\n");
}

TEST_CASE("a signed digest verifies while the log only grows") {
  Ledger ledger;
  LedgerDigest d = ledger.SignedDigest(8);
  CHECK(d.key_id() == Key('a').key_id());
  CHECK(d.signature().size() == kEd25519SignatureSize);

  DigestFindings now = ledger.Check(d);
  INFO(Problems(now));
  CHECK(now.problems.empty());
  ledger.Work(5, "2025-10-01T00:00:00Z");  // appended later: still a prefix
  DigestFindings later = ledger.Check(d);
  INFO(Problems(later));
  CHECK(later.problems.empty());

  SECTION("the root signs with the key of LedgerInitialized") {
    LedgerDigest by_root = ledger.Take("2025-10-02T00:00:00Z");
    REQUIRE(SignDigest(Key('r'), "root", &by_root).ok());
    CHECK(ledger.Check(by_root).problems.empty());
  }
}

TEST_CASE("a digest signed with another key, or altered, does not verify") {
  Ledger ledger;
  ledger.Register("officer-fj", 'a', "2025-08-02T00:00:00Z");
  ledger.Work(3, "2025-09-01T00:00:00Z");
  LedgerDigest d = ledger.Take("2025-09-02T00:00:00Z");

  SECTION("a key the log never registered for the signer") {
    REQUIRE(SignDigest(Key('b'), "officer-fj", &d).ok());
    DigestFindings f = ledger.Check(d);
    REQUIRE(f.problems.size() == 1);
    CHECK(f.problems[0].find("has no key") != std::string::npos);
  }
  SECTION("a head changed after signing") {
    REQUIRE(SignDigest(Key('a'), "officer-fj", &d).ok());
    d.mutable_heads(0)->set_next_offset(d.heads(0).next_offset() + 1);
    DigestFindings f = ledger.Check(d);
    CHECK(Problems(f).find("signature does not verify") != std::string::npos);
  }
  SECTION("signed by someone else claiming the signer's key id") {
    REQUIRE(SignDigest(Key('b'), "officer-fj", &d).ok());
    d.set_key_id(Key('a').key_id());
    DigestFindings f = ledger.Check(d);
    CHECK(Problems(f).find("signature does not verify") != std::string::npos);
  }
  SECTION("unsigned, on a production ledger") {
    DigestFindings f = ledger.Check(d);
    CHECK(Problems(f).find("not signed") != std::string::npos);
  }
}

TEST_CASE("a superseded or revoked key signs nothing after") {
  Ledger ledger;
  ledger.Register("officer-fj", 'a', "2025-08-02T00:00:00Z");
  Event rotate =
      At(OperatorSubject("officer-fj"), "2025-09-10T00:00:00Z", "rotate");
  rotate.mutable_operator_key_added()->set_id("officer-fj");
  rotate.mutable_operator_key_added()->set_public_key(Key('c').public_key());
  ledger.Append(rotate);
  ledger.Work(2, "2025-09-11T00:00:00Z");

  LedgerDigest old_key = ledger.Take("2025-09-12T00:00:00Z");
  REQUIRE(SignDigest(Key('a'), "officer-fj", &old_key).ok());
  CHECK(Problems(ledger.Check(old_key)).find("did not sign at") !=
        std::string::npos);
  LedgerDigest new_key = ledger.Take("2025-09-12T00:00:00Z");
  REQUIRE(SignDigest(Key('c'), "officer-fj", &new_key).ok());
  CHECK(ledger.Check(new_key).problems.empty());

  Event seal =
      At(OperatorSubject("officer-fj"), "2025-09-20T00:00:00Z", "seal");
  seal.mutable_operator_sealed()->set_id("officer-fj");
  ledger.Append(seal);
  LedgerDigest after_seal = ledger.Take("2025-09-21T00:00:00Z");
  REQUIRE(SignDigest(Key('c'), "officer-fj", &after_seal).ok());
  CHECK(Problems(ledger.Check(after_seal)).find("did not sign at") !=
        std::string::npos);
  CHECK(ledger.Check(new_key).problems.empty());  // signed before: still good
}

TEST_CASE("a regenerated history fails the digest, naming the partitions") {
  Ledger original;
  LedgerDigest d = original.SignedDigest(6);

  // The same events and registrations again, recorded an hour later.
  Ledger regenerated;
  regenerated.Register("officer-fj", 'a', "2025-08-02T00:00:00Z");
  regenerated.Work(6, "2025-09-01T01:00:00Z");
  DigestFindings f = regenerated.Check(d);
  REQUIRE_FALSE(f.problems.empty());
  CHECK(Problems(f).find("partition ") != std::string::npos);
  CHECK(Problems(f).find("rewritten or regenerated") != std::string::npos);

  // Fewer events than the digest saw.
  Ledger shorter;
  shorter.Register("officer-fj", 'a', "2025-08-02T00:00:00Z");
  DigestFindings cut = shorter.Check(d);
  CHECK(Problems(cut).find("no event at offset") != std::string::npos);
}

TEST_CASE("an unsigned digest of a development ledger checks the heads") {
  Ledger ledger(xueji::v1::DEVELOPMENT);
  ledger.Work(4, "2025-09-01T00:00:00Z");
  LedgerDigest d = ledger.Take("2025-09-02T00:00:00Z");
  DigestFindings f = ledger.Check(d);
  CHECK(f.problems.empty());
  REQUIRE(f.notes.size() == 1);
  CHECK(f.notes[0].find("not signed") != std::string::npos);
  d.set_ledger_id("ffffffffffffffffffffffffffffffff");
  CHECK(Problems(ledger.Check(d)).find("another ledger") != std::string::npos);
}

TEST_CASE("digest files: protobuf JSON, never overwritten, 0600") {
  TempDir tmp;
  const std::string path = tmp.Sub("d.json");
  REQUIRE(
      WriteDigestFile(path, "{\"takenAt\":\"2025-09-02T00:00:00Z\"}\n").ok());
  CHECK(absl::IsAlreadyExists(WriteDigestFile(path, "{}")));
  auto read = ReadDigestFile(path);
  REQUIRE(read.ok());
  CHECK(read->taken_at() == "2025-09-02T00:00:00Z");
  REQUIRE(WriteDigestFile(tmp.Sub("bad.json"), "{\"nope\":1}").ok());
  CHECK(absl::IsInvalidArgument(ReadDigestFile(tmp.Sub("bad.json")).status()));
  CHECK(absl::IsNotFound(ReadDigestFile(tmp.Sub("none.json")).status()));
}

}  // namespace
}  // namespace xueji
