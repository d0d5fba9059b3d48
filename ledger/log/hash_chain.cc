// The hash chain: SHA-256 over events' canonical (deterministic protobuf)
// bytes, and VerifyLog, which walks every partition of an EventLog.
//
// Stored form (embedded log): the value under "e"+partition+offset is
// CanonicalBytes of the sealed event (hash set); hash = SHA-256 of the same
// event's canonical bytes with hash empty. VerifyLog reports at most one
// ChainBreak per offset, so a single damaged event is reported once, at its
// own partition/offset: its successor's prev_hash is accepted if it equals
// either the damaged event's stored hash or its recomputed one, and after a
// missing or unreadable event the successor's prev_hash is not judged.
// Offsets must be dense by default; VerifyOptions relaxes that to strictly
// increasing for Kafka, where transaction markers take offsets.
#include "ledger/log/hash_chain.h"

#include <algorithm>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "ledger/base/deterministic.h"
#include "ledger/base/sha256.h"

namespace xueji {
namespace {

constexpr size_t kChunk = 1024;
// No event can follow one at this offset (and offset + 1 would overflow).
constexpr int64_t kMaxOffset = std::numeric_limits<int64_t>::max();
// Payload the embedded log's Read puts on a DataLoss status: the offset of
// the bad event, in decimal (embedded_log.cc sets it under the same URL).
constexpr char kBadOffsetPayload[] = "type.xueji.dev/xueji.storage.BadOffset";

std::optional<int64_t> BadOffset(const absl::Status& status) {
  auto payload = status.GetPayload(kBadOffsetPayload);
  int64_t offset = 0;
  if (!payload || !absl::SimpleAtoi(std::string(*payload), &offset)) {
    return std::nullopt;
  }
  return offset;
}

// Checks one partition's events, fed in offset order.
class PartitionChecker {
 public:
  PartitionChecker(int32_t partition, int32_t partitions, bool dense,
                   VerifyReport* report)
      : partition_(partition),
        partitions_(partitions),
        dense_(dense),
        report_(report) {}

  void Accept(const StoredEvent& stored);
  // The event at `offset` could not be read (DataLoss from the log).
  void Unreadable(int64_t offset, std::string problem);
  // After the last event: compare with the head offset, record the head hash.
  void Finish(int64_t head);

 private:
  void Break(int64_t offset, std::string problem) {
    report_->breaks.push_back({partition_, offset, std::move(problem)});
  }
  void SkipTo(int64_t offset) {
    if (dense_ && offset > expected_) {
      Break(expected_, absl::StrCat("missing events at offsets ", expected_,
                                    "..", offset - 1));
      prev_.reset();
    }
  }

