// Signed batches and the governed registry on a production ledger (issue 9,
// docs/accountability.md): given/when/then over the RequestProcessor on the
// real embedded log and a real RocksDB state store, with real Ed25519 keys.
// Each refusal checks what the log gained: the refusal and nothing else.
#include "ledger/rules/signed_batch.h"

#include <array>
#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "ledger/base/dates.h"
#include "ledger/base/ed25519.h"
#include "ledger/processor/processor.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/subjects.h"
#include "tests/support/processor_ledger.h"
#include "tests/support/requests.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

using xueji::v1::Event;
using xueji::v1::RegistryLine;
using xueji::v1::Request;
using xueji::v1::Result;
using xueji::v1::SignedBatch;
using V = std::vector<std::string>;

constexpr char kCounty[] = "350203";  // 思明区
constexpr char kKg[] = "350203001";   // a kindergarten of it
constexpr char kOtherCounty[] = "350206";

Ed25519PrivateKey NewKey() {
  auto key = Ed25519PrivateKey::Generate();
  REQUIRE(key.ok());
  return *key;
}

RegistryLine OperatorLine(const std::string& id, xueji::v1::Role role,
                          const std::string& org,
                          const Ed25519PrivateKey* key) {
  return testing::OperatorLine(id, role, org,
                               key == nullptr ? "" : key->public_key());
}

RegistryLine SealLine(const std::string& id) {
  RegistryLine line;
  line.mutable_seal_operator()->set_id(id);
  line.mutable_seal_operator()->set_reason("left the post");
  return line;
}

RegistryLine KeyLine(const std::string& id, const Ed25519PrivateKey& key) {
  RegistryLine line;
  line.mutable_operator_key()->set_id(id);
  line.mutable_operator_key()->set_public_key(key.public_key());
  return line;
}

std::string ResidentId(const std::string& seq3) {
  std::string first17 = std::string(kCounty) + "20210506" + seq3;
  return first17 + Mod112CheckChar(first17);
}

// An admission to kKg; `actor` "" = the signer.
Request Admit(const std::string& id, const std::string& seq3,
              const std::string& actor = "") {
  return testing::Admission(id, actor, kKg, ResidentId(seq3));
}

Request Approve(const std::string& id, const std::string& of,
                const std::string& actor = "") {
  Request r;
  r.set_request_id(id);
  if (!actor.empty()) r.set_actor(actor);
  r.set_occurred_on("2025-09-01");
  r.mutable_approve()->set_request_id(of);
  return r;
}

SignedBatch Sign(const Ed25519PrivateKey& key, std::vector<Request> requests,
                 const std::string& signer = "") {
  xueji::v1::RequestBatch batch;
  batch.set_signer(signer);
  batch.set_nonce(NewNonce());
  for (Request& r : requests) *batch.add_requests() = std::move(r);
  auto signed_batch = SignBatch(std::move(batch), key);
  REQUIRE(signed_batch.ok());
  return *signed_batch;
}

SignedBatch SignLines(const Ed25519PrivateKey& key,
                      std::vector<RegistryLine> lines) {
  xueji::v1::RequestBatch batch;
  batch.set_nonce(NewNonce());
  for (RegistryLine& l : lines) *batch.add_registry_lines() = std::move(l);
  auto signed_batch = SignBatch(std::move(batch), key);
  REQUIRE(signed_batch.ok());
  return *signed_batch;
}

std::string Kind(const Event& e) {
  const auto* field =
      xueji::v1::Event::descriptor()->FindFieldByNumber(e.payload_case());
  return field == nullptr ? "?" : field->name();
}

// A production ledger: the national root, the Fujian officer, the approver
// of 思明区, its kindergarten and that kindergarten's registrar, each holding
// its own key, all registered by signed batches of the level above.
struct SignedLedger {
  SignedLedger() {
    const std::string d = dir.path().string();
    log = *OpenEmbeddedLog(d + "/log", EmbeddedLogOptions{});
    state = *RocksKv::Open(d + "/state", RocksKv::Options{});
    auto opened =
        RequestProcessor::Open(log.get(), state.get(), [this] { return now; });
    REQUIRE(opened.ok());
    processor = *std::move(opened);
    auto init = processor->Initialize(
        xueji::ProductionLedger("root", root.public_key()));
    REQUIRE(init.ok());
    REQUIRE(init->status() == xueji::v1::APPLIED);
    ExpectApplied(
        SignLines(root, {OperatorLine("fj", xueji::v1::OFFICER, "35", &fj)}));
    ExpectApplied(SignLines(
        fj, {OperatorLine("appr-sm", xueji::v1::APPROVER, kCounty, &approver),
             testing::KindergartenLine(kKg, kCounty),
             OperatorLine("reg-sm", xueji::v1::REGISTRAR, kKg, &registrar)}));
  }

  std::vector<Result> Submit(const SignedBatch& batch) {
    auto results = processor->SubmitBatch(batch);
    REQUIRE(results.ok());
    return *results;
  }
  void ExpectApplied(const SignedBatch& batch) {
    for (const Result& r : Submit(batch)) {
      INFO(r.request_id() << ": " << r.message());
      REQUIRE(r.status() == xueji::v1::APPLIED);
    }
  }

