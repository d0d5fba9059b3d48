#include "tests/log_tamper.h"

#include <memory>
#include <vector>

#include "ledger/base/coding.h"
#include "ledger/log/hash_chain.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "xueji/v1/events.pb.h"

namespace xueji::e2e {
namespace {

// If `value` holds the event of `request_id`, changes a date digit in it.
bool TryTamper(std::string* value, const std::string& request_id,
               TamperResult* result) {
  xueji::v1::Event event;
  bool parsed = event.ParseFromString(*value);
  if (parsed ? event.request_id() != request_id
             : value->find(request_id) == std::string::npos) {
    return false;
  }
  size_t date = value->find("2025-");
  if (date == std::string::npos || date + 9 >= value->size()) return false;
  char& digit = (*value)[date + 9];  // last digit of YYYY-MM-DD
  digit = digit == '1' ? '2' : '1';
  if (parsed) {
    result->partition = event.partition();
    result->offset = event.offset();
  }
  return true;
}

// The embedded log's database (default column family), or nullptr with
// result->error saying why.
std::unique_ptr<rocksdb::DB> OpenLog(const std::string& log_dir,
                                     TamperResult* result) {
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(rocksdb::Options(), log_dir, &raw);
  if (!s.ok()) {
    result->error = "open " + log_dir + ": " + s.ToString();
    return nullptr;
  }
  return std::unique_ptr<rocksdb::DB>(raw);
}

}  // namespace

TamperResult FlipByteOfEvent(const std::string& log_dir,
                             const std::string& request_id) {
  TamperResult result;
  std::vector<std::string> names;
  rocksdb::DBOptions db_options;
  if (!rocksdb::DB::ListColumnFamilies(db_options, log_dir, &names).ok()) {
    names = {rocksdb::kDefaultColumnFamilyName};
  }
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& name : names) {
    families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s =
      rocksdb::DB::Open(db_options, log_dir, families, &handles, &raw);
  if (!s.ok()) {
    result.error = "open " + log_dir + ": " + s.ToString();
    return result;
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  for (auto* handle : handles) {
    if (result.changed) break;
    std::unique_ptr<rocksdb::Iterator> it(
        db->NewIterator(rocksdb::ReadOptions(), handle));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string value = it->value().ToString();
      if (!TryTamper(&value, request_id, &result)) continue;
      rocksdb::WriteOptions sync;
      sync.sync = true;
      s = db->Put(sync, handle, it->key(), value);
      if (!s.ok()) result.error = "put: " + s.ToString();
      result.changed = s.ok();
      break;
    }
  }
  if (!result.changed && result.error.empty()) {
    result.error = "no stored event of " + request_id + " with a date";
  }
  for (auto* handle : handles) db->DestroyColumnFamilyHandle(handle);
  db->Close();
  return result;
}

TamperResult RewriteAndReseal(const std::string& log_dir,
                              const std::string& request_id,
                              const std::string& new_date) {
  TamperResult result =
      RewriteEventAndReseal(log_dir, [&](xueji::v1::Event* event) {
        if (event->request_id() != request_id) return false;
        event->set_business_date(new_date);
        return true;
      });
  if (!result.changed && result.error == "no stored event changed") {
    result.error = "no stored event of " + request_id;
  }
  return result;
}

TamperResult RewriteEventAndReseal(
    const std::string& log_dir,
    const std::function<bool(xueji::v1::Event*)>& change) {
  TamperResult result;
  std::unique_ptr<rocksdb::DB> db = OpenLog(log_dir, &result);
  if (db == nullptr) return result;
  rocksdb::Status s;
  // Events are "e" + partition (BE32) + offset (BE64), in offset order.
  std::unique_ptr<rocksdb::Iterator> it(
      db->NewIterator(rocksdb::ReadOptions()));
  rocksdb::WriteBatch batch;
  std::string prefix;  // "e" + the partition, once the event is found
  std::string prev_hash;
  for (it->Seek("e"); it->Valid() && it->key().starts_with("e"); it->Next()) {
    xueji::v1::Event event;
    if (!event.ParseFromString(it->value().ToString())) continue;
    const std::string key = it->key().ToString();
    if (prefix.empty()) {
      if (!change(&event)) continue;
      prefix = key.substr(0, 5);
      result.partition = event.partition();
      result.offset = event.offset();
      prev_hash = event.prev_hash();
    } else if (key.substr(0, 5) != prefix) {
      break;  // the partition's end
    }
    event.clear_hash();
    SealEvent(prev_hash, &event);
    prev_hash = event.hash();
    batch.Put(key, CanonicalBytes(event));
  }
  if (prefix.empty()) {
    result.error = "no stored event changed";
    return result;
  }
  // The head record: next offset (8 bytes) + the last event's hash.
  const std::string head_key = "h" + prefix.substr(1);
  std::string head;
  s = db->Get(rocksdb::ReadOptions(), head_key, &head);
  if (!s.ok() || head.size() < 8) {
    result.error = "no head record: " + s.ToString();
    return result;
  }
  batch.Put(head_key, head.substr(0, 8) + prev_hash);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  s = db->Write(sync, &batch);
  if (!s.ok()) {
    result.error = "write: " + s.ToString();
    return result;
  }
  result.changed = true;
  it.reset();  // before the database closes
  db->Close();
  return result;
}

TamperResult RollBackHead(const std::string& log_dir) {
  TamperResult result;
  std::unique_ptr<rocksdb::DB> db = OpenLog(log_dir, &result);
  if (db == nullptr) return result;
  // Head records: "h" + partition (BE32) -> next offset (BE64) + last hash.
  std::string head_key;
  int64_t next = 0;
  std::unique_ptr<rocksdb::Iterator> heads(
      db->NewIterator(rocksdb::ReadOptions()));
  for (heads->Seek("h");
       heads->Valid() && heads->key().starts_with("h") && head_key.empty();
       heads->Next()) {
    next = static_cast<int64_t>(DecodeFixed64BE(heads->value().ToString()));
    if (next >= 2) head_key = heads->key().ToString();
  }
  heads.reset();  // before the database closes
  // Events: "e" + partition (BE32) + offset (BE64).
  auto event_at = [&](int64_t offset, xueji::v1::Event* event) {
    std::string bytes;
    const std::string key = "e" + head_key.substr(1) +
                            EncodeFixed64BE(static_cast<uint64_t>(offset));
    return db->Get(rocksdb::ReadOptions(), key, &bytes).ok() &&
           event->ParseFromString(bytes);
  };
  xueji::v1::Event last, before;
  if (head_key.empty() || !event_at(next - 1, &last) ||
      !event_at(next - 2, &before)) {
    result.error = "no partition with two readable events";
    return result;
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  const std::string rolled_back =
      EncodeFixed64BE(static_cast<uint64_t>(next - 1)) + before.hash();
  if (rocksdb::Status s = db->Put(sync, head_key, rolled_back); !s.ok()) {
    result.error = "put: " + s.ToString();
    return result;
  }
  result.changed = true;
  result.partition = last.partition();
  result.offset = last.offset();
  db->Close();
  return result;
}

}  // namespace xueji::e2e
