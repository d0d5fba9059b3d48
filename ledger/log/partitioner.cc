// PartitionFor: Kafka's default partitioner for keyed records,
//   partition = (murmur2(key) & 0x7fffffff) % partitions,
// with murmur2 exactly as org.apache.kafka.common.utils.Utils.murmur2 (seed
// 0x9747b28c, little-endian 4-byte blocks) and librdkafka's "murmur2"
// partitioner, so the embedded log and a Kafka topic place a subject alike.
#include <cstdint>
#include <string_view>

#include "ledger/log/event_log.h"

namespace xueji {
namespace {

// Java's int arithmetic in uint32_t (wrap-around multiply, >>> as >>).
uint32_t Murmur2(std::string_view data) {
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  const size_t length = data.size();
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);
  const size_t blocks = length / 4;
  for (size_t i = 0; i < blocks; ++i) {
    const unsigned char* b = bytes + 4 * i;
    uint32_t k = uint32_t{b[0]} | (uint32_t{b[1]} << 8) |
                 (uint32_t{b[2]} << 16) | (uint32_t{b[3]} << 24);
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }
  const unsigned char* tail = bytes + 4 * blocks;
  switch (length % 4) {
    case 3:
      h ^= uint32_t{tail[2]} << 16;
      [[fallthrough]];
    case 2:
      h ^= uint32_t{tail[1]} << 8;
      [[fallthrough]];
    case 1:
      h ^= uint32_t{tail[0]};
      h *= kM;
  }
  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return h;
}

}  // namespace

// `partitions` <= 0 is a caller error; it yields partition 0.
int32_t PartitionFor(std::string_view subject, int32_t partitions) {
  if (partitions <= 0) return 0;
  const uint32_t positive = Murmur2(subject) & 0x7fffffff;
  return static_cast<int32_t>(positive % static_cast<uint32_t>(partitions));
}

}  // namespace xueji
