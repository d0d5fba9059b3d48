// MemoryKv and the fixed-width encodings. RocksKv lives in rocks_kv.cc.
#include "ledger/storage/kv.h"

#include "ledger/base/deterministic.h"

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

absl::Status KvStore::WriteSorted(const std::vector<SortedRow>& rows,
                                  bool sync) {
  for (const SortedRow& row : rows) {
    if (row.value.has_value()) {
      Put(row.key, *row.value);
    } else {
      Delete(row.key);
    }
  }
  return Commit(sync);
}

absl::StatusOr<KvStore::MessageRow> KvStore::GetMessage(
    std::string_view key, google::protobuf::MessageLite* out) const {
  absl::StatusOr<std::optional<std::string>> value = Get(key);
  if (!value.ok()) return value.status();
  if (!value->has_value()) return MessageRow::kAbsent;
  if (!out->ParseFromString(**value)) return MessageRow::kUnparseable;
  return MessageRow::kFound;
}

void KvStore::PutMessage(std::string_view key,
                         const google::protobuf::MessageLite& message) {
  Put(key, DeterministicBytes(message));
}

void KvStore::PutMessage(
    std::string_view key,
    std::unique_ptr<google::protobuf::MessageLite> message) {
  PutMessage(key, *message);
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

namespace {

// MemoryKv's CommittedView: a copy that takes no writes.
class CommittedCopy final : public MemoryKv {
 public:
  void Load(std::string_view key, std::string_view value) {
    MemoryKv::Put(key, value);
  }
  void Put(std::string_view, std::string_view) override {}
  void Delete(std::string_view) override {}
  absl::Status Commit(bool) override {
    return absl::FailedPreconditionError("a committed view takes no writes");
  }
};

}  // namespace

std::unique_ptr<KvStore> MemoryKv::CommittedView() const {
  auto copy = std::make_unique<CommittedCopy>();
  for (const auto& [key, value] : map_) {
    if (!undo_.contains(key)) copy->Load(key, value);
  }
  for (const auto& [key, before] : undo_) {
    if (before.has_value()) copy->Load(key, *before);
  }
  return copy;
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

absl::StatusOr<std::vector<int64_t>> ScanCheckpoints(const KvStore& kv,
                                                     std::string_view prefix,
                                                     std::string_view store) {
  std::vector<int64_t> next;
  absl::Status bad;
  absl::Status scanned =
      kv.ScanPrefix(prefix, [&](std::string_view key, std::string_view value) {
        const uint32_t p = key.size() == prefix.size() + 4
                               ? DecodeFixed32BE(key.substr(prefix.size()))
                               : (1u << 16);
        if (value.size() != 8 || p >= (1u << 16)) {
          bad =
              absl::DataLossError(std::string(store) + ": bad checkpoint row");
          return false;
        }
        if (p >= next.size()) next.resize(p + 1, 0);
        next[p] = static_cast<int64_t>(DecodeFixed64BE(value));
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!bad.ok()) return bad;
  return next;
}

}  // namespace xueji
