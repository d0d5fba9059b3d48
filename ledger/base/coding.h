// Big-endian fixed-width integer encodings, so that numeric order is the
// bytewise key order of RocksDB and of std::string.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_BASE_CODING_H_
#define XUEJI_LEDGER_BASE_CODING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace xueji {

std::string EncodeFixed32BE(uint32_t v);
std::string EncodeFixed64BE(uint64_t v);
// Short input decodes as if zero-padded on the right; callers check sizes.
uint32_t DecodeFixed32BE(std::string_view s);
uint64_t DecodeFixed64BE(std::string_view s);

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_CODING_H_
