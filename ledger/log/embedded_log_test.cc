// Tests of the embedded event log (RocksDB on disk) and of PartitionFor.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <climits>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ledger/log/event_log.h"
#include "ledger/log/hash_chain.h"
#include "ledger/storage/kv.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<EventLog> OpenLog(const std::string& path,
                                  int32_t partitions = 6,
                                  bool read_only = false) {
  EmbeddedLogOptions options;
  options.partitions = partitions;
  options.read_only = read_only;
  auto log = OpenEmbeddedLog(path, options);
  REQUIRE(log.ok());
  return *std::move(log);
}

// A synthetic event (no real identities) on `subject`.
v1::Event MakeEvent(const std::string& subject, const std::string& request) {
  v1::Event event;
  event.set_event_id("evt-" + request + "-" + subject);
  event.set_subject(subject);
  event.set_request_id(request);
  event.set_correlation_id(request);
  event.set_business_date("2025-09-01");
  event.set_recorded_at("2025-09-01T08:00:00Z");
  event.mutable_actor()->set_operator_id("op-reg-1");
  event.mutable_actor()->set_role(v1::REGISTRAR);
  event.mutable_actor()->set_org("KG-0001");
  event.mutable_graduated()->set_kindergarten("KG-0001");
  return event;
}

std::vector<StoredEvent> ReadAll(EventLog& log, int32_t partition) {
  auto events = log.Read(partition, 0, 1000000);
  REQUIRE(events.ok());
  return *std::move(events);
}

std::string EventKey(int32_t partition, int64_t offset) {
  return "e" + EncodeFixed32BE(partition) + EncodeFixed64BE(offset);
}

