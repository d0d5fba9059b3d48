// RequestProcessor over the real embedded log and a real RocksDB state store.
#include "ledger/processor/processor.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/signed_batch.h"
#include "tests/support/log_count.h"
#include "tests/support/requests.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;
using xueji::v1::Request;
using xueji::v1::Result;
using namespace ::xueji::testing;  // NOLINT: tests/support/requests.h

// An admission by op-k1 (tests/support/requests.h).
Request Admit(const std::string& id, const std::string& kg,
              const std::string& id_number) {
  return Admission(id, "op-k1", kg, id_number);
}

absl::Time FixedNow() { return *ParseRfc3339("2025-09-01T08:00:00Z"); }

// A log whose appends fail on demand, around a real one.
class FlakyLog : public EventLog {
 public:
  explicit FlakyLog(EventLog* inner) : inner_(inner) {}
  int32_t partitions() const override { return inner_->partitions(); }
  absl::StatusOr<std::vector<xueji::v1::Event>> Append(
      std::vector<xueji::v1::Event> batch) override {
    if (fail) return absl::UnavailableError("disk unplugged");
    return inner_->Append(std::move(batch));
  }
  absl::StatusOr<std::vector<StoredEvent>> Read(int32_t p, int64_t from,
                                                size_t max) override {
    return inner_->Read(p, from, max);
  }
  absl::StatusOr<std::vector<int64_t>> HeadOffsets() override {
    return inner_->HeadOffsets();
  }
  bool fail = false;

 private:
  EventLog* inner_;
};

struct Ledger {
  explicit Ledger(const std::string& dir) { Open(dir); }
  void Open(const std::string& dir) {
    processor.reset();
    state.reset();
    log.reset();
    log = *OpenEmbeddedLog(dir + "/log", EmbeddedLogOptions{});
    flaky = std::make_unique<FlakyLog>(log.get());
    state = *RocksKv::Open(dir + "/state", RocksKv::Options{});
    auto opened = RequestProcessor::Open(flaky.get(), state.get(), &FixedNow);
    REQUIRE(opened.ok());
    processor = *std::move(opened);
    if (*processor->Mode() == xueji::v1::LEDGER_MODE_UNSPECIFIED) {
      REQUIRE(processor->Initialize(DevelopmentLedger()).ok());
    }
  }
  int64_t TotalEvents() { return testing::TotalEvents(*log); }
  void LoadRegion() {
    auto results = processor->LoadRegistry(
        {KindergartenLine("350502001", "350502"),
         KindergartenLine("350203001", "350203"),
         OperatorLine("op-k1", xueji::v1::REGISTRAR, "350502001"),
         OperatorLine("op-c1", xueji::v1::APPROVER, "350502")});
    REQUIRE(results.ok());
    for (const Result& r : *results) REQUIRE(r.status() == xueji::v1::APPLIED);
  }
  std::unique_ptr<EventLog> log;
  std::unique_ptr<FlakyLog> flaky;
  std::unique_ptr<RocksKv> state;
  std::unique_ptr<RequestProcessor> processor;
};

// A ledger in a fresh directory, the region's registry loaded.
struct LoadedLedger {
  LoadedLedger() { ledger.LoadRegion(); }
  TempDir dir;
  Ledger ledger{dir.path().string()};
};

TEST_CASE_METHOD(
    LoadedLedger,
    "same requestId again returns the first answer and appends nothing") {
  const std::string id = ResidentId("350502", "20210506", 123);
  auto first = ledger.processor->Submit({Admit("r-1", "350502001", id)});
  REQUIRE(first.ok());
  REQUIRE((*first)[0].status() == xueji::v1::PENDING_APPROVAL);
  CHECK((*first)[0].student_no() == "G" + id);
  const int64_t events = ledger.TotalEvents();

  auto again = ledger.processor->Submit({Admit("r-1", "350502001", id)});
  REQUIRE(again.ok());
  CHECK((*again)[0].status() == xueji::v1::DUPLICATE_REQUEST);
  CHECK((*again)[0].original_status() == xueji::v1::PENDING_APPROVAL);
  CHECK((*again)[0].student_no() == "G" + id);
  CHECK(ledger.TotalEvents() == events);

  // ... also after a restart: the answer is rebuilt from the log.
  ledger.Open(dir.path().string());
  auto after_restart =
      ledger.processor->Submit({Admit("r-1", "350502001", id)});
  REQUIRE(after_restart.ok());
  CHECK((*after_restart)[0].status() == xueji::v1::DUPLICATE_REQUEST);
  CHECK(ledger.TotalEvents() == events);
}

