// Keys through the real binary (issue 9, docs/accountability.md): a
// production ledger from `ledger keygen` and `ledger init --root-key`, its
// registry set up level by level with signed `registry load`s, and the
// issue's attacks refused: the registrar who approves her own admission by
// naming her approver as actor, the self-registered approver, unsigned
// requests; `verify` finds a changed signature byte; bad key files are
// usage errors naming the problem; `history` shows who signed.
//
// A production ledger runs on the system clock (LEDGER_NOW is ignored):
// see keys_e2e.h.
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e_support.h"
#include "tests/keys_e2e.h"
#include "tests/log_tamper.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;

// A PEM key of another algorithm (libcrypto, as `openssl genpkey` makes
// them): its private key, or with `public_only` its public key.
std::string OtherKeyPem(const char* algorithm, bool public_only = false) {
  EVP_PKEY* key = std::string(algorithm) == "RSA"
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, algorithm);
  REQUIRE(key != nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  const int written = public_only
                          ? PEM_write_bio_PUBKEY(bio, key)
                          : PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr,
                                                     0, nullptr, nullptr);
  REQUIRE(written == 1);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(size));
  BIO_free(bio);
  EVP_PKEY_free(key);
  return pem;
}

using Key = KeyFiles;

Key Keygen(const TestLedger& ledger, const std::string& name) {
  return e2e::Keygen(ledger.tmp().Sub(name + ".pem"));
}

std::vector<xueji::v1::Result> Results(const RunResult& r) {
  std::vector<std::string> errors;
  std::vector<xueji::v1::Result> results = ParseResults(r.out, &errors);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(errors.empty());
  return results;
}

// One result, REQUIREd; its code checked.
void CheckOne(const RunResult& r, xueji::v1::ResultStatus status,
              xueji::v1::ReasonCode code = xueji::v1::REASON_CODE_UNSPECIFIED) {
  std::vector<xueji::v1::Result> results = Results(r);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(results.size() == 1);
  CHECK(results[0].status() == status);
  CHECK(results[0].code() == code);
  CHECK(r.exit_code == (status == xueji::v1::REJECTED ? 1 : 0));
}