TEST_CASE("PartitionFor reproduces Kafka's murmur2") {
  // Kafka's UtilsTest vectors, as murmur2(key) & 0x7fffffff: with INT32_MAX
  // partitions the modulo leaves them unchanged.
  const std::map<std::string, int32_t> kafka = {
      {"21", -973932308},
      {"foobar", -790332482},
      {"a-little-bit-long-string", -985981536},
      {"a-little-bit-longer-string", -1486304829},
      {"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
      {"abc", 479470107},
  };
  for (const auto& [key, murmur] : kafka) {
    INFO(key);
    CHECK(PartitionFor(key, INT32_MAX) == (murmur & 0x7fffffff));
  }
  // The default partitioner: positive murmur2 modulo the partition count.
  CHECK(PartitionFor("foobar", 6) == ((-790332482 & 0x7fffffff) % 6));
  CHECK(PartitionFor("abc", 6) == 479470107 % 6);
  // Empty key and every tail length (0..3 bytes after the 4-byte blocks).
  std::set<int32_t> seen;
  for (const char* key : {"", "s", "st", "stu", "stu:", "stu:L"}) {
    const int32_t p = PartitionFor(key, 6);
    CHECK(p >= 0);
    CHECK(p < 6);
    CHECK(PartitionFor(key, 6) == p);  // stable
    seen.insert(PartitionFor(key, INT32_MAX));
  }
  CHECK(seen.size() == 6);
}

TEST_CASE("Embedded log: append assigns partitions, offsets and the chain") {
  TempDir dir;
  auto log = OpenLog(dir.Sub("log"));
  REQUIRE(log->partitions() == 6);
  std::vector<v1::Event> batch;
  for (int i = 0; i < 20; ++i) {
    batch.push_back(MakeEvent("stu:L11010520210301" + std::to_string(1000 + i),
                              "req-" + std::to_string(i)));
  }
  batch.push_back(MakeEvent("stu:L110105202103011000", "req-again"));
  auto appended = log->Append(batch);
  REQUIRE(appended.ok());
  REQUIRE(appended->size() == batch.size());

  std::map<int32_t, std::vector<v1::Event>> by_partition;
  for (const v1::Event& e : *appended) {
    CHECK(e.partition() == PartitionFor(e.subject(), 6));
    by_partition[e.partition()].push_back(e);
  }
  CHECK(by_partition.size() > 1);
  // The same subject lands in the same partition, later offset.
  CHECK((*appended)[0].partition() == appended->back().partition());
  CHECK((*appended)[0].offset() < appended->back().offset());

  auto heads = log->HeadOffsets();
  REQUIRE(heads.ok());
  REQUIRE(heads->size() == 6);
  for (int32_t p = 0; p < 6; ++p) {
    const std::vector<v1::Event>& expected = by_partition[p];
    CHECK((*heads)[p] == static_cast<int64_t>(expected.size()));
    const std::vector<StoredEvent> stored = ReadAll(*log, p);
    REQUIRE(stored.size() == expected.size());
    std::string prev;
    for (size_t i = 0; i < stored.size(); ++i) {
      const v1::Event& e = stored[i].event;
      CHECK(e.offset() == static_cast<int64_t>(i));
      CHECK(e.prev_hash() == prev);
      CHECK(e.hash().size() == 32);
      CHECK(e.event_id() == expected[i].event_id());
      CHECK(stored[i].bytes == CanonicalBytes(expected[i]));
      prev = e.hash();
    }
  }
}

TEST_CASE("Embedded log: Read from an offset, bounded, and bad arguments") {
  TempDir dir;
  auto log = OpenLog(dir.Sub("log"), 1);
  std::vector<v1::Event> batch;
  for (int i = 0; i < 10; ++i) {
    batch.push_back(MakeEvent("kg:KG-0001", "req-" + std::to_string(i)));
  }
  REQUIRE(log->Append(batch).ok());
  auto middle = log->Read(0, 4, 3);
  REQUIRE(middle.ok());
  REQUIRE(middle->size() == 3);
  CHECK((*middle)[0].event.offset() == 4);
  CHECK((*middle)[2].event.request_id() == "req-6");
  auto at_head = log->Read(0, 10, 5);
  REQUIRE(at_head.ok());
  CHECK(at_head->empty());
  CHECK(absl::IsInvalidArgument(log->Read(1, 0, 5).status()));
  CHECK(absl::IsInvalidArgument(log->Read(-1, 0, 5).status()));
  CHECK(absl::IsInvalidArgument(log->Read(0, -1, 5).status()));
}

TEST_CASE("Embedded log: a batch is all or nothing") {
  TempDir dir;
  auto log = OpenLog(dir.Sub("log"));
  std::vector<v1::Event> good = {MakeEvent("stu:A", "r1"),
                                 MakeEvent("stu:B", "r1"),
                                 MakeEvent("kg:K1", "r1")};
  REQUIRE(log->Append(good).ok());
  const std::vector<int64_t> before = *log->HeadOffsets();

  std::vector<v1::Event> bad = {MakeEvent("stu:A", "r2"), MakeEvent("", "r2"),
                                MakeEvent("stu:C", "r2")};
  auto refused = log->Append(bad);
  CHECK(absl::IsInvalidArgument(refused.status()));
  CHECK(*log->HeadOffsets() == before);
  int64_t total = 0;
  for (int32_t p = 0; p < 6; ++p) {
    for (const StoredEvent& s : ReadAll(*log, p)) {
      CHECK(s.event.request_id() == "r1");
      ++total;
    }
  }
  CHECK(total == 3);

  // An empty batch writes nothing and succeeds.
  auto empty = log->Append({});
  REQUIRE(empty.ok());
  CHECK(empty->empty());
  CHECK(*log->HeadOffsets() == before);

  // A batch over several partitions is written whole: all heads move.
  std::vector<v1::Event> wide;
  for (int i = 0; i < 30; ++i) {
    wide.push_back(MakeEvent("stu:W" + std::to_string(i), "r3"));
  }
  REQUIRE(log->Append(wide).ok());
  log.reset();
  auto reopened = OpenLog(dir.Sub("log"));
  const std::vector<int64_t> after = *reopened->HeadOffsets();
  int64_t grown = 0;
  for (int32_t p = 0; p < 6; ++p) grown += after[p] - before[p];
  CHECK(grown == 30);
}

TEST_CASE("Embedded log: reopening keeps the partition count and the chain") {
  TempDir dir;
  v1::Event last;
  {
    auto log = OpenLog(dir.Sub("log"), 3);
    auto first =
        log->Append({MakeEvent("stu:X", "r1"), MakeEvent("stu:X", "r2")});
    REQUIRE(first.ok());
    last = first->back();
  }
  auto log = OpenLog(dir.Sub("log"), 12);  // the stored count wins
  CHECK(log->partitions() == 3);
  const int32_t p = PartitionFor("stu:X", 3);
  CHECK(last.partition() == p);
  CHECK((*log->HeadOffsets())[p] == 2);
  auto next = log->Append({MakeEvent("stu:X", "r3")});
  REQUIRE(next.ok());
  CHECK((*next)[0].offset() == 2);
  CHECK((*next)[0].prev_hash() == last.hash());
  auto report = VerifyLog(*log);
  REQUIRE(report.ok());
  CHECK(report->breaks.empty());
  CHECK(report->events_checked == 3);
}

TEST_CASE("Embedded log: read-only beside the writer, no appends") {
  TempDir dir;
  auto writer = OpenLog(dir.Sub("log"), 2);
  REQUIRE(writer->Append({MakeEvent("kg:K1", "r1")}).ok());
  auto reader = OpenLog(dir.Sub("log"), 2, /*read_only=*/true);
  CHECK(*reader->HeadOffsets() == *writer->HeadOffsets());
  const int32_t p = PartitionFor("kg:K1", 2);
  const std::vector<StoredEvent> seen = ReadAll(*reader, p);
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].event.request_id() == "r1");
  CHECK(absl::IsFailedPrecondition(
      reader->Append({MakeEvent("kg:K1", "r2")}).status()));

  EmbeddedLogOptions options;
  auto second_writer = OpenEmbeddedLog(dir.Sub("log"), options);
  CHECK(absl::IsUnavailable(second_writer.status()));
}

