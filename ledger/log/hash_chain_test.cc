// Tests of the hash chain: SHA-256, canonical bytes, sealing, and VerifyLog
// over a real embedded log whose RocksDB values are then tampered with.
#include "ledger/log/hash_chain.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/stubs/logging.h"
#include "ledger/log/event_log.h"
#include "ledger/log/hash_chain.h"
#include "ledger/storage/kv.h"
#include "tests/support/damaged_wal.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;

v1::Event MakeEvent(const std::string& subject, const std::string& request) {
  v1::Event event;
  event.set_event_id("evt-" + request);
  event.set_subject(subject);
  event.set_request_id(request);
  event.set_correlation_id(request);
  event.set_business_date("2025-10-09");
  event.set_recorded_at("2025-10-09T09:30:00Z");
  event.set_outcome(v1::APPLIED);
  event.mutable_actor()->set_operator_id("op-reg-7");
  event.mutable_actor()->set_role(v1::REGISTRAR);
  event.mutable_actor()->set_org("KG-0007");
  event.mutable_transferred_in()->set_from_kindergarten("KG-0003");
  event.mutable_transferred_in()->set_to_kindergarten("KG-0007");
  return event;
}

TEST_CASE("SealAndSerialize: SealEvent and then CanonicalBytes, in one go",
          "[hash_chain]") {
  std::vector<v1::Event> events;
  events.push_back(MakeEvent("stu:A", "r-1"));  // payload above the hash
  v1::Event bare;                               // nothing after the hash field
  bare.set_subject("kg:K");
  events.push_back(bare);
  v1::Event signed_event = MakeEvent("stu:B", "r-2");
  signed_event.set_batch("0123456789abcdef0123456789abcdef");
  signed_event.set_key_id("ed25519:0123456789abcdef");
  signed_event.set_policy_version("00:1");
  events.push_back(signed_event);
  v1::Event body = MakeEvent("sig:b", "r-3");
  body.mutable_batch_signed()->set_body(std::string(3000, 'x'));  // long
  events.push_back(body);
  v1::Event resealed = MakeEvent("stu:C", "r-4");
  resealed.set_hash("an old hash");  // replaced
  events.push_back(resealed);
  for (const std::string prev : {std::string(), std::string(32, '\x7f')}) {
    for (const v1::Event& event : events) {
      v1::Event fast = event, slow = event;
      const std::string bytes = SealAndSerialize(prev, &fast);
      SealEvent(prev, &slow);
      CHECK(fast.hash() == slow.hash());
      CHECK(fast.prev_hash() == prev);
      CHECK(bytes == CanonicalBytes(slow));
    }
  }
}

std::string EventKey(int32_t partition, int64_t offset) {
  return "e" + EncodeFixed32BE(partition) + EncodeFixed64BE(offset);
}

// A log of 3 partitions: "stu:CHAIN" gets 5 events (offsets 0..4), other
// subjects a few more. Returns the partition of "stu:CHAIN".
int32_t WriteLog(const std::string& path) {
  EmbeddedLogOptions options;
  options.partitions = 3;
  auto log = OpenEmbeddedLog(path, options);
  REQUIRE(log.ok());
  for (int i = 0; i < 5; ++i) {
    const std::string r = "req-" + std::to_string(i);
    REQUIRE((*log)
                ->Append({MakeEvent("stu:CHAIN", r), MakeEvent("kg:KG-0007", r),
                          MakeEvent("op:op-reg-" + std::to_string(i), r)})
                .ok());
  }
  return PartitionFor("stu:CHAIN", 3);
}

VerifyReport Verify(const std::string& path) {
  EmbeddedLogOptions options;
  options.read_only = true;
  auto log = OpenEmbeddedLog(path, options);
  REQUIRE(log.ok());
  google::protobuf::LogSilencer quiet;  // damaged strings log UTF-8 errors
  auto report = VerifyLog(**log);
  REQUIRE(report.ok());
  return *std::move(report);
}

// Opens the log's RocksDB directly and changes it.
void Tamper(const std::string& path,
            const std::function<void(RocksKv&)>& edit) {
  auto kv = RocksKv::Open(path, RocksKv::Options());
  REQUIRE(kv.ok());
  edit(**kv);
  REQUIRE((*kv)->Commit(/*sync=*/false).ok());  // closing flushes the WAL
}

// A fresh directory with a log written by WriteLog in "log"; p is the
// partition of "stu:CHAIN".
struct WrittenLog {
  TempDir dir;
  const int32_t p = WriteLog(dir.Sub("log"));
};

