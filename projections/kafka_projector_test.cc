// Tests of the Kafka projection worker against the ledger-mock-kafka tool
// run as a child process: events appended through a RequestProcessor over a
// KafkaLog, projected by RunProjector and compared with Views::CatchUp over
// the same log; restart from the checkpoint, an undecodable record, a
// secondary open beside the writer, and VerifyLog's Kafka offset rules.
#include "projections/kafka_projector.h"

#include <librdkafka/rdkafka.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/log/hash_chain.h"
#include "ledger/processor/processor.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/signed_batch.h"
#include "tests/support/kafka_cluster.h"
#include "tests/support/processor_ledger.h"
#include "tests/support/requests.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

using xueji::v1::Request;
using xueji::v1::Result;

// The mock cluster tool (tests/support) with 6 partitions per topic, and
// the client settings these tests use with it.
class Cluster {
 public:
  Cluster() { REQUIRE(mock_.bootstrap().rfind("127.0.0.1:", 0) == 0); }

  KafkaConnection Connection() const {
    KafkaConnection kafka;
    kafka.bootstrap_servers = mock_.bootstrap();
    kafka.properties["log_level"] = "3";
    // The mock makes a rejoining group wait up to the session timeout
    // (and a join must last its 3 s initial rebalance delay).
    kafka.properties["session.timeout.ms"] = "4000";
    kafka.properties["heartbeat.interval.ms"] = "500";
    return kafka;
  }
  KafkaLogOptions LogOptions() const {
    KafkaLogOptions options;
    options.bootstrap_servers = mock_.bootstrap();
    options.properties["log_level"] = "3";
    return options;
  }

 private:
  testing::MockKafka mock_;
};

// Admission n by op-k1 (tests/support/requests.h).
Request Admit(int n) {
  return testing::Admission(
      absl::StrCat("admit-", n), "op-k1", "350502001",
      testing::ResidentId("350502", "20210506", 2 * n + 1));
}

Request Approve(int n) {
  Request r;
  r.set_request_id(absl::StrCat("approve-", n));
  r.set_actor("op-c1");
  r.set_occurred_on("2025-09-02");
  r.mutable_approve()->set_request_id(absl::StrCat("admit-", n));
  return r;
}

absl::Time FixedNow() { return *ParseRfc3339("2025-09-02T08:00:00Z"); }

// A processor appending to the cluster's events topic.
struct KafkaLedger : testing::ProcessorLedger {
  KafkaLedger(const Cluster& kafka, const std::string& state_dir)
      : ProcessorLedger(OpenKafkaLog(kafka.LogOptions()), state_dir,
                        FixedNow()) {}
  void LoadRegion() {
    auto results = processor->LoadRegistry(
        {testing::KindergartenLine("350502001", "350502"),
         testing::OperatorLine("op-k1", xueji::v1::REGISTRAR, "350502001"),
         testing::OperatorLine("op-c1", xueji::v1::APPROVER, "350502")});
    REQUIRE(results.ok());
    for (const Result& r : *results) REQUIRE(r.status() == xueji::v1::APPLIED);
  }
  // Admits children first..first+count-1 and approves every other one.
  void AdmitChildren(int first, int count) {
    std::vector<Request> requests;
    for (int n = first; n < first + count; ++n) requests.push_back(Admit(n));
    for (int n = first; n < first + count; n += 2) {
      requests.push_back(Approve(n));
    }
    auto results = processor->Submit(requests);
    REQUIRE(results.ok());
    for (const Result& r : *results) {
      INFO(r.request_id() << " " << r.message());
      REQUIRE((r.status() == xueji::v1::APPLIED ||
               r.status() == xueji::v1::PENDING_APPROVAL));
    }
  }
};

ProjectorOptions CaughtUpOptions(const Cluster& kafka,
                                 const std::string& group) {
  ProjectorOptions options;
  options.kafka = kafka.Connection();
  options.group_id = group;
  options.until_caught_up = true;
  options.commit_every = 7;  // several commits per run
  return options;
}

// Runs a projector into `dir` until caught up; returns the events applied.
int64_t Project(const Cluster& kafka, const std::string& dir,
                const std::string& group) {
  auto views = Views::Open(dir);
  REQUIRE(views.ok());
  auto result = RunProjector(**views, CaughtUpOptions(kafka, group));
  INFO(result.status());
  REQUIRE(result.ok());
  CHECK(result->caught_up);
  return result->applied;
}

