// FoldKv: see fold_kv.h.
#include "ledger/storage/fold_kv.h"

#include <algorithm>
#include <cstdint>
#include <typeinfo>
#include <utility>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"
#include "ledger/base/deterministic.h"
#include "ledger/storage/key_sort.h"

namespace xueji {
namespace {

absl::string_view Sv(std::string_view s) { return {s.data(), s.size()}; }

// A key's hash: which 512-bit block (high half), which 6 bits in it.
uint64_t KeyHash(std::string_view key) {
  return absl::Hash<absl::string_view>{}(Sv(key));
}
template <typename F>
void ForEachBit(const std::vector<uint64_t>& bits, uint64_t hash, F f) {
  const uint64_t blocks = bits.size() / 8;
  const uint64_t block = ((hash >> 32) * blocks) >> 32;
  uint64_t probe = hash * 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < 6; ++i, probe >>= 9) {
    const uint64_t bit = probe & 511;
    f(block * 8 + bit / 64, uint64_t{1} << (bit % 64));
  }
}

}  // namespace

void FoldKv::WrittenKeys::Add(std::string_view key) {
  if (filters_.empty() || filters_.back().keys >= filters_.back().capacity) {
    Filter next;
    next.capacity =
        filters_.empty() ? size_t{1} << 16 : 2 * filters_.back().capacity;
    next.bits.assign((next.capacity * 10 / 512 + 1) * 8, 0);  // 10 bits a key
    filters_.push_back(std::move(next));
  }
  Filter& filter = filters_.back();
  ++filter.keys;
  ForEachBit(filter.bits, KeyHash(key),
             [&](size_t word, uint64_t mask) { filter.bits[word] |= mask; });
}

bool FoldKv::WrittenKeys::MayHold(std::string_view key) const {
  const uint64_t hash = KeyHash(key);
  for (const Filter& filter : filters_) {
    bool all = true;
    ForEachBit(filter.bits, hash, [&](size_t word, uint64_t mask) {
      all = all && (filter.bits[word] & mask) != 0;
    });
    if (all) return true;
  }
  return false;
}

FoldKv::FoldKv(KvStore* base, size_t cache_bytes)
    : FoldKv(base, Options{.cache_bytes = cache_bytes}) {}

FoldKv::FoldKv(KvStore* base, const Options& options)
    : base_(base),
      cache_bytes_(options.cache_bytes),
      write_behind_(options.write_behind_bytes),
      ordered_prefixes_(options.ordered_prefixes) {
  bool empty = true;
  absl::Status scanned = base_->ScanPrefix("", [&](auto, auto) {
    empty = false;
    return false;
  });
  if (scanned.ok() && empty) written_.emplace();
}

FoldKv::Row* FoldKv::Load(std::string_view key, absl::Status* error) const {
  if (auto it = rows_.find(Sv(key)); it != rows_.end()) {
    it->second.read = true;
    return &it->second;
  }
  absl::StatusOr<std::optional<std::string>> stored =
      written_.has_value() && !written_->MayHold(key)
          ? std::optional<std::string>()
          : base_->Get(key);
  if (!stored.ok()) {
    *error = stored.status();
    return nullptr;
  }
  Row row;
  row.read = true;
  row.present = stored->has_value();
  if (row.present) row.value = *std::move(*stored);
  row.size = row.value.size();
  resident_bytes_ += Bytes(key.size(), row);
  return &Insert(key, std::move(row));
}

bool FoldKv::Ordered(std::string_view key) const {
  for (const std::string& prefix : ordered_prefixes_) {
    if (key.starts_with(prefix)) return true;
  }
  return false;
}

FoldKv::Row& FoldKv::Insert(std::string_view key, Row row) const {
  if (Ordered(key)) ordered_.emplace(std::string(key));
  return rows_.emplace(std::string(key), std::move(row)).first->second;
}

void FoldKv::Erase(Rows::iterator it) const {
  if (Ordered(it->first)) ordered_.erase(it->first);
  rows_.erase(it);
}

const std::string& FoldKv::Value(Row& row) {
  if (row.stale) {
    row.value = DeterministicBytes(*row.message);
    row.stale = false;
  }
  return row.value;
}