std::string Stored(RocksKv& kv, int32_t p, int64_t o) {
  auto value = kv.Get(EventKey(p, o));
  REQUIRE(value.ok());
  REQUIRE(value->has_value());
  return **value;
}

std::string Describe(const VerifyReport& report) {
  std::string out;
  for (const ChainBreak& b : report.breaks) {
    out += std::to_string(b.partition) + "/" + std::to_string(b.offset) + ": " +
           b.problem + "\n";
  }
  return out;
}

// Checks that `report` has exactly one break, at `offset` of `partition`, its
// problem naming `problem` (any problem for "").
void CheckOneBreak(const VerifyReport& report, int32_t partition,
                   int64_t offset, std::string_view problem = "") {
  INFO(Describe(report));
  REQUIRE(report.breaks.size() == 1);
  CHECK(report.breaks[0].partition == partition);
  CHECK(report.breaks[0].offset == offset);
  CHECK(report.breaks[0].problem.find(problem) != std::string::npos);
}

TEST_CASE("Sha256 and HexEncode") {
  CHECK(HexEncode(Sha256("abc")) ==
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(HexEncode(Sha256("")) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(HexEncode(std::string("\x00\xff\x10", 3)) == "00ff10");
  CHECK(HexEncode("") == "");
}

TEST_CASE("CanonicalBytes and SealEvent") {
  v1::Event event = MakeEvent("stu:S", "req-s");
  event.set_partition(2);
  event.set_offset(7);
  const std::string bytes = CanonicalBytes(event);
  v1::Event parsed;
  REQUIRE(parsed.ParseFromString(bytes));
  CHECK(CanonicalBytes(parsed) == bytes);
  CHECK(parsed.subject() == "stu:S");

  v1::Event sealed = event;
  SealEvent("previous-hash", &sealed);
  CHECK(sealed.prev_hash() == "previous-hash");
  v1::Event unsealed = sealed;
  unsealed.clear_hash();
  CHECK(sealed.hash() == Sha256(CanonicalBytes(unsealed)));
  CHECK(sealed.hash().size() == 32);

  v1::Event other = event;
  SealEvent("another-hash", &other);
  CHECK(other.hash() != sealed.hash());
  SealEvent("previous-hash", &other);  // resealing replaces the hash
  CHECK(other.hash() == sealed.hash());
}

TEST_CASE_METHOD(WrittenLog, "VerifyLog: a clean log verifies") {
  const VerifyReport report = Verify(dir.Sub("log"));
  INFO(Describe(report));
  CHECK(report.breaks.empty());
  CHECK(report.events_checked == 15);
  REQUIRE(report.head_hashes.size() == 3);
  auto kv = RocksKv::Open(dir.Sub("log"), RocksKv::Options());
  REQUIRE(kv.ok());
  v1::Event last;
  REQUIRE(last.ParseFromString(Stored(**kv, p, 4)));
  CHECK(report.head_hashes[p] == HexEncode(last.hash()));
  CHECK(report.head_hashes[p].size() == 64);
}

TEST_CASE_METHOD(
    WrittenLog, "VerifyLog: any single flipped byte is reported at its event") {
  // One writer for all the edits; each Verify opens the log read-only beside
  // it (a read-only open replays the writer's WAL, so it sees every commit).
  auto kv = RocksKv::Open(dir.Sub("log"), RocksKv::Options());
  REQUIRE(kv.ok());
  const std::string original = Stored(**kv, p, 2);
  REQUIRE(original.size() > 100);
  for (const unsigned char mask : {0x01, 0x80}) {
    for (size_t i = 0; i < original.size(); ++i) {
      std::string flipped = original;
      flipped[i] = static_cast<char>(flipped[i] ^ mask);
      (*kv)->Put(EventKey(p, 2), flipped);
      REQUIRE((*kv)->Commit(/*sync=*/false).ok());
      const VerifyReport report = Verify(dir.Sub("log"));
      INFO("byte " << i << " mask " << int{mask});
      CheckOneBreak(report, p, 2);
    }
  }
  (*kv)->Put(EventKey(p, 2), original);
  REQUIRE((*kv)->Commit(/*sync=*/false).ok());
  CHECK(Verify(dir.Sub("log")).breaks.empty());
}

TEST_CASE_METHOD(
    WrittenLog,
    "VerifyLog: an edited string that still parses is a hash mismatch") {
  Tamper(dir.Sub("log"), [&](RocksKv& kv) {
    std::string bytes = Stored(kv, p, 3);
    const size_t at = bytes.find("KG-0003");  // transferred_in.from
    REQUIRE(at != std::string::npos);
    bytes[at + 6] = '9';
    v1::Event still_parses;
    REQUIRE(still_parses.ParseFromString(bytes));
    CHECK(still_parses.transferred_in().from_kindergarten() == "KG-0009");
    kv.Put(EventKey(p, 3), bytes);
  });
  CheckOneBreak(Verify(dir.Sub("log")), p, 3, "hash mismatch");
}

TEST_CASE_METHOD(
    WrittenLog,
    "VerifyLog: a resealed forgery breaks the link to its successor") {
  Tamper(dir.Sub("log"), [&](RocksKv& kv) {
    v1::Event event;
    REQUIRE(event.ParseFromString(Stored(kv, p, 1)));
    event.mutable_actor()->set_operator_id("op-someone-else");
    SealEvent(event.prev_hash(), &event);  // a consistent hash for the edit
    kv.Put(EventKey(p, 1), CanonicalBytes(event));
  });
  CheckOneBreak(Verify(dir.Sub("log")), p, 2, "prev_hash");
}

TEST_CASE_METHOD(WrittenLog, "VerifyLog: deleted events are missing offsets") {
  SECTION("in the middle") {
    Tamper(dir.Sub("log"), [&](RocksKv& kv) { kv.Delete(EventKey(p, 2)); });
    const VerifyReport report = Verify(dir.Sub("log"));
    CheckOneBreak(report, p, 2, "missing");
    CHECK(report.events_checked == 14);
  }
  SECTION("at the tail, below the head record") {
    Tamper(dir.Sub("log"), [&](RocksKv& kv) { kv.Delete(EventKey(p, 4)); });
    CheckOneBreak(Verify(dir.Sub("log")), p, 4, "head offset 5");
  }
}

TEST_CASE_METHOD(WrittenLog,
                 "CheckNothingBeyondHeads: an event stored at the head offset "
                 "is DataLoss naming it") {
  auto check = [&]() {
    EmbeddedLogOptions options;
    options.read_only = true;
    auto log = OpenEmbeddedLog(dir.Sub("log"), options);
    REQUIRE(log.ok());
    return CheckNothingBeyondHeads(**log);
  };
  CHECK(check().ok());
  Tamper(dir.Sub("log"), [&](RocksKv& kv) {
    v1::Event beyond;
    REQUIRE(beyond.ParseFromString(Stored(kv, p, 4)));
    beyond.set_offset(5);  // the head record still says 5 events
    kv.Put(EventKey(p, 5), CanonicalBytes(beyond));
  });
  const absl::Status beyond = check();
  CHECK(absl::IsDataLoss(beyond));
  CHECK(beyond.message().find("partition " + std::to_string(p)) !=
        std::string_view::npos);
  CHECK(beyond.message().find("beyond the head offset 5") !=
        std::string_view::npos);
}

TEST_CASE_METHOD(
    WrittenLog,
    "VerifyLog: unreadable events are reported and the walk goes on") {
  Tamper(dir.Sub("log"), [&](RocksKv& kv) {
    kv.Put(EventKey(p, 1), std::string("\x0f\x0f\x0f", 3));
    std::string bytes = Stored(kv, p, 3);
    bytes[bytes.find("req-3")] = 'R';
    kv.Put(EventKey(p, 3), bytes);
  });
  const VerifyReport report = Verify(dir.Sub("log"));
  INFO(Describe(report));
  REQUIRE(report.breaks.size() == 2);
  CHECK(report.breaks[0].offset == 1);
  CHECK(report.breaks[0].problem.find("unparseable") != std::string::npos);
  CHECK(report.breaks[1].offset == 3);
  CHECK(report.breaks[1].problem.find("hash mismatch") != std::string::npos);
  CHECK(report.events_checked == 14);  // every readable event was checked
}

// Forwards to a log and gives up (Aborted) after `budget` reads, so a walk
// that never ends fails the test instead of hanging it.
class BoundedReads : public EventLog {
 public:
  BoundedReads(EventLog& log, int budget) : log_(log), budget_(budget) {}
  int32_t partitions() const override { return log_.partitions(); }
  absl::StatusOr<std::vector<v1::Event>> Append(
      std::vector<v1::Event> batch) override {
    return log_.Append(std::move(batch));
  }
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t partition,
                                                int64_t from_offset,
                                                size_t max_events) override {
    if (--budget_ < 0) return absl::AbortedError("read budget spent");
    return log_.Read(partition, from_offset, max_events);
  }
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override {
    return log_.HeadOffsets();
  }

 private:
  EventLog& log_;
  int budget_;
};

// Found by tests/fuzz/verify_log_fuzzer (issue 14): an event stored under a
// key whose offset reads as negative (2^63 or more) made the walk re-read it
// for ever (`ledger verify` hung, its memory growing); one at the largest
// offset overflowed offset + 1.
TEST_CASE_METHOD(
    WrittenLog,
    "VerifyLog: an event stored at an impossible offset is a break") {
  int64_t offset = 0;
  SECTION("2^64 - 1, read as -1") { offset = -1; }
  SECTION("2^63 - 1, the largest") { offset = INT64_MAX; }
  Tamper(dir.Sub("log"), [&](RocksKv& kv) {
    v1::Event event = MakeEvent("stu:CHAIN", "req-forged");
    event.set_partition(p);
    event.set_offset(offset);  // so that the log's Read accepts it
    SealEvent("", &event);
    kv.Put(EventKey(p, offset), CanonicalBytes(event));
  });
  EmbeddedLogOptions options;
  options.read_only = true;
  auto log = OpenEmbeddedLog(dir.Sub("log"), options);
  REQUIRE(log.ok());
  BoundedReads bounded(**log, 1000);
  auto report = VerifyLog(bounded);
  REQUIRE(report.ok());
  CheckOneBreak(*report, p, offset);
  CHECK(report->events_checked == 16);  // the 15 events and the forged one
}

// Reads every partition of `log` in chunks of `chunk`; the first error.
absl::Status ReadAll(EventLog& log, size_t chunk) {
  auto heads = log.HeadOffsets();
  if (!heads.ok()) return heads.status();
  for (int32_t p = 0; p < log.partitions(); ++p) {
    for (int64_t next = 0; next < (*heads)[p];) {
      auto events = log.Read(p, next, chunk);
      if (!events.ok()) return events.status();
      if (events->empty()) break;
      next = events->back().event.offset() + 1;
    }
  }
  return absl::OkStatus();
}

absl::Status ReadAllChecked(const std::string& path, size_t chunk = 1000) {
  EmbeddedLogOptions options;
  options.read_only = true;
  auto log = OpenEmbeddedLog(path, options);
  REQUIRE(log.ok());
  google::protobuf::LogSilencer quiet;
  return ReadAll(*ChainChecked(**log), chunk);
}

TEST_CASE("ChainChecked: a whole log reads through, in any chunk size") {
  TempDir dir;
  WriteLog(dir.Sub("log"));
  for (size_t chunk : {1, 2, 1000}) {
    INFO("chunk " << chunk);
    CHECK(ReadAllChecked(dir.Sub("log"), chunk).ok());
  }
}

TEST_CASE_METHOD(
    WrittenLog,
    "ChainChecked: an altered, missing or forged event is DataLoss "
    "naming partition and offset") {
  std::string expected_offset;
  SECTION("a changed byte that still parses") {
    Tamper(dir.Sub("log"), [&](RocksKv& kv) {
      std::string bytes = Stored(kv, p, 3);
      bytes[bytes.find("KG-0003") + 6] = '9';
      kv.Put(EventKey(p, 3), bytes);
    });
    expected_offset = "offset 3";
  }
  SECTION("a missing event in the middle") {
    Tamper(dir.Sub("log"), [&](RocksKv& kv) { kv.Delete(EventKey(p, 2)); });
    expected_offset = "offset 2";
  }
  SECTION("a missing event at the tail") {
    Tamper(dir.Sub("log"), [&](RocksKv& kv) { kv.Delete(EventKey(p, 4)); });
    expected_offset = "offset 4";
  }
  SECTION("a resealed forgery") {
    Tamper(dir.Sub("log"), [&](RocksKv& kv) {
      v1::Event event;
      REQUIRE(event.ParseFromString(Stored(kv, p, 1)));
      event.mutable_actor()->set_operator_id("op-someone-else");
      SealEvent(event.prev_hash(), &event);
      kv.Put(EventKey(p, 1), CanonicalBytes(event));
    });
    expected_offset = "offset 2";  // its successor no longer links
  }
  for (size_t chunk : {1, 1000}) {
    absl::Status status = ReadAllChecked(dir.Sub("log"), chunk);
    INFO("chunk " << chunk << ": " << status);
    CHECK(absl::IsDataLoss(status));
    CHECK(std::string(status.message())
              .find("partition " + std::to_string(p) + " " + expected_offset) !=
          std::string::npos);
  }
}

TEST_CASE("ChainChecked: appends pass through and continue the check") {
  TempDir dir;
  WriteLog(dir.Sub("log"));
  EmbeddedLogOptions options;
  options.partitions = 3;
  auto log = OpenEmbeddedLog(dir.Sub("log"), options);
  REQUIRE(log.ok());
  auto checked = ChainChecked(**log);
  REQUIRE(ReadAll(*checked, 1000).ok());
  auto appended = checked->Append({MakeEvent("stu:CHAIN", "req-9")});
  REQUIRE(appended.ok());
  const v1::Event& e = appended->front();
  auto read = checked->Read(e.partition(), e.offset(), 10);
  REQUIRE(read.ok());
  REQUIRE(read->size() == 1);
  CHECK(read->front().event.hash() == e.hash());
}

TEST_CASE(
    "CheckLogCovers: a log behind a projection is DataLoss naming both "
    "positions, lagging projections are fine") {
  const std::vector<int64_t> heads = {5, 7, 0};
  CHECK(CheckLogCovers("DATA/log", heads, {}).ok());
  CHECK(CheckLogCovers("DATA/log", heads,
                       {{"the views", "DATA/views", {5, 3}},
                        {"the decider state", "DATA/state", {0, 0, 0}}})
            .ok());
  absl::Status behind =
      CheckLogCovers("DATA/log", heads,
                     {{"the views", "DATA/views", {5, 3}},
                      {"the decider state", "DATA/state", {5, 9, 1}}});
  CHECK(absl::IsDataLoss(behind));
  const std::string message(behind.message());
  CHECK(message.find("DATA/log is behind the decider state (DATA/state)") !=
        std::string::npos);
  CHECK(message.find("partition 1 holds 7 event(s) but the decider state has "
                     "seen 9") != std::string::npos);
  CHECK(message.find("1 more partition") != std::string::npos);
  // A projection of more partitions than the log has.
  CHECK(absl::IsDataLoss(CheckLogCovers(
      "DATA/log", heads, {{"the views", "DATA/views", {0, 0, 0, 1}}})));
}

TEST_CASE_METHOD(WrittenLog,
                 "Embedded log: a log behind its witnesses does not open") {
  EmbeddedLogOptions options;
  std::vector<int64_t> seen(3, 0);
  seen[p] = 5;
  options.witnesses = {{"the views", "views", seen}};
  CHECK(OpenEmbeddedLog(dir.Sub("log"), options).ok());
  seen[p] = 6;
  options.witnesses = {{"the views", "views", seen}};
  auto behind = OpenEmbeddedLog(dir.Sub("log"), options);
  CHECK(absl::IsDataLoss(behind.status()));
}

TEST_CASE(
    "Embedded log: a damaged write-ahead log is DataLoss naming the "
    "file, never a shorter log") {
  TempDir dir;
  WriteLog(dir.Sub("log"));  // still in the write-ahead log
  const fs::path wal = testing::WalOf(dir.Sub("log"));
  {
    std::fstream f(wal, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(wal) / 2));
    f.put('\x5a');
  }
  testing::CheckDamagedWalIsDataLoss(wal, [&](bool read_only) {
    EmbeddedLogOptions options;
    options.read_only = read_only;
    return OpenEmbeddedLog(dir.Sub("log"), options).status();
  });
}

