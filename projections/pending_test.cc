// The approver's queue (Views::Pending) lists the de-identified export
// requests that wait for a decision (issue 9, a review: they were missing),
// kind EXPORT, beside the records' changes: requests decided by the real
// processor over a real embedded log, the views caught up from it. An export
// is listed to the readers whose region holds its region (the province's
// deciding officer, the requester's own level), to no registrar, and leaves
// the queue once approved or rejected; statistics still count only the
// changes that wait for a county.
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "google/protobuf/util/json_util.h"
#include "ledger/base/dates.h"
#include "ledger/rules/calendar.h"
#include "projections/views.h"
#include "tests/support/processor_ledger.h"
#include "tests/support/requests.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

using xueji::v1::PendingItem;
using xueji::v1::PendingReport;

constexpr char kToday[] = "2025-09-03";

// 思明区 (350203) and 湖里区 (350206) of 厦门市 (3502), 福建省 (35): a
// kindergarten and an approver each, a registrar at 思明's, the city's and
// the province's officers; an admission waiting at 思明, and three export
// requests: 思明's approver for 350203, 湖里's for 350206, the city's
// officer for 3502 (all three decided by the province, 35).
struct ExportsWaiting {
  TempDir dir;
  testing::ProcessorLedger ledger{OpenEmbeddedLog(dir.Sub("log"), {}),
                                  dir.Sub("state"),
                                  *ParseRfc3339("2025-09-03T08:00:00Z")};

  ExportsWaiting() {
    auto loaded = ledger.processor->LoadRegistry(
        {testing::KindergartenLine("350203001", "350203"),
         testing::KindergartenLine("350206001", "350206"),
         testing::OperatorLine("reg-sm", xueji::v1::REGISTRAR, "350203001"),
         testing::OperatorLine("appr-sm", xueji::v1::APPROVER, "350203"),
         testing::OperatorLine("appr-hl", xueji::v1::APPROVER, "350206"),
         testing::OperatorLine("officer-xm", xueji::v1::OFFICER, "3502"),
         testing::OperatorLine("officer-fj", xueji::v1::OFFICER, "35")});
    REQUIRE(loaded.ok());
    for (const auto& r : *loaded) REQUIRE(r.status() == xueji::v1::APPLIED);
    Expect(testing::Admission("adm-1", "reg-sm", "350203001",
                              testing::ResidentId("350203", "20210506", 137)),
           xueji::v1::PENDING_APPROVAL);
    Expect(Line(R"({"requestId":"x-sm","actor":"appr-sm","export":{)"
                R"("purpose":"学位规划","region":"350203",)"
                R"("fields":["birthMonth","gender"]}})"),
           xueji::v1::PENDING_APPROVAL);
    Expect(Line(R"({"requestId":"x-hl","actor":"appr-hl","export":{)"
                R"("purpose":"学位规划","region":"350206",)"
                R"("fields":["birthMonth"]}})"),
           xueji::v1::PENDING_APPROVAL);
    Expect(Line(R"({"requestId":"x-xm","actor":"officer-xm","export":{)"
                R"("purpose":"学位规划","region":"3502",)"
                R"("fields":["gender"]}})"),
           xueji::v1::PENDING_APPROVAL);
  }

  static xueji::v1::Request Line(const std::string& json) {
    xueji::v1::Request request;
    REQUIRE(google::protobuf::util::JsonStringToMessage(json, &request).ok());
    return request;
  }
  void Expect(const xueji::v1::Request& request,
              xueji::v1::ResultStatus status) {
    ledger.now += absl::Minutes(1);
    auto results = ledger.processor->Submit({request});
    REQUIRE(results.ok());
    REQUIRE(results->size() == 1);
    INFO((*results)[0].ShortDebugString());
    REQUIRE((*results)[0].status() == status);
  }

  std::unique_ptr<Views> CaughtUp() {
    auto views = Views::Open(dir.Sub("views"));
    REQUIRE(views.ok());
    REQUIRE((*views)->CatchUp(*ledger.log).ok());
    return *std::move(views);
  }
  // The queue of `region` (a registrar: `kindergarten`), of `kind` if set.
  PendingReport Queue(const std::string& region,
                      const std::string& kindergarten = "",
                      std::optional<PendingItem::Kind> kind = std::nullopt) {
    PendingQuery query;
    query.region = region;
    query.kindergarten = kindergarten;
    query.kind = kind;
    query.as_of = *ParseDate(kToday);
    query.calendar = &WorkingCalendar::Default();
    auto report = CaughtUp()->Pending(query);
    REQUIRE(report.ok());
    return *report;
  }
};

