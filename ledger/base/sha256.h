// SHA-256 (OpenSSL's libcrypto) and lowercase hex, for the hash chain, event
// ids and content-derived request ids.
//
// Thread-safety: thread-safe (one digest context per thread).
#ifndef XUEJI_LEDGER_BASE_SHA256_H_
#define XUEJI_LEDGER_BASE_SHA256_H_

#include <string>
#include <string_view>

namespace xueji {

std::string Sha256(std::string_view bytes);    // 32 raw bytes
std::string HexEncode(std::string_view bytes);  // lowercase hex

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_SHA256_H_
