// Tests of KafkaLog against librdkafka's mock cluster (ledger-mock-kafka,
// tests/support), with its fault-injection commands.
#include "ledger/kafka/kafka_log.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_test_util.h"
#include "ledger/log/hash_chain.h"
#include "tests/support/log_count.h"

namespace xueji {
namespace {

using xueji::v1::Event;

// A plain librdkafka client of `type` on the mock cluster, to read or
// write the topics behind KafkaLog's back; the caller destroys it.
rd_kafka_t* BareClient(MockCluster& cluster, rd_kafka_type_t type) {
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::string servers = cluster.Options().bootstrap_servers;
  rd_kafka_conf_set(conf, "bootstrap.servers", servers.c_str(), errstr,
                    sizeof(errstr));
  rd_kafka_t* client = rd_kafka_new(type, conf, errstr, sizeof(errstr));
  REQUIRE(client != nullptr);
  return client;
}

Event MakeEvent(const std::string& subject, const std::string& request_id,
                int index) {
  Event e;
  e.set_event_id(absl::StrCat(request_id, "-", index));
  e.set_subject(subject);
  e.set_student_no("L99" + subject.substr(subject.size() - 3));
  e.set_recorded_at("2025-09-01T08:00:00+08:00");
  e.set_business_date("2025-09-01");
  e.mutable_actor()->set_operator_id("op-test-1");
  e.set_request_id(request_id);
  e.set_correlation_id(request_id);
  e.set_outcome(xueji::v1::PENDING_APPROVAL);
  e.mutable_record_requested()->set_kindergarten("KG-TEST-1");
  return e;
}

// `count` single-event batches on subjects stu:T000, stu:T001, ...
std::vector<Event> AppendMany(EventLog& log, const std::string& tag, int first,
                              int count) {
  std::vector<Event> out;
  for (int i = first; i < first + count; ++i) {
    char subject[32];
    std::snprintf(subject, sizeof(subject), "stu:T%03d", i % 20);
    auto sealed = log.Append({MakeEvent(subject, absl::StrCat(tag, i), 0)});
    REQUIRE(sealed.ok());
    out.push_back(sealed->front());
  }
  return out;
}

// Every event of every partition, by event_id; fails on a duplicate id.
std::map<std::string, Event> ReadAll(EventLog& log) {
  std::map<std::string, Event> all;
  for (int32_t p = 0; p < log.partitions(); ++p) {
    auto events = log.Read(p, 0, 10000);
    REQUIRE(events.ok());
    for (const StoredEvent& stored : *events) {
      CHECK(all.emplace(stored.event.event_id(), stored.event).second);
    }
  }
  return all;
}

void RequireChainIntact(EventLog& log, int64_t expected_events) {
  auto report = VerifyLog(log);
  REQUIRE(report.ok());
  CHECK(report->breaks.empty());
  CHECK(report->events_checked == expected_events);
}

TEST_CASE("KafkaLog appends, reads and reports head offsets") {
  MockCluster cluster;
  auto log = OpenKafkaLog(cluster.Options());
  REQUIRE(log.ok());
  EventLog& kafka = **log;
  REQUIRE(kafka.partitions() == 6);

  auto sealed = kafka.Append({MakeEvent("stu:A001", "r1", 0),
                              MakeEvent("stu:A001", "r1", 1),
                              MakeEvent("kg:KG-TEST-1", "r1", 2)});
  REQUIRE(sealed.ok());
  REQUIRE(sealed->size() == 3);
  const int32_t p = PartitionFor("stu:A001", 6);
  CHECK((*sealed)[0].partition() == p);
  CHECK((*sealed)[0].offset() == 0);
  CHECK((*sealed)[0].prev_hash().empty());
  CHECK((*sealed)[1].offset() == 1);
  CHECK((*sealed)[1].prev_hash() == (*sealed)[0].hash());
  CHECK((*sealed)[2].partition() == PartitionFor("kg:KG-TEST-1", 6));

  auto read = kafka.Read(p, 0, 10);
  REQUIRE(read.ok());
  REQUIRE(read->size() >= 2);
  CHECK((*read)[0].bytes == CanonicalBytes((*sealed)[0]));
  CHECK((*read)[1].event.event_id() == "r1-1");
  CHECK((*read)[1].event.hash() == (*sealed)[1].hash());

  auto limited = kafka.Read(p, 1, 1);
  REQUIRE(limited.ok());
  REQUIRE(limited->size() == 1);
  CHECK(limited->front().event.offset() == 1);

  CHECK(testing::TotalEvents(kafka) == 3);
  auto heads = kafka.HeadOffsets();
  REQUIRE(heads.ok());
  CHECK((*heads)[p] >= 2);
  auto at_head = kafka.Read(p, (*heads)[p], 10);
  REQUIRE(at_head.ok());
  CHECK(at_head->empty());
  CHECK(kafka.Read(6, 0, 1).status().code() ==
        absl::StatusCode::kInvalidArgument);
  RequireChainIntact(kafka, 3);
}

TEST_CASE("KafkaLog continues each partition's chain across a reopen") {
  MockCluster cluster;
  std::vector<Event> first;
  {
    auto log = OpenKafkaLog(cluster.Options());
    REQUIRE(log.ok());
    first = AppendMany(**log, "a", 0, 12);
  }
  auto log = OpenKafkaLog(cluster.Options());
  REQUIRE(log.ok());
  auto next = (*log)->Append({MakeEvent("stu:T000", "b0", 0)});
  REQUIRE(next.ok());
  // stu:T000 got events a0; its partition's previous event is the last one
  // appended there before the reopen.
  const int32_t p = next->front().partition();
  const Event* last_before = nullptr;
  for (const Event& e : first)
    if (e.partition() == p) last_before = &e;
  REQUIRE(last_before != nullptr);
  CHECK(next->front().offset() == last_before->offset() + 1);
  CHECK(next->front().prev_hash() == last_before->hash());
  RequireChainIntact(**log, 13);
}

TEST_CASE("KafkaLog records carry the CloudEvents Kafka binding headers") {
  MockCluster cluster;
  auto log = OpenKafkaLog(cluster.Options());
  REQUIRE(log.ok());
  auto sealed = (*log)->Append({MakeEvent("stu:H001", "rh", 0)});
  REQUIRE(sealed.ok());
  const Event& event = sealed->front();

  rd_kafka_t* consumer = BareClient(cluster, RD_KAFKA_CONSUMER);
  rd_kafka_topic_t* topic =
      rd_kafka_topic_new(consumer, "xueji.events", nullptr);
  REQUIRE(rd_kafka_consume_start(topic, event.partition(), 0) == 0);
  rd_kafka_message_t* m = nullptr;
  while (m == nullptr || m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    if (m != nullptr) rd_kafka_message_destroy(m);
    m = rd_kafka_consume(topic, event.partition(), 1000);
  }
  std::map<std::string, std::string> headers;
  rd_kafka_headers_t* hdrs = nullptr;
  REQUIRE(rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR);
  const char* name;
  const void* value;
  size_t size;
  for (size_t i = 0; !rd_kafka_header_get_all(hdrs, i, &name, &value, &size);
       ++i) {
    headers[name] = std::string(static_cast<const char*>(value), size);
  }
  CHECK(std::string(static_cast<const char*>(m->key), m->key_len) ==
        "stu:H001");
  rd_kafka_message_destroy(m);
  rd_kafka_consume_stop(topic, event.partition());
  rd_kafka_topic_destroy(topic);
  rd_kafka_destroy(consumer);

  CHECK(headers["ce_specversion"] == "1.0");
  CHECK(headers["ce_id"] == event.event_id());
  CHECK(headers["ce_source"] == "/xueji/ledger");
  CHECK(headers["ce_type"] == "cn.edu.xueji.v1.RecordRequested");
  CHECK(headers["ce_time"] == event.recorded_at());
  CHECK(headers["ce_subject"] == event.student_no());
  CHECK(headers["content-type"] == "application/protobuf");
  CHECK(headers["ce_dataschema"] == "urn:xueji:protobuf:xueji.v1.Event");
}

TEST_CASE("KafkaLog appends through a broker going down and up") {
  MockCluster cluster;
  for (int32_t p = 0; p < 6; ++p) {
    cluster.SetLeader("xueji.events", p, 1);
  }
  auto log = OpenKafkaLog(cluster.Options());
  REQUIRE(log.ok());
  AppendMany(**log, "before", 0, 6);
  REQUIRE(cluster.Command("broker-down 1") == "ok");
  // Bring the leader back while the next Append is waiting for it.
  std::thread revive([&cluster] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    cluster.Command("broker-up 1");
  });
  auto during = (*log)->Append({MakeEvent("stu:T007", "during0", 0),
                                MakeEvent("stu:T008", "during0", 1)});
  revive.join();
  REQUIRE(during.ok());
  AppendMany(**log, "after", 0, 6);
  std::map<std::string, Event> all = ReadAll(**log);
  CHECK(all.size() == 14);
  CHECK(all.count("during0-1") == 1);
  RequireChainIntact(**log, 14);
}

TEST_CASE("KafkaLog reports a leader that stays down, then recovers") {
  MockCluster cluster;
  const int32_t p = PartitionFor("stu:D001", 6);
  cluster.SetLeader("xueji.events", p, 2);
  KafkaLogOptions options = cluster.Options();
  options.append_timeout = std::chrono::milliseconds(1500);
  auto log = OpenKafkaLog(options);
  REQUIRE(log.ok());
  REQUIRE((*log)->Append({MakeEvent("stu:D001", "d0", 0)}).ok());
  REQUIRE(cluster.Command("broker-down 2") == "ok");
  auto failed = (*log)->Append({MakeEvent("stu:D001", "d1", 0)});
  REQUIRE_FALSE(failed.ok());
  CHECK((failed.status().code() == absl::StatusCode::kUnavailable ||
         failed.status().code() == absl::StatusCode::kDeadlineExceeded));
  CHECK(failed.status().message().find("partition") != std::string::npos);
  REQUIRE(cluster.Command("broker-up 2") == "ok");
  // As a caller would: retry (boundedly) while the client reconnects.
  absl::StatusOr<std::vector<Event>> retried;
  for (int attempt = 0; attempt < 10; ++attempt) {
    retried = (*log)->Append({MakeEvent("stu:D001", "d1", 0)});
    if (retried.ok()) break;
  }
  INFO(retried.status().ToString());
  REQUIRE(retried.ok());
  std::map<std::string, Event> all = ReadAll(**log);
  CHECK(all.size() == 2);
  RequireChainIntact(**log, 2);
}

// What a standby processor reads with: no producer, no watermark queries,
// and a partition whose leader is down costs read_timeout, not a hang.
TEST_CASE("KafkaLog read-only: ReadAvailable reads to the end, bounded") {
  MockCluster cluster;
  const int32_t p = PartitionFor("stu:E001", 6);
  cluster.SetLeader("xueji.events", p, 2);
  auto writer = OpenKafkaLog(cluster.Options());
  REQUIRE(writer.ok());
  REQUIRE((*writer)
              ->Append({MakeEvent("stu:E001", "e0", 0),
                        MakeEvent("stu:E001", "e0", 1),
                        MakeEvent("stu:E001", "e0", 2)})
              .ok());
  KafkaLogOptions options = cluster.Options();
  options.read_only = true;
  options.read_timeout = std::chrono::milliseconds(1000);
  auto reader = KafkaLog::Open(options);
  REQUIRE(reader.ok());
  auto all = (*reader)->ReadAvailable(p, 0, 100);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 3);
  CHECK(all->back().event.offset() == 2);
  auto tail = (*reader)->ReadAvailable(p, 1, 1);
  REQUIRE(tail.ok());
  REQUIRE(tail->size() == 1);
  CHECK(tail->front().event.offset() == 1);
  auto at_end = (*reader)->ReadAvailable(p, 3, 100);
  REQUIRE(at_end.ok());
  CHECK(at_end->empty());
  CHECK(absl::IsFailedPrecondition(
      (*reader)->Append({MakeEvent("stu:E001", "e1", 0)}).status()));