TEST_CASE_METHOD(LoadedLedger, "registry load is idempotent") {
  const int64_t events = ledger.TotalEvents();
  auto again =
      ledger.processor->LoadRegistry({KindergartenLine("350502001", "350502")});
  REQUIRE(again.ok());
  CHECK((*again)[0].status() == xueji::v1::DUPLICATE_REQUEST);
  CHECK(ledger.TotalEvents() == events);
}

TEST_CASE_METHOD(LoadedLedger,
                 "one batch: a child twice and a request id twice") {
  const std::string id = ResidentId("350502", "20210506", 123);
  auto results = ledger.processor->Submit({Admit("r-1", "350502001", id),
                                           Admit("r-2", "350502001", id),
                                           Admit("r-1", "350502001", id)});
  REQUIRE(results.ok());
  CHECK((*results)[0].status() == xueji::v1::PENDING_APPROVAL);
  CHECK((*results)[1].status() == xueji::v1::REJECTED);
  CHECK((*results)[1].code() == xueji::v1::DUPLICATE_REGISTRATION);
  CHECK((*results)[2].status() == xueji::v1::DUPLICATE_REQUEST);
}

TEST_CASE_METHOD(LoadedLedger,
                 "a failed append applies nothing, the retry applies once") {
  const int64_t events = ledger.TotalEvents();
  const std::string id = ResidentId("350502", "20210506", 123);
  ledger.flaky->fail = true;
  auto failed = ledger.processor->Submit({Admit("r-1", "350502001", id)});
  CHECK(absl::IsUnavailable(failed.status()));
  CHECK(ledger.TotalEvents() == events);
  auto status = ledger.processor->Status("r-1");
  REQUIRE(status.ok());
  CHECK_FALSE(status->has_value());

  ledger.flaky->fail = false;
  auto retried = ledger.processor->Submit({Admit("r-1", "350502001", id)});
  REQUIRE(retried.ok());
  CHECK((*retried)[0].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(ledger.TotalEvents() > events);
}

TEST_CASE("state lost or behind the log catches up on open") {
  TempDir dir;
  {
    Ledger ledger(dir.path().string());
    ledger.LoadRegion();
    const std::string id = ResidentId("350502", "20210506", 123);
    REQUIRE(ledger.processor->Submit({Admit("r-1", "350502001", id)}).ok());
  }
  fs::remove_all(dir.Sub("state"));  // as if the state write never happened
  Ledger ledger(dir.path().string());
  auto status = ledger.processor->Status("r-1");
  REQUIRE(status.ok());
  REQUIRE(status->has_value());
  CHECK((*status)->status() == xueji::v1::PENDING_APPROVAL);
  // The one-record-per-document rule still holds after the rebuild.
  const std::string id = ResidentId("350502", "20210506", 123);
  auto dup = ledger.processor->Submit({Admit("r-9", "350502001", id)});
  REQUIRE(dup.ok());
  CHECK((*dup)[0].code() == xueji::v1::DUPLICATE_REGISTRATION);
}

TEST_CASE_METHOD(
    LoadedLedger,
    "a request refused for its form is answered, not recorded, and "
    "its id stays free") {
  const int64_t events = ledger.TotalEvents();
  const std::string id = ResidentId("350502", "20210506", 123);
  Request no_action = Admit("r-1", "350502001", id);
  no_action.clear_admit();
  Request bad_name = Admit("r-2", "350502001", id);
  bad_name.mutable_admit()->mutable_child()->set_name("测试\x1b[2J儿童");
  Request bad_id = Admit("r-3\u2028", "350502001", id);
  auto refused = ledger.processor->Submit({no_action, bad_name, bad_id});
  REQUIRE(refused.ok());
  CHECK((*refused)[0].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK((*refused)[0].request_id() == "r-1");
  CHECK((*refused)[1].code() == xueji::v1::INVALID_TEXT);
  CHECK(
      (*refused)[1].message().starts_with("admit.child.name contains U+001B"));
  CHECK((*refused)[2].code() == xueji::v1::INVALID_TEXT);
  CHECK((*refused)[2].request_id().empty());
  CHECK(ledger.TotalEvents() == events);
  auto status = ledger.processor->Status("r-1");
  REQUIRE(status.ok());
  CHECK_FALSE(status->has_value());

  // Registry lines: the same rule.
  xueji::v1::RegistryLine kg = KindergartenLine("350502009", "350502");
  kg.mutable_kindergarten()->set_name("幼儿园\u202e");
  auto loaded = ledger.processor->LoadRegistry({kg, xueji::v1::RegistryLine()});
  REQUIRE(loaded.ok());
  CHECK((*loaded)[0].code() == xueji::v1::INVALID_TEXT);
  CHECK((*loaded)[1].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(ledger.TotalEvents() == events);

  // The corrected requests, under the same ids, are decided.
  auto fixed = ledger.processor->Submit({Admit("r-1", "350502001", id)});
  REQUIRE(fixed.ok());
  CHECK((*fixed)[0].status() == xueji::v1::PENDING_APPROVAL);
}

Request SetMinAge(const std::string& id, int years) {
  Request r;
  r.set_request_id(id);
  r.set_actor("op-35");
  auto* set = r.mutable_set_policy();
  set->set_region("35");
  set->set_effective_from("2025-09-01");
  set->mutable_policy()->set_admission_min_age_years(years);
  return r;
}

TEST_CASE(
    "a policy set in a batch governs the rest of the batch, and is the "
    "state's after a reopen or a rebuild from the log",
    "[policy]") {
  TempDir dir;
  const std::string four = ResidentId("350502", "20210506", 123);  // 4
  {
    Ledger ledger(dir.path().string());
    ledger.LoadRegion();
    auto officer = ledger.processor->LoadRegistry(
        {OperatorLine("op-35", xueji::v1::OFFICER, "35")});
    REQUIRE(officer.ok());
    // A failed append: the version is not used up.
    ledger.flaky->fail = true;
    REQUIRE_FALSE(ledger.processor->Submit({SetMinAge("p-0", 5)}).ok());
    ledger.flaky->fail = false;
    auto results = ledger.processor->Submit(
        {SetMinAge("p-1", 5), Admit("r-1", "350502001", four)});
    REQUIRE(results.ok());
    CHECK((*results)[0].status() == xueji::v1::APPLIED);
    CHECK((*results)[1].code() == xueji::v1::AGE_OUT_OF_RANGE);
  }
  for (bool rebuild : {false, true}) {
    INFO((rebuild ? "state rebuilt from the log" : "state reopened"));
    if (rebuild) fs::remove_all(dir.Sub("state"));
    Ledger ledger(dir.path().string());
    auto versions = ledger.processor->state().PolicyVersions();
    REQUIRE(versions.ok());
    REQUIRE(versions->size() == 1);
    CHECK((*versions)[0].version() == 1);
    CHECK((*versions)[0].policy().admission_min_age_years() == 5);
    auto again = ledger.processor->Submit(
        {Admit(rebuild ? "r-3" : "r-2", "350502001", four)});
    REQUIRE(again.ok());
    CHECK((*again)[0].code() == xueji::v1::AGE_OUT_OF_RANGE);
  }
}

}  // namespace
}  // namespace xueji
