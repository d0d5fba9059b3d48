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

const std::string& KvStore::recovery_note() const {
  static const std::string* const kNone = new std::string();
  return *kNone;
}

void MemoryKv::Remember(const std::string& key) {
  pending_bytes_ += key.size();
  if (undo_.contains(key)) return;
  auto it = map_.find(key);
  undo_.emplace(key, it == map_.end() ? std::nullopt
                                      : std::optional<std::string>(it->second));
}

void MemoryKv::Put(std::string_view key, std::string_view value) {
  std::string k(key);
  Remember(k);
  pending_bytes_ += value.size();
  map_[std::move(k)] = std::string(value);
}

void MemoryKv::Delete(std::string_view key) {
  std::string k(key);
  Remember(k);
  map_.erase(k);
}

absl::Status MemoryKv::Commit(bool sync) {
  undo_.clear();
  pending_bytes_ = 0;
  return absl::OkStatus();
}

void MemoryKv::Discard() {
  for (auto& [key, before] : undo_) {
    if (before.has_value()) {
      map_[key] = *std::move(before);
    } else {
      map_.erase(key);
    }
  }
  undo_.clear();
  pending_bytes_ = 0;
}

}  // namespace xueji
