// LedgerState: checkpoints, indexes, results and robustness, over MemoryKv
// and over RocksDB on disk.
#include "ledger/processor/ledger_state.h"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "ledger/processor/ledger_state_test_util.h"
#include "ledger/storage/fold_kv.h"
#include "ledger/storage/kv.h"

namespace xueji {
namespace {

using testing::Boy;
using testing::MakeChild;
// The decider harness over the durable, indexed state (a MemoryKv here).
using TestLedger = testing::KvTestLedger;

// An applied event's envelope: where it sits in the log, whose it is and the
// request that made it.
xueji::v1::Event Envelope(int32_t partition, int64_t offset,
                          std::string subject, std::string request_id) {
  xueji::v1::Event event;
  event.set_partition(partition);
  event.set_offset(offset);
  event.set_subject(std::move(subject));
  event.set_request_id(std::move(request_id));
  event.set_outcome(xueji::v1::APPLIED);
  return event;
}

xueji::v1::Event KindergartenEvent(int32_t partition, int64_t offset,
                                   std::string code, std::string name) {
  xueji::v1::Event event =
      Envelope(partition, offset, "kg:" + code,
               "req-" + code + "-" + std::to_string(offset));
  event.set_business_date("2025-09-01");
  auto* payload = event.mutable_kindergarten_registered();
  payload->set_code(code);
  payload->set_name(name);
  payload->set_county("350502");
  return event;
}

xueji::v1::Event OperatorEvent(int64_t offset, std::string id,
                               std::string recorded_at) {
  xueji::v1::Event event = Envelope(0, offset, "op:" + id,
                                    "reg-" + id + "-" + std::to_string(offset));
  event.set_recorded_at(recorded_at);
  event.set_business_date(recorded_at.substr(0, 10));
  event.mutable_actor()->set_operator_id(id);
  auto* payload = event.mutable_operator_registered();
  payload->set_id(id);
  payload->set_role(xueji::v1::REGISTRAR);
  payload->set_org("350502001");
  return event;
}

TEST_CASE(
    "a call cache keeps operators for one call: what a discarded call wrote is "
    "not seen after it",
    "[ledger_state]") {
  MemoryKv kv;
  LedgerState state(&kv);
  REQUIRE(state.Apply(OperatorEvent(0, "reg-1", "2025-09-01T01:00:00Z")).ok());
  REQUIRE(kv.Commit(false).ok());
  {
    LedgerState::CallCache cache(&state);
    CHECK((*state.Operator("reg-1"))->last_active() == "2025-09-01");
    // A later activity updates the cached state and the store alike.
    xueji::v1::Event later = KindergartenEvent(0, 1, "K1", "first");
    later.set_recorded_at("2025-09-03T01:00:00Z");
    later.mutable_actor()->set_operator_id("reg-1");
    REQUIRE(state.Apply(later).ok());
    CHECK((*state.Operator("reg-1"))->last_active() == "2025-09-03");
    REQUIRE(
        state.Apply(OperatorEvent(2, "reg-2", "2025-09-03T01:00:00Z")).ok());
    CHECK(state.Operator("reg-2")->has_value());
    kv.Discard();  // the call failed
  }
  CHECK_FALSE(state.Operator("reg-2")->has_value());
  CHECK((*state.Operator("reg-1"))->last_active() == "2025-09-01");
  LedgerState::CallCache next_call(&state);
  CHECK_FALSE(state.Operator("reg-2")->has_value());
  CHECK((*state.Operator("reg-1"))->last_active() == "2025-09-01");
}

TEST_CASE("Apply skips events below the checkpoint, per partition",
          "[ledger_state]") {
  MemoryKv kv;
  LedgerState state(&kv);
  CHECK(*state.Checkpoint(3) == 0);
  REQUIRE(state.Apply(KindergartenEvent(3, 0, "K1", "first")).ok());
  REQUIRE(state.Apply(KindergartenEvent(3, 1, "K1", "renamed")).ok());
  CHECK(*state.Checkpoint(3) == 2);
  CHECK(*state.Checkpoint(0) == 0);
  // Replaying offset 0 changes nothing.
  REQUIRE(state.Apply(KindergartenEvent(3, 0, "K1", "first")).ok());
  CHECK((*state.Kindergarten("K1"))->name() == "renamed");
  CHECK(*state.Checkpoint(3) == 2);
  // Another partition has its own checkpoint.
  REQUIRE(state.Apply(KindergartenEvent(1, 0, "K2", "other")).ok());
  CHECK(*state.Checkpoint(1) == 1);
  CHECK((*state.Kindergarten("K2"))->county() == "350502");
  CHECK_FALSE(state.Kindergarten("K3")->has_value());
}

TEST_CASE("Apply refuses an event with an unknown payload", "[ledger_state]") {
  MemoryKv kv;
  LedgerState state(&kv);
  xueji::v1::Event event;
  event.set_partition(2);
  event.set_offset(7);
  event.set_subject("stu:X");
  absl::Status status = state.Apply(event);
  CHECK(status.code() == absl::StatusCode::kDataLoss);
  CHECK(status.message().find("partition 2") != std::string::npos);
  CHECK(status.message().find("offset 7") != std::string::npos);
  CHECK(*state.Checkpoint(2) == 0);
}

TEST_CASE("results are rebuilt from the events", "[ledger_state]") {
  TestLedger ledger;
  xueji::v1::Request admit = ledger.Req("reg-a");
  admit.mutable_admit()->set_kindergarten("QZ-A");
  *admit.mutable_admit()->mutable_child() =
      MakeChild("无证", xueji::v1::MALE, "2021-05-06", xueji::v1::NONE, "");
  Decision admitted = ledger.Submit(admit);
  auto result = ledger.state().ResultFor(admit.request_id());
  REQUIRE(result.ok());
  REQUIRE(result->has_value());
  CHECK((*result)->SerializeAsString() ==
        ResultOf(admit, admitted).SerializeAsString());
  CHECK((*result)->student_no() == admitted.student_no);

  xueji::v1::Request bad = ledger.Req("reg-b");
  bad.mutable_approve()->set_request_id(admit.request_id());
  Decision refused = ledger.Submit(bad);
  result = ledger.state().ResultFor(bad.request_id());
  REQUIRE(result->has_value());
  CHECK((*result)->SerializeAsString() ==
        ResultOf(bad, refused).SerializeAsString());
  CHECK((*result)->code() == xueji::v1::NOT_AUTHORIZED);
  CHECK_FALSE(ledger.state().ResultFor("never")->has_value());
}

TEST_CASE("a multi-event result does not depend on the order of apply",
          "[ledger_state]") {
  TestLedger ledger;
  ledger.Enroll(Boy(123), "QZ-B", "reg-b");
  ledger.Enroll(Boy(125), "QZ-B", "reg-b");
  xueji::v1::Request merge = ledger.Req("appr-a");
  merge.mutable_merge_kindergarten()->set_from("QZ-B");
  merge.mutable_merge_kindergarten()->set_into("QZ-A");
  Decision merged = ledger.DecideOnly(merge);
  REQUIRE(merged.events.size() == 3);
  // Apply a record event (another partition) before the kindergarten's.
  MemoryKv kv;
  LedgerState fresh(&kv);
  for (const xueji::v1::Event& given : ledger.log()) {
    REQUIRE(fresh.Apply(given).ok());
  }
  for (int i : {2, 0, 1}) {
    xueji::v1::Event event = merged.events[i];
    event.set_partition(i == 0 ? 5 : 4);
    event.set_offset(i == 0 ? 0 : 2 - i);
    REQUIRE(fresh.Apply(event).ok());
  }
  auto result = fresh.ResultFor(merge.request_id());
  REQUIRE(result->has_value());
  CHECK((*result)->SerializeAsString() ==
        ResultOf(merge, merged).SerializeAsString());
  CHECK((*result)->student_no().empty());
}

TEST_CASE("indexes follow the record", "[ledger_state]") {
  TestLedger ledger;
  xueji::v1::Child child = Boy(123);
  std::string no = ledger.Enroll(child);
  std::string old_key = IdentityKey(child.id_type(), child.id_number());
  CHECK((*ledger.state().RecordByIdentity(old_key))->student_no() == no);

  // Pending index set on request, cleared on approval.
  xueji::v1::Request edit = ledger.Req("reg-a");
  edit.mutable_edit_key_info()->set_student_no(no);
  *edit.mutable_edit_key_info()->mutable_applicant() = testing::Mother();
  *edit.mutable_edit_key_info()->mutable_child() = Boy(125);
  edit.mutable_edit_key_info()->set_evidence("户口簿");  // issue 10
  ledger.Submit(edit);
  CHECK((*ledger.state().RecordByPendingRequest(edit.request_id()))
            ->student_no() == no);
  ledger.Approve(edit.request_id());
  CHECK_FALSE(
      ledger.state().RecordByPendingRequest(edit.request_id())->has_value());
  // Identity index moved to the corrected document.
  CHECK_FALSE(ledger.state().RecordByIdentity(old_key)->has_value());
  std::string new_key =
      IdentityKey(xueji::v1::RESIDENT_ID, Boy(125).id_number());
  CHECK((*ledger.state().RecordByIdentity(new_key))->student_no() == no);
  CHECK_FALSE(ledger.state().RecordByIdentity("")->has_value());
}

xueji::v1::Event PolicyEvent(int64_t offset, std::string region, int version,
                             std::string effective_from) {
  xueji::v1::Event event =
      Envelope(0, offset, "policy:" + region,
               "pol-" + region + "-" + std::to_string(version));
  auto* payload = event.mutable_policy_set();
  payload->set_region(region);
  payload->set_version(version);
  payload->set_effective_from(effective_from);
  return event;
}

std::vector<int> Versions(const LedgerState& state) {
  absl::StatusOr<std::vector<xueji::v1::PolicySet>> versions =
      state.PolicyVersions();
  REQUIRE(versions.ok());
  std::vector<int> out;
  for (const xueji::v1::PolicySet& set : *versions)
    out.push_back(set.version());
  return out;
}

TEST_CASE(
    "a call cache reads the policy versions once a call, and never misses one "
    "folded in or taken back during the call",
    "[ledger_state]") {
  MemoryKv base;
  // As the processor holds it: written behind, so Discard undoes the call.
  FoldKv kv(&base, FoldKv::Options{
                       .write_behind_bytes = size_t{1} << 20,
                       .ordered_prefixes = LedgerState::ScannedPrefixes()});
  LedgerState state(&kv);
  REQUIRE(state.Apply(PolicyEvent(0, "35", 1, "2025-09-01")).ok());
  REQUIRE(kv.Commit(false).ok());
  {
    LedgerState::CallCache cache(&state);
    CHECK(Versions(state) == std::vector<int>{1});
    // Served from the cache: a row written behind the state's back (no
    // Apply) is not seen while the cache lives ...
    xueji::v1::PolicySet sneaked;
    sneaked.set_region("36");
    sneaked.set_version(1);
    kv.PutMessage(std::string("y/36/\0\0\0\1", 9), sneaked);
    CHECK(Versions(state) == std::vector<int>{1});
    kv.Discard();
    // ... but one folded in is, at once and for the rest of the call.
    REQUIRE(state.Apply(PolicyEvent(1, "35", 2, "2026-03-01")).ok());
    CHECK(Versions(state) == std::vector<int>{1, 2});
    // A discarded batch takes it back; the cache does not keep it.
    kv.Discard();
    CHECK(Versions(state) == std::vector<int>{1});
  }
  // Without a cache every call reads the store.
  xueji::v1::PolicySet later;
  later.set_region("35");
  later.set_version(3);
  kv.PutMessage(std::string("y/35/\0\0\0\3", 9), later);
  CHECK(Versions(state) == std::vector<int>{1, 3});
}

TEST_CASE("sequences advance with the numbers applied", "[ledger_state]") {
  MemoryKv kv;
  LedgerState state(&kv);
  CHECK(*state.NextSequence("L350502202105") == 1);
  xueji::v1::Event event;
  event.set_subject("stu:L350502202105060007");
  event.set_student_no("L350502202105060007");
  event.set_request_id("x");
  auto* payload = event.mutable_temporary_number_assigned();
  payload->set_student_no("L350502202105060007");
  payload->set_area("350502");
  REQUIRE(state.Apply(event).ok());
  CHECK(*state.NextSequence("L35050220210506") == 8);
  // A lower number does not move it back.
  event.set_offset(1);
  event.set_subject("stu:L350502202105060003");
  payload->set_student_no("L350502202105060003");
  REQUIRE(state.Apply(event).ok());
  CHECK(*state.NextSequence("L35050220210506") == 8);
}

TEST_CASE(
    "operators' last activity is the latest day the ledger's clock "
    "recorded one of their events",
    "[ledger_state][clock]") {
  TestLedger ledger;
  ledger.Enroll(Boy(123));
  ledger.SetNow("2025-11-11T17:00:00Z");  // 12 November in Beijing
  xueji::v1::Request late = ledger.Req("reg-a", "2025-11-10");
  late.mutable_verify()->set_kindergarten("QZ-A");
  late.mutable_verify()->set_term("2025-autumn");
  REQUIRE(ledger.Submit(late).status == xueji::v1::APPLIED);
  CHECK(ledger.Operator("reg-a").last_active() == "2025-11-12");
  // A clock set back (LEDGER_NOW on a development ledger) does not move it
  // back.
  ledger.SetToday("2025-10-01");
  xueji::v1::Request earlier = ledger.Req("reg-a");
  earlier.mutable_verify()->set_kindergarten("QZ-A");
  earlier.mutable_verify()->set_term("2025-autumn");
  ledger.Submit(earlier);
  CHECK(ledger.Operator("reg-a").last_active() == "2025-11-12");
  CHECK(ledger.Operator("appr-a").last_active() == "2025-09-01");
}

std::filesystem::path FreshDir() {
  static std::atomic<int> counter{0};
  std::filesystem::path dir =
      std::filesystem::temp_directory_path() /
      ("xueji-ledger-state-" + std::to_string(::getpid()) + "-" +
       std::to_string(counter++));
  std::filesystem::remove_all(dir);
  return dir;
}

TEST_CASE("state and checkpoint survive a reopen of RocksDB",
          "[ledger_state][rocksdb]") {
  TestLedger ledger;
  std::string no = ledger.Enroll(Boy(123));
  std::filesystem::path dir = FreshDir();
  {
    auto kv = RocksKv::Open(dir.string(), RocksKv::Options());
    REQUIRE(kv.ok());
    LedgerState state(kv->get());
    for (const xueji::v1::Event& event : ledger.log()) {
      REQUIRE(state.Apply(event).ok());
    }
    REQUIRE((*kv)->Commit(/*sync=*/true).ok());
  }
  {
    auto kv = RocksKv::Open(dir.string(), RocksKv::Options());
    REQUIRE(kv.ok());
    LedgerState state(kv->get());
    CHECK(*state.Checkpoint(0) == static_cast<int64_t>(ledger.log().size()));
    auto record = state.RecordByNumber(no);
    REQUIRE(record.ok());
    REQUIRE(record->has_value());
    CHECK((*record)->status() == xueji::v1::ENROLLED);
    auto live = state.LiveRecordsAt("QZ-A");
    REQUIRE(live.ok());
    CHECK(live->size() == 1);
    // Replaying the whole log again changes nothing.
    for (const xueji::v1::Event& event : ledger.log()) {
      REQUIRE(state.Apply(event).ok());
    }
    CHECK((*state.RecordByNumber(no))->version() == (*record)->version());
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace xueji
