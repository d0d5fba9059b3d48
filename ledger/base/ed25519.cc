#include "ledger/base/ed25519.h"

#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "ledger/base/sha256.h"
#include "ledger/base/strings.h"

namespace xueji {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

// OpenSSL's error queue as text (and cleared), for the rare internal failure.
std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  std::string text = "unknown error";
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

std::shared_ptr<evp_pkey_st> Share(EVP_PKEY* key) {
  return std::shared_ptr<evp_pkey_st>(key, EVP_PKEY_free);
}

absl::StatusOr<std::string> RawPublicKey(EVP_PKEY* key) {
  unsigned char raw[kEd25519PublicKeySize];
  size_t length = sizeof(raw);
  if (EVP_PKEY_get_raw_public_key(key, raw, &length) != 1 ||
      length != kEd25519PublicKeySize) {
    return absl::InternalError(
        Cat("Ed25519: cannot read the public key: ", OpenSslError()));
  }
  return std::string(reinterpret_cast<const char*>(raw), length);
}

// libsodium's one-time setup (thread-safe, idempotent); false if it failed.
bool SodiumReady() {
  static const bool ready = sodium_init() >= 0;
  return ready;
}

// Never prompts for a passphrase: an encrypted key file is an error.
int NoPassphrase(char*, int, int, void*) { return -1; }

}  // namespace

std::string DomainSeparated(std::string_view domain, std::string_view message) {
  std::string bytes;
  bytes.reserve(domain.size() + 1 + message.size());
  bytes.append(domain);
  bytes.push_back('\0');
  bytes.append(message);
  return bytes;
}

Ed25519PrivateKey::Ed25519PrivateKey(std::shared_ptr<evp_pkey_st> key,
                                     std::string public_key)
    : key_(std::move(key)),
      public_key_(std::move(public_key)),
      key_id_(KeyId(public_key_)) {}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::Generate() {
  EVP_PKEY* key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (key == nullptr) {
    return absl::InternalError(
        Cat("Ed25519: key generation failed: ", OpenSslError()));
  }
  std::shared_ptr<evp_pkey_st> shared = Share(key);
  auto public_key = RawPublicKey(key);
  if (!public_key.ok()) return public_key.status();
  return Ed25519PrivateKey(std::move(shared), *std::move(public_key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromSeed(
    std::string_view seed) {
  if (seed.size() != kEd25519SeedSize) {
    return absl::InvalidArgumentError(
        Cat("an Ed25519 seed is 32 bytes, not ", seed.size()));
  }
  EVP_PKEY* key = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr,
      reinterpret_cast<const unsigned char*>(seed.data()), seed.size());
  if (key == nullptr) {
    return absl::InternalError(Cat("Ed25519: ", OpenSslError()));
  }
  std::shared_ptr<evp_pkey_st> shared = Share(key);
  auto public_key = RawPublicKey(key);
  if (!public_key.ok()) return public_key.status();
  return Ed25519PrivateKey(std::move(shared), *std::move(public_key));
}

absl::StatusOr<Ed25519PrivateKey> Ed25519PrivateKey::FromPem(
    std::string_view pem, std::string_view what) {
  if (pem.find("-----BEGIN ") == std::string_view::npos) {
    return absl::InvalidArgumentError(
        Cat(what, " is not a PEM key file (no -----BEGIN line)"));
  }
  if (pem.find("-----BEGIN ENCRYPTED PRIVATE KEY-----") !=
          std::string_view::npos ||
      pem.find("Proc-Type: 4,ENCRYPTED") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        Cat(what,
            " holds an encrypted private key; the ledger needs an "
            "unencrypted Ed25519 key as `ledger keygen` writes it"));
  }
  if (pem.find("PRIVATE KEY-----") == std::string_view::npos &&
      pem.find("PUBLIC KEY-----") != std::string_view::npos) {
    return absl::InvalidArgumentError(
        Cat(what, " holds a public key, not a private key"));
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
             BIO_free);
  if (bio == nullptr) {
    return absl::ResourceExhaustedError(Cat("Ed25519: ", OpenSslError()));
  }
  EVP_PKEY* raw =
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr);
  if (raw == nullptr) {
    ERR_clear_error();
    return absl::InvalidArgumentError(
        Cat(what, " is not a PEM private key (malformed or truncated)"));
  }
  std::shared_ptr<evp_pkey_st> key = Share(raw);
  if (EVP_PKEY_get_base_id(raw) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(raw);
    return absl::InvalidArgumentError(
        Cat(what, " holds ", type != nullptr ? type : "another kind of",
            " key, not an Ed25519 key (make one with `ledger keygen`)"));
  }
  auto public_key = RawPublicKey(raw);
  if (!public_key.ok()) return public_key.status();
  return Ed25519PrivateKey(std::move(key), *std::move(public_key));
}

absl::StatusOr<std::string> Ed25519PrivateKey::ToPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()), BIO_free);
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0,
                               nullptr, nullptr) != 1) {
    return absl::InternalError(
        Cat("Ed25519: cannot write the key as PEM: ", OpenSslError()));
  }
  char* data = nullptr;
  long length = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(length));
}

absl::StatusOr<std::string> Ed25519PrivateKey::SignRaw(
    std::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char signature[kEd25519SignatureSize];
  size_t length = sizeof(signature);
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_.get()) !=
          1 ||
      EVP_DigestSign(ctx.get(), signature, &length,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return absl::InternalError(
        Cat("Ed25519: signing failed: ", OpenSslError()));
  }
  return std::string(reinterpret_cast<const char*>(signature), length);
}