TEST_CASE("Embedded log: corrupt stored bytes are DataLoss naming the place") {
  TempDir dir;
  int32_t p = 0;
  {
    auto log = OpenLog(dir.Sub("log"), 4);
    auto appended =
        log->Append({MakeEvent("stu:Q", "r1"), MakeEvent("stu:Q", "r2"),
                     MakeEvent("stu:Q", "r3")});
    REQUIRE(appended.ok());
    p = (*appended)[0].partition();
  }
  SECTION("unparseable bytes") {
    auto kv = RocksKv::Open(dir.Sub("log"), RocksKv::Options());
    REQUIRE(kv.ok());
    (*kv)->Put(EventKey(p, 1), std::string("\x0f\xff\xff", 3));
    REQUIRE((*kv)->Commit(true).ok());
  }
  SECTION("an event stored under another offset") {
    auto kv = RocksKv::Open(dir.Sub("log"), RocksKv::Options());
    REQUIRE(kv.ok());
    auto other = (*kv)->Get(EventKey(p, 2));
    REQUIRE(other.ok());
    REQUIRE(other->has_value());
    (*kv)->Put(EventKey(p, 1), **other);
    REQUIRE((*kv)->Commit(true).ok());
  }
  auto log = OpenLog(dir.Sub("log"));
  auto head = log->Read(p, 0, 1);
  REQUIRE(head.ok());  // the good event before the damage still reads
  CHECK(head->size() == 1);
  auto read = log->Read(p, 0, 10);
  REQUIRE(absl::IsDataLoss(read.status()));
  const std::string message(read.status().message());
  CHECK(message.find("partition " + std::to_string(p) + " offset 1") !=
        std::string::npos);
  CHECK(log->Read(p, 2, 10).ok());  // past the damage reads again
}

// The views' thread of `ledger submit` (commands/views_follower.h) reads the
// log while the processor appends to it. HeadOffsets covers only appends
// that have returned (durable), so every event below the heads reads back,
// whole and chained; a head published before its write, or a torn heads
// vector, fails here.
TEST_CASE("Embedded log: read up to the heads while another thread appends") {
  TempDir dir;
  auto log = OpenLog(dir.Sub("log"));
  constexpr int kBatches = 120;
  constexpr int kPerBatch = 25;
  std::atomic<bool> appending{true};
  std::string appender_problem;
  std::thread appender([&] {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<v1::Event> batch;
      for (int i = 0; i < kPerBatch; ++i) {
        batch.push_back(MakeEvent(
            "stu:L1101052021030" + std::to_string(10000 + (b * 7 + i) % 97),
            "req-" + std::to_string(b) + "-" + std::to_string(i)));
      }
      auto appended = log->Append(std::move(batch));
      if (!appended.ok()) {
        appender_problem = std::string(appended.status().message());
        break;
      }
    }
    appending = false;
  });
  std::vector<int64_t> next(6, 0);
  std::vector<std::string> last_hash(6);
  std::string problem;
  int64_t read = 0;
  int passes = 0;
  while (problem.empty()) {
    const bool last = !appending;  // after the appender's final Append
    auto heads = log->HeadOffsets();
    if (!heads.ok() || heads->size() != 6) {
      problem = "HeadOffsets failed";
      break;
    }
    ++passes;
    for (int32_t p = 0; p < 6 && problem.empty(); ++p) {
      const int64_t head = (*heads)[p];
      if (head < next[p]) problem = "a head went back";
      if (head <= next[p]) continue;
      auto events = log->Read(p, next[p], static_cast<size_t>(head - next[p]));
      if (!events.ok() ||
          events->size() != static_cast<size_t>(head - next[p])) {
        problem = "partition " + std::to_string(p) + ": head " +
                  std::to_string(head) + " but not all below it read back";
        break;
      }
      for (const StoredEvent& stored : *events) {
        if (stored.event.offset() != next[p] ||
            stored.event.prev_hash() != last_hash[p]) {
          problem = "partition " + std::to_string(p) + ": broken at offset " +
                    std::to_string(next[p]);
          break;
        }
        last_hash[p] = stored.event.hash();
        ++next[p];
        ++read;
      }
    }
    if (last) break;
  }
  appender.join();
  INFO(problem << appender_problem);
  CHECK(problem.empty());
  CHECK(appender_problem.empty());
  CHECK(read == kBatches * kPerBatch);
  CHECK(passes > 1);
}

}  // namespace
}  // namespace xueji
