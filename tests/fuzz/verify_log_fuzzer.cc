// libFuzzer target: VerifyLog over a log whose stored bytes are the input.
// The input is a log image (tests/fuzz/README.md): one byte, the partition
// count - 1 (mod 16), then records, each a varint tag = partition * 2 + kind
// (partition taken mod the count) and
//   kind 0, an event: varint offset (as the embedded log's unsigned key),
//           varint length, that many stored bytes;
//   kind 1, a head:   varint next offset (as int64).
// A partition's head defaults to one past its largest offset. The log is a
// MemoryLog (fuzz_support.h), which reads like the embedded log: unparseable
// bytes or an event naming another place are DataLoss with the offset.
//
// The oracle is a strict, independent check of the same image: every
// partition holds exactly offsets 0..head-1, each event parses, is stored in
// canonical bytes, names its partition and offset, routes to its partition,
// carries the SHA-256 of its unsealed canonical bytes, and links to its
// predecessor's hash. VerifyLog must report no break exactly when the strict
// check passes: "intact" over a damaged log is the failure issue 14 is
// about, and a break over an intact one is a false alarm.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/io/coded_stream.h"
#include "ledger/log/hash_chain.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using xueji::fuzz::MemoryLog;

bool Intact(const MemoryLog& log, const std::vector<int64_t>& heads) {
  const int32_t partitions = log.partitions();
  for (int32_t p = 0; p < partitions; ++p) {
    const int64_t head = heads[static_cast<size_t>(p)];
    if (head < 0) return false;
    int64_t expected = 0;
    std::string prev_hash;
    for (auto it = log.stored().lower_bound({p, 0});
         it != log.stored().end() && it->first.first == p; ++it) {
      if (it->first.second != static_cast<uint64_t>(expected)) return false;
      xueji::v1::Event event;
      if (!event.ParseFromString(it->second)) return false;
      if (xueji::CanonicalBytes(event) != it->second) return false;
      if (event.partition() != p || event.offset() != expected) return false;
      if (xueji::PartitionFor(event.subject(), partitions) != p) return false;
      if (event.prev_hash() != prev_hash) return false;
      xueji::v1::Event unsealed = event;
      unsealed.clear_hash();
      if (xueji::Sha256(xueji::CanonicalBytes(unsealed)) != event.hash()) {
        return false;
      }
      prev_hash = event.hash();
      ++expected;
    }
    if (expected != head) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xueji::fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace xueji;
  if (size < 1) return 0;
  const int32_t partitions = 1 + data[0] % 16;
  MemoryLog log(partitions);
  std::vector<std::optional<int64_t>> heads(static_cast<size_t>(partitions));
  google::protobuf::io::CodedInputStream in(data + 1,
                                            static_cast<int>(size - 1));
  uint32_t tag = 0;
  while (in.ReadVarint32(&tag)) {
    const int32_t p = static_cast<int32_t>((tag >> 1) % partitions);
    uint64_t value = 0;
    if (!in.ReadVarint64(&value)) break;
    if (tag & 1) {
      heads[static_cast<size_t>(p)] = static_cast<int64_t>(value);
      continue;
    }
    uint32_t length = 0;
    std::string bytes;
    if (!in.ReadVarint32(&length) || !in.ReadString(&bytes, length)) break;
    log.stored()[{p, value}] = std::move(bytes);
  }
  std::vector<int64_t> head_offsets;
  for (int32_t p = 0; p < partitions; ++p) {
    int64_t head = 0;
    auto last = log.stored().lower_bound({p + 1, 0});
    if (last != log.stored().begin() && (--last)->first.first == p) {
      head = static_cast<int64_t>(last->first.second + 1);  // wraps, no UB
    }
    if (heads[static_cast<size_t>(p)]) head = *heads[static_cast<size_t>(p)];
    log.set_head(p, head);
    head_offsets.push_back(head);
  }

  absl::StatusOr<VerifyReport> report = VerifyLog(log);
  fuzz::Check(report.ok(), "VerifyLog failed over an in-memory log");
  const bool intact = Intact(log, head_offsets);
  fuzz::Check(!(report->breaks.empty() && !intact),
              "VerifyLog says intact over a damaged log");
  fuzz::Check(!(!report->breaks.empty() && intact),
              "VerifyLog reports a break in an intact log");
  fuzz::Check(report->head_hashes.size() == static_cast<size_t>(partitions),
              "not one head hash per partition");
  return 0;
}