// The views store at `dir` as a reader beside its writer opens it.
std::unique_ptr<Views> Secondary(const std::string& dir) {
  ViewsOptions options;
  options.secondary = true;
  auto views = Views::Open(dir, options);
  REQUIRE(views.ok());
  return *std::move(views);
}

std::string DigestOf(const std::string& dir) {
  auto digest = Secondary(dir)->Digest();
  REQUIRE(digest.ok());
  return *digest;
}

// Views::CatchUp over the same log into a fresh store.
std::string RebuildDigest(EventLog& log, const std::string& dir) {
  auto views = Views::Open(dir);
  REQUIRE(views.ok());
  REQUIRE((*views)->CatchUp(log).ok());
  auto digest = (*views)->Digest();
  REQUIRE(digest.ok());
  return *digest;
}

// Where every projector test starts: the mock cluster, a temporary
// directory, and a ledger over them with the region's registry loaded.
struct ProjectorTest {
  ProjectorTest() { ledger.LoadRegion(); }
  Cluster kafka;
  TempDir dir{"xueji-projector"};
  KafkaLedger ledger{kafka, dir.Sub("state")};
};

TEST_CASE_METHOD(ProjectorTest,
                 "projector equals a rebuild and resumes from its checkpoint") {
  ledger.AdmitChildren(0, 12);
  const int64_t first_total = ledger.TotalEvents();
  REQUIRE(first_total > 20);

  CHECK(Project(kafka, dir.Sub("views"), "test.projector.a") == first_total);
  CHECK(DigestOf(dir.Sub("views")) ==
        RebuildDigest(*ledger.log, dir.Sub("rebuild-1")));

  // More events, then the same store again: only the new ones are applied.
  ledger.AdmitChildren(12, 9);
  const int64_t second_total = ledger.TotalEvents();
  REQUIRE(second_total > first_total);
  CHECK(Project(kafka, dir.Sub("views"), "test.projector.a") ==
        second_total - first_total);
  const std::string rebuilt = RebuildDigest(*ledger.log, dir.Sub("rebuild-2"));
  CHECK(DigestOf(dir.Sub("views")) == rebuilt);
  // Nothing new: a run applies nothing and changes nothing.
  CHECK(Project(kafka, dir.Sub("views"), "test.projector.a") == 0);
  CHECK(DigestOf(dir.Sub("views")) == rebuilt);
  // A second replica (its own group) builds the identical store.
  CHECK(Project(kafka, dir.Sub("views-b"), "test.projector.b") == second_total);
  CHECK(DigestOf(dir.Sub("views-b")) == rebuilt);
}

TEST_CASE_METHOD(
    ProjectorTest,
    "projector stopped mid-stream resumes without applying twice") {
  ledger.AdmitChildren(0, 16);
  const int64_t total = ledger.TotalEvents();

  int64_t first_run = 0;
  {
    auto views = Views::Open(dir.Sub("views"));
    REQUIRE(views.ok());
    ProjectorOptions options = CaughtUpOptions(kafka, "test.projector.stop");
    options.commit_every = 3;
    bool committed = false;
    options.progress = [&](const ProjectorProgress& p) {
      committed = committed || p.applied >= 3;
    };
    options.stop = [&] { return committed; };
    auto result = RunProjector(**views, options);
    REQUIRE(result.ok());
    CHECK_FALSE(result->caught_up);
    first_run = result->applied;
  }
  CHECK(first_run >= 3);
  CHECK(first_run < total);
  CHECK(Project(kafka, dir.Sub("views"), "test.projector.stop") ==
        total - first_run);
  CHECK(DigestOf(dir.Sub("views")) ==
        RebuildDigest(*ledger.log, dir.Sub("rebuild")));
}

// The checkpoints' sum of the views store at `dir` as a reader beside the
// writer sees it (a secondary open).
int64_t StoredCheckpoints(const std::string& dir) {
  auto checkpoints = Secondary(dir)->Checkpoints();
  REQUIRE(checkpoints.ok());
  int64_t sum = 0;
  for (int64_t c : *checkpoints) sum += c;
  return sum;
}