// The province as README's commands set it up: root -> Fujian's officer ->
// 思明区's approver, its kindergarten and that kindergarten's registrar.
struct Province {
  explicit Province(const TestLedger& l) : ledger(l) {
    root = Keygen(ledger, "root");
    fj = Keygen(ledger, "fj");
    approver = Keygen(ledger, "appr-sm");
    registrar = Keygen(ledger, "reg-sm");
    const std::string pub = ledger.tmp().Sub("root.pub");
    WriteFile(pub, root.public_key + "\n");
    RunResult init = ledger.Run({"init", "--root-key", pub});
    INFO("init: " << init.out << init.err);
    REQUIRE(init.exit_code == 0);
    Load(root, {OperatorLine("fj", "OFFICER", "35", fj.public_key)},
         "fj.jsonl");
    Load(fj,
         {OperatorLine("appr-sm", "APPROVER", "350203", approver.public_key),
          R"({"kindergarten":{"code":"350203001","name":"思明区鹭岛幼儿园",)"
          R"("county":"350203"}})",
          OperatorLine("reg-sm", "REGISTRAR", "350203001",
                       registrar.public_key)},
         "siming.jsonl");
  }
  void Load(const Key& key, const std::vector<std::string>& lines,
            const std::string& file) const {
    RunResult r = ledger.Run({"--key", key.file, "registry", "load",
                              ledger.WriteLines(lines, file)});
    INFO("registry load " << file << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    for (const auto& result : Results(r)) {
      CHECK(result.status() == xueji::v1::APPLIED);
    }
  }
  RunResult Submit(const Key* key, const std::vector<std::string>& lines,
                   const std::string& file) const {
    std::vector<std::string> args;
    if (key != nullptr) args = {"--key", key->file};
    args.push_back("submit");
    args.push_back(ledger.WriteLines(lines, file));
    return ledger.Run(args);
  }
  const TestLedger& ledger;
  Key root, fj, approver, registrar;
};

TEST_CASE("a production ledger from keygen: signed registry and requests",
          "[e2e][keys]") {
  TestLedger ledger{TestLedger::Uninitialised{}};
  Province province(ledger);
  std::string id_number;
  CheckOne(province.Submit(&province.registrar,
                           {AdmitLine("adm-1", 1, &id_number)}, "admit.jsonl"),
           xueji::v1::PENDING_APPROVAL);

  SECTION("the registrar approving her own admission as her approver") {
    RunResult r =
        province.Submit(&province.registrar,
                        {R"({"requestId":"imp-1","actor":"appr-sm","approve":)"
                         R"({"requestId":"adm-1"}})"},
                        "impersonate.jsonl");
    CheckOne(r, xueji::v1::REJECTED, xueji::v1::NOT_AUTHENTICATED);
    // The approver's own signed approval still goes through.
    CheckOne(province.Submit(
                 &province.approver,
                 {R"({"requestId":"ok-1","approve":{"requestId":"adm-1"}})"},
                 "approve.jsonl"),
             xueji::v1::APPLIED);
  }
  SECTION("the self-registered approver of issue 9") {
    const std::string rogue =
        R"({"operator":{"id":"rogue","role":"APPROVER","org":"350203"}})";
    RunResult by_registrar =
        ledger.Run({"--key", province.registrar.file, "registry", "load",
                    ledger.WriteLines({rogue}, "rogue.jsonl")});
    CheckOne(by_registrar, xueji::v1::REJECTED, xueji::v1::NOT_AUTHORIZED);
    RunResult unsigned_load = ledger.Run(
        {"registry", "load", ledger.WriteLines({rogue}, "rogue2.jsonl")});
    CheckOne(unsigned_load, xueji::v1::REJECTED, xueji::v1::NOT_AUTHENTICATED);
    // And "rogue" can approve nothing.
    CheckOne(province.Submit(nullptr,
                             {R"({"requestId":"rg-1","actor":"rogue",)"
                              R"("approve":{"requestId":"adm-1"}})"},
                             "rogue-approve.jsonl"),
             xueji::v1::REJECTED, xueji::v1::NOT_AUTHENTICATED);
  }
  SECTION("an unsigned submit") {
    RunResult r =
        province.Submit(nullptr,
                        {R"({"requestId":"u-1","actor":"reg-sm",)" +
                         AdmitLine("u-1", 2).substr(
                             std::string(R"({"requestId":"u-1",)").size())},
                        "unsigned.jsonl");
    CheckOne(r, xueji::v1::REJECTED, xueji::v1::NOT_AUTHENTICATED);
    CHECK(r.out.find("not signed") != std::string::npos);
  }
  SECTION("history shows who signed with which key") {
    CheckOne(province.Submit(
                 &province.approver,
                 {R"({"requestId":"ok-2","approve":{"requestId":"adm-1"}})"},
                 "approve.jsonl"),
             xueji::v1::APPLIED);
    RunResult h = ledger.Run(
        {"--key", province.approver.file, "history", "G" + id_number});
    INFO("history: " << h.out << h.err);
    REQUIRE(h.exit_code == 0);
    CHECK(h.out.find("signed with") != std::string::npos);
    CHECK(h.out.find(province.registrar.key_id) != std::string::npos);
    CHECK(h.out.find(province.approver.key_id) != std::string::npos);
    CHECK(h.out.find("reg-sm") != std::string::npos);
    CHECK(h.out.find("appr-sm") != std::string::npos);
  }
  SECTION("verify re-checks every signature, and finds a changed byte") {
    RunResult intact = ledger.Run({"verify"});
    INFO("verify: " << intact.out << intact.err);
    REQUIRE(intact.exit_code == 0);
    TamperResult t = RewriteEventAndReseal(
        (fs::path(ledger.data_dir()) / "log").string(),
        [](xueji::v1::Event* e) {
          if (!e->has_batch_signed()) return false;
          std::string* sig = e->mutable_batch_signed()->mutable_signature();
          (*sig)[5] = static_cast<char>((*sig)[5] ^ 0x20);
          return true;
        });
    INFO(t.error);
    REQUIRE(t.changed);
    RunResult tampered = ledger.Run({"verify"});
    INFO("verify: " << tampered.out << tampered.err);
    CHECK(tampered.exit_code == 3);
    CHECK(tampered.out.find("SIGNATURE at partition " +
                            std::to_string(t.partition) + " offset " +
                            std::to_string(t.offset)) != std::string::npos);
  }
}

TEST_CASE("key files that are not Ed25519 private keys are usage errors",
          "[e2e][keys]") {
  TestLedger ledger{TestLedger::Uninitialised{}};
  Province province(ledger);
  const std::string admit = ledger.WriteLines({AdmitLine("k-1", 3)}, "k.jsonl");
  auto check = [&](const std::string& file, const std::string& words) {
    RunResult r = ledger.Run({"--key", file, "submit", admit});
    INFO(file << ": " << r.out << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find(file) != std::string::npos);
    CHECK(r.err.find(words) != std::string::npos);
  };
  SECTION("malformed") {
    const std::string f = ledger.tmp().Sub("garbage.pem");
    WriteFile(f, "this is not a key\n");
    check(f, "not a PEM key file");
    WriteFile(f,
              "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
    check(f, "malformed");
  }
  SECTION("another type: RSA, X25519") {
    for (const char* algorithm : {"RSA", "X25519"}) {
      const std::string f = ledger.tmp().Sub(std::string(algorithm) + ".pem");
      WriteFile(f, OtherKeyPem(algorithm));
      check(f, "not an Ed25519 key");
    }
  }
  SECTION("a public key file instead of a private one") {
    const std::string f = ledger.tmp().Sub("pub.pem");
    WriteFile(f, OtherKeyPem("ED25519", /*public_only=*/true));
    check(f, "public key");
  }
  SECTION("a missing file") {
    RunResult r =
        ledger.Run({"--key", ledger.tmp().Sub("none.pem"), "submit", admit});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("none.pem") != std::string::npos);
  }
  // Nothing was decided: the admission is still free.
  CheckOne(
      province.Submit(&province.registrar, {AdmitLine("k-1", 3)}, "k2.jsonl"),
      xueji::v1::PENDING_APPROVAL);
}

}  // namespace
}  // namespace xueji::e2e
