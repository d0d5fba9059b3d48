#include "ledger/base/sha256.h"

#include <openssl/evp.h>

#include <memory>

#include "ledger/base/coding.h"

namespace xueji {

// The algorithm is fetched once and each thread reuses one context: a
// one-shot EVP_Digest fetches and allocates on every call, which cost more
// than hashing an event (callgrind: ~60 % of Sha256's instructions).
std::string Sha256(std::string_view bytes) {
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(
      EVP_MD_CTX_new(), EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (kSha256 == nullptr || ctx == nullptr ||
      EVP_DigestInit_ex(ctx.get(), kSha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), bytes.data(), bytes.size()) != 1 ||
      EVP_DigestFinal_ex(ctx.get(), digest, &length) != 1) {
    return std::string();  // only on allocation failure inside OpenSSL
  }
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xf]);
  }
  return out;
}

struct Sha256Stream::Context {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = md != nullptr && EVP_DigestInit_ex(md, EVP_sha256(), nullptr) == 1;
  ~Context() { EVP_MD_CTX_free(md); }
};

Sha256Stream::Sha256Stream() : ctx_(new Context) {}
Sha256Stream::~Sha256Stream() { delete ctx_; }

void Sha256Stream::AddFramed(std::string_view part) {
  if (!ctx_->ok) return;
  const std::string length = EncodeFixed64BE(part.size());
  ctx_->ok = EVP_DigestUpdate(ctx_->md, length.data(), length.size()) == 1 &&
             EVP_DigestUpdate(ctx_->md, part.data(), part.size()) == 1;
}

std::string Sha256Stream::FinishHex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!ctx_->ok || EVP_DigestFinal_ex(ctx_->md, digest, &size) != 1) {
    return std::string();
  }
  return HexEncode(std::string_view(reinterpret_cast<char*>(digest), size));
}

}  // namespace xueji