TEST_CASE_METHOD(ProjectorTest,
                 "written behind, the store moves at write-outs only and ends "
                 "equal to a rebuild") {
  ledger.AdmitChildren(0, 12);
  const int64_t total = ledger.TotalEvents();
  const bool behind = GENERATE(true, false);
  CAPTURE(behind);
  const std::string views_dir = dir.Sub(behind ? "behind" : "direct");
  auto views = Views::Open(views_dir);
  REQUIRE(views.ok());
  ProjectorOptions options = CaughtUpOptions(kafka, "test.behind." + views_dir);
  options.write_behind_bytes = behind ? size_t{1} << 20 : 0;
  options.write_out_every = std::chrono::hours(1);
  options.poll_interval = std::chrono::seconds(5);  // no idle write-out
  // At each commit's report (before any write-out of that commit): what a
  // reader beside the projector sees, against what was applied.
  std::vector<std::pair<int64_t, int64_t>> seen;
  options.progress = [&](const ProjectorProgress& p) {
    if (p.applied > 0 && seen.size() < 3) {
      seen.emplace_back(p.applied, StoredCheckpoints(views_dir));
    }
  };
  auto result = RunProjector(**views, options);
  INFO(result.status());
  REQUIRE(result.ok());
  CHECK(result->applied == total);
  REQUIRE(seen.size() >= 2);
  // Written behind, the store holds nothing until the run ends (the events
  // were all on the topic: no poll came back empty); else each commit.
  for (const auto& [applied, stored] : seen) {
    CHECK(stored == (behind ? 0 : applied));
  }
  // Once the run ends everything is in the store, and no more.
  views->reset();
  CHECK(StoredCheckpoints(views_dir) == total);
  CHECK(DigestOf(views_dir) ==
        RebuildDigest(*ledger.log, dir.Sub(behind ? "rb-1" : "rb-2")));
}

// Views whose fold commits (one ingested file each) every few rows, with
// progress reported every 5 events: many commits on a small topic.
std::unique_ptr<Views> SmallFoldViews(const std::string& dir) {
  ViewsOptions options;
  options.fold_commit_bytes = 4096;
  options.batch_events = 5;
  auto views = Views::Open(dir, options);
  REQUIRE(views.ok());
  return *std::move(views);
}

int64_t SumOf(const std::vector<int64_t>& offsets) {
  int64_t n = 0;
  for (int64_t o : offsets) n += o;
  return n;
}

TEST_CASE_METHOD(ProjectorTest,
                 "a replica folding from offset 0 equals a clean replay") {
  ledger.AdmitChildren(0, 30);
  const int64_t total = ledger.TotalEvents();
  REQUIRE(total > 40);

  // Folded: every event, by the fold, and the group never joined.
  {
    std::unique_ptr<Views> views = SmallFoldViews(dir.Sub("folded"));
    ProjectorOptions options = CaughtUpOptions(kafka, "test.fold.a");
    options.fold_min_lag = 1;
    bool folding_seen = false;
    options.progress = [&](const ProjectorProgress& p) {
      folding_seen = folding_seen || p.folding;
    };
    auto result = RunProjector(*views, options);
    INFO(result.status());
    REQUIRE(result.ok());
    CHECK(result->caught_up);
    CHECK(result->applied == total);
    CHECK(result->folded == total);
    CHECK(folding_seen);
  }
  // Message by message, as before (no fold).
  {
    auto views = Views::Open(dir.Sub("incremental"));
    REQUIRE(views.ok());
    ProjectorOptions options = CaughtUpOptions(kafka, "test.fold.b");
    options.fold_min_lag = 0;
    auto result = RunProjector(**views, options);
    REQUIRE(result.ok());
    CHECK(result->folded == 0);
    CHECK(result->applied == total);
  }
  // A clean replay: Views::CatchUp over the log, event by event.
  const std::string rebuilt = RebuildDigest(*ledger.log, dir.Sub("replay"));
  CHECK(DigestOf(dir.Sub("folded")) == rebuilt);
  CHECK(DigestOf(dir.Sub("incremental")) == rebuilt);

  // Below the threshold the same store goes on message by message.
  ledger.AdmitChildren(30, 5);
  const int64_t more = ledger.TotalEvents() - total;
  {
    std::unique_ptr<Views> views = SmallFoldViews(dir.Sub("folded"));
    ProjectorOptions options = CaughtUpOptions(kafka, "test.fold.a");
    options.fold_min_lag = more + 1;
    auto result = RunProjector(*views, options);
    REQUIRE(result.ok());
    CHECK(result->applied == more);
    CHECK(result->folded == 0);
  }
  CHECK(DigestOf(dir.Sub("folded")) ==
        RebuildDigest(*ledger.log, dir.Sub("replay-2")));
}

