#include "ledger/base/ed25519.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/escaping.h"
#include "catch2/catch.hpp"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

std::string Hex(const char* hex) { return absl::HexStringToBytes(hex); }

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// An RFC 8032 (section 7.1) test vector: the key from `seed`, its public
// half, the signature of `message`, which verifies.
void CheckRfc8032Vector(const char* seed, const char* public_key,
                        const std::string& message,
                        const std::string& signature) {
  auto key = Ed25519PrivateKey::FromSeed(Hex(seed));
  REQUIRE(key.ok());
  CHECK(absl::BytesToHexString(key->public_key()) == public_key);
  auto signed_message = key->SignRaw(message);
  REQUIRE(signed_message.ok());
  CHECK(absl::BytesToHexString(*signed_message) == signature);
  CHECK(VerifyRaw(key->public_key(), message, *signed_message).ok());
}

TEST_CASE("Ed25519: RFC 8032 test vector 1 (empty message)") {
  CheckRfc8032Vector(
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555f"
      "b8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
}

TEST_CASE("Ed25519: RFC 8032 test vector 2 (one byte)") {
  CheckRfc8032Vector(
      "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
      "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
      Hex("72"),
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
      "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
}

TEST_CASE("Ed25519: a signature is bound to its domain and its bytes") {
  auto key = Ed25519PrivateKey::Generate();
  REQUIRE(key.ok());
  auto signature = key->Sign("xueji.v1.RequestBatch", "body");
  REQUIRE(signature.ok());
  CHECK(signature->size() == kEd25519SignatureSize);
  CHECK(Verify(key->public_key(), "xueji.v1.RequestBatch", "body", *signature)
            .ok());
  // Other bytes, another domain, the raw message, a changed signature byte.
  CHECK(absl::IsPermissionDenied(
      Verify(key->public_key(), "xueji.v1.RequestBatch", "bodY", *signature)));
  CHECK(absl::IsPermissionDenied(
      Verify(key->public_key(), "xueji.v1.LedgerDigest", "body", *signature)));
  CHECK(absl::IsPermissionDenied(
      VerifyRaw(key->public_key(), "body", *signature)));
  std::string changed = *signature;
  changed[10] ^= 0x01;
  CHECK(absl::IsPermissionDenied(
      Verify(key->public_key(), "xueji.v1.RequestBatch", "body", changed)));
  CHECK(absl::IsPermissionDenied(Verify(key->public_key(),
                                        "xueji.v1.RequestBatch", "body",
                                        signature->substr(0, 63))));
  // Another key.
  auto other = Ed25519PrivateKey::Generate();
  REQUIRE(other.ok());
  CHECK(absl::IsPermissionDenied(Verify(
      other->public_key(), "xueji.v1.RequestBatch", "body", *signature)));
  CHECK(absl::IsInvalidArgument(
      Verify("short", "xueji.v1.RequestBatch", "body", *signature)));
  // Domain separation: the NUL keeps "a"+"bc" apart from "ab"+"c".
  CHECK(DomainSeparated("ab", "c") != DomainSeparated("a", "bc"));
}

TEST_CASE("Ed25519: a weak key verifies nothing and is refused") {
  // The identity point as a "public key": with R the identity and S = 0,
  // [S]B = R + [k]A holds for every message k, so one signature would
  // verify anything (libcrypto accepts it). Also a key of order 2, and
  // p itself (a non-canonical encoding).
  const std::string identity =
      Hex("0100000000000000000000000000000000000000000000000000000000000000");
  const std::string order_two =
      Hex("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  const std::string non_canonical =
      Hex("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f");
  const std::string forged = identity + std::string(32, '\0');
  for (const std::string& message : {std::string("body"), std::string("x")}) {
    CHECK(absl::IsPermissionDenied(VerifyRaw(identity, message, forged)));
    CHECK(absl::IsPermissionDenied(
        Verify(identity, "xueji.v1.RequestBatch", message, forged)));
  }
  for (const std::string& weak : {identity, order_two, non_canonical}) {
    const absl::Status checked = CheckPublicKey(weak);
    CHECK(absl::IsInvalidArgument(checked));
    CHECK(checked.message().find("prime-order") != absl::string_view::npos);
    CHECK(absl::IsInvalidArgument(
        ParsePublicKeyBase64(Base64Encode(weak)).status()));
  }
  auto key = Ed25519PrivateKey::Generate();
  REQUIRE(key.ok());
  CHECK(CheckPublicKey(key->public_key()).ok());
  CHECK(absl::IsInvalidArgument(CheckPublicKey("short")));
}

TEST_CASE("Ed25519: key id and base64 of the public key") {
  auto key = Ed25519PrivateKey::FromSeed(
      Hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"));
  REQUIRE(key.ok());
  CHECK(key->key_id() == "ed25519:21fe31dfa154a261");  // sha256sum
  CHECK(key->key_id() == KeyId(key->public_key()));
  CHECK(key->key_id().rfind("ed25519:", 0) == 0);
  CHECK(key->key_id().size() == 8 + 16);
  std::string text = Base64Encode(key->public_key());
  CHECK(text == "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  auto parsed = ParsePublicKeyBase64(" " + text + "\n");
  REQUIRE(parsed.ok());
  CHECK(*parsed == key->public_key());
  CHECK(absl::IsInvalidArgument(ParsePublicKeyBase64("").status()));
  CHECK(absl::IsInvalidArgument(ParsePublicKeyBase64("not base64!").status()));
  CHECK(absl::IsInvalidArgument(
      ParsePublicKeyBase64(Base64Encode("sixteen bytes...")).status()));
  // Unpadded is not canonical.
  CHECK(absl::IsInvalidArgument(
      ParsePublicKeyBase64(text.substr(0, text.size() - 1)).status()));
}

TEST_CASE("Ed25519: a key file round-trips, 0600, never overwritten") {
  TempDir dir;
  std::string path = dir.Sub("op.key");
  auto key = Ed25519PrivateKey::Generate();
  REQUIRE(key.ok());
  ::umask(0);
  REQUIRE(WritePrivateKeyFile(path, *key).ok());
  ::umask(022);
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = LoadPrivateKeyFile(path);
  REQUIRE(loaded.ok());
  CHECK(loaded->public_key() == key->public_key());
  auto signature = loaded->Sign("d", "m");
  REQUIRE(signature.ok());
  CHECK(Verify(key->public_key(), "d", "m", *signature).ok());

  auto other = Ed25519PrivateKey::Generate();
  REQUIRE(other.ok());
  absl::Status again = WritePrivateKeyFile(path, *other);
  CHECK(absl::IsAlreadyExists(again));
  auto still = LoadPrivateKeyFile(path);
  REQUIRE(still.ok());
  CHECK(still->public_key() == key->public_key());
}

TEST_CASE("Ed25519: key files that are not Ed25519 private keys") {
  TempDir dir;
  SECTION("missing") {
    auto key = LoadPrivateKeyFile(dir.Sub("none.key"));
    CHECK(absl::IsNotFound(key.status()));
  }
  SECTION("not PEM") {
    WriteText(dir.Sub("k"), "hello\n");
    auto key = LoadPrivateKeyFile(dir.Sub("k"));
    CHECK(absl::IsInvalidArgument(key.status()));
    CHECK(key.status().message().find("not a PEM key file") !=
          std::string::npos);
  }
  SECTION("truncated PEM") {
    auto good = Ed25519PrivateKey::Generate();
    REQUIRE(good.ok());
    std::string pem = *good->ToPem();
    WriteText(dir.Sub("k"), pem.substr(0, pem.size() / 2));
    auto key = LoadPrivateKeyFile(dir.Sub("k"));
    CHECK(absl::IsInvalidArgument(key.status()));
    CHECK(key.status().message().find("malformed") != std::string::npos);
  }
  SECTION("a public key") {
    WriteText(dir.Sub("k"),
              "-----BEGIN PUBLIC KEY-----\n"
              "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
              "-----END PUBLIC KEY-----\n");
    auto key = LoadPrivateKeyFile(dir.Sub("k"));
    CHECK(absl::IsInvalidArgument(key.status()));
    CHECK(key.status().message().find("public key") != std::string::npos);
  }
  SECTION("an EC (P-256) key") {
    WriteText(
        dir.Sub("k"),
        "-----BEGIN PRIVATE KEY-----\n"
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg7ejYv8lcRJdLox7I\n"
        "Enyv2ddfoD/+v+hPg07zagExf1OhRANCAATCyOnB2LMjCXDciC7SF0lhvoelEGa4\n"
        "9BjDblfp7hdypjaWbVVc15iHwZdWikVYH+IyAkwnBAwGtcFbbhsveBi4\n"
        "-----END PRIVATE KEY-----\n");
    auto key = LoadPrivateKeyFile(dir.Sub("k"));
    CHECK(absl::IsInvalidArgument(key.status()));
    CHECK(key.status().message().find("not an Ed25519 key") !=
          std::string::npos);
  }
}

}  // namespace
}  // namespace xueji
