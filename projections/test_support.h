// Test support for the projections tests (not part of the library):
// synthetic resident IDs, and a builder of hand-made
// events appended to a real embedded log.
//
// Thread-safety: none; one test at a time.
#ifndef XUEJI_PROJECTIONS_TEST_SUPPORT_H_
#define XUEJI_PROJECTIONS_TEST_SUPPORT_H_

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/log/event_log.h"
#include "ledger/rules/identity.h"
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

}  // namespace xueji::testing

#endif  // XUEJI_PROJECTIONS_TEST_SUPPORT_H_