TEST_CASE_METHOD(
    ProjectorTest,
    "a replica stopped mid-fold keeps what it committed, no more") {
  ledger.AdmitChildren(0, 40);
  const int64_t total = ledger.TotalEvents();

  int64_t committed = 0;
  {
    std::unique_ptr<Views> views = SmallFoldViews(dir.Sub("views"));
    ProjectorOptions options = CaughtUpOptions(kafka, "test.fold.stop");
    options.fold_min_lag = 1;
    int64_t seen = 0;
    options.progress = [&](const ProjectorProgress& p) { seen = p.applied; };
    options.stop = [&] { return seen >= 10; };
    auto result = RunProjector(*views, options);
    INFO(result.status());
    REQUIRE(result.ok());
    CHECK_FALSE(result->caught_up);
    CHECK(result->folded == 0);  // a stopped fold counts none
    auto checkpoints = views->Checkpoints();
    REQUIRE(checkpoints.ok());
    committed = SumOf(*checkpoints);  // offsets are dense on the mock
  }
  // Some ingested commits stayed (each with its checkpoints), the rest of
  // the fold did not.
  CHECK(committed > 0);
  CHECK(committed < total);
  // What the store holds is exactly the events below its checkpoints.
  {
    auto views = Views::Open(dir.Sub("views"));
    REQUIRE(views.ok());
    auto checkpoints = (*views)->Checkpoints();
    REQUIRE(checkpoints.ok());
    auto partial = Views::Open(dir.Sub("replay-partial"));
    REQUIRE(partial.ok());
    CatchUpOptions up_to;
    up_to.up_to = *checkpoints;
    up_to.up_to.resize(6, 0);  // partitions not seen yet: none of theirs
    REQUIRE((*partial)->CatchUp(*ledger.log, nullptr, up_to).ok());
    CHECK(*(*views)->Digest() == *(*partial)->Digest());
  }
  // The next run folds the rest: nothing twice, nothing missing.
  {
    std::unique_ptr<Views> views = SmallFoldViews(dir.Sub("views"));
    ProjectorOptions options = CaughtUpOptions(kafka, "test.fold.stop");
    options.fold_min_lag = 1;
    auto result = RunProjector(*views, options);
    REQUIRE(result.ok());
    CHECK(result->caught_up);
    CHECK(result->applied == total - committed);
  }
  CHECK(DigestOf(dir.Sub("views")) ==
        RebuildDigest(*ledger.log, dir.Sub("replay")));
}