  std::vector<int64_t> Heads() {
    auto heads = log->HeadOffsets();
    REQUIRE(heads.ok());
    return *heads;
  }
  // The events appended since `heads`, by kind, partition by partition.
  std::vector<Event> EventsSince(const std::vector<int64_t>& heads) {
    std::vector<Event> out;
    const std::vector<int64_t> now_heads = Heads();
    for (int32_t p = 0; p < static_cast<int32_t>(heads.size()); ++p) {
      if (now_heads[p] == heads[p]) continue;
      auto read = log->Read(p, heads[p], 1000);
      REQUIRE(read.ok());
      for (const StoredEvent& s : *read) out.push_back(s.event);
    }
    return out;
  }
  // Their kinds, sorted; "batch_kept" for a signed batch kept on an event.
  V KindsSince(const std::vector<int64_t>& heads) {
    V kinds;
    for (const Event& e : EventsSince(heads)) {
      kinds.push_back(Kind(e));
      if (e.has_signed_batch()) kinds.push_back("batch_kept");
    }
    std::sort(kinds.begin(), kinds.end());
    return kinds;
  }

  std::optional<xueji::v1::OperatorState> Operator(const std::string& id) {
    auto op = processor->state().Operator(id);
    REQUIRE(op.ok());
    return *op;
  }

  // SignatureAudit over the whole log, as `ledger verify` runs it.
  std::vector<SignatureProblem> Audit() {
    return AuditOf(EventsSince(std::vector<int64_t>(Heads().size(), 0)));
  }
  // The same over `events` (partition by partition, each in offset order).
  static std::vector<SignatureProblem> AuditOf(
      const std::vector<Event>& events) {
    SignatureAudit audit;
    for (const Event& e : events) audit.Add(e);
    auto problems = audit.Finish([&](int32_t p, int64_t offset) {
      for (const Event& e : events) {
        if (e.partition() == p && e.offset() == offset) {
          return absl::StatusOr<Event>(e);
        }
      }
      return absl::StatusOr<Event>(absl::NotFoundError("no such event"));
    });
    REQUIRE(problems.ok());
    CHECK(audit.batches_checked() > 0);
    for (const SignatureProblem& problem : *problems) {
      UNSCOPED_INFO("partition " << problem.partition << " offset "
                                 << problem.offset << ": " << problem.problem);
    }
    return *problems;
  }

  TempDir dir;
  absl::Time now = *ParseRfc3339("2025-09-01T08:00:00Z");
  Ed25519PrivateKey root = NewKey(), fj = NewKey(), approver = NewKey(),
                    registrar = NewKey();
  std::unique_ptr<EventLog> log;
  std::unique_ptr<RocksKv> state;
  std::unique_ptr<RequestProcessor> processor;
};

void CheckRefused(const std::vector<Result>& results,
                  xueji::v1::ReasonCode code, const std::string& words) {
  REQUIRE_FALSE(results.empty());
  for (const Result& r : results) {
    INFO(r.request_id() << ": " << r.message());
    CHECK(r.status() == xueji::v1::REJECTED);
    CHECK(r.code() == code);
    CHECK(r.message().find(words) != std::string::npos);
  }
}

// A request id the refused batch did not use up: the real request still goes
// through.
void CheckIdStillFree(SignedLedger& ledger, const std::string& id,
                      const std::string& seq3) {
  auto results = ledger.Submit(Sign(ledger.registrar, {Admit(id, seq3)}));
  REQUIRE(results.size() == 1);
  INFO(results[0].message());
  CHECK(results[0].status() == xueji::v1::PENDING_APPROVAL);
}

SCENARIO("an unsigned batch on a production ledger is refused",
         "[processor][keys]") {
  GIVEN("a production ledger") {
    SignedLedger ledger;
    const auto heads = ledger.Heads();
    WHEN("a registrar's admission comes unsigned, naming her as actor") {
      auto results = ledger.processor->Submit({Admit("u-1", "101", "reg-sm")});
      REQUIRE(results.ok());
      THEN("NOT_AUTHENTICATED; one BatchRefused and nothing else appended") {
        CheckRefused(*results, xueji::v1::NOT_AUTHENTICATED, "not signed");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
        auto record =
            ledger.processor->state().RecordByNumber("G" + ResidentId("101"));
        REQUIRE(record.ok());
        CHECK_FALSE(record->has_value());
        AND_THEN("the same refusal again appends nothing more") {
          const auto after = ledger.Heads();
          auto again =
              ledger.processor->Submit({Admit("u-1", "101", "reg-sm")});
          REQUIRE(again.ok());
          CheckRefused(*again, xueji::v1::NOT_AUTHENTICATED, "not signed");
          CHECK(ledger.KindsSince(after).empty());
          AND_THEN("the request id is not used up") {
            CheckIdStillFree(ledger, "u-1", "101");
          }
        }
      }
    }
    WHEN("an unsigned registry line comes (the issue's self-registration)") {
      auto results = ledger.processor->LoadRegistry(
          {OperatorLine("rogue", xueji::v1::APPROVER, kCounty, nullptr)});
      REQUIRE(results.ok());
      THEN("NOT_AUTHENTICATED; no operator rogue") {
        CheckRefused(*results, xueji::v1::NOT_AUTHENTICATED, "not signed");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
        CHECK_FALSE(ledger.Operator("rogue").has_value());
      }
    }
    WHEN("a SignedBatch arrives with an empty signature") {
      SignedBatch batch = Sign(ledger.registrar, {Admit("u-2", "103")});
      batch.clear_signature();
      THEN("NOT_AUTHENTICATED, one BatchRefused") {
        CheckRefused(ledger.Submit(batch), xueji::v1::NOT_AUTHENTICATED,
                     "not signed");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
      }
    }
  }
}

