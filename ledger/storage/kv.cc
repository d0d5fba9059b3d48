// MemoryKv and the fixed-width encodings. RocksKv lives in rocks_kv.cc.
#include "ledger/storage/kv.h"

namespace xueji {

absl::StatusOr<std::optional<std::string>> MemoryKv::Get(
    std::string_view key) const {
  auto it = map_.find(std::string(key));
  if (it == map_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::Status MemoryKv::ScanPrefix(std::string_view prefix,
                                  const Visitor& visit) const {
  for (auto it = map_.lower_bound(std::string(prefix));
       it != map_.end() && std::string_view(it->first).starts_with(prefix);
       ++it) {
    if (!visit(it->first, it->second)) break;
  }
  return absl::OkStatus();
}

void MemoryKv::Put(std::string_view key, std::string_view value) {
  map_[std::string(key)] = std::string(value);
}

void MemoryKv::Delete(std::string_view key) { map_.erase(std::string(key)); }

std::string EncodeFixed32BE(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 3; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

std::string EncodeFixed64BE(uint64_t v) {
  std::string s(8, '\0');
  for (int i = 7; i >= 0; --i, v >>= 8) s[i] = static_cast<char>(v & 0xff);
  return s;
}

uint32_t DecodeFixed32BE(std::string_view s) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4 && i < s.size(); ++i)
    v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

uint64_t DecodeFixed64BE(std::string_view s) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8 && i < s.size(); ++i)
    v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}

}  // namespace xueji