// Produces `value` to the events topic's partition `p`; returns its offset.
int64_t ProduceRaw(const Cluster& kafka, int32_t p, const std::string& value) {
  char errstr[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::string servers = kafka.Connection().bootstrap_servers;
  REQUIRE(rd_kafka_conf_set(conf, "bootstrap.servers", servers.c_str(), errstr,
                            sizeof(errstr)) == RD_KAFKA_CONF_OK);
  rd_kafka_t* rk =
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  REQUIRE(rk != nullptr);
  REQUIRE(rd_kafka_producev(
              rk, RD_KAFKA_V_TOPIC("xueji.events"), RD_KAFKA_V_PARTITION(p),
              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
              RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
              RD_KAFKA_V_END) == RD_KAFKA_RESP_ERR_NO_ERROR);
  REQUIRE(rd_kafka_flush(rk, 30000) == RD_KAFKA_RESP_ERR_NO_ERROR);
  int64_t low = 0, high = 0;
  REQUIRE(rd_kafka_query_watermark_offsets(rk, "xueji.events", p, &low, &high,
                                           30000) ==
          RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_destroy(rk);
  return high - 1;
}

TEST_CASE_METHOD(
    ProjectorTest,
    "an undecodable record stops the projector naming where it is") {
  ledger.AdmitChildren(0, 4);
  const int32_t p = PartitionFor("stu:whatever", 6);
  const int64_t bad = ProduceRaw(kafka, p, std::string("\x0f\x0f\x0f", 3));

  auto views = Views::Open(dir.Sub("views"));
  REQUIRE(views.ok());
  auto result =
      RunProjector(**views, CaughtUpOptions(kafka, "test.projector.bad"));
  REQUIRE(absl::IsDataLoss(result.status()));
  const std::string message(result.status().message());
  INFO(message);
  CHECK(message.find(absl::StrCat("topic xueji.events partition ", p,
                                  " offset ", bad)) != std::string::npos);
  CHECK(message.find("undecodable") != std::string::npos);
  // Everything before the bad record was applied and committed; not it.
  CHECK(*(*views)->Checkpoint(p) == bad);

  // A run over the same store stops at the same place again.
  auto again =
      RunProjector(**views, CaughtUpOptions(kafka, "test.projector.bad"));
  CHECK(absl::IsDataLoss(again.status()));
  CHECK(*(*views)->Checkpoint(p) == bad);

  // Folding from offset 0: the fold fails on the record, drops what it had
  // not committed and falls back, which stops at the record as above.
  std::unique_ptr<Views> folded = SmallFoldViews(dir.Sub("folded"));
  ProjectorOptions fold = CaughtUpOptions(kafka, "test.projector.bad.fold");
  fold.fold_min_lag = 1;
  auto stopped = RunProjector(*folded, fold);
  REQUIRE(absl::IsDataLoss(stopped.status()));
  CHECK(std::string(stopped.status().message())
            .find(absl::StrCat("topic xueji.events partition ", p, " offset ",
                               bad)) != std::string::npos);
  CHECK(*folded->Checkpoint(p) == bad);
}

TEST_CASE_METHOD(
    ProjectorTest,
    "a record whose event is not where it was read stops the projector") {
  // A valid, sealed event copied into another partition: it decodes, but
  // names the partition and offset it was first written at.
  auto events = ledger.log->Read(PartitionFor("kg:350502001", 6), 0, 1);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  const int32_t other = (events->front().event.partition() + 1) % 6;
  const int64_t bad = ProduceRaw(kafka, other, events->front().bytes);

  auto views = Views::Open(dir.Sub("views"));
  REQUIRE(views.ok());
  auto result =
      RunProjector(**views, CaughtUpOptions(kafka, "test.projector.moved"));
  REQUIRE(absl::IsDataLoss(result.status()));
  const std::string message(result.status().message());
  INFO(message);
  CHECK(message.find(absl::StrCat("partition ", other, " offset ", bad)) !=
        std::string::npos);
}

TEST_CASE_METHOD(
    ProjectorTest,
    "an event changed after sealing stops the projector, folding or not") {
  // A partition still empty: the forged event goes to its offset 0.
  int32_t empty = -1;
  for (int32_t q = 0; q < 6 && empty < 0; ++q) {
    auto read = ledger.log->Read(q, 0, 1);
    REQUIRE(read.ok());
    if (read->empty()) empty = q;
  }
  REQUIRE(empty >= 0);
  auto events = ledger.log->Read(PartitionFor("kg:350502001", 6), 0, 1);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  xueji::v1::Event forged = events->front().event;
  forged.set_partition(empty);
  forged.set_offset(0);
  SealEvent("", &forged);
  forged.set_request_id("changed-after-sealing");  // the hash stays
  const int64_t at = ProduceRaw(kafka, empty, CanonicalBytes(forged));
  REQUIRE(at == 0);

  for (int64_t fold_min_lag : {0, 1}) {
    INFO("fold_min_lag " << fold_min_lag);
    std::unique_ptr<Views> views =
        SmallFoldViews(dir.Sub(absl::StrCat("views-", fold_min_lag)));
    ProjectorOptions options = CaughtUpOptions(
        kafka, absl::StrCat("test.projector.forged.", fold_min_lag));
    options.fold_min_lag = fold_min_lag;
    auto result = RunProjector(*views, options);
    REQUIRE(absl::IsDataLoss(result.status()));
    const std::string message(result.status().message());
    INFO(message);
    CHECK(message.find(
              absl::StrCat("partition ", empty, " offset 0: hash mismatch")) !=
          std::string::npos);
    CHECK(*views->Checkpoint(empty) == 0);
  }
}

TEST_CASE_METHOD(
    ProjectorTest,
    "a secondary open reads the projector's store beside the writer") {
  ledger.AdmitChildren(0, 3);

  auto writer = Views::Open(dir.Sub("views"));
  REQUIRE(writer.ok());
  auto first = RunProjector(**writer, CaughtUpOptions(kafka, "test.sec"));
  REQUIRE(first.ok());

  ViewsOptions secondary;
  secondary.secondary = true;
  {
    auto reader = Views::Open(dir.Sub("views"), secondary);  // writer open
    REQUIRE(reader.ok());
    auto kg = (*reader)->Kindergarten("350502001");
    REQUIRE(kg.ok());
    CHECK(kg->has_value());
    auto records = (*reader)->RecordsAtKindergarten("350502001", true);
    REQUIRE(records.ok());
    CHECK(records->size() == 3);
    CHECK(*(*reader)->Digest() == *(*writer)->Digest());
    StoredEvent any;
    CHECK_FALSE((*reader)->Apply(any).ok());  // read-only
  }
  // The writer goes on; a new secondary open sees what it committed.
  ledger.AdmitChildren(3, 2);
  auto second = RunProjector(**writer, CaughtUpOptions(kafka, "test.sec"));
  REQUIRE(second.ok());
  CHECK(second->applied > 0);
  auto reader = Views::Open(dir.Sub("views"), secondary);
  REQUIRE(reader.ok());
  auto records = (*reader)->RecordsAtKindergarten("350502001", true);
  REQUIRE(records.ok());
  CHECK(records->size() == 5);

  // No store there: NotFound, and no secondary directory left behind.
  CHECK(absl::IsNotFound(Views::Open(dir.Sub("nothing"), secondary).status()));
}

// An in-memory EventLog holding given events (for VerifyLog).
class VectorLog : public EventLog {
 public:
  explicit VectorLog(std::vector<StoredEvent> events)
      : events_(std::move(events)) {}
  int32_t partitions() const override { return 1; }
  absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event>) override {
    return absl::UnimplementedError("read-only");
  }
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t, int64_t from,
                                                size_t max) override {
    std::vector<StoredEvent> out;
    for (const StoredEvent& e : events_) {
      if (e.event.offset() >= from && out.size() < max) out.push_back(e);
    }
    return out;
  }
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override {
    return std::vector<int64_t>{events_.back().event.offset() + 2};
  }
  std::vector<StoredEvent>& events() { return events_; }

 private:
  std::vector<StoredEvent> events_;
};

