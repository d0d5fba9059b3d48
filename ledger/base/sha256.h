// SHA-256 (OpenSSL's libcrypto) and lowercase hex, for the hash chain, event
// ids and content-derived request ids; Sha256Stream for digests of many
// parts (the views' digests).
//
// Thread-safety: Sha256() and HexEncode() are thread-safe (one digest context
// per thread); a Sha256Stream is used by one thread at a time.
#ifndef XUEJI_LEDGER_BASE_SHA256_H_
#define XUEJI_LEDGER_BASE_SHA256_H_

#include <string>
#include <string_view>

namespace xueji {

std::string Sha256(std::string_view bytes);     // 32 raw bytes
std::string HexEncode(std::string_view bytes);  // lowercase hex

// SHA-256 over a sequence of parts, each framed by its length (8 bytes,
// big-endian) so that no two sequences of parts hash alike.
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void AddFramed(std::string_view part);
  // The lowercase hex digest; "" if OpenSSL failed (allocation).
  std::string FinishHex();

 private:
  struct Context;
  Context* ctx_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_SHA256_H_