SCENARIO("a bad signature is refused BAD_SIGNATURE", "[processor][keys]") {
  GIVEN("a production ledger and a registrar's signed admission") {
    SignedLedger ledger;
    const auto heads = ledger.Heads();
    SignedBatch batch = Sign(ledger.registrar, {Admit("b-1", "111")});
    WHEN("one byte of the signature is changed") {
      std::string sig = batch.signature();
      sig[10] = static_cast<char>(sig[10] ^ 0x01);
      batch.set_signature(sig);
      THEN("BAD_SIGNATURE; one BatchRefused; the id stays free") {
        CheckRefused(ledger.Submit(batch), xueji::v1::BAD_SIGNATURE,
                     "does not verify");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
        CheckIdStillFree(ledger, "b-1", "111");
      }
    }
    WHEN("the signature is over other bytes (the body changed after)") {
      xueji::v1::RequestBatch body;
      REQUIRE(body.ParseFromString(batch.body()));
      body.mutable_requests(0)->mutable_admit()->mutable_child()->set_name(
          "改过的名字");
      batch.set_body(body.SerializeAsString());
      THEN("BAD_SIGNATURE, nothing but the refusal") {
        CheckRefused(ledger.Submit(batch), xueji::v1::BAD_SIGNATURE,
                     "does not verify");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
      }
    }
    WHEN("the signature is truncated") {
      batch.set_signature(batch.signature().substr(0, 63));
      THEN("BAD_SIGNATURE") {
        CheckRefused(ledger.Submit(batch), xueji::v1::BAD_SIGNATURE,
                     "does not verify");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
      }
    }
  }
}

SCENARIO("a key nobody registered is refused", "[processor][keys]") {
  GIVEN("a production ledger") {
    SignedLedger ledger;
    const auto heads = ledger.Heads();
    WHEN("a batch is signed with a fresh key") {
      Ed25519PrivateKey stray = NewKey();
      THEN("NOT_AUTHENTICATED naming the key, nothing but the refusal") {
        CheckRefused(ledger.Submit(Sign(stray, {Admit("k-1", "121")})),
                     xueji::v1::NOT_AUTHENTICATED, "is not registered");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
      }
    }
    WHEN("the registrar's key signs a body that names another signer") {
      THEN("NOT_AUTHENTICATED: the key is not that operator's") {
        CheckRefused(ledger.Submit(Sign(ledger.registrar, {Admit("k-2", "123")},
                                        "appr-sm")),
                     xueji::v1::NOT_AUTHENTICATED,
                     "is not operator \"appr-sm\"'s");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
      }
    }
  }
}

SCENARIO("an actor that is not the signer is refused", "[processor][keys]") {
  GIVEN("a registrar's admission pending approval") {
    SignedLedger ledger;
    auto admitted =
        ledger.Submit(Sign(ledger.registrar, {Admit("a-1", "131")}));
    REQUIRE(admitted[0].status() == xueji::v1::PENDING_APPROVAL);
    const auto heads = ledger.Heads();
    WHEN(
        "she signs {\"actor\":\"appr-sm\",\"approve\":...} with her own key "
        "(the impersonation of issue 9)") {
      auto results = ledger.Submit(
          Sign(ledger.registrar, {Approve("a-2", "a-1", "appr-sm")}));
      THEN("NOT_AUTHENTICATED; recorded as hers; the record stays pending") {
        CheckRefused(results, xueji::v1::NOT_AUTHENTICATED, "omit actor");
        CHECK(ledger.KindsSince(heads) ==
              (V{"batch_kept", "request_rejected"}));
        for (const Event& e : ledger.EventsSince(heads)) {
          CHECK(e.actor().operator_id() == "reg-sm");
        }
        auto record =
            ledger.processor->state().RecordByNumber("G" + ResidentId("131"));
        REQUIRE(record.ok());
        REQUIRE(record->has_value());
        CHECK((*record)->status() == xueji::v1::PENDING);
      }
    }
    WHEN("the approver signs the approval herself") {
      auto results =
          ledger.Submit(Sign(ledger.approver, {Approve("a-3", "a-1")}));
      THEN("it is applied") {
        INFO(results[0].message());
        CHECK(results[0].status() == xueji::v1::APPLIED);
      }
    }
  }
}

