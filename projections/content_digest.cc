// Views::ContentDigest (views.h): the digest of a views store with the log
// positions taken out. The rows that hold positions (rows.h): C (a
// checkpoint per partition: left out), H <subject>\0<offset> (the event's
// stored bytes: keyed by the event's ordinal within its subject, the event
// without partition, offset, prev_hash and hash), Q and Y (operator and
// request indexes keyed by <partition><offset>: keyed by the event id the
// position holds, in the same order, since the relative order of events in
// a partition is the decision order in every log). Every other row depends
// on the events' contents only.

#include <memory>
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "ledger/base/coding.h"
#include "ledger/base/sha256.h"
#include "ledger/log/hash_chain.h"
#include "projections/rows.h"
#include "projections/views.h"

namespace xueji {
namespace {

using views_internal::HistoryKey;

// The event at a Q/Y key's position suffix, `subject` being the row's value.
absl::StatusOr<std::string> EventIdAt(const KvStore& kv, std::string_view key,
                                      std::string_view subject) {
  if (key.size() < 12) {
    return absl::DataLossError("views: an index row without a position");
  }
  const std::string_view suffix = key.substr(key.size() - 8);
  const int64_t offset = static_cast<int64_t>(DecodeFixed64BE(suffix));
  absl::StatusOr<std::optional<std::string>> value =
      kv.Get(HistoryKey(subject, offset));
  if (!value.ok()) return value.status();
  xueji::v1::Event event;
  if (!value->has_value() || !event.ParseFromString(**value)) {
    return absl::DataLossError(absl::StrCat("views: undecodable history of ",
                                            std::string(subject), " at offset ",
                                            offset));
  }
  return event.event_id();
}

}  // namespace

absl::StatusOr<std::string> Views::ContentDigest() const {
  Sha256Stream digest;
  auto update = [&digest](std::string_view part) { digest.AddFramed(part); };
  absl::Status problem;
  std::string subject;  // of the H rows being visited
  uint64_t ordinal = 0;
  absl::Status scanned = Dump([&](std::string_view key,
                                  std::string_view value) {
    if (key.empty() || key[0] == 'C') return true;
    if (key[0] == 'H') {
      const size_t end = key.find('\0', 1);
      if (end == std::string_view::npos) {
        problem = absl::DataLossError("views: a history row without offset");
        return false;
      }
      const std::string_view this_subject = key.substr(1, end - 1);
      if (this_subject != subject) {
        subject.assign(this_subject);
        ordinal = 0;
      }
      xueji::v1::Event event;
      if (!event.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
        problem = absl::DataLossError(
            absl::StrCat("views: undecodable history of ", subject));
        return false;
      }
      event.clear_partition();
      event.clear_offset();
      event.clear_prev_hash();
      event.clear_hash();
      update(absl::StrCat("H", subject, std::string(1, '\0'),
                          EncodeFixed64BE(ordinal++)));
      update(CanonicalBytes(event));
      return true;
    }
    if (key[0] == 'Q' || key[0] == 'Y') {
      absl::StatusOr<std::string> id = EventIdAt(*kv_, key, value);
      if (!id.ok()) {
        problem = id.status();
        return false;
      }
      update(std::string(key.substr(0, key.size() - 12)) + *id);
      update(value);
      return true;
    }
    update(key);
    update(value);
    return true;
  });
  if (!scanned.ok()) return scanned;
  if (!problem.ok()) return problem;
  std::string hex = digest.FinishHex();
  if (hex.empty()) return absl::InternalError("SHA-256 failed");
  return hex;
}

}  // namespace xueji
