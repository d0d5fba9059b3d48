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

}  // namespace xueji
