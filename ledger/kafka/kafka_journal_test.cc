// KafkaLog's write-ahead journal on the mock cluster: a batch left half in
// the events topic (a processor killed mid-append) is finished by
// RecoverJournal with the same bytes at the same offsets, once.
#include <catch2/catch.hpp>
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/kafka/kafka_test_util.h"
#include "ledger/log/hash_chain.h"
#include "tests/support/log_count.h"

namespace xueji {
namespace {

using testing::TotalEvents;

using xueji::v1::Event;
using xueji::v1::JournalBatch;

Event Requested(const std::string& subject, const std::string& request_id) {
  Event e;
  e.set_event_id(absl::StrCat(request_id, "-0"));
  e.set_subject(subject);
  e.set_recorded_at("2025-09-01T08:00:00+08:00");
  e.set_business_date("2025-09-01");
  e.mutable_actor()->set_operator_id("op-test-1");
  e.set_request_id(request_id);
  e.set_outcome(xueji::v1::PENDING_APPROVAL);
  e.mutable_record_requested()->set_kindergarten("KG-TEST-1");
  return e;
}

std::unique_ptr<KafkaLog> OpenJournaled(MockCluster& cluster) {
  KafkaLogOptions options = cluster.Options();
  options.journal_topic = "xueji.journal";
  auto log = KafkaLog::Open(options);
  REQUIRE(log.ok());
  return *std::move(log);
}

// Seals `batch` after the log's current tails, as Append would.
std::vector<Event> SealAfterTails(EventLog& log, std::vector<Event> batch) {
  auto heads = log.HeadOffsets();
  REQUIRE(heads.ok());
  std::map<int32_t, std::string> hashes;
  for (int32_t p = 0; p < log.partitions(); ++p) {
    if ((*heads)[p] == 0) continue;
    auto last = log.Read(p, (*heads)[p] - 1, 1);
    REQUIRE(last.ok());
    REQUIRE(last->size() == 1);
    hashes[p] = last->front().event.hash();
  }
  std::vector<int64_t> next = *heads;
  for (Event& e : batch) {
    const int32_t p = PartitionFor(e.subject(), log.partitions());
    e.set_partition(p);
    e.set_offset(next[p]++);
    SealEvent(hashes[p], &e);
    hashes[p] = e.hash();
  }
  return batch;
}

// Produces `journal` with the events `sealed` to the journal topic, as a
// processor does before it appends them; returns the producer.
std::unique_ptr<KafkaProducer> ProduceJournal(
    MockCluster& cluster, JournalBatch journal,
    const std::vector<Event>& sealed) {
  KafkaConnection kafka;
  kafka.bootstrap_servers = cluster.Options().bootstrap_servers;
  auto producer = KafkaProducer::Open(kafka, std::chrono::seconds(10));
  REQUIRE(producer.ok());
  for (const Event& e : sealed) *journal.add_events() = e;
  REQUIRE(
      (*producer)
          ->Produce("xueji.journal", 0, "batch", journal.SerializeAsString())
          .ok());
  REQUIRE((*producer)->Flush().ok());
  return *std::move(producer);
}

// What a killed processor leaves: the journal record, and only `written`
// of its events.
void LeaveHalfBatch(MockCluster& cluster, const std::vector<Event>& sealed,
                    size_t written) {
  JournalBatch journal;
  journal.set_next_request_offset(42);
  auto producer = ProduceJournal(cluster, journal, sealed);
  for (size_t i = 0; i < written; ++i) {
    REQUIRE(producer
                ->Produce("xueji.events", sealed[i].partition(),
                          sealed[i].subject(), CanonicalBytes(sealed[i]))
                .ok());
  }
  REQUIRE(producer->Flush().ok());
}

std::vector<Event> Batch(const std::string& tag, int n) {
  std::vector<Event> batch;
  for (int i = 0; i < n; ++i) {
    batch.push_back(Requested(absl::StrCat("stu:J", i), absl::StrCat(tag, i)));
  }
  return batch;
}

TEST_CASE("RecoverJournal on an empty journal returns nothing") {
  MockCluster cluster;
  auto log = OpenJournaled(cluster);
  auto last = log->RecoverJournal();
  REQUIRE(last.ok());
  CHECK_FALSE(last->has_value());
}

TEST_CASE("AppendJournaled journals the sealed batch with the answers") {
  MockCluster cluster;
  auto log = OpenJournaled(cluster);
  REQUIRE(log->RecoverJournal().ok());  // learns the journal's end
  JournalBatch header;
  header.add_request_offsets(7);
  header.set_next_request_offset(8);
  header.add_results()->set_request_id("a0");
  auto sealed = log->AppendJournaled(Batch("a", 12), header);
  REQUIRE(sealed.ok());
  auto last = log->RecoverJournal();
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->next_request_offset() == 8);
  CHECK((*last)->results(0).request_id() == "a0");
  REQUIRE((*last)->events_size() == 12);
  for (int i = 0; i < 12; ++i) {
    CHECK((*last)->events(i).hash() == (*sealed)[i].hash());
  }
  CHECK(TotalEvents(*log) == 12);  // nothing produced twice
}

TEST_CASE("RecoverJournal finishes a half-written batch exactly once") {
  MockCluster cluster;
  auto writer = OpenJournaled(cluster);
  REQUIRE(writer->Append(Batch("first", 10)).ok());
  std::vector<Event> sealed = SealAfterTails(*writer, Batch("second", 16));
  const size_t written = GENERATE(0u, 5u, 16u);
  LeaveHalfBatch(cluster, sealed, written);

  auto successor = OpenJournaled(cluster);
  auto last = successor->RecoverJournal();
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->next_request_offset() == 42);
  CHECK(TotalEvents(*successor) == 26);
  for (const Event& e : sealed) {
    auto stored = successor->Read(e.partition(), e.offset(), 1);
    REQUIRE(stored.ok());
    REQUIRE(stored->size() == 1);
    CHECK(stored->front().bytes == CanonicalBytes(e));
  }
  auto report = VerifyLog(*successor);
  REQUIRE(report.ok());
  CHECK(report->breaks.empty());

