// The cases view (issue 10 item 2; docs/design.md, "Problem records
// (cases)"): hand-built case events in a real embedded log, listed by
// Views::Cases with its region, kindergarten and status filters, and the
// same rows from a full rebuild as from the incremental catch-up.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/rules/subjects.h"
#include "projections/test_support.h"
#include "projections/views.h"

namespace xueji {
namespace {

using testing::EventWriter;
using testing::MakeChild;
using testing::ResidentId;
using xueji::v1::Event;

constexpr char kK1[] = "350502001";  // county 350502
constexpr char kK3[] = "350503001";  // county 350503

std::string Digest(const Views& views) {
  absl::StatusOr<std::string> d = views.Digest();
  REQUIRE(d.ok());
  return *d;
}

// The ids of the cases `query` lists, in their order.
std::vector<std::string> CaseIds(const Views& views, const CaseQuery& query) {
  absl::StatusOr<xueji::v1::CaseReport> report = views.Cases(query);
  REQUIRE(report.ok());
  std::vector<std::string> ids;
  for (const xueji::v1::CaseItem& c : report->cases()) {
    ids.push_back(c.case_id());
  }
  return ids;
}

TEST_CASE("cases view: a case's life listed by region, kindergarten, status",
          "[views][cases][issue10]") {
  TempDir dir;
  auto log = OpenEmbeddedLog(dir.Sub("log"), {});
  REQUIRE(log.ok());
  EventWriter w(log->get());
  for (const auto& [code, county] :
       std::vector<std::pair<std::string, std::string>>{{kK1, "350502"},
                                                        {kK3, "350503"}}) {
    Event kg = w.Envelope("kg:" + code, "", "2025-08-25", "officer");
    kg.mutable_kindergarten_registered()->set_code(code);
    kg.mutable_kindergarten_registered()->set_name("幼儿园");
    kg.mutable_kindergarten_registered()->set_county(county);
    REQUIRE(w.Append(kg));
  }
  // Two enrolled children, one at each kindergarten.
  std::vector<std::string> numbers;
  int seq = 11;
  for (const char* kg : {kK1, kK3}) {
    const std::string id = ResidentId("350502", "20210506", seq += 2);
    const std::string no = "G" + id;
    numbers.push_back(no);
    Event requested = w.Envelope(RecordSubject(no), no, "2025-09-01", "reg");
    requested.mutable_record_requested()->set_kindergarten(kg);
    *requested.mutable_record_requested()->mutable_child() = MakeChild(
        "测试", xueji::v1::MALE, "2021-05-06", xueji::v1::RESIDENT_ID, id);
    REQUIRE(w.Append(requested));
    Event established = w.Envelope(RecordSubject(no), no, "2025-09-02", "appr");
    established.mutable_record_established()->set_kindergarten(kg);
    REQUIRE(w.Append(established));
  }
  // A phantom case at K1, answered and closed; an age case at K3, open.
  const std::string closed_id =
      CaseId("PHANTOM", RecordSubject(numbers[0]), "2025-09-10");
  const std::string open_id =
      CaseId("AGE_OUT_OF_RANGE", RecordSubject(numbers[1]), "2025-09-10");
  // A case opened on 11 September by `by`, the problem since the 10th.
  auto open_case = [&](const std::string& no, const char* by,
                       const std::string& case_id, const char* kind,
                       const char* kg, const char* region) {
    Event opened = w.Envelope(RecordSubject(no), no, "2025-09-11", by);
    xueji::v1::CaseOpened* o = opened.mutable_case_opened();
    o->set_case_id(case_id);
    o->set_kind(kind);
    o->set_since("2025-09-10");
    o->set_kindergarten(kg);
    o->set_decider_region(region);
    REQUIRE(w.Append(opened));
  };
  open_case(numbers[0], "appr-a", closed_id, "PHANTOM", kK1, "350502");
  Event answered =
      w.Envelope(RecordSubject(numbers[0]), numbers[0], "2025-09-12", "reg-a");
  answered.mutable_case_answered()->set_case_id(closed_id);
  answered.mutable_case_answered()->set_resolution(
      xueji::v1::ResolveCase::EVIDENCE);
  answered.mutable_case_answered()->set_evidence("在园证明");
  REQUIRE(w.Append(answered));
  Event decided =
      w.Envelope(RecordSubject(numbers[0]), numbers[0], "2025-09-15", "appr-a");
  decided.mutable_case_decided()->set_case_id(closed_id);
  decided.mutable_case_decided()->set_accept(true);
  REQUIRE(w.Append(decided));
  open_case(numbers[1], "appr-c", open_id, "AGE_OUT_OF_RANGE", kK3, "350503");

  auto views = Views::Open(dir.Sub("views"));
  REQUIRE(views.ok());
  REQUIRE((*views)->CatchUp(**log).ok());

  auto all = (*views)->Cases({});
  REQUIRE(all.ok());
  REQUIRE(all->cases_size() == 2);
  const xueji::v1::CaseItem& first = all->cases(0);  // county 350502 first
  CHECK(first.case_id() == closed_id);
  CHECK(first.status() == "closed");
  CHECK(first.accepted());
  CHECK(first.resolution() == "EVIDENCE");
  CHECK(first.evidence() == "在园证明");
  CHECK(first.opened_by() == "appr-a");
  CHECK(first.answered_by() == "reg-a");
  CHECK(first.decided_by() == "appr-a");
  CHECK(first.decided_on() == "2025-09-15");
  CHECK(first.student_no() == numbers[0]);
  CHECK(first.county() == "350502");
  CHECK(first.record_status() == "ENROLLED");
  CHECK(all->cases(1).case_id() == open_id);
  CHECK(all->cases(1).status() == "open");

  CaseQuery county_c;
  county_c.region = "350503";
  CHECK(CaseIds(**views, county_c) == std::vector<std::string>{open_id});
  CaseQuery closed;
  closed.status = "closed";
  CHECK(CaseIds(**views, closed) == std::vector<std::string>{closed_id});
  CaseQuery own;
  own.kindergarten = kK3;
  auto o = (*views)->Cases(own);
  REQUIRE(o.ok());
  REQUIRE(o->cases_size() == 1);
  CHECK(o->cases(0).kindergarten() == kK3);

  // A rebuild from the log (`ledger replay`) gives the same rows.
  auto rebuilt = Views::Open(dir.Sub("rebuilt"));
  REQUIRE(rebuilt.ok());
  REQUIRE((*rebuilt)->CatchUp(**log).ok());
  CHECK(Digest(**rebuilt) == Digest(**views));
  auto again = (*rebuilt)->Cases({});
  REQUIRE(again.ok());
  CHECK(again->SerializeAsString() == all->SerializeAsString());
}

}  // namespace
}  // namespace xueji
