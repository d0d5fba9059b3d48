// Test support for the projections tests (not part of the library):
// synthetic resident IDs, a builder of hand-made events appended to a real
// embedded log, HandWrittenLog (the fixtures' base over such a log), and
// DropRows/CheckAsksForReplay (a store an older build wrote).
//
// Thread-safety: none; one test at a time.
#ifndef XUEJI_PROJECTIONS_TEST_SUPPORT_H_
#define XUEJI_PROJECTIONS_TEST_SUPPORT_H_

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ledger/log/event_log.h"
#include "ledger/rules/identity.h"
#include "ledger/storage/kv.h"
#include "projections/views.h"
#include "tests/support/temp_dir.h"
#include "xueji/v1/events.pb.h"

namespace xueji::testing {

using ::xueji::TempDir;  // tests/support/temp_dir.h

// A valid synthetic resident ID: area + birth (YYYYMMDD) + 3-digit sequence
// (odd male, even female) + MOD 11-2 check character.
inline std::string ResidentId(const std::string& area, const std::string& birth,
                              int seq) {
  std::string first17 = area + birth;
  first17 += std::to_string(100 + seq % 900);
  return first17 + Mod112CheckChar(first17);
}

inline xueji::v1::Child MakeChild(const std::string& name,
                                  xueji::v1::Gender gender,
                                  const std::string& birth_date,
                                  xueji::v1::IdType type,
                                  const std::string& number) {
  xueji::v1::Child child;
  child.set_name(name);
  child.set_gender(gender);
  child.set_birth_date(birth_date);
  child.set_id_type(type);
  child.set_id_number(number);
  return child;
}

// Deletes, and commits, every row of `kv` whose key starts with `prefix`: the
// store an older build wrote, which lacked those rows. REQUIREs some existed.
inline void DropRows(MemoryKv& kv, char prefix) {
  std::vector<std::string> rows;
  for (const auto& [key, value] : kv.contents()) {
    if (key[0] == prefix) rows.push_back(key);
  }
  REQUIRE(!rows.empty());
  for (const std::string& key : rows) kv.Delete(key);
  REQUIRE(kv.Commit(false).ok());
}

// Appends hand-built events (envelope filled here) to an EventLog.
class EventWriter {
 public:
  explicit EventWriter(EventLog* log) : log_(log) {}

  // An envelope for `subject` on business date `date` by `op`.
  xueji::v1::Event Envelope(const std::string& subject,
                            const std::string& student_no,
                            const std::string& date, const std::string& op) {
    xueji::v1::Event e;
    std::string id = absl::StrCat("t-", ++sequence_);
    e.set_event_id(id);
    e.set_subject(subject);
    e.set_student_no(student_no);
    e.set_recorded_at(date + "T08:00:00Z");
    e.set_business_date(date);
    e.mutable_actor()->set_operator_id(op);
    e.set_request_id(id);
    e.set_correlation_id(id);
    e.set_outcome(xueji::v1::APPLIED);
    return e;
  }

  // Appends and returns the stored events; empty on failure.
  std::vector<xueji::v1::Event> Append(std::vector<xueji::v1::Event> batch) {
    absl::StatusOr<std::vector<xueji::v1::Event>> out =
        log_->Append(std::move(batch));
    if (!out.ok()) return {};
    return *std::move(out);
  }
  bool Append(xueji::v1::Event event) {
    std::vector<xueji::v1::Event> batch;
    batch.push_back(std::move(event));
    return Append(std::move(batch)).size() == 1;
  }

 private:
  EventLog* log_;
  int sequence_ = 0;
};

// Checks that a query over such a store asks for `ledger replay`
// (FailedPrecondition).
inline void CheckAsksForReplay(const absl::Status& status) {
  CHECK(absl::IsFailedPrecondition(status));
  CHECK(status.message().find("ledger replay") != std::string::npos);
}

// The base of the projections tests' fixtures: an embedded log in a
// temporary directory, written by hand (EventWriter); kindergartens
// registered on 2025-08-01; views in DIR/views caught up from the log.
class HandWrittenLog {
 public:
  HandWrittenLog() {
    auto log = OpenEmbeddedLog(dir_.Sub("log"), {});
    REQUIRE(log.ok());
    log_ = *std::move(log);
    writer_ = std::make_unique<EventWriter>(log_.get());
  }

  EventLog& log() { return *log_; }
  void Append(const xueji::v1::Event& e) { REQUIRE(writer_->Append(e)); }
  // Kindergarten `code` ("幼儿园 <code>") of `county`, on 2025-08-01.
  void Kg(const std::string& code, const std::string& county) {
    xueji::v1::Event e =
        writer_->Envelope("kg:" + code, "", "2025-08-01", "registry");
    e.mutable_kindergarten_registered()->set_code(code);
    e.mutable_kindergarten_registered()->set_name("幼儿园 " + code);
    e.mutable_kindergarten_registered()->set_county(county);
    Append(e);
  }
  // The views of DIR/views, caught up from the log.
  std::unique_ptr<Views> CaughtUpViews() {
    auto views = Views::Open(dir_.Sub("views"));
    REQUIRE(views.ok());
    REQUIRE((*views)->CatchUp(*log_).ok());
    return *std::move(views);
  }

 protected:
  TempDir dir_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<EventWriter> writer_;
};

}  // namespace xueji::testing

#endif  // XUEJI_PROJECTIONS_TEST_SUPPORT_H_