  REQUIRE(cluster.Command("broker-down 2") == "ok");
  const auto start = std::chrono::steady_clock::now();
  auto down = (*reader)->ReadAvailable(p, 3, 100);
  const auto took = std::chrono::steady_clock::now() - start;
  CHECK_FALSE(down.ok());
  CHECK(took < std::chrono::seconds(10));  // bounded, not a hang
  REQUIRE(cluster.Command("broker-up 2") == "ok");
}

TEST_CASE("KafkaLog retries injected produce errors without duplicates") {
  MockCluster cluster;
  auto log = OpenKafkaLog(cluster.Options());
  REQUIRE(log.ok());
  AppendMany(**log, "x", 0, 3);
  for (const char* error : {"NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT",
                            "NOT_ENOUGH_REPLICAS", "NOT_LEADER_OR_FOLLOWER"}) {
    REQUIRE(cluster.Command(absl::StrCat("error Produce ", error)) == "ok");
  }
  AppendMany(**log, "y", 3, 8);
  CHECK(ReadAll(**log).size() == 11);
  RequireChainIntact(**log, 11);
}

TEST_CASE("KafkaLog refuses to append behind another writer's back") {
  MockCluster cluster;
  auto first = OpenKafkaLog(cluster.Options());
  auto second = OpenKafkaLog(cluster.Options());
  REQUIRE(first.ok());
  REQUIRE(second.ok());
  REQUIRE((*first)->Append({MakeEvent("stu:W001", "w1", 0)}).ok());
  auto stale = (*second)->Append({MakeEvent("stu:W001", "w2", 0)});
  REQUIRE(stale.status().code() == absl::StatusCode::kAborted);
  CHECK(stale.status().message().find(absl::StrCat(
            "partition ", PartitionFor("stu:W001", 6))) != std::string::npos);
  // The second writer re-reads the tail and continues the chain correctly
  // after its failed append (whose record stays, mis-numbered, in the log:
  // VerifyLog finds it).
  auto again = (*second)->Append({MakeEvent("stu:W001", "w3", 0)});
  REQUIRE(again.ok());
  CHECK(again->front().offset() == 2);
  auto report = VerifyLog(**second);
  REQUIRE(report.ok());
  CHECK_FALSE(report->breaks.empty());
}