SCENARIO("a replayed signed batch appends nothing", "[processor][keys]") {
  GIVEN("a signed admission, applied") {
    SignedLedger ledger;
    SignedBatch batch = Sign(ledger.registrar, {Admit("p-1", "141")});
    auto first = ledger.Submit(batch);
    REQUIRE(first[0].status() == xueji::v1::PENDING_APPROVAL);
    const auto heads = ledger.Heads();
    WHEN("the same bytes come again") {
      auto again = ledger.Submit(batch);
      THEN("DUPLICATE_REQUEST with the first answer, nothing appended") {
        REQUIRE(again.size() == 1);
        CHECK(again[0].status() == xueji::v1::DUPLICATE_REQUEST);
        CHECK(again[0].original_status() == xueji::v1::PENDING_APPROVAL);
        CHECK(ledger.KindsSince(heads).empty());
      }
    }
  }
}

SCENARIO("a batch replayed after its key was rotated or sealed is a duplicate",
         "[processor][keys]") {
  GIVEN("a signed admission, applied, then the registrar's key replaced") {
    SignedLedger ledger;
    SignedBatch batch = Sign(ledger.registrar, {Admit("p-2", "143")});
    auto first = ledger.Submit(batch);
    REQUIRE(first[0].status() == xueji::v1::PENDING_APPROVAL);
    ledger.now += absl::Hours(1);
    WHEN("the key is superseded and the same bytes come again") {
      ledger.ExpectApplied(
          SignLines(ledger.approver, {KeyLine("reg-sm", NewKey())}));
      ledger.now += absl::Minutes(1);
      const auto heads = ledger.Heads();
      auto again = ledger.Submit(batch);
      THEN("DUPLICATE_REQUEST, not a refusal; nothing appended") {
        REQUIRE(again.size() == 1);
        INFO(again[0].message());
        CHECK(again[0].status() == xueji::v1::DUPLICATE_REQUEST);
        CHECK(again[0].original_status() == xueji::v1::PENDING_APPROVAL);
        CHECK(ledger.KindsSince(heads).empty());
      }
      AND_WHEN("a new batch is signed with the superseded key") {
        auto fresh =
            ledger.Submit(Sign(ledger.registrar, {Admit("p-3", "145")}));
        THEN("it is still refused") {
          CheckRefused(fresh, xueji::v1::NOT_AUTHENTICATED, "superseded");
        }
      }
    }
    WHEN("the registrar is sealed and the same bytes come again") {
      ledger.ExpectApplied(SignLines(ledger.approver, {SealLine("reg-sm")}));
      ledger.now += absl::Minutes(1);
      const auto heads = ledger.Heads();
      auto again = ledger.Submit(batch);
      THEN("DUPLICATE_REQUEST; nothing appended") {
        REQUIRE(again.size() == 1);
        CHECK(again[0].status() == xueji::v1::DUPLICATE_REQUEST);
        CHECK(ledger.KindsSince(heads).empty());
      }
    }
    WHEN("the registrar is sealed and new bytes carry the same request") {
      ledger.ExpectApplied(SignLines(ledger.approver, {SealLine("reg-sm")}));
      ledger.now += absl::Minutes(1);
      const auto heads = ledger.Heads();
      auto fresh = ledger.Submit(Sign(ledger.registrar, {Admit("p-2", "143")}));
      THEN(
          "refused, the first answer not given: only the very bytes are a "
          "replay") {
        CheckRefused(fresh, xueji::v1::NOT_AUTHENTICATED, "sealed");
        CHECK(fresh[0].student_no().empty());
        CHECK(ledger.KindsSince(heads) == (V{"batch_refused"}));
      }
    }
  }
}

SCENARIO("a replayed signed registry batch appends nothing",
         "[processor][keys][registry]") {
  GIVEN("the approver registered a second kindergarten and its registrar") {
    SignedLedger ledger;
    Ed25519PrivateKey second = NewKey();
    SignedBatch batch = SignLines(
        ledger.approver,
        {testing::KindergartenLine("350203002", kCounty),
         OperatorLine("reg-sm2", xueji::v1::REGISTRAR, "350203002", &second)});
    ledger.ExpectApplied(batch);
    const auto heads = ledger.Heads();
    WHEN("the same bytes come again") {
      auto again = ledger.Submit(batch);
      THEN("DUPLICATE_REQUEST for each line, nothing appended") {
        REQUIRE(again.size() == 2);
        for (const Result& r : again) {
          CHECK(r.status() == xueji::v1::DUPLICATE_REQUEST);
          CHECK(r.original_status() == xueji::v1::APPLIED);
        }
        CHECK(ledger.KindsSince(heads).empty());
      }
    }
    WHEN("the new registrar signs an admission to her kindergarten") {
      Request admit = Admit("n-1", "191");
      admit.mutable_admit()->set_kindergarten("350203002");
      auto results = ledger.Submit(Sign(second, {admit}));
      THEN("it is hers to make") {
        INFO(results[0].message());
        CHECK(results[0].status() == xueji::v1::PENDING_APPROVAL);
      }
    }
  }
}