  const int32_t partition_;
  const int32_t partitions_;
  const bool dense_;  // see VerifyOptions::dense_offsets
  VerifyReport* report_;
  int64_t expected_ = 0;
  // Hashes the next event's prev_hash may equal (stored, recomputed);
  // nullopt after a missing or unreadable event.
  std::optional<std::pair<std::string, std::string>> prev_ =
      std::make_pair(std::string(), std::string());
  std::string last_hash_;
};

// What is wrong with one stored event of `partition` (of `partitions`):
// bytes not canonical, hash mismatch, a prev_hash that is neither of
// `prev` (when given), the wrong partition or routing. Sets *recomputed to
// the hash recomputed from its bytes.
std::vector<std::string> EventProblems(
    const StoredEvent& stored, int32_t partition, int32_t partitions,
    const std::optional<std::pair<std::string, std::string>>& prev,
    std::string* recomputed) {
  const xueji::v1::Event& event = stored.event;
  std::vector<std::string> problems;
  if (event.partition() != partition) {
    problems.push_back(
        absl::StrCat("event says partition ", event.partition()));
  }
  if (CanonicalBytes(event) != stored.bytes) {
    problems.push_back("bytes not canonical");
  }
  xueji::v1::Event unsealed = event;
  unsealed.clear_hash();
  *recomputed = Sha256(CanonicalBytes(unsealed));
  if (*recomputed != event.hash()) problems.push_back("hash mismatch");
  if (prev && event.prev_hash() != prev->first &&
      event.prev_hash() != prev->second) {
    problems.push_back("prev_hash is not the previous event's hash");
  }
  if (const int32_t routed = PartitionFor(event.subject(), partitions);
      routed != partition) {
    problems.push_back(absl::StrCat("subject routes to partition ", routed));
  }
  return problems;
}

void PartitionChecker::Accept(const StoredEvent& stored) {
  const xueji::v1::Event& event = stored.event;
  ++report_->events_checked;
  const int64_t offset = event.offset();
  if (offset == kMaxOffset) {
    Break(offset, "offset out of range");
    return;
  }
  if (offset < expected_) {
    Break(offset,
          absl::StrCat("offset out of order (expected ", expected_, ")"));
    return;
  }
  SkipTo(offset);
  std::string recomputed;
  std::vector<std::string> problems =
      EventProblems(stored, partition_, partitions_, prev_, &recomputed);
  if (!problems.empty()) Break(offset, absl::StrJoin(problems, "; "));
  prev_ = std::make_pair(event.hash(), std::move(recomputed));
  last_hash_ = event.hash();
  expected_ = offset + 1;
}

void PartitionChecker::Unreadable(int64_t offset, std::string problem) {
  SkipTo(offset);
  Break(offset, std::move(problem));
  prev_.reset();
  last_hash_.clear();
  expected_ = std::max(expected_, offset < kMaxOffset ? offset + 1 : offset);
}

void PartitionChecker::Finish(int64_t head) {
  if (dense_ && expected_ < head) {
    Break(expected_, absl::StrCat("missing events at offsets ", expected_, "..",
                                  head - 1, " (head offset ", head, ")"));
  } else if (expected_ > head) {
    Break(head,
          absl::StrCat("events stored at or beyond the head offset ", head));
  }
  report_->head_hashes.push_back(HexEncode(last_hash_));
}

// Reads partition `p` in chunks, up to (not including) offset `limit`, or
// to its end when there is no limit (an event stored at the largest offset
// is then still checked). A
// DataLoss naming the bad offset is recorded and the walk resumes after it;
// one without an offset ends the partition.
absl::Status WalkPartition(
    EventLog& log, int32_t p, std::optional<int64_t> limit,
    PartitionChecker& check,
    const std::function<void(const StoredEvent&)>& visit) {
  auto beyond = [&](int64_t offset) { return limit && offset >= *limit; };
  int64_t next = 0;
  while (!beyond(next)) {
    const size_t max = static_cast<size_t>(
        limit ? std::min<int64_t>(static_cast<int64_t>(kChunk), *limit - next)
              : static_cast<int64_t>(kChunk));
    absl::StatusOr<std::vector<StoredEvent>> chunk = log.Read(p, next, max);
    if (chunk.ok()) {
      if (chunk->empty()) return absl::OkStatus();
      for (const StoredEvent& stored : *chunk) {
        if (beyond(stored.event.offset())) return absl::OkStatus();
        check.Accept(stored);
        if (visit) visit(stored);
      }
      // Offsets only grow as the walk pages on. Below `next` (stored under
      // a key of 2^63 or more, an offset reads as negative and sorts last)
      // or at the largest offset, nothing after it can be asked for.
      const int64_t last = chunk->back().event.offset();
      if (last < next || last == kMaxOffset) return absl::OkStatus();
      next = last + 1;
      continue;
    }
    if (!absl::IsDataLoss(chunk.status())) return chunk.status();
    const std::optional<int64_t> bad = BadOffset(chunk.status());
    if (!bad || *bad < next) {
      check.Unreadable(next, absl::StrCat(chunk.status().message(),
                                          "; rest of partition not checked"));
      return absl::OkStatus();
    }
    // The good events before the bad one, one at a time (only after damage).
    while (next < *bad && !beyond(next)) {
      absl::StatusOr<std::vector<StoredEvent>> one = log.Read(p, next, 1);
      if (!one.ok()) {
        if (absl::IsDataLoss(one.status()) && BadOffset(one.status()) == bad) {
          break;  // next..bad-1 are missing
        }
        return one.status();
      }
      if (one->empty() || beyond(one->front().event.offset())) break;
      check.Accept(one->front());
      next = std::max(next + 1, one->front().event.offset() + 1);
    }
    if (beyond(*bad)) return absl::OkStatus();
    check.Unreadable(*bad, std::string(chunk.status().message()));
    if (*bad == kMaxOffset) return absl::OkStatus();
    next = *bad + 1;
  }
  return absl::OkStatus();
}

// See ChainChecked in hash_chain.h.
class ChainCheckedLog final : public EventLog {
 public:
  explicit ChainCheckedLog(EventLog& base) : base_(base) {}