// Sealed events at the given offsets of partition 0 (1 partition).
std::vector<StoredEvent> Chain(const std::vector<int64_t>& offsets) {
  std::vector<StoredEvent> out;
  std::string prev;
  for (int64_t offset : offsets) {
    StoredEvent stored;
    stored.event.set_event_id(absl::StrCat("e", offset));
    stored.event.set_subject("stu:GAP");
    stored.event.set_request_id(absl::StrCat("r", offset));
    stored.event.mutable_actor()->set_operator_id("op-test");
    stored.event.mutable_record_requested()->set_kindergarten("KG-1");
    stored.event.set_partition(0);
    stored.event.set_offset(offset);
    SealEvent(prev, &stored.event);
    prev = stored.event.hash();
    stored.bytes = CanonicalBytes(stored.event);
    out.push_back(std::move(stored));
  }
  return out;
}

TEST_CASE("VerifyLog for Kafka: offset gaps are fine, changes are not") {
  const VerifyOptions kafka{.dense_offsets = false};
  VectorLog log(Chain({0, 2, 3, 5, 6}));  // markers at 1 and 4, and at 7
  auto dense = VerifyLog(log);
  REQUIRE(dense.ok());
  CHECK_FALSE(dense->breaks.empty());
  auto relaxed = VerifyLog(log, kafka);
  REQUIRE(relaxed.ok());
  CHECK(relaxed->breaks.empty());
  CHECK(relaxed->events_checked == 5);

  SECTION("a changed byte") {
    std::string& bytes = log.events()[2].bytes;
    bytes[bytes.find("KG-1") + 3] = '2';
    REQUIRE(log.events()[2].event.ParseFromString(bytes));
    auto report = VerifyLog(log, kafka);
    REQUIRE(report.ok());
    REQUIRE(report->breaks.size() == 1);
    CHECK(report->breaks[0].offset == 3);
  }
  SECTION("a missing event breaks its successor's link") {
    log.events().erase(log.events().begin() + 2);
    auto report = VerifyLog(log, kafka);
    REQUIRE(report.ok());
    REQUIRE(report->breaks.size() == 1);
    CHECK(report->breaks[0].offset == 5);
    CHECK(report->breaks[0].problem.find("prev_hash") != std::string::npos);
  }
  SECTION("a repeated offset") {
    log.events().push_back(log.events().back());
    auto report = VerifyLog(log, kafka);
    REQUIRE(report.ok());
    CHECK_FALSE(report->breaks.empty());
  }
}