SCENARIO("a development ledger verifies the signed batches it gets",
         "[processor][keys]") {
  GIVEN("a development ledger whose registrar has a key") {
    TempDir dir;
    testing::ProcessorLedger ledger(
        OpenEmbeddedLog(dir.Sub("log"), EmbeddedLogOptions{}), dir.Sub("state"),
        *ParseRfc3339("2025-09-01T08:00:00Z"));
    RequestProcessor* processor = ledger.processor.get();
    Ed25519PrivateKey key = NewKey();
    auto loaded = processor->LoadRegistry(
        {testing::KindergartenLine(kKg, kCounty),
         OperatorLine("reg-sm", xueji::v1::REGISTRAR, kKg, &key)});
    REQUIRE(loaded.ok());
    for (const Result& r : *loaded) REQUIRE(r.status() == xueji::v1::APPLIED);
    WHEN("a batch with a changed signature byte comes") {
      SignedBatch batch = Sign(key, {Admit("d-1", "201")});
      std::string sig = batch.signature();
      sig[0] = static_cast<char>(sig[0] ^ 0x01);
      batch.set_signature(sig);
      auto results = processor->SubmitBatch(batch);
      REQUIRE(results.ok());
      THEN("BAD_SIGNATURE: signed batches are verified in both modes") {
        CheckRefused(*results, xueji::v1::BAD_SIGNATURE, "does not verify");
      }
    }
    WHEN("an unsigned request names her as actor") {
      auto results = processor->Submit({Admit("d-2", "203", "reg-sm")});
      REQUIRE(results.ok());
      THEN("it is taken at its actor") {
        CHECK((*results)[0].status() == xueji::v1::PENDING_APPROVAL);
      }
    }
  }
}

SCENARIO("sealing an operator revokes its keys", "[processor][keys]") {
  GIVEN("the approver seals the registrar of her county") {
    SignedLedger ledger;
    ledger.ExpectApplied(SignLines(ledger.approver, {SealLine("reg-sm")}));
    auto op = ledger.Operator("reg-sm");
    REQUIRE(op.has_value());
    REQUIRE(op->sealed());
    ledger.now += absl::Minutes(1);
    const auto heads = ledger.Heads();
    WHEN("the sealed registrar signs a batch") {
      auto results =
          ledger.Submit(Sign(ledger.registrar, {Admit("s-1", "151")}));
      THEN("NOT_AUTHENTICATED; nothing but the refusal") {
        CheckRefused(results, xueji::v1::NOT_AUTHENTICATED, "is sealed");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
      }
    }
    WHEN("she tries to give herself a new key") {
      Ed25519PrivateKey fresh = NewKey();
      auto results = ledger.Submit(
          SignLines(ledger.registrar, {KeyLine("reg-sm", fresh)}));
      THEN("refused before deciding: her key is revoked") {
        CheckRefused(results, xueji::v1::NOT_AUTHENTICATED, "is sealed");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
        CHECK(ledger.Operator("reg-sm")->keys_size() == 1);
      }
    }
    WHEN("her approver tries to re-key her") {
      Ed25519PrivateKey fresh = NewKey();
      auto results =
          ledger.Submit(SignLines(ledger.approver, {KeyLine("reg-sm", fresh)}));
      THEN("OPERATOR_SEALED: her keys stay revoked") {
        REQUIRE(results.size() == 1);
        CHECK(results[0].code() == xueji::v1::OPERATOR_SEALED);
        CHECK(ledger.Operator("reg-sm")->keys_size() == 1);
      }
    }
    THEN("the log's signatures all verify") { CHECK(ledger.Audit().empty()); }
  }
}