  int32_t partitions() const override { return base_.partitions(); }
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override {
    return base_.HeadOffsets();
  }
  absl::Status VerifyStorage() override { return base_.VerifyStorage(); }
  std::string recovery_note() const override { return base_.recovery_note(); }

  absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event> batch) override {
    auto appended = base_.Append(std::move(batch));
    if (!appended.ok()) return appended;
    for (const xueji::v1::Event& e : *appended) {
      Tail& tail = TailOf(e.partition());
      tail = tail.next == e.offset() ? Tail{e.offset() + 1, e.hash()} : Tail{};
    }
    return appended;
  }

  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events) override {
    auto chunk = base_.Read(partition, from_offset, max_events);
    if (!chunk.ok()) return chunk;
    if (chunk->size() < max_events) {
      // Fewer than asked: the partition's end must be its head offset.
      const int64_t end =
          chunk->empty() ? from_offset : chunk->back().event.offset() + 1;
      auto heads = base_.HeadOffsets();
      if (!heads.ok()) return heads.status();
      const int64_t head = static_cast<size_t>(partition) < heads->size()
                               ? (*heads)[partition]
                               : 0;
      if (end < head) {
        return Break(partition, end,
                     absl::StrCat("missing events at offsets ", end, "..",
                                  head - 1, " (head offset ", head, ")"));
      }
    }
    if (chunk->empty()) return chunk;
    Tail& tail = TailOf(partition);
    if (tail.next != from_offset) {
      // The predecessor's stored hash (it was checked when it was applied).
      tail = Tail{from_offset, ""};
      if (from_offset > 0) {
        auto before = base_.Read(partition, from_offset - 1, 1);
        if (!before.ok()) return before.status();
        if (before->empty() ||
            before->front().event.offset() != from_offset - 1) {
          return Break(partition, from_offset - 1, "missing event");
        }
        tail.hash = before->front().event.hash();
      }
    }
    const int32_t partitions = base_.partitions();
    for (const StoredEvent& stored : *chunk) {
      const int64_t offset = stored.event.offset();
      if (offset != tail.next) {
        const int64_t expected = tail.next;
        tail = Tail{};
        return Break(partition, std::min(offset, expected),
                     offset > expected
                         ? absl::StrCat("missing events at offsets ", expected,
                                        "..", offset - 1)
                         : absl::StrCat("offset out of order (expected ",
                                        expected, ")"));
      }
      std::string recomputed;
      std::vector<std::string> problems =
          EventProblems(stored, partition, partitions,
                        std::make_pair(tail.hash, tail.hash), &recomputed);
      if (!problems.empty()) {
        tail = Tail{};
        return Break(partition, offset, absl::StrJoin(problems, "; "));
      }
      tail = Tail{offset + 1, stored.event.hash()};
    }
    return chunk;
  }

 private:
  struct Tail {
    int64_t next = -1;  // the offset after the last event checked; -1: none
    std::string hash;   // that event's hash
  };
  Tail& TailOf(int32_t partition) {
    if (static_cast<size_t>(partition) >= tails_.size()) {
      tails_.resize(static_cast<size_t>(partition) + 1);
    }
    return tails_[static_cast<size_t>(partition)];
  }
  static absl::Status Break(int32_t partition, int64_t offset,
                            const std::string& problem) {
    absl::Status status = absl::DataLossError(absl::StrCat(
        "the hash chain is broken at partition ", partition, " offset ", offset,
        ": ", problem,
        ". The log was altered or damaged; nothing was built from it. "
        "Restore the log from a backup (`ledger verify` lists every break)"));
    status.SetPayload(kBadOffsetPayload, absl::Cord(absl::StrCat(offset)));
    return status;
  }

  EventLog& base_;
  std::vector<Tail> tails_;
};

}  // namespace

std::unique_ptr<EventLog> ChainChecked(EventLog& log) {
  return std::make_unique<ChainCheckedLog>(log);
}