// A log the processor appends to while verify walks it: HeadOffsets answers
// with the first `visible` events, then the rest are in the log.
class GrowingLog : public VectorLog {
 public:
  GrowingLog(std::vector<StoredEvent> events, size_t visible)
      : VectorLog(std::move(events)), visible_(visible) {}
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override {
    const int64_t head = events()[visible_ - 1].event.offset() + 2;  // marker
    visible_ = events().size();  // appended right after the heads were taken
    return std::vector<int64_t>{head};
  }

 private:
  size_t visible_;
};

// Appends during the walk are no break.
TEST_CASE("VerifyLog for Kafka stops at the head offsets it took first") {
  VerifyOptions kafka{.dense_offsets = false, .stop_at_heads = true};
  GrowingLog log(Chain({0, 2, 3, 5, 6, 8, 9}), 3);  // 5.. appended later
  auto report = VerifyLog(log, kafka);
  REQUIRE(report.ok());
  CHECK(report->breaks.empty());
  CHECK(report->events_checked == 3);
  REQUIRE(report->heads.size() == 1);
  CHECK(report->heads[0] == 5);
  CHECK(report->head_hashes[0] == HexEncode(log.events()[2].event.hash()));

  SECTION("a changed event below the heads is still found") {
    std::string& bytes = log.events()[1].bytes;
    bytes[bytes.find("KG-1") + 3] = '2';
    REQUIRE(log.events()[1].event.ParseFromString(bytes));
    GrowingLog changed(log.events(), 3);
    auto broken = VerifyLog(changed, kafka);
    REQUIRE(broken.ok());
    REQUIRE(broken->breaks.size() == 1);
    CHECK(broken->breaks[0].offset == 2);
  }
  SECTION("without stop_at_heads the same walk reports the new events") {
    kafka.stop_at_heads = false;
    GrowingLog again(log.events(), 3);
    auto walked = VerifyLog(again, kafka);
    REQUIRE(walked.ok());
    CHECK_FALSE(walked->breaks.empty());
  }
}

// A real broker's commit markers leave offset gaps in the events topic:
// `replay` and `verify --views` rebuild with Views::CatchUp, which must step
// over them (and the embedded log's dense views must not).
TEST_CASE("Views::CatchUp steps over Kafka offset gaps") {
  TempDir dir("views-gaps");
  VectorLog log(Chain({0, 2, 3, 5, 6}));  // markers at 1 and 4, and at 7
  ViewsOptions kafka;
  kafka.offset_gaps_allowed = true;
  kafka.read_chunk = 2;  // a chunk may start just after a marker
  auto views = Views::Open(dir.Sub("kafka"), kafka);
  REQUIRE(views.ok());
  auto applied = (*views)->CatchUp(log);
  INFO(applied.status());
  REQUIRE(applied.ok());
  CHECK(*applied == 5);
  auto checkpoint = (*views)->Checkpoint(0);
  REQUIRE(checkpoint.ok());
  CHECK(*checkpoint == 7);
  auto again = (*views)->CatchUp(log);  // nothing new: nothing applied
  REQUIRE(again.ok());
  CHECK(*again == 0);

  auto dense = Views::Open(dir.Sub("dense"));
  REQUIRE(dense.ok());
  CHECK(absl::IsDataLoss((*dense)->CatchUp(log).status()));
}

}  // namespace
}  // namespace xueji