  // Again (a second takeover): nothing more is produced; appends continue.
  REQUIRE(successor->RecoverJournal().ok());
  CHECK(TotalEvents(*successor) == 26);
  REQUIRE(successor->Append(Batch("third", 3)).ok());
  CHECK(TotalEvents(*successor) == 29);
}

TEST_CASE(
    "A journal record that lost the race is ignored, and its writer "
    "appends nothing") {
  MockCluster cluster;
  auto first = OpenJournaled(cluster);
  auto second = OpenJournaled(cluster);
  REQUIRE(first->RecoverJournal().ok());
  REQUIRE(second->RecoverJournal().ok());  // both expect journal offset 0
  JournalBatch header;
  header.set_next_request_offset(1);
  REQUIRE(first->AppendJournaled(Batch("a", 3), header).ok());
  header.set_next_request_offset(99);
  auto lost = second->AppendJournaled(Batch("b", 3), header);
  REQUIRE_FALSE(lost.ok());
  CHECK(absl::IsAborted(lost.status()));
  CHECK(TotalEvents(*first) == 3);  // none of the loser's events
  auto third = OpenJournaled(cluster);
  auto last = third->RecoverJournal();
  REQUIRE(last.ok());
  REQUIRE(last->has_value());
  CHECK((*last)->next_request_offset() == 1);  // the winner's record
  CHECK(TotalEvents(*third) == 3);
}

TEST_CASE("RecoverJournal refuses a journal the events topic contradicts") {
  MockCluster cluster;
  auto writer = OpenJournaled(cluster);
  REQUIRE(writer->Append(Batch("first", 4)).ok());
  std::vector<Event> sealed = SealAfterTails(*writer, Batch("second", 4));
  // Another writer's event sits where the journal's first event belongs.
  std::vector<Event> other = sealed;
  other[0].set_request_id("intruder");
  SealEvent(other[0].prev_hash(), &other[0]);
  LeaveHalfBatch(cluster, other, 1);
  JournalBatch journal;
  journal.set_journal_offset(1);  // where it lands: after LeaveHalfBatch's
  ProduceJournal(cluster, journal, sealed);

  auto successor = OpenJournaled(cluster);
  auto last = successor->RecoverJournal();
  REQUIRE_FALSE(last.ok());
  CHECK(absl::IsDataLoss(last.status()));
  CHECK_THAT(std::string(last.status().message()),
             Catch::Contains("another writer"));
}

// Issue 11: recovery asked the brokers for watermarks, which librdkafka may
// wait for past any timeout while a partition's leader is down, so a
// processor taking over during an outage hung there and lost its group
// membership. Recovery and reads now go by partition EOF, bounded by
// read_timeout.
TEST_CASE("RecoverJournal and reads are bounded while a leader is down") {
  MockCluster cluster;
  cluster.SetLeader("xueji.journal", 0, 2);
  for (int p = 0; p < 6; ++p) cluster.SetLeader("xueji.events", p, 2);
  KafkaLogOptions options = cluster.Options();
  options.journal_topic = "xueji.journal";
  options.read_timeout = std::chrono::milliseconds(1500);
  options.append_timeout = std::chrono::milliseconds(5000);
  auto log = KafkaLog::Open(options);
  REQUIRE(log.ok());
  REQUIRE((*log)->RecoverJournal().ok());
  JournalBatch header;
  header.set_next_request_offset(1);
  auto appended = (*log)->AppendJournaled(Batch("b", 6), header);
  INFO(appended.status().ToString());
  REQUIRE(appended.ok());

  REQUIRE(cluster.Command("broker-down 2") == "ok");
  auto timed = [](auto&& call) {
    const auto start = std::chrono::steady_clock::now();
    const bool ok = call();
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(ok);
    CHECK(took < std::chrono::seconds(12));  // bounded, not a hang
  };
  timed([&] { return (*log)->RecoverJournal().ok(); });
  timed([&] { return (*log)->Read(0, 0, 10).ok(); });
  KafkaLogOptions reader_options = options;
  reader_options.read_only = true;
  auto reader = KafkaLog::Open(reader_options);
  REQUIRE(reader.ok());
  timed([&] { return (*reader)->HeadOffsets().ok(); });

  REQUIRE(cluster.Command("broker-up 2") == "ok");
  absl::StatusOr<std::optional<JournalBatch>> recovered;
  for (int attempt = 0; attempt < 20 && !recovered.ok(); ++attempt) {
    recovered = (*log)->RecoverJournal();
  }
  INFO(recovered.status().ToString());
  REQUIRE(recovered.ok());
  REQUIRE(recovered->has_value());
  CHECK((*recovered)->events_size() == 6);
  CHECK(TotalEvents(**log) == 6);
}

}  // namespace
}  // namespace xueji