absl::Status CheckNothingBeyondHeads(EventLog& log) {
  auto heads = log.HeadOffsets();
  if (!heads.ok()) return heads.status();
  for (int32_t p = 0; p < log.partitions(); ++p) {
    const int64_t head =
        static_cast<size_t>(p) < heads->size() ? (*heads)[p] : 0;
    auto after = log.Read(p, head, 1);
    if (!after.ok()) return after.status();
    if (!after->empty()) {
      return absl::DataLossError(
          absl::StrCat("event log: partition ", p,
                       ": events stored at or beyond the head offset ", head));
    }
  }
  return absl::OkStatus();
}

std::string CanonicalBytes(const xueji::v1::Event& event) {
  return DeterministicBytes(event);
}

namespace {

// Sets the event's prev_hash, clears its hash, and returns the bytes the
// hash is computed over.
std::string Unsealed(std::string_view prev_hash, xueji::v1::Event* event) {
  event->set_prev_hash(std::string(prev_hash));
  event->clear_hash();
  return CanonicalBytes(*event);
}

}  // namespace

void SealEvent(std::string_view prev_hash, xueji::v1::Event* event) {
  event->set_hash(Sha256(Unsealed(prev_hash, event)));
}

namespace {

// The hash field's tag: field 13, length-delimited (one byte).
constexpr uint8_t kHashTag =
    (xueji::v1::Event::kHashFieldNumber << 3) |
    google::protobuf::internal::WireFormatLite::WIRETYPE_LENGTH_DELIMITED;

// Where the hash field (13) goes in `bytes`, an event's canonical bytes
// without it: before the first top-level field numbered above 13, or at the
// end; npos when the bytes do not read as expected.
size_t HashFieldPlace(const std::string& bytes) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  constexpr int kHashField = xueji::v1::Event::kHashFieldNumber;
  int last = 0;
  while (true) {
    const size_t at = static_cast<size_t>(in.CurrentPosition());
    const uint32_t tag = in.ReadTag();
    if (tag == 0) return at == bytes.size() ? at : std::string::npos;
    const int field = WireFormatLite::GetTagFieldNumber(tag);
    if (field > kHashField) return at;
    // Out of order (unknown fields come last, whatever their number): the
    // hash's place is not found this way.
    if (field < last || field == kHashField ||
        !WireFormatLite::SkipField(&in, tag)) {
      return std::string::npos;
    }
    last = field;
  }
}

}  // namespace

std::string SealAndSerialize(std::string_view prev_hash,
                             xueji::v1::Event* event) {
  const std::string unsealed = Unsealed(prev_hash, event);
  event->set_hash(Sha256(unsealed));
  // An empty hash (Sha256 failed) is no field at all in canonical bytes.
  const size_t size = event->hash().size();
  const size_t at =
      size > 0 && size < 128 ? HashFieldPlace(unsealed) : std::string::npos;
  if (at == std::string::npos) return CanonicalBytes(*event);
  std::string out;
  out.reserve(unsealed.size() + 2 + event->hash().size());
  out.append(unsealed, 0, at);
  out.push_back(static_cast<char>(kHashTag));
  out.push_back(static_cast<char>(event->hash().size()));  // < 128: one byte
  out.append(event->hash());
  out.append(unsealed, at, std::string::npos);
  return out;
}

absl::StatusOr<VerifyReport> VerifyLog(EventLog& log,
                                       const VerifyOptions& options) {
  absl::StatusOr<std::vector<int64_t>> heads = log.HeadOffsets();
  if (!heads.ok()) return heads.status();
  VerifyReport report;
  const int32_t partitions = log.partitions();
  report.heads.assign(partitions, 0);
  for (int32_t p = 0; p < partitions && static_cast<size_t>(p) < heads->size();
       ++p) {
    report.heads[p] = (*heads)[p];
  }
  for (int32_t p = 0; p < partitions; ++p) {
    PartitionChecker check(p, partitions, options.dense_offsets, &report);
    const std::optional<int64_t> limit =
        options.stop_at_heads ? std::optional<int64_t>(report.heads[p])
                              : std::nullopt;
    if (absl::Status s = WalkPartition(log, p, limit, check, options.visit);
        !s.ok()) {
      return s;
    }
    check.Finish(report.heads[p]);
  }
  return report;
}

}  // namespace xueji
