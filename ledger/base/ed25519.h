// Ed25519 keys and signatures, for the signed request batches and digests of
// issue 9 (docs/accountability.md): keys and signing with OpenSSL's libcrypto
// (EVP, PEM files), verification with libsodium (2.3x faster here, and
// strict: it refuses small-order and non-canonical keys and points, which
// libcrypto accepts).
//
// - A private key lives in a PKCS#8 PEM file (`ledger keygen` writes one,
//   mode 0600, never overwriting); `LoadPrivateKeyFile` reads one back and
//   says clearly what is wrong with a file that is not one (missing,
//   unreadable, not PEM, encrypted, another key type).
// - A public key travels as its raw 32 bytes, in JSON and on the terminal as
//   standard base64 (44 characters), as keygen prints it.
// - A key's id is "ed25519:" + the first 16 hex digits of SHA-256 of the raw
//   public key.
// - Signatures are domain-separated: Sign(domain, message) signs
//   domain + NUL + message, so a signature made for one kind of document
//   (e.g. "xueji.v1.RequestBatch") is never valid for another.
//
// Ownership: Ed25519PrivateKey owns its EVP_PKEY (copyable; copies share the
// reference-counted key). Thread-safety: a const Ed25519PrivateKey may sign
// from several threads (each call uses its own context); the free functions
// are pure.
#ifndef XUEJI_LEDGER_BASE_ED25519_H_
#define XUEJI_LEDGER_BASE_ED25519_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY

namespace xueji {

inline constexpr std::size_t kEd25519PublicKeySize = 32;
inline constexpr std::size_t kEd25519SeedSize = 32;
inline constexpr std::size_t kEd25519SignatureSize = 64;

// The bytes a domain-separated signature covers: domain + NUL + message.
std::string DomainSeparated(std::string_view domain, std::string_view message);

class Ed25519PrivateKey {
 public:
  // A fresh key from the system's random source.
  static absl::StatusOr<Ed25519PrivateKey> Generate();
  // From the 32-byte seed (RFC 8032's "secret key"); for tests and vectors.
  static absl::StatusOr<Ed25519PrivateKey> FromSeed(std::string_view seed);
  // From PEM text (PKCS#8 "PRIVATE KEY"). InvalidArgument, naming `what`
  // (e.g. the file), for text that is not a PEM private key, an encrypted
  // one, or a key of another type.
  static absl::StatusOr<Ed25519PrivateKey> FromPem(std::string_view pem,
                                                   std::string_view what);

  // PKCS#8 PEM text, as LoadPrivateKeyFile reads it.
  absl::StatusOr<std::string> ToPem() const;

  const std::string& public_key() const { return public_key_; }  // raw 32
  const std::string& key_id() const { return key_id_; }

  // Ed25519 over `message` exactly (RFC 8032); 64 bytes.
  absl::StatusOr<std::string> SignRaw(std::string_view message) const;
  // Ed25519 over DomainSeparated(domain, message).
  absl::StatusOr<std::string> Sign(std::string_view domain,
                                   std::string_view message) const;

 private:
  Ed25519PrivateKey(std::shared_ptr<evp_pkey_st> key, std::string public_key);

  std::shared_ptr<evp_pkey_st> key_;
  std::string public_key_;
  std::string key_id_;
};

// OK for a public key that signatures can be checked against: 32 bytes
// encoding a point of the prime-order group. InvalidArgument, saying why,
// for anything else (a small-order point such as the identity would let
// anyone forge signatures that verify).
absl::Status CheckPublicKey(std::string_view public_key);
// Checks a signature made by SignRaw. OK, or InvalidArgument for a public
// key that is not 32 bytes, PermissionDenied("signature does not verify")
// for a signature that is malformed or over other bytes, or under a key
// CheckPublicKey refuses.
absl::Status VerifyRaw(std::string_view public_key, std::string_view message,
                       std::string_view signature);
// Checks a signature made by Sign(domain, message).
absl::Status Verify(std::string_view public_key, std::string_view domain,
                    std::string_view message, std::string_view signature);

// "ed25519:" + the first 16 hex digits of SHA-256(public_key).
std::string KeyId(std::string_view public_key);

// Standard base64 with padding, as keygen prints a public key.
std::string Base64Encode(std::string_view bytes);
// A public key from its base64 text (surrounding whitespace allowed):
// exactly 32 bytes in canonical base64, else InvalidArgument saying why.
absl::StatusOr<std::string> ParsePublicKeyBase64(std::string_view text);

// Reads a private key file. NotFound for a missing file, InvalidArgument
// naming the file for anything that is not an Ed25519 PEM private key.
absl::StatusOr<Ed25519PrivateKey> LoadPrivateKeyFile(const std::string& path);
// Reads a public key file: its base64 text as keygen prints it (one line).
absl::StatusOr<std::string> LoadPublicKeyFile(const std::string& path);
// Writes `key` to a new file `path`, mode 0600 whatever the umask, fsynced.
// AlreadyExists if the file exists (a key is never overwritten).
absl::Status WritePrivateKeyFile(const std::string& path,
                                 const Ed25519PrivateKey& key);

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_ED25519_H_