SCENARIO("a log written before session 10 keeps each batch as an event",
         "[processor][keys][verify]") {
  GIVEN("a signed admission, its batch kept on its first event") {
    SignedLedger ledger;
    const auto heads = ledger.Heads();
    auto admitted =
        ledger.Submit(Sign(ledger.registrar, {Admit("o-1", "181")}));
    REQUIRE(admitted[0].status() == xueji::v1::PENDING_APPROVAL);
    CHECK(ledger.KindsSince(heads) == (V{"batch_kept", "record_requested"}));
    CHECK(ledger.Audit().empty());
    WHEN("the log holds the same batch the old way: a BatchSigned event") {
      std::vector<Event> events =
          ledger.EventsSince(std::vector<int64_t>(heads.size(), 0));
      std::vector<Event> olds;  // every batch of the log, the old way
      for (Event& e : events) {
        if (!e.has_signed_batch()) continue;
        Event& old = olds.emplace_back();
        old.set_partition(99);  // a partition of their own
        old.set_offset(static_cast<int64_t>(olds.size()) - 1);
        old.set_subject(BatchSubject(e.batch()));
        old.set_recorded_at(e.recorded_at());
        *old.mutable_actor() = e.actor();
        old.set_request_id(BatchRequestId(e.batch()));
        *old.mutable_batch_signed() = e.signed_batch();
        e.clear_signed_batch();
      }
      REQUIRE(olds.size() >= 2);  // the registry's batches and the admission
      events.insert(events.end(), olds.begin(), olds.end());
      THEN("verify reads it: every signature checks") {
        CHECK(SignedLedger::AuditOf(events).empty());
      }
      AND_WHEN("a byte of its signature is changed") {
        std::string* sig =
            events.back().mutable_batch_signed()->mutable_signature();
        (*sig)[3] = static_cast<char>((*sig)[3] ^ 1);
        THEN("verify finds it") {
          auto problems = SignedLedger::AuditOf(events);
          REQUIRE(problems.size() == 1);
          CHECK(problems[0].partition == 99);
          CHECK(problems[0].problem.find("does not verify") !=
                std::string::npos);
        }
      }
    }
    WHEN("the kept batch is moved to another event of the log") {
      std::vector<Event> events =
          ledger.EventsSince(std::vector<int64_t>(heads.size(), 0));
      xueji::v1::BatchSigned kept;
      for (Event& e : events) {
        if (e.has_signed_batch()) {
          kept = e.signed_batch();
          e.clear_signed_batch();
        }
      }
      for (Event& e : events) {
        if (e.batch().empty() && !e.has_ledger_initialized()) {
          *e.mutable_signed_batch() = kept;
          break;
        }
      }
      THEN("verify finds an event keeping a batch it does not belong to") {
        auto problems = SignedLedger::AuditOf(events);
        CHECK_FALSE(problems.empty());
        bool named = false;
        for (const SignatureProblem& p : problems) {
          if (p.problem.find("keeps batch") != std::string::npos) named = true;
        }
        CHECK(named);
      }
    }
  }
}

SCENARIO("key rotation: the old key is superseded, its events still verify",
         "[processor][keys]") {
  GIVEN("a registrar who admitted a child with her first key") {
    SignedLedger ledger;
    auto admitted =
        ledger.Submit(Sign(ledger.registrar, {Admit("r-1", "161")}));
    REQUIRE(admitted[0].status() == xueji::v1::PENDING_APPROVAL);
    WHEN("she rotates to a new key, signing with the old one") {
      ledger.now += absl::Hours(1);
      Ed25519PrivateKey next = NewKey();
      ledger.ExpectApplied(
          SignLines(ledger.registrar, {KeyLine("reg-sm", next)}));
      ledger.now += absl::Minutes(1);
      const auto heads = ledger.Heads();
      THEN("from then the old key is refused, the new one accepted") {
        CheckRefused(
            ledger.Submit(Sign(ledger.registrar, {Admit("r-2", "171")})),
            xueji::v1::NOT_AUTHENTICATED, "superseded");
        CHECK(ledger.KindsSince(heads) == V{"batch_refused"});
        auto fresh = ledger.Submit(Sign(next, {Admit("r-2", "171")}));
        INFO(fresh[0].message());
        CHECK(fresh[0].status() == xueji::v1::PENDING_APPROVAL);
        AND_THEN("every signature in the log verifies, old and new") {
          CHECK(ledger.Audit().empty());
        }
      }
    }
    WHEN("her approver rotates it for her") {
      Ed25519PrivateKey next = NewKey();
      ledger.ExpectApplied(
          SignLines(ledger.approver, {KeyLine("reg-sm", next)}));
      ledger.now += absl::Minutes(1);
      THEN("the new key signs for her") {
        auto fresh = ledger.Submit(Sign(next, {Admit("r-3", "173")}));
        CHECK(fresh[0].status() == xueji::v1::PENDING_APPROVAL);
        CHECK(ledger.Audit().empty());
      }
    }
  }
}

SCENARIO("a rotation in the same group commit as the old key's last batch",
         "[processor][keys]") {
  GIVEN("a production ledger (the Kafka processor commits batches in groups)") {
    SignedLedger ledger;
    Ed25519PrivateKey next = NewKey();
    WHEN("an admission with the old key, then the rotation, share one append") {
      SignedBatch admit = Sign(ledger.registrar, {Admit("g-1", "181")});
      SignedBatch rotate =
          SignLines(ledger.registrar, {KeyLine("reg-sm", next)});
      SignedBatch late = Sign(ledger.registrar, {Admit("g-2", "183")});
      auto results = ledger.processor->SubmitBatches({&admit, &rotate, &late});
      REQUIRE(results.ok());
      THEN(
          "the admission and the rotation apply, the old key after is "
          "refused") {
        CHECK((*results)[0][0].status() == xueji::v1::PENDING_APPROVAL);
        CHECK((*results)[1][0].status() == xueji::v1::APPLIED);
        CheckRefused((*results)[2], xueji::v1::NOT_AUTHENTICATED, "superseded");
        AND_THEN("verify finds every signature good (one time, one append)") {
          CHECK(ledger.Audit().empty());
        }
      }
    }
  }
}