absl::StatusOr<std::optional<std::string>> FoldKv::Get(
    std::string_view key) const {
  absl::Status error;
  Row* row = Load(key, &error);
  if (row == nullptr) return error;
  if (!row->present) return std::optional<std::string>();
  return std::optional<std::string>(Value(*row));
}

absl::StatusOr<KvStore::MessageRow> FoldKv::GetMessage(
    std::string_view key, google::protobuf::MessageLite* out) const {
  absl::Status error;
  Row* row = Load(key, &error);
  if (row == nullptr) return error;
  if (!row->present) return MessageRow::kAbsent;
  if (row->message != nullptr && typeid(*row->message) == typeid(*out)) {
    // The same message as parsing its bytes would give.
    out->Clear();
    out->CheckTypeAndMergeFrom(*row->message);
    return MessageRow::kFound;
  }
  if (!out->ParseFromString(Value(*row))) return MessageRow::kUnparseable;
  return MessageRow::kFound;
}

FoldKv::Row& FoldKv::Change(std::string_view key) {
  auto it = rows_.find(Sv(key));
  if (it == rows_.end()) {
    if (write_behind_ > 0) undo_.try_emplace(std::string(key), std::nullopt);
    return Insert(key, Row());
  }
  Row& row = it->second;
  resident_bytes_ -= Bytes(key.size(), row);
  if (row.dirty) pending_bytes_ -= Bytes(key.size(), row);
  if (write_behind_ > 0 && !undo_.contains(Sv(key))) {
    // Kept as it was; the change starts from a fresh row (every writer
    // sets the value, the message and `present`).
    Row fresh;
    fresh.read = row.read;
    fresh.dirty = row.dirty;
    undo_.emplace(std::string(key), std::move(row));
    row = std::move(fresh);
  }
  return row;
}

void FoldKv::Changed(std::string_view key, Row& row) {
  row.dirty = true;
  resident_bytes_ += Bytes(key.size(), row);
  pending_bytes_ += Bytes(key.size(), row);
  transaction_bytes_ += Bytes(key.size(), row);
}

void FoldKv::Set(std::string_view key, std::string_view value, bool present) {
  Row& row = Change(key);
  row.message.reset();
  row.stale = false;
  row.value.assign(value.data(), value.size());
  row.size = value.size();
  row.present = present;
  Changed(key, row);
}

void FoldKv::Put(std::string_view key, std::string_view value) {
  Set(key, value, true);
}

void FoldKv::Delete(std::string_view key) { Set(key, "", false); }

void FoldKv::PutMessage(std::string_view key,
                        const google::protobuf::MessageLite& message) {
  Row& row = Change(key);
  if (row.message != nullptr && typeid(*row.message) == typeid(message)) {
    row.message->Clear();
  } else {
    row.message.reset(message.New());
  }
  row.message->CheckTypeAndMergeFrom(message);
  MessageChanged(key, row);
}

void FoldKv::PutMessage(
    std::string_view key,
    std::unique_ptr<google::protobuf::MessageLite> message) {
  Row& row = Change(key);
  row.message = std::move(message);
  MessageChanged(key, row);
}

void FoldKv::MessageChanged(std::string_view key, Row& row) {
  row.size = row.message->ByteSizeLong();
  row.stale = true;
  row.present = true;
  Changed(key, row);
}

