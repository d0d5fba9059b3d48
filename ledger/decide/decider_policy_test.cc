// The policy is in the log (docs/accountability.md; Art. 26): setPolicy
// decided into PolicySet versions, who may set them, from when they are in
// force, and that every decision uses (and names) the versions in force on
// its business date. Given/when/then over the MemoryState harness.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "ledger/decide/decide_test_util.h"
#include "ledger/decide/decider.h"

namespace xueji {
namespace {

using namespace ::xueji::testing;  // NOLINT: the deciders' test harness

xueji::v1::Request SetPolicy(TestLedger& ledger, std::string actor,
                             std::string region, std::string from,
                             xueji::v1::PolicySettings settings) {
  xueji::v1::Request request = ledger.Req(std::move(actor));
  auto* set = request.mutable_set_policy();
  set->set_region(std::move(region));
  set->set_effective_from(std::move(from));
  *set->mutable_policy() = std::move(settings);
  return request;
}

xueji::v1::PolicySettings MinAge(int years) {
  xueji::v1::PolicySettings settings;
  settings.set_admission_min_age_years(years);
  return settings;
}

// A boy born 1 June 2022: three on 1 September 2025.
xueji::v1::Child ThreeYearOld(int seq = 201) {
  return MakeChild("三岁男孩", xueji::v1::MALE, "2022-06-01",
                   xueji::v1::RESIDENT_ID,
                   ResidentId(kCountyA, "20220601", seq));
}

xueji::v1::Request Admission(TestLedger& ledger, const xueji::v1::Child& child,
                             std::string day = "") {
  xueji::v1::Request request = ledger.Req("reg-a", std::move(day));
  request.mutable_admit()->set_kindergarten("QZ-A");
  *request.mutable_admit()->mutable_child() = child;
  return request;
}

SCENARIO(
    "Art. 26: a province's officer sets its province's policy, in force "
    "from its effective date",
    "[decider][policy]") {
  GIVEN(
      "Fujian's officer sets admissionMinAgeYears 4 from 3 September, on "
      "1 September") {
    TestLedger ledger;
    Decision set = ledger.Submit(
        SetPolicy(ledger, "officer", "35", "2025-09-03", MinAge(4)));
    REQUIRE(set.status == xueji::v1::APPLIED);
    THEN("one PolicySet, version 1, on subject policy:35") {
      REQUIRE(Kinds(set) == V{"policy_set"});
      const xueji::v1::Event& event = set.events[0];
      CHECK(event.subject() == "policy:35");
      CHECK(event.policy_set().region() == "35");
      CHECK(event.policy_set().version() == 1);
      CHECK(event.policy_set().effective_from() == "2025-09-03");
      CHECK(event.policy_set().policy().admission_min_age_years() == 4);
      CHECK(event.policy_version().empty());  // decided under the defaults
      CHECK(set.message.find("35:1") != std::string::npos);
    }
    WHEN("a three-year-old is admitted on 2 September") {
      ledger.SetToday("2025-09-02");
      Decision admitted = ledger.Submit(Admission(ledger, ThreeYearOld()));
      THEN("the built-in minimum (2) applies and no version is named") {
        REQUIRE(admitted.status == xueji::v1::PENDING_APPROVAL);
        CHECK(admitted.events[0].policy_version().empty());
      }
    }
    WHEN("a three-year-old is admitted on 3 September") {
      ledger.SetToday("2025-09-03");
      Decision refused = ledger.Submit(Admission(ledger, ThreeYearOld()));
      THEN("Fujian's minimum (4) refuses it, and the refusal names 35:1") {
        CHECK(refused.code == xueji::v1::AGE_OUT_OF_RANGE);
        CHECK(refused.message.find("at least 4 years") != std::string::npos);
        CHECK(refused.events[0].policy_version() == "35:1");
      }
    }
    WHEN("on 4 September an admission is entered late for 2 September") {
      ledger.SetToday("2025-09-04");
      Decision admitted =
          ledger.Submit(Admission(ledger, ThreeYearOld(), "2025-09-02"));
      THEN("the policy in force on its business date applies") {
        CHECK(admitted.status == xueji::v1::PENDING_APPROVAL);
        CHECK(admitted.events[0].policy_version().empty());
      }
    }
    WHEN("Fujian's officer sets a second version") {
      Decision second = ledger.Submit(
          SetPolicy(ledger, "officer", "35", "2025-09-04", MinAge(3)));
      THEN("it is version 2, in force from its date") {
        REQUIRE(second.status == xueji::v1::APPLIED);
        CHECK(second.events[0].policy_set().version() == 2);
        ledger.SetToday("2025-09-04");
        Decision admitted = ledger.Submit(Admission(ledger, ThreeYearOld()));
        CHECK(admitted.status == xueji::v1::PENDING_APPROVAL);
        CHECK(admitted.events[0].policy_version() == "35:2");
      }
    }
  }
}

SCENARIO(
    "national and provincial versions compose, and every event names "
    "them",
    "[decider][policy]") {
  GIVEN("a national officer") {
    TestLedger ledger;
    ledger.RegisterOperator("nation", xueji::v1::OFFICER, "00");
    WHEN(
        "the national policy allows 2 working days' lateness from 2 "
        "September, and Fujian sets a minimum age from the same day") {
      xueji::v1::PolicySettings strict;
      strict.set_late_entry_working_days(2);
      REQUIRE(
          ledger.Submit(SetPolicy(ledger, "nation", "00", "2025-09-02", strict))
              .status == xueji::v1::APPLIED);
      REQUIRE(ledger
                  .Submit(SetPolicy(ledger, "nation", "35", "2025-09-02",
                                    MinAge(3)))
                  .status == xueji::v1::APPLIED);
      THEN("an entry 3 working days late needs a reason under 00:1,35:1") {
        ledger.SetToday("2025-09-05");  // Friday; 2 September was a Tuesday
        Decision refused =
            ledger.Submit(Admission(ledger, Boy(), "2025-09-02"));
        CHECK(refused.code == xueji::v1::INVALID_DATE);
        CHECK(refused.message.find("more than 2 working days") !=
              std::string::npos);
        CHECK(refused.events[0].policy_version() == "00:1,35:1");
        xueji::v1::Request with_reason = Admission(ledger, Boy(), "2025-09-02");
        with_reason.set_late_reason("补录");
        Decision admitted = ledger.Submit(with_reason);
        REQUIRE(admitted.status == xueji::v1::PENDING_APPROVAL);
        CHECK(admitted.events[0].policy_version() == "00:1,35:1");
        CHECK(admitted.events[0].late_reason() == "补录");
      }
      THEN(
          "a 3-year-old's admission is refused under Fujian's minimum of 3 "
          "only when younger") {
        ledger.SetToday("2025-09-02");
        CHECK(ledger.Submit(Admission(ledger, ThreeYearOld())).status ==
              xueji::v1::PENDING_APPROVAL);
        xueji::v1::Child two = MakeChild("两岁女孩", xueji::v1::FEMALE,
                                         "2023-03-01", xueji::v1::RESIDENT_ID,
                                         ResidentId(kCountyA, "20230301", 202));
        CHECK(ledger.Submit(Admission(ledger, two)).code ==
              xueji::v1::AGE_OUT_OF_RANGE);
      }
    }
  }
}

SCENARIO(
    "Art. 22 and Art. 26: a province's sealAfterMonths seals on the "
    "ledger's clock",
    "[decider][policy][clock]") {
  GIVEN("Fujian seals accounts after 3 months, from 2 September") {
    TestLedger ledger;  // reg-a last active on 1 September
    xueji::v1::PolicySettings three;
    three.set_seal_after_months(3);
    REQUIRE(
        ledger.Submit(SetPolicy(ledger, "officer", "35", "2025-09-02", three))
            .status == xueji::v1::APPLIED);
    WHEN("reg-a acts on 2 December") {
      ledger.SetToday("2025-12-02");
      Decision sealed = ledger.Submit(Admission(ledger, Boy()));
      THEN("it is sealed, under 35:1") {
        CHECK(sealed.code == xueji::v1::OPERATOR_SEALED);
        REQUIRE(Kinds(sealed) == V{"operator_sealed", "request_rejected"});
        CHECK(sealed.events[0].policy_version() == "35:1");
        CHECK(ledger.Operator("reg-a").sealed());
      }
    }
    WHEN("the officer itself sets policy again half a year later") {
      ledger.SetToday("2026-06-01");
      Decision again = ledger.Submit(
          SetPolicy(ledger, "officer", "35", "2026-06-01", MinAge(3)));
      THEN("officers are not judged dormant") {
        CHECK(again.status == xueji::v1::APPLIED);
        CHECK_FALSE(ledger.Operator("officer").sealed());
      }
    }
  }
}

SCENARIO("who may set a policy", "[decider][policy]") {
  GIVEN("the harness's operators and a national officer") {
    TestLedger ledger;
    ledger.RegisterOperator("nation", xueji::v1::OFFICER, "00");
    ledger.RegisterOperator("officer-44", xueji::v1::OFFICER, "44");
    ledger.RegisterOperator("officer-3505", xueji::v1::OFFICER, "3505");
    const std::string today = ledger.Today();
    auto try_set = [&](std::string actor, std::string region) {
      return ledger.Submit(SetPolicy(ledger, std::move(actor),
                                     std::move(region), today, MinAge(3)));
    };
    THEN(
        "a registrar, an approver, an auditor, a city's officer and "
        "another province's officer are refused") {
      for (const char* actor :
           {"reg-a", "appr-a", "auditor", "officer-3505", "officer-44"}) {
        INFO(actor);
        Decision refused = try_set(actor, "35");
        CHECK(refused.code == xueji::v1::NOT_AUTHORIZED);
        CHECK(Kinds(refused) == V{"request_rejected"});
        CHECK(refused.events[0].request_rejected().action() == "setPolicy");
      }
      AND_THEN("a province's officer may not set the national policy") {
        CHECK(try_set("officer", "00").code == xueji::v1::NOT_AUTHORIZED);
      }
    }
    THEN("a national officer sets the national policy and a province's") {
      CHECK(try_set("nation", "00").status == xueji::v1::APPLIED);
      CHECK(try_set("nation", "44").status == xueji::v1::APPLIED);
      CHECK(try_set("officer-44", "44").events[0].policy_set().version() == 2);
    }
  }
}

SCENARIO("a policy is never retroactive, and must read", "[decider][policy]") {
  GIVEN("the clock on 1 September") {
    TestLedger ledger;
    auto refused = [&](std::string region, std::string from,
                       xueji::v1::PolicySettings settings) {
      return ledger.Submit(SetPolicy(ledger, "officer", std::move(region),
                                     std::move(from), std::move(settings)));
    };
    THEN("effectiveFrom yesterday is INVALID_DATE; today is taken") {
      Decision past = refused("35", "2025-08-31", MinAge(3));
      CHECK(past.code == xueji::v1::INVALID_DATE);
      CHECK(past.message.find("never retroactive") != std::string::npos);
      CHECK(refused("35", "2025-09-01", MinAge(3)).status ==
            xueji::v1::APPLIED);
    }
    THEN("a bad region, date or setting is INVALID_FIELD naming it") {
      for (const char* region : {"", "3505", "99", "0"}) {
        INFO(region);
        Decision bad = refused(region, "2025-09-01", MinAge(3));
        CHECK(bad.code == xueji::v1::INVALID_FIELD);
        CHECK(bad.message.find("setPolicy.region") != std::string::npos);
      }
      CHECK(refused("35", "2025-09-31", MinAge(3))
                .message.find("setPolicy.effectiveFrom") != std::string::npos);
      xueji::v1::PolicySettings negative;
      negative.set_transfer_working_days(-1);
      CHECK(refused("35", "2025-09-01", negative)
                .message.find("setPolicy.policy.transferWorkingDays") !=
            std::string::npos);
      Decision inconsistent = refused("35", "2025-09-01", MinAge(6));
      CHECK(inconsistent.code == xueji::v1::INVALID_FIELD);
      CHECK(inconsistent.message.find("primaryEntryAge") != std::string::npos);
      xueji::v1::PolicySettings cutoff;
      cutoff.set_primary_entry_cutoff("02-29");
      CHECK(refused("35", "2025-09-01", cutoff).code ==
            xueji::v1::INVALID_FIELD);
    }
  }
}

}  // namespace
}  // namespace xueji