// Submits three batches in one call, batch `forged` with a changed
// signature byte: it alone is refused, the other two apply.
void CheckOneForgedOfThree(SignedLedger& ledger,
                           std::array<SignedBatch, 3> batches, size_t forged) {
  std::string sig = batches[forged].signature();
  sig[3] = static_cast<char>(sig[3] ^ 0x40);
  batches[forged].set_signature(sig);
  const auto heads = ledger.Heads();
  auto results =
      ledger.processor->SubmitBatches({&batches[0], &batches[1], &batches[2]});
  REQUIRE(results.ok());
  for (size_t i = 0; i < batches.size(); ++i) {
    INFO("batch " << i);
    if (i == forged) {
      CheckRefused((*results)[i], xueji::v1::BAD_SIGNATURE, "does not verify");
    } else {
      CHECK((*results)[i][0].status() == xueji::v1::PENDING_APPROVAL);
    }
  }
  const V kinds = ledger.KindsSince(heads);
  CHECK(std::count(kinds.begin(), kinds.end(), "batch_kept") == 2);
  CHECK(std::count(kinds.begin(), kinds.end(), "batch_refused") == 1);
  CHECK(ledger.Audit().empty());
}

SCENARIO("a group commit checks its signatures ahead, each against its batch",
         "[processor][keys]") {
  GIVEN("a production ledger (signatures checked on a second thread)") {
    SignedLedger ledger;
    WHEN("the middle one of three batches has a changed signature byte") {
      THEN("only the forged batch is refused, the others apply") {
        CheckOneForgedOfThree(ledger,
                              {Sign(ledger.registrar, {Admit("h-1", "191")}),
                               Sign(ledger.registrar, {Admit("h-2", "193")}),
                               Sign(ledger.registrar, {Admit("h-3", "195")})},
                              1);
      }
    }
    WHEN("a forged batch comes before a good one taking the same child") {
      // Decided first on the assumption that its signature is good, the
      // forged batch must leave nothing the good one could trip over.
      THEN("the good batch admits the child under the same request id") {
        CheckOneForgedOfThree(ledger,
                              {Sign(ledger.registrar, {Admit("h-6", "201")}),
                               Sign(ledger.registrar, {Admit("h-6", "201")}),
                               Sign(ledger.registrar, {Admit("h-7", "203")})},
                              0);
      }
    }
    WHEN("a key is added and used in the same group") {
      Ed25519PrivateKey next = NewKey();
      SignedBatch rotate =
          SignLines(ledger.registrar, {KeyLine("reg-sm", next)});
      SignedBatch with_new = Sign(next, {Admit("h-4", "197")});
      SignedBatch with_old = Sign(ledger.registrar, {Admit("h-5", "199")});
      auto results =
          ledger.processor->SubmitBatches({&rotate, &with_new, &with_old});
      REQUIRE(results.ok());
      THEN("the new key verifies though no check could start ahead with it") {
        CHECK((*results)[0][0].status() == xueji::v1::APPLIED);
        CHECK((*results)[1][0].status() == xueji::v1::PENDING_APPROVAL);
        CheckRefused((*results)[2], xueji::v1::NOT_AUTHENTICATED, "superseded");
        CHECK(ledger.Audit().empty());
      }
    }
  }
}

// A registry line `signer` signs, refused NOT_AUTHORIZED with only the
// refusal (and the batch that sent it) appended.
void CheckRegistryRefused(SignedLedger& ledger, const Ed25519PrivateKey& signer,
                          RegistryLine line) {
  const auto heads = ledger.Heads();
  auto results = ledger.Submit(SignLines(signer, {std::move(line)}));
  REQUIRE(results.size() == 1);
  INFO(results[0].message());
  CHECK(results[0].status() == xueji::v1::REJECTED);
  CHECK(results[0].code() == xueji::v1::NOT_AUTHORIZED);
  CHECK(ledger.KindsSince(heads) == (V{"batch_kept", "request_rejected"}));
}