TEST_CASE_METHOD(
    WrittenLog,
    "Embedded log: an incomplete last record is dropped only when no "
    "witness saw it") {
  const fs::path wal = testing::WalOf(dir.Sub("log"));
  fs::resize_file(wal, fs::file_size(wal) - 10);  // the last append, torn
  std::vector<int64_t> seen(3, 0);
  seen[p] = 4;  // a projection saw the first four appends only
  EmbeddedLogOptions options;
  options.partitions = 3;
  options.witnesses = {{"the views", "views", seen}};
  {
    std::vector<int64_t> saw_all = seen;
    saw_all[p] = 5;
    EmbeddedLogOptions strict = options;
    strict.witnesses = {{"the views", "views", saw_all}};
    auto refused = OpenEmbeddedLog(dir.Sub("log"), strict);
    CHECK(absl::IsDataLoss(refused.status()));
    CHECK(std::string(refused.status().message()).find("behind the views") !=
          std::string::npos);
  }
  auto log = OpenEmbeddedLog(dir.Sub("log"), options);
  REQUIRE(log.ok());
  CHECK((*log)->recovery_note().find("incomplete record") != std::string::npos);
  auto heads = (*log)->HeadOffsets();
  REQUIRE(heads.ok());
  CHECK((*heads)[p] == 4);
  CHECK(ReadAll(*ChainChecked(**log), 1000).ok());
}

}  // namespace
}  // namespace xueji