absl::Status FoldKv::ScanPrefix(std::string_view prefix,
                                const Visitor& visit) const {
  // The rows in memory under `prefix`, in key order, shadow the base's.
  std::vector<std::pair<std::string_view, Row*>> mine;
  if (Ordered(prefix)) {
    for (auto it = ordered_.lower_bound(Sv(prefix));
         it != ordered_.end() && std::string_view(*it).starts_with(prefix);
         ++it) {
      auto row = rows_.find(Sv(*it));
      mine.emplace_back(row->first, &row->second);
    }
  } else {
    for (auto& [key, row] : rows_) {
      if (std::string_view(key).starts_with(prefix)) {
        mine.emplace_back(key, &row);
      }
    }
    std::sort(mine.begin(), mine.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }
  size_t next = 0;
  bool stopped = false;
  // Visits my rows before `bound` (all when nullopt); false to stop.
  auto drain = [&](std::optional<std::string_view> bound) {
    while (next < mine.size() && (!bound || mine[next].first < *bound)) {
      const auto& [key, row] = mine[next++];
      if (row->present && !visit(key, Value(*row))) return false;
    }
    return true;
  };
  absl::Status scanned = base_->ScanPrefix(
      prefix, [&](std::string_view key, std::string_view value) {
        if (!drain(key)) {
          stopped = true;
          return false;
        }
        if (next < mine.size() && mine[next].first == key) {
          Row* row = mine[next++].second;  // shadows the base's
          if (row->present && !visit(key, Value(*row))) {
            stopped = true;
            return false;
          }
          return true;
        }
        if (!visit(key, value)) {
          stopped = true;
          return false;
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (!stopped) drain(std::nullopt);
  return absl::OkStatus();
}

absl::Status FoldKv::Commit(bool sync) {
  if (write_behind_ == 0) return WriteDirty(sync);
  undo_.clear();
  transaction_bytes_ = 0;
  if (!sync && pending_bytes_ < write_behind_) return absl::OkStatus();
  return WriteDirty(sync);
}

absl::Status FoldKv::WriteOut(bool sync) {
  if (!undo_.empty()) {
    return absl::FailedPreconditionError(
        "FoldKv::WriteOut with writes pending: commit or discard them first");
  }
  if (pending_bytes_ == 0 && !sync) return absl::OkStatus();
  return WriteDirty(sync);
}

absl::Status FoldKv::WriteDirty(bool sync) {
  struct Dirty {
    std::string_view key;
    const Row* row;
  };
  std::vector<Dirty> dirty;
  for (auto& [key, row] : rows_) {
    if (!row.dirty) continue;
    if (row.present) Value(row);  // the message's bytes
    dirty.push_back(Dirty{key, &row});
  }
  SortByKeyBytes(dirty.data(), dirty.size(),
                 [](const Dirty& d) { return d.key; });
  std::vector<SortedRow> out;
  out.reserve(dirty.size());
  for (const Dirty& d : dirty) {
    SortedRow r{d.key, std::nullopt};
    if (d.row->present) r.value = std::string_view(d.row->value);
    out.push_back(r);
  }
  if (absl::Status s = base_->WriteSorted(out, sync); !s.ok()) return s;
  if (written_.has_value()) {
    for (const SortedRow& r : out) {
      if (r.value.has_value()) written_->Add(r.key);
    }
  }
  out.clear();
  dirty.clear();
  pending_bytes_ = 0;
  // Written: what was only written leaves memory; what was read stays,
  // unless the rows kept pass the budget.
  const bool drop_all = resident_bytes_ > cache_bytes_;
  absl::erase_if(rows_, [&](auto& entry) {
    Row& row = entry.second;
    row.dirty = false;
    if (drop_all || !row.read) {
      resident_bytes_ -= Bytes(entry.first.size(), row);
      if (!drop_all && Ordered(entry.first)) ordered_.erase(entry.first);
      return true;
    }
    if (row.message != nullptr && !row.stale) {
      // Written: the decoded message is the row, its bytes are made again
      // if they are needed.
      std::string().swap(row.value);
      row.stale = true;
    }
    return false;
  });
  if (drop_all) {
    rows_ = {};  // give the table's memory back too
    ordered_.clear();
    resident_bytes_ = 0;
  }
  return absl::OkStatus();
}

void FoldKv::Discard() {
  if (write_behind_ > 0) {
    // Each changed row back as the transaction found it.
    for (auto& [key, before] : undo_) {
      auto it = rows_.find(key);
      if (it != rows_.end()) {
        const Row& now = it->second;
        resident_bytes_ -= Bytes(key.size(), now);
        if (now.dirty) pending_bytes_ -= Bytes(key.size(), now);
      }
      if (!before.has_value()) {
        if (it != rows_.end()) Erase(it);
        continue;
      }
      resident_bytes_ += Bytes(key.size(), *before);
      if (before->dirty) pending_bytes_ += Bytes(key.size(), *before);
      if (it != rows_.end()) {
        it->second = *std::move(before);
      } else {
        Insert(key, *std::move(before));
      }
    }
    undo_.clear();
    transaction_bytes_ = 0;
    return;
  }
  absl::erase_if(rows_, [&](const auto& entry) {
    if (!entry.second.dirty) return false;
    resident_bytes_ -= Bytes(entry.first.size(), entry.second);
    if (Ordered(entry.first)) ordered_.erase(entry.first);
    return true;
  });
  pending_bytes_ = 0;
}

}  // namespace xueji
