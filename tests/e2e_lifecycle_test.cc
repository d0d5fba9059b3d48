// End-to-end tests of issue 10's new contract through the real binary: a
// transfer refused by the receiving kindergarten and one withdrawn by the
// sending one, a cancellation for another reason than death refused
// (CANCEL_NOT_DEATH), a kindergarten's cohort graduated in one request, a
// key-information edit naming only the name, a number conversion approved by
// the county, and an officer registered by GB/T 2260's six-digit province
// code reading a city given the same way. A development ledger, its clock set
// per command (LEDGER_NOW), in the graduation season of 2026.
#include <catch2/catch.hpp>
#include <cstdio>
#include <map>

#include "google/protobuf/util/json_util.h"
#include "tests/e2e_support.h"

namespace xueji::e2e {
namespace {

TEST_CASE(
    "e2e issue 10: transfers withdrawn and refused, death-only cancel, "
    "a cohort graduated, partial edit, approved conversion, six-digit "
    "regions",
    "[e2e][issue10]") {
  TestLedger ledger;
  ledger.LoadRegistry(
      "2026-05-29T09:00:00+08:00",
      {
          R"({"kindergarten":{"code":"350203001","name":"鹭岛幼儿园","county":"350203"}})",
          R"({"kindergarten":{"code":"350203002","name":"白鹭幼儿园","county":"350203"}})",
          R"({"operator":{"id":"reg-1","role":"REGISTRAR","org":"350203001"}})",
          R"({"operator":{"id":"reg-2","role":"REGISTRAR","org":"350203002"}})",
          R"({"operator":{"id":"appr","role":"APPROVER","org":"350203"}})",
          R"({"operator":{"id":"officer-fj","role":"OFFICER","org":"350000"}})",
      });

  const std::string a =
      "G" + SyntheticResidentId("20200506", 11);  // cohort 2026
  const std::string b =
      "G" + SyntheticResidentId("20200701", 13);  // cohort 2026
  const std::string c =
      "G" + SyntheticResidentId("20210301", 15);  // cohort 2027
  const std::string l_child =
      R"({"name":"无证男孩","gender":"MALE","birthDate":"2021-04-01","idType":"NONE"})";
  const std::string l_id = SyntheticResidentId("20210401", 17);
  std::vector<std::string> lines = {
      RequestLine("a-1", "reg-1", "2026-06-01",
                  AdmitBody("350203001", BoyJson("甲", "2020-05-06", 11),
                            "2026-06-01")),
      RequestLine("a-2", "reg-1", "2026-06-01",
                  AdmitBody("350203001", BoyJson("乙", "2020-07-01", 13),
                            "2026-06-01")),
      RequestLine("a-3", "reg-1", "2026-06-01",
                  AdmitBody("350203001", BoyJson("丙", "2021-03-01", 15),
                            "2026-06-01")),
      RequestLine("a-4", "reg-1", "2026-06-01",
                  AdmitBody("350203001", l_child, "2026-06-01")),
      RequestLine("p-1", "appr", "2026-06-02", ApproveBody("a-1")),
      RequestLine("p-2", "appr", "2026-06-02", ApproveBody("a-2")),
      RequestLine("p-3", "appr", "2026-06-02", ApproveBody("a-3")),
      RequestLine("p-4", "appr", "2026-06-02", ApproveBody("a-4")),
      // a: out to 白鹭, approved, refused by 白鹭
      RequestLine("t-1", "reg-1", "2026-06-03",
                  TransferOutBody(a, "350203002")),
      RequestLine("t-2", "appr", "2026-06-04", ApproveBody("t-1")),
      RequestLine("t-3", "reg-2", "2026-06-05",
                  "\"refuseTransfer\":{\"studentNo\":\"" + a +
                      "\",\"reason\":\"学位已满\"}"),
      // c: out to 白鹭, withdrawn by 鹭岛 before the county decided
      RequestLine("t-4", "reg-1", "2026-06-05",
                  TransferOutBody(c, "350203002")),
      RequestLine("t-5", "reg-1", "2026-06-08",
                  "\"withdrawTransfer\":{\"studentNo\":\"" + c +
                      "\",\"reason\":\"家长决定不转园\"}"),
      RequestLine("t-6", "appr", "2026-06-08", ApproveBody("t-4")),
      // cancel for another reason than death
      RequestLine(
          "x-1", "reg-1", "2026-06-08",
          "\"cancel\":{\"studentNo\":\"" + c + "\",\"reason\":\"转学\"}"),
      // the name only
      RequestLine(
          "e-1", "reg-1", "2026-06-09",
          "\"editKeyInfo\":{\"studentNo\":\"" + c +
              "\",\"child\":{\"name\":\"丙新\"},\"evidence\":\"户口簿\"" +
              kApplicantJson + "}"),
      RequestLine("e-2", "appr", "2026-06-10", ApproveBody("e-1")),
      // the cohort of 2026
      RequestLine("g-1", "reg-1", "2026-06-15",
                  R"("graduate":{"kindergarten":"350203001","cohort":"2026"})"),
  };
  RunResult first = ledger.SubmitByDay(lines);
  INFO("submit: " << first.out << first.err);
  REQUIRE(first.exit_code == 1);  // x-1 and t-6 are refused
  auto by_id = ResultsById(first);
  CHECK(by_id["t-3"].status() == xueji::v1::APPLIED);
  CHECK(by_id["t-5"].status() == xueji::v1::APPLIED);
  CHECK(by_id["t-6"].code() == xueji::v1::UNKNOWN_REQUEST);  // withdrawn
  CHECK(by_id["x-1"].code() == xueji::v1::CANCEL_NOT_DEATH);
  CHECK(by_id["e-1"].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(by_id["e-2"].status() == xueji::v1::APPLIED);
  CHECK(by_id["g-1"].status() == xueji::v1::APPLIED);

  // The L number: converted on the county's approval only.
  const std::string l_no = by_id["a-4"].student_no();
  REQUIRE(l_no.substr(0, 1) == "L");
  RunResult convert = ledger.SubmitByDay(
      {RequestLine("c-1", "reg-1", "2026-06-16",
                   "\"convertNumber\":{\"studentNo\":\"" + l_no +
                       "\",\"idType\":\"RESIDENT_ID\",\"idNumber\":\"" + l_id +
                       "\"}"),
       RequestLine("c-2", "appr", "2026-06-17", ApproveBody("c-1"))});
  INFO("convert: " << convert.out << convert.err);
  CHECK(convert.exit_code == 0);
  CHECK(convert.out.find("\"status\":\"PENDING_APPROVAL\"") !=
        std::string::npos);
  CHECK(convert.out.find("\"studentNo\":\"G" + l_id + "\"") !=
        std::string::npos);

  auto show = [&](const std::string& no) {
    return ledger.ShowAt("2026-06-17T17:00:00+08:00", no);
  };
  CHECK(show(a).status() == xueji::v1::GRADUATED);
  CHECK(show(a).kindergarten() == "350203001");
  CHECK(show(b).status() == xueji::v1::GRADUATED);
  xueji::v1::RecordState young = show(c);
  CHECK(young.status() == xueji::v1::ENROLLED);  // cohort 2027
  CHECK(young.kindergarten() == "350203001");
  CHECK(young.child().name() == "丙新");
  CHECK(young.child().gender() == xueji::v1::MALE);
  CHECK(show(l_no).student_no() == "G" + l_id);

  // Closing 白鹭 first refuses the transfer into it (Art. 16): the child
  // stays at 鹭岛, through the durable state's index of transfers.
  RunResult closing = ledger.SubmitByDay(
      {RequestLine("t-7", "reg-1", "2026-06-18",
                   TransferOutBody(c, "350203002")),
       RequestLine("t-8", "appr", "2026-06-18", ApproveBody("t-7")),
       RequestLine("k-1", "appr", "2026-06-19",
                   R"("closeKindergarten":{"kindergarten":"350203002"})")});
  INFO("close: " << closing.out << closing.err);
  CHECK(closing.exit_code == 0);
  xueji::v1::RecordState stayed = ledger.ShowAt("2026-06-19T17:00:00+08:00", c);
  CHECK(stayed.status() == xueji::v1::ENROLLED);
  CHECK(stayed.kindergarten() == "350203001");
  CHECK(stayed.transfer_to().empty());

  // The CSV change template carries a death's date and proof (and refuses
  // another reason like JSONL does).
  WriteFile(ledger.tmp().Sub("changes.csv"),
            "requestId,actor,occurredOn,action,studentNo,reason,dateOfDeath,"
            "evidence\n"
            "v-1,reg-1,2026-06-19,注销," +
                c +
                ",DEATH,2026/6/18,居民死亡医学证明\n"
                "v-2,reg-1,2026-06-19,cancel," +
                l_no + ",离园,,\n");
  RunResult csv = ledger.RunAt(
      "2026-06-19T17:00:00+08:00",
      {"submit", "--format", "csv", ledger.tmp().Sub("changes.csv")});
  INFO("csv: " << csv.out << csv.err);
  CHECK(csv.exit_code == 1);
  CHECK(csv.out.find("\"requestId\":\"v-1\",\"status\":\"PENDING_APPROVAL\"") !=
        std::string::npos);
  CHECK(csv.out.find("\"code\":\"CANCEL_NOT_DEATH\"") != std::string::npos);

  // The officer registered as 350000 reads the city 350200.
  RunResult stats = ledger.RunAt(
      "2026-06-19T17:00:00+08:00",
      {"--as", "officer-fj", "stats", "--region", "350200", "--json"});
  INFO("stats: " << stats.out << stats.err);
  CHECK(stats.exit_code == 0);
  RunResult outside = ledger.RunAt(
      "2026-06-19T17:00:00+08:00",
      {"--as", "officer-fj", "stats", "--region", "110000", "--json"});
  CHECK(outside.exit_code != 0);
}

}  // namespace
}  // namespace xueji::e2e