SCENARIO("a registry change by a lower level is refused",
         "[processor][keys][registry]") {
  GIVEN("a production ledger down to a kindergarten's registrar") {
    SignedLedger ledger;
    Ed25519PrivateKey rogue = NewKey();
    WHEN("the registrar registers an approver") {
      CheckRegistryRefused(
          ledger, ledger.registrar,
          OperatorLine("rogue", xueji::v1::APPROVER, kCounty, &rogue));
      THEN("there is no such approver") {
        CHECK_FALSE(ledger.Operator("rogue").has_value());
      }
    }
    WHEN("the approver registers an officer of her county") {
      CheckRegistryRefused(
          ledger, ledger.approver,
          OperatorLine("rogue", xueji::v1::OFFICER, kCounty, &rogue));
      THEN("there is no such officer") {
        CHECK_FALSE(ledger.Operator("rogue").has_value());
      }
    }
    WHEN("the approver registers a kindergarten in another county") {
      CheckRegistryRefused(
          ledger, ledger.approver,
          testing::KindergartenLine("350206001", kOtherCounty));
      THEN("there is no such kindergarten") {
        auto kg = ledger.processor->state().Kindergarten("350206001");
        REQUIRE(kg.ok());
        CHECK_FALSE(kg->has_value());
      }
    }
    WHEN("the registrar registers herself again") {
      CheckRegistryRefused(
          ledger, ledger.registrar,
          OperatorLine("reg-sm", xueji::v1::REGISTRAR, kKg, &ledger.registrar));
      THEN("she is as she was") {
        CHECK(ledger.Operator("reg-sm")->role() == xueji::v1::REGISTRAR);
      }
    }
    WHEN("the approver raises her own role to officer") {
      CheckRegistryRefused(
          ledger, ledger.approver,
          OperatorLine("appr-sm", xueji::v1::OFFICER, kCounty, nullptr));
      THEN("she is still an approver") {
        CHECK(ledger.Operator("appr-sm")->role() == xueji::v1::APPROVER);
      }
    }
    WHEN("the province officer raises herself to national") {
      CheckRegistryRefused(
          ledger, ledger.fj,
          OperatorLine("fj", xueji::v1::OFFICER, "00", &ledger.fj));
      THEN("her region is still 35") {
        CHECK(ledger.Operator("fj")->org() == "35");
      }
    }
    WHEN("the province officer re-registers herself in a city of her region") {
      // Her region would allow an officer of 3502 (Xiamen): only the rule
      // that nobody changes themselves refuses it.
      CheckRegistryRefused(
          ledger, ledger.fj,
          OperatorLine("fj", xueji::v1::OFFICER, "3502", &ledger.fj));
      THEN("her region is still 35") {
        CHECK(ledger.Operator("fj")->org() == "35");
      }
    }
    WHEN("the province officer registers another officer of Xiamen") {
      Ed25519PrivateKey xm = NewKey();
      auto results = ledger.Submit(SignLines(
          ledger.fj, {OperatorLine("xm", xueji::v1::OFFICER, "3502", &xm)}));
      THEN("applied: 35 strictly contains 3502") {
        REQUIRE(results.size() == 1);
        INFO(results[0].message());
        CHECK(results[0].status() == xueji::v1::APPLIED);
      }
    }
    WHEN("the registrar seals her approver") {
      CheckRegistryRefused(ledger, ledger.registrar, SealLine("appr-sm"));
      THEN("the approver is not sealed") {
        CHECK_FALSE(ledger.Operator("appr-sm")->sealed());
      }
    }
  }
}

SCENARIO("the root registers a province officer",
         "[processor][keys][registry]") {
  GIVEN("a fresh production ledger") {
    SignedLedger ledger;
    const auto heads = ledger.Heads();
    WHEN("the root signs an officer of Zhejiang (33)") {
      Ed25519PrivateKey zj = NewKey();
      auto results = ledger.Submit(SignLines(
          ledger.root, {OperatorLine("zj", xueji::v1::OFFICER, "33", &zj)}));
      THEN("applied, signed by root, and zj's key signs from then") {
        REQUIRE(results.size() == 1);
        INFO(results[0].message());
        CHECK(results[0].status() == xueji::v1::APPLIED);
        CHECK(ledger.KindsSince(heads) ==
              (V{"batch_kept", "operator_registered"}));
        for (const Event& e : ledger.EventsSince(heads)) {
          CHECK(e.actor().operator_id() == "root");
          if (Kind(e) == "operator_registered") {
            CHECK(e.key_id() == ledger.root.key_id());
            CHECK_FALSE(e.batch().empty());
          }
        }
        auto op = ledger.Operator("zj");
        REQUIRE(op.has_value());
        CHECK(op->role() == xueji::v1::OFFICER);
        CHECK(op->org() == "33");
        CHECK(ledger.Audit().empty());
      }
    }
    WHEN("the root registers an officer with a weak key: the identity point") {
      // With the identity as its key, R = identity and S = 0 would verify
      // every message: anyone could sign as that officer.
      std::string identity(kEd25519PublicKeySize, '\0');
      identity[0] = 1;
      auto results = ledger.Submit(SignLines(
          ledger.root,
          {testing::OperatorLine("zj", xueji::v1::OFFICER, "33", identity)}));
      THEN("refused INVALID_FIELD, no officer, and no forged batch passes") {
        REQUIRE(results.size() == 1);
        INFO(results[0].message());
        CHECK(results[0].status() == xueji::v1::REJECTED);
        CHECK(results[0].code() == xueji::v1::INVALID_FIELD);
        CHECK(results[0].message().find("prime-order") != std::string::npos);
        CHECK(ledger.KindsSince(heads) ==
              (V{"batch_kept", "request_rejected"}));
        CHECK_FALSE(ledger.Operator("zj").has_value());
      }
    }
    WHEN("Fujian's officer registers Zhejiang's approver") {
      Ed25519PrivateKey x = NewKey();
      CheckRegistryRefused(
          ledger, ledger.fj,
          OperatorLine("zj-appr", xueji::v1::APPROVER, "330106", &x));
      THEN("no such approver") {
        CHECK_FALSE(ledger.Operator("zj-appr").has_value());
      }
    }
  }
}

}  // namespace
}  // namespace xueji