TEST_CASE("KafkaLog appends in transactions with a transactional.id") {
  MockCluster cluster;
  KafkaLogOptions options = cluster.Options();
  options.transactional_id = "xueji-ledger-test-0";
  {
    auto log = OpenKafkaLog(options);
    REQUIRE(log.ok());
    AppendMany(**log, "t", 0, 5);
    auto batch = (*log)->Append(
        {MakeEvent("stu:T001", "tb", 0), MakeEvent("kg:KG-TEST-1", "tb", 1)});
    REQUIRE(batch.ok());
  }
  auto log = OpenKafkaLog(options);
  REQUIRE(log.ok());
  AppendMany(**log, "u", 0, 3);
  CHECK(ReadAll(**log).size() == 10);
  RequireChainIntact(**log, 10);
}

TEST_CASE("KafkaLog reports an undecodable record as DataLoss") {
  MockCluster cluster;
  rd_kafka_t* producer = BareClient(cluster, RD_KAFKA_PRODUCER);
  const std::string garbage = "\x0a\x7fnot an event";
  REQUIRE(
      rd_kafka_producev(
          producer, RD_KAFKA_V_TOPIC("xueji.events"), RD_KAFKA_V_PARTITION(2),
          RD_KAFKA_V_VALUE(const_cast<char*>(garbage.data()), garbage.size()),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_flush(producer, 10000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(producer);

  auto log = OpenKafkaLog(cluster.Options());
  REQUIRE(log.status().code() == absl::StatusCode::kDataLoss);
  const std::string message(log.status().message());
  CHECK(message.find("xueji.events") != std::string::npos);
  CHECK(message.find("partition 2") != std::string::npos);
  CHECK(message.find("offset 0") != std::string::npos);
}

TEST_CASE("KafkaLog open fails clearly for a missing topic") {
  MockCluster cluster;
  KafkaLogOptions options = cluster.Options();
  options.topic_prefix = "nosuch";
  options.open_timeout = std::chrono::milliseconds(5000);
  auto log = OpenKafkaLog(options);
  REQUIRE_FALSE(log.ok());
  CHECK(log.status().message().find("nosuch.events") != std::string::npos);
}

}  // namespace
}  // namespace xueji