// Request id -> kind of every item.
std::map<std::string, PendingItem::Kind> Kinds(const PendingReport& report) {
  std::map<std::string, PendingItem::Kind> out;
  for (const PendingItem& item : report.items()) {
    out[item.request_id()] = item.kind();
  }
  return out;
}

SCENARIO("pending lists the export requests awaiting the level above",
         "[views][pending][issue9]") {
  GIVEN("three export requests and an admission waiting in 厦门") {
    ExportsWaiting w;
    using K = std::map<std::string, PendingItem::Kind>;
    WHEN("the province's officer, who decides the exports, asks") {
      const PendingReport queue = w.Queue("35");
      THEN("it lists all three, kind EXPORT, with no deadline") {
        CHECK(Kinds(queue) == K{{"adm-1", PendingItem::ADMISSION},
                                {"x-sm", PendingItem::EXPORT},
                                {"x-hl", PendingItem::EXPORT},
                                {"x-xm", PendingItem::EXPORT}});
        for (const PendingItem& item : queue.items()) {
          if (item.request_id() != "x-sm") continue;
          CHECK(item.requested_on() == kToday);
          CHECK(item.requested_by() == "appr-sm");
          CHECK(item.detail() ==
                "region 350203: birthMonth,gender; province 35 decides");
          CHECK(item.student_no().empty());
          CHECK(item.name().empty());
          CHECK(item.kindergarten().empty());
          CHECK(item.county().empty());
          CHECK(item.due().empty());
          CHECK(item.working_days_left() == 0);
          CHECK_FALSE(item.overdue());
        }
      }
    }
    WHEN("思明's approver asks (its county)") {
      const PendingReport queue = w.Queue("350203");
      THEN("its county's export and admission only") {
        CHECK(Kinds(queue) == K{{"adm-1", PendingItem::ADMISSION},
                                {"x-sm", PendingItem::EXPORT}});
      }
    }
    WHEN("湖里's approver asks") {
      THEN("湖里's export only") {
        CHECK(Kinds(w.Queue("350206")) == K{{"x-hl", PendingItem::EXPORT}});
      }
    }
    WHEN("a registrar asks (its kindergarten's queue)") {
      THEN("no export: a kindergarten requests none") {
        CHECK(Kinds(w.Queue("350203", "350203001")) ==
              K{{"adm-1", PendingItem::ADMISSION}});
      }
    }
    WHEN("only EXPORT is asked for, or only ADMISSION") {
      THEN("the kind filters them like the others") {
        CHECK(Kinds(w.Queue("", "", PendingItem::EXPORT)) ==
              K{{"x-sm", PendingItem::EXPORT},
                {"x-hl", PendingItem::EXPORT},
                {"x-xm", PendingItem::EXPORT}});
        CHECK(Kinds(w.Queue("", "", PendingItem::ADMISSION)) ==
              K{{"adm-1", PendingItem::ADMISSION}});
      }
    }
    WHEN("the province's officer approves one and rejects another") {
      w.Expect(
          ExportsWaiting::Line(R"({"requestId":"ok-sm","actor":"officer-fj",)"
                               R"("approve":{"requestId":"x-sm"}})"),
          xueji::v1::APPLIED);
      w.Expect(ExportsWaiting::Line(
                   R"({"requestId":"no-hl","actor":"officer-fj",)"
                   R"("reject":{"requestId":"x-hl","reason":"范围过大"}})"),
               xueji::v1::APPLIED);
      THEN("both leave the queue; the city's stays") {
        CHECK(Kinds(w.Queue("")) == K{{"adm-1", PendingItem::ADMISSION},
                                      {"x-xm", PendingItem::EXPORT}});
        CHECK(Kinds(w.Queue("350203")) == K{{"adm-1", PendingItem::ADMISSION}});
      }
    }
    WHEN("the statistics count what waits for a county") {
      StatsQuery query;
      query.as_of = *ParseDate(kToday);
      query.calendar = &WorkingCalendar::Default();
      auto stats = w.CaughtUp()->Statistics(query);
      REQUIRE(stats.ok());
      THEN("the exports are not among them") {
        CHECK(stats->approvals().waiting() == 1);
      }
    }
  }
}

}  // namespace
}  // namespace xueji