absl::StatusOr<std::string> Ed25519PrivateKey::Sign(
    std::string_view domain, std::string_view message) const {
  return SignRaw(DomainSeparated(domain, message));
}

absl::Status CheckPublicKey(std::string_view public_key) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        Cat("an Ed25519 public key is 32 bytes, not ", public_key.size()));
  }
  if (!SodiumReady()) return absl::InternalError("libsodium: init failed");
  if (crypto_core_ed25519_is_valid_point(
          reinterpret_cast<const unsigned char*>(public_key.data())) != 1) {
    return absl::InvalidArgumentError(
        "not a usable Ed25519 public key: not a canonical point of the "
        "curve's prime-order group (a weak key, for which signatures can be "
        "forged)");
  }
  return absl::OkStatus();
}

absl::Status VerifyRaw(std::string_view public_key, std::string_view message,
                       std::string_view signature) {
  if (public_key.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        Cat("an Ed25519 public key is 32 bytes, not ", public_key.size()));
  }
  if (signature.size() != kEd25519SignatureSize) {
    return absl::PermissionDeniedError(
        Cat("signature does not verify (", signature.size(),
            " bytes; an Ed25519 signature is 64)"));
  }
  if (!SodiumReady()) return absl::InternalError("libsodium: init failed");
  // RFC 8032 verification, refusing non-canonical encodings and small-order
  // keys and R (libsodium's checks; libcrypto accepts, e.g., the identity
  // as a key, for which one signature verifies every message).
  if (crypto_sign_verify_detached(
          reinterpret_cast<const unsigned char*>(signature.data()),
          reinterpret_cast<const unsigned char*>(message.data()),
          message.size(),
          reinterpret_cast<const unsigned char*>(public_key.data())) != 0) {
    return absl::PermissionDeniedError("signature does not verify");
  }
  return absl::OkStatus();
}

absl::Status Verify(std::string_view public_key, std::string_view domain,
                    std::string_view message, std::string_view signature) {
  return VerifyRaw(public_key, DomainSeparated(domain, message), signature);
}

std::string KeyId(std::string_view public_key) {
  return Cat("ed25519:", HexEncode(Sha256(public_key)).substr(0, 16));
}

std::string Base64Encode(std::string_view bytes) {
  return absl::Base64Escape(Av(bytes));
}

absl::StatusOr<std::string> ParsePublicKeyBase64(std::string_view text) {
  absl::string_view trimmed = absl::StripAsciiWhitespace(Av(text));
  std::string raw;
  if (trimmed.empty()) {
    return absl::InvalidArgumentError("the public key is empty");
  }
  if (!absl::Base64Unescape(trimmed, &raw) ||
      absl::Base64Escape(raw) != trimmed) {
    return absl::InvalidArgumentError(
        "the public key is not base64 (as `ledger keygen` prints it)");
  }
  if (raw.size() != kEd25519PublicKeySize) {
    return absl::InvalidArgumentError(
        Cat("the public key is ", raw.size(),
            " bytes; an Ed25519 public key is 32 (base64 of the raw key, "
            "as `ledger keygen` prints it)"));
  }
  if (absl::Status usable = CheckPublicKey(raw); !usable.ok()) return usable;
  return raw;
}

namespace {

absl::StatusOr<std::string> ReadSmallFile(const std::string& path,
                                          std::string_view what) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    int err = errno;
    if (err == ENOENT) {
      return absl::NotFoundError(Cat(what, " ", path, " does not exist"));
    }
    return absl::InvalidArgumentError(
        Cat("cannot read ", what, " ", path, ": ", std::strerror(err)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(
        Cat(what, " ", path, " is not a regular file"));
  }
  if (st.st_size > 64 * 1024) {
    return absl::InvalidArgumentError(Cat(
        what, " ", path, " is too large to be a key (", st.st_size, " bytes)"));
  }
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    return absl::InvalidArgumentError(
        Cat("cannot read ", what, " ", path, ": ", std::strerror(errno)));
  }
  return text.str();
}

}  // namespace

absl::StatusOr<Ed25519PrivateKey> LoadPrivateKeyFile(const std::string& path) {
  auto text = ReadSmallFile(path, "key file");
  if (!text.ok()) return text.status();
  return Ed25519PrivateKey::FromPem(*text, Cat("key file ", path));
}

absl::StatusOr<std::string> LoadPublicKeyFile(const std::string& path) {
  auto text = ReadSmallFile(path, "public key file");
  if (!text.ok()) return text.status();
  auto key = ParsePublicKeyBase64(*text);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        Cat("public key file ", path, ": ", key.status().message()));
  }
  return key;
}

absl::Status WritePrivateKeyFile(const std::string& path,
                                 const Ed25519PrivateKey& key) {
  auto pem = key.ToPem();
  if (!pem.ok()) return pem.status();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) {
      return absl::AlreadyExistsError(
          Cat(path, " exists; a key file is never overwritten"));
    }
    return absl::InvalidArgumentError(
        Cat("cannot create ", path, ": ", std::strerror(err)));
  }
  auto fail = [&](std::string what) {
    int err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    return absl::InternalError(
        Cat("cannot ", what, " ", path, ": ", std::strerror(err)));
  };
  if (::fchmod(fd, 0600) != 0) return fail("set the mode of");
  std::string_view rest = *pem;
  while (!rest.empty()) {
    ssize_t n = ::write(fd, rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("write");
    }
    rest.remove_prefix(static_cast<size_t>(n));
  }
  if (::fsync(fd) != 0) return fail("sync");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(path.c_str());
    return absl::InternalError(
        Cat("cannot close ", path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

}  // namespace xueji
