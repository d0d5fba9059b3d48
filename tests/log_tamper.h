// Tampering with a stored event behind the ledger's back, for the test that
// `ledger verify` detects a changed byte (and that `verify --digest` detects
// a rewrite whose chain was resealed). Opens the embedded log's RocksDB
// directly (every column family), finds the stored event of a request and
// changes one byte of it (a digit of a date, so the bytes still parse and
// only the hash chain can tell), and writes it back.
//
// The ledger must not be running on the directory. Thread-safety: none.
#ifndef XUEJI_TESTS_LOG_TAMPER_H_
#define XUEJI_TESTS_LOG_TAMPER_H_

#include <cstdint>
#include <functional>
#include <string>

#include "xueji/v1/events.pb.h"

namespace xueji::e2e {

struct TamperResult {
  bool changed = false;
  int32_t partition = -1;  // of the changed event, when its bytes parse
  int64_t offset = -1;
  std::string error;  // why nothing was changed
};

// Changes one byte of the first stored event whose request_id is
// `request_id` and whose bytes contain a "2025-" date.
TamperResult FlipByteOfEvent(const std::string& log_dir,
                             const std::string& request_id);

// A rewrite that covers its tracks: changes the business date of the first
// stored event of `request_id` to `new_date`, then reseals the hash chain of
// its partition from there (each later event's prev_hash and hash, and the
// partition's head record), so that the chain is intact again and only a
// digest taken before tells. The embedded log's layout: see
// ledger/log/embedded_log.cc.
TamperResult RewriteAndReseal(const std::string& log_dir,
                              const std::string& request_id,
                              const std::string& new_date);

// The same for any change: `change` is offered each stored event in key
// order and returns true when it changed the first one to rewrite (e.g. a
// byte of a kept batch's signature); that partition is resealed from there.
TamperResult RewriteEventAndReseal(
    const std::string& log_dir,
    const std::function<bool(xueji::v1::Event*)>& change);

// A head record rolled back by one event: the first partition holding two
// events or more gets a head record (next offset + last hash, see
// ledger/log/embedded_log.cc) that ends before its last event, as if that
// append had never happened, while the event stays stored. `partition` and
// `offset` name the event left beyond the head.
TamperResult RollBackHead(const std::string& log_dir);

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_LOG_TAMPER_H_
