// End-to-end tests of the real `ledger` binary: bad input files, exit codes
// and the command-line surface (--help on every subcommand, usage errors).
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "tests/e2e_support.h"
#include "tests/log_writer.h"

namespace xueji::e2e {
namespace {

using xueji::v1::APPLIED;
using xueji::v1::PENDING_APPROVAL;
using xueji::v1::REJECTED;
using xueji::v1::Result;

// The ledger's clock for the requests below (dated 1 to 4 September): the
// end of 4 September in Beijing, so none is late.
constexpr char kInputNow[] = "2025-09-04T17:00:00+08:00";

// Two valid lines around the bad ones: the admission of c1 and its approval.
std::string Admit(const std::string& id, const std::string& name) {
  return RequestLine(
      id, "reg-sm1", "2025-09-01",
      AdmitBody("350203001", BoyJson(name, "2021-03-14", 11), "2025-09-01"));
}
const char kApprove[] =
    R"({"requestId":"t-ok-2","actor":"appr-siming","occurredOn":"2025-09-03",)"
    R"("approve":{"requestId":"t-ok-1"}})";

// A bad line between the two valid ones.
std::string BetweenGoodLines(const std::string& bad) {
  return Admit("t-ok-1", "陈一鸣") + "\n" + bad + "\n" + kApprove + "\n";
}

// The results of BetweenGoodLines: the bad line is MALFORMED_REQUEST under
// `request_id`, its message starting with `message_start`, and the lines
// around it still count (reading went on after it).
void CheckMalformedBetween(const std::vector<Result>& results,
                           const std::string& request_id,
                           const std::string& message_start) {
  REQUIRE(results.size() == 3);
  CHECK(results[0].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(results[1].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(results[1].request_id() == request_id);
  CHECK(results[1].message().starts_with(message_start));
  CHECK(results[2].status() == xueji::v1::APPLIED);
}

std::vector<Result> Submit(const TestLedger& ledger, const std::string& text,
                           int* exit_code) {
  WriteFile(ledger.tmp().path() / "in.jsonl", text);
  RunResult r = ledger.Run({"submit", ledger.tmp().Sub("in.jsonl")});
  *exit_code = r.exit_code;
  return ResultsOf(r);
}

// A development ledger with the demo registry loaded, its clock at
// kInputNow (the registry's operators may act): where most tests here start.
struct InputLedger {
  InputLedger() {
    ledger.set_now(kInputNow);
    ledger.LoadDemoRegistry();
  }
  TestLedger ledger;
};

TEST_CASE_METHOD(InputLedger,
                 "a clean file exits 0 and reads from stdin with -",
                 "[e2e][input]") {
  RunResult r = ledger.Run({"submit", "-"},
                           Admit("t-ok-1", "陈一鸣") + "\n" + kApprove + "\n");
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 0);
  auto results = ResultsOf(r);
  REQUIRE(StatusesOf(results) == Statuses{PENDING_APPROVAL, APPLIED});
  CHECK(results[0].student_no() == "G350203202103140117");
}

TEST_CASE_METHOD(InputLedger,
                 "bad lines get result lines and the other lines still count",
                 "[e2e][input]") {
  int exit_code = -1;

  SECTION("a truncated last line") {
    std::string approve(kApprove);
    std::string text = Admit("t-ok-1", "陈一鸣") + "\n" + kApprove + "\n" +
                       approve.substr(0, approve.size() / 2);  // no newline
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(StatusesOf(results) ==
            Statuses{PENDING_APPROVAL, APPLIED, REJECTED});
    CHECK(results[2].code() == xueji::v1::MALFORMED_REQUEST);
  }
  SECTION("a name that is not UTF-8") {
    std::string bad_name = "\xff\xfe\xe9\x99";  // not UTF-8
    std::string text = Admit("t-bad", bad_name) + "\n" +
                       Admit("t-ok-1", "陈一鸣") + "\n" + kApprove + "\n";
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    // The same child under a good name is admitted: nothing half-applied.
    REQUIRE(StatusesOf(results) ==
            Statuses{REJECTED, PENDING_APPROVAL, APPLIED});
    CHECK((results[0].code() == xueji::v1::MALFORMED_REQUEST ||
           results[0].code() == xueji::v1::INVALID_FIELD));
  }
  SECTION("an oversized name") {
    std::string long_name;
    for (int i = 0; i < 60; ++i) long_name += "王";
    std::string text =
        Admit("t-bad", long_name) + "\n" + Admit("t-ok-1", "陈一鸣") + "\n";
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(StatusesOf(results) == Statuses{REJECTED, PENDING_APPROVAL});
    CHECK(results[0].code() == xueji::v1::INVALID_FIELD);
  }
  SECTION("an unknown enum value and an unknown field") {
    std::string boy = Admit("t-bad-1", "陈一鸣");
    boy.replace(boy.find("\"MALE\""), 6, "\"BOY\"");
    std::string extra = Admit("t-bad-2", "陈一鸣");
    extra.insert(1, R"("priority":"high",)");
    std::string text =
        boy + "\n" + extra + "\n" + Admit("t-ok-1", "陈一鸣") + "\n";
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(results.size() == 3);
    for (int i = 0; i < 2; ++i) {
      INFO("line " << i + 1);
      CHECK(results[i].status() == xueji::v1::REJECTED);
      CHECK(results[i].code() == xueji::v1::MALFORMED_REQUEST);
      CHECK(results[i].request_id() == (i == 0 ? "t-bad-1" : "t-bad-2"));
    }
    CHECK(results[2].status() == xueji::v1::PENDING_APPROVAL);
  }
  SECTION(
      "a request without an action; one without a business date is "
      "dated today by the ledger's clock") {
    std::string text =
        R"({"requestId":"t-bad-1","actor":"reg-sm1","occurredOn":"2025-09-01"})"
        "\n" +
        std::string(R"({"requestId":"t-bad-2","actor":"reg-sm1",)"
                    R"("graduate":{"studentNo":"G350203202103140117"}})") +
        "\n" + Admit("t-ok-1", "陈一鸣") + "\n" +
        R"({"requestId":"t-undated","actor":"appr-siming",)"
        R"("approve":{"requestId":"t-ok-1"}})"
        "\n";
    auto results = Submit(ledger, text, &exit_code);
    CHECK(exit_code == 1);
    REQUIRE(results.size() == 4);
    CHECK(results[0].code() == xueji::v1::MALFORMED_REQUEST);
    CHECK(results[1].code() == xueji::v1::UNKNOWN_STUDENT);
    CHECK(results[3].status() == xueji::v1::APPLIED);
    RunResult shown = ledger.Run({"show", "G350203202103140117", "--json"});
    REQUIRE(shown.exit_code == 0);
    xueji::v1::RecordState record;
    REQUIRE(ParseJson(shown.out, &record) == "");
    CHECK(record.established_on() == "2025-09-04");
  }
  // Refused lines appended refusals only: the hash chains are intact.
  if (exit_code == 1) {
    RunResult verify = ledger.Run({"verify"});
    CHECK(verify.exit_code == 0);
  }
}

// ---- hostile input (issue 14) ---------------------------------------------

// `ledger --data DIR args...` through /bin/sh, so a test can cap the address
// space (ulimit -v, KiB; 0 = no cap) and redirect standard input from a path.
RunResult RunShell(const TestLedger& ledger, std::vector<std::string> args,
                   long cap_kb = 0, const std::string& stdin_path = "") {
  std::string script;
  if (cap_kb > 0)
    script += "ulimit -v " + std::to_string(cap_kb) + " || exit 99; ";
  script += "exec \"$0\" \"$@\"";
  if (!stdin_path.empty()) script += " < \"$LEDGER_TEST_STDIN\"";
  std::vector<std::string> sh_args = {"-c", script, LedgerBinary(), "--data",
                                      ledger.data_dir()};
  sh_args.insert(sh_args.end(), args.begin(), args.end());
  RunOptions options;
  options.env = {{"LEDGER_NOW", ledger.now()},
                 {"LEDGER_TEST_STDIN", stdin_path}};
  options.unset_env = {"LEDGER_DATA", "LEDGER_POLICY"};
  options.cwd = ledger.tmp().path().string();
  return RunProgram("/bin/sh", sh_args, options);
}

// An address-space cap for `ledger submit`: room for the ledger's own needs
// (about 500 MB of address space: thread stacks, malloc arenas, RocksDB) but
// below what buffering a 400 MB line in a std::string takes on top of them
// (its capacity doubles to 512 MB while the 256 MB one is copied).
constexpr long kMemoryCapKb = 1024 * 1024;

TEST_CASE_METHOD(
    InputLedger,
    "hostile input: 40,000 spaces before a colon are MALFORMED, not a "
    "crash",
    "[e2e][input][hostile]") {
  const std::string spaces =
      "{\"requestId\"" + std::string(40000, ' ') + ":\"x\",";
  int exit_code = -1;
  auto results = Submit(ledger, BetweenGoodLines(spaces), &exit_code);
  CHECK(exit_code == 1);
  CheckMalformedBetween(results, "x", "line 2: ");

  // The registry loader reads lines the same way.
  WriteFile(ledger.tmp().path() / "registry.jsonl", spaces + "\n");
  RunResult load =
      ledger.Run({"registry", "load", ledger.tmp().Sub("registry.jsonl")});
  INFO("registry load: " << load.out << load.err);
  CHECK(load.exit_code == 1);
  CHECK(load.out.find("MALFORMED_REQUEST") != std::string::npos);
}

TEST_CASE_METHOD(
    InputLedger,
    "hostile input: an over-long line between good lines is MALFORMED "
    "and reading resynchronises",
    "[e2e][input][hostile]") {
  const std::string long_line =
      R"({"requestId":"t-long","actor":")" + std::string(100000, 'a') + R"("})";
  int exit_code = -1;
  auto results = Submit(ledger, BetweenGoodLines(long_line), &exit_code);
  CHECK(exit_code == 1);
  CheckMalformedBetween(results, "t-long", "line 2: longer than 65536 bytes");
}

TEST_CASE_METHOD(
    InputLedger,
    "hostile input: a UTF-8 byte order mark and CRLF line ends (Excel) "
    "are accepted",
    "[e2e][input][hostile]") {
  int exit_code = -1;
  auto results = Submit(
      ledger,
      "\xEF\xBB\xBF" + Admit("t-ok-1", "陈一鸣") + "\r\n" + kApprove + "\r\n",
      &exit_code);
  CHECK(exit_code == 0);
  CHECK(StatusesOf(results) == Statuses{PENDING_APPROVAL, APPLIED});
}

TEST_CASE_METHOD(InputLedger,
                 "hostile input: a 400 MB line under a memory cap is answered "
                 "MALFORMED and the lines after it still count",
                 "[e2e][input][hostile]") {
  // A sparse file: the 400 MB are a hole, cheap to write and to read.
  const std::filesystem::path file = ledger.tmp().path() / "huge.jsonl";
  const std::string head =
      Admit("t-ok-1", "陈一鸣") + "\n" + R"({"requestId":"t-huge","actor":")";
  WriteFile(file, head);
  std::filesystem::resize_file(file, head.size() + (400u << 20));
  {
    std::ofstream tail(file, std::ios::binary | std::ios::app);
    tail << "\"}\n" << kApprove << "\n";
  }
  RunResult r = RunShell(ledger, {"submit", file.string()}, kMemoryCapKb);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 1);
  CheckMalformedBetween(ResultsOf(r), "t-huge",
                        "line 2: longer than 65536 bytes");
}

TEST_CASE_METHOD(
    InputLedger,
    "hostile input: /dev/zero ends with exit 2 naming the problem, in "
    "bounded memory",
    "[e2e][input][hostile]") {
  RunResult r = RunShell(ledger, {"submit", "/dev/zero"}, kMemoryCapKb);
  INFO("stderr: " << r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err.find("/dev/zero line 1: no end of line") != std::string::npos);
  RunResult load =
      RunShell(ledger, {"registry", "load", "/dev/zero"}, kMemoryCapKb);
  CHECK(load.exit_code == 2);
  CHECK(load.err.find("no end of line") != std::string::npos);
}

TEST_CASE_METHOD(
    InputLedger,
    "hostile input: a read error is an error, never the end of input",
    "[e2e][input][hostile]") {
  SECTION("standard input is a directory (EISDIR): exit 2") {
    RunResult r =
        RunShell(ledger, {"submit", "-"}, 0, ledger.tmp().path().string());
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("cannot read standard input at line 1") !=
          std::string::npos);
    CHECK(r.err.find("Is a directory") != std::string::npos);
  }
  SECTION("the device fails (EIO): exit 3") {
    // Reading /proc/self/mem at offset 0 (never mapped) fails with EIO.
    for (const std::vector<std::string>& args :
         FileReadingCommands("/proc/self/mem")) {
      RunResult r = ledger.Run(args);
      INFO(args[0] << " stderr: " << r.err);
      CHECK(r.exit_code == 3);
      CHECK(r.err.find("cannot read /proc/self/mem at line 1: Input/output "
                       "error") != std::string::npos);
    }
  }
}

TEST_CASE_METHOD(InputLedger,
                 "hostile input: JSON that is not strict is MALFORMED",
                 "[e2e][input][hostile]") {
  std::string trailing = Admit("t-bad-1", "陈一鸣");
  trailing.insert(trailing.rfind("}}"), ",");  // ..."entryDate":"...",}}
  std::string quotes = Admit("t-bad-2", "陈一鸣");
  for (char& c : quotes) {
    if (c == '"') c = '\'';
  }
  std::string duplicate = Admit("t-bad-3", "陈一鸣");
  duplicate.insert(1, R"("requestId":"t-bad-0",)");
  std::string both_names = Admit("t-bad-4", "陈一鸣");
  both_names.insert(1, R"("request_id":"t-bad-5",)");
  int exit_code = -1;
  auto results =
      Submit(ledger,
             trailing + "\n" + quotes + "\n" + duplicate + "\n" + both_names +
                 "\n" + Admit("t-ok-1", "陈一鸣") + "\n",
             &exit_code);
  CHECK(exit_code == 1);
  REQUIRE(results.size() == 5);
  const char* what[] = {"trailing comma", "single-quoted", "duplicate key",
                        "duplicate key"};
  for (int i = 0; i < 4; ++i) {
    INFO("line " << i + 1 << ": " << results[i].ShortDebugString());
    CHECK(results[i].status() == xueji::v1::REJECTED);
    CHECK(results[i].code() == xueji::v1::MALFORMED_REQUEST);
    CHECK(results[i].message().find("not strict JSON") != std::string::npos);
    CHECK(results[i].message().find(what[i]) != std::string::npos);
  }
  CHECK(results[0].request_id() == "t-bad-1");
  CHECK(results[4].status() == xueji::v1::PENDING_APPROVAL);
}

TEST_CASE_METHOD(
    InputLedger,
    "hostile input: a request refused for its form does not use up its "
    "requestId, a decided refusal does",
    "[e2e][input][hostile]") {
  std::string no_action =
      R"({"requestId":"t-fix-1","actor":"reg-sm1","occurredOn":"2025-09-01"})";
  std::string approve = kApprove;
  approve.replace(approve.find("t-ok-2"), 6, "t-fix-2");
  approve.replace(approve.find("t-ok-1"), 6, "t-fix-1");
  std::string trailing = approve;
  trailing.insert(trailing.rfind("}}"), ",");
  const std::string bad_text =
      R"({"requestId":"t-fix-3","actor":"reg-sm1","occurredOn":"2025-09-04",)"
      R"("leave":{"studentNo":"G350203202103140117","reason":"moved\u001b[2J",)"
      R"("applicant":{"name":"陈妈妈","relation":"MOTHER","idType":"RESIDENT_ID",)"
      R"("idNumber":"350502199001011248"}}})";
  const std::string unknown_actor =
      R"({"requestId":"t-fix-4","actor":"nobody","occurredOn":"2025-09-04",)"
      R"("graduate":{"studentNo":"G350203202103140117"}})";
  int exit_code = -1;
  auto first = Submit(ledger,
                      no_action + "\n" + trailing + "\n" + bad_text + "\n" +
                          unknown_actor + "\n",
                      &exit_code);
  REQUIRE(first.size() == 4);
  CHECK(first[0].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(first[1].code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(first[2].code() == xueji::v1::INVALID_TEXT);
  CHECK(first[3].code() == xueji::v1::UNKNOWN_OPERATOR);

  // The corrected lines, under the same ids, are decided.
  std::string leave = bad_text;
  leave.replace(leave.find("\\u001b[2J"), 9, "");
  auto second = Submit(ledger,
                       Admit("t-fix-1", "陈一鸣") + "\n" + approve + "\n" +
                           leave + "\n" + unknown_actor + "\n",
                       &exit_code);
  // The decided refusal was recorded: the same id answers as before.
  REQUIRE(StatusesOf(second) == Statuses{PENDING_APPROVAL, APPLIED, APPLIED,
                                         xueji::v1::DUPLICATE_REQUEST});
  CHECK(second[3].original_status() == xueji::v1::REJECTED);
  CHECK(ledger.Run({"verify"}).exit_code == 0);
}

TEST_CASE_METHOD(
    InputLedger,
    "hostile input: control, bidi and separator characters are refused "
    "in every kind of field",
    "[e2e][input][hostile]") {
  const std::string env = R"("actor":"reg-sm1","occurredOn":"2025-09-01",)";
  const std::string no = "G350203202103140117";
  struct Case {
    std::string line;
    std::string field;  // how the message names it
    std::string code_point;
  };
  const std::vector<Case> cases = {
      {R"({"requestId":"t-1\u001b[2J",)" + env +
           R"("graduate":{"studentNo":")" + no + R"("}})",
       "requestId", "U+001B"},
      {R"({"requestId":"t-2","actor":"reg-sm1\u0007",)"
       R"("occurredOn":"2025-09-01","graduate":{"studentNo":")" +
           no + R"("}})",
       "actor", "U+0007"},
      {R"({"requestId":"t-3","actor":"reg-sm1","occurredOn":"2025-09-01\u0000",)"
       R"("graduate":{"studentNo":")" +
           no + R"("}})",
       "occurredOn", "U+0000"},
      {Admit("t-4", "陈\\u2028一鸣"), "admit.child.name", "U+2028"},
      {R"({"requestId":"t-5",)" + env + R"("leave":{"studentNo":")" + no +
           R"(","reason":"moved\u001b[1A\u001b[2K"}})",
       "leave.reason", "U+001B"},
      {R"({"requestId":"t-6",)" + env + R"("defer":{"studentNo":")" + no +
           R"(","untilDate":"2028-09-01","evidence":"\u202eevidence"}})",
       "defer.evidence", "U+202E"},
      {R"({"requestId":"t-7","actor":"appr-siming","occurredOn":"2025-09-01",)"
       R"("reject":{"requestId":"t-x","reason":"no\u009b31m"}})",
       "reject.reason", "U+009B"},
      {R"({"requestId":"t-8",)" + env +
           R"("verify":{"kindergarten":"350203001","term":"2025-autumn",)"
           R"("presentStudentNos":[")" +
           no + R"(","x\u2029"]}})",
       "verify.presentStudentNos[1]", "U+2029"},
      {R"({"requestId":"t-9",)" + env + R"("editKeyInfo":{"studentNo":")" + no +
           R"(","evidence":"ok","child":{"name":"林\u200f小雨"}}})",
       "editKeyInfo.child.name", "U+200F"},
      {R"({"requestId":"t-10",)" + env + R"("cancel":{"studentNo":")" + no +
           "\",\"reason\":\"del\x7f\"}}",
       "cancel.reason", "U+007F"},
  };
  std::string text;
  for (const Case& c : cases) text += c.line + "\n";
  text += Admit("t-ok-1", "陈一鸣") + "\n" + kApprove + "\n";
  int exit_code = -1;
  auto results = Submit(ledger, text, &exit_code);
  CHECK(exit_code == 1);
  REQUIRE(results.size() == cases.size() + 2);
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO("line " << i + 1 << ": " << results[i].ShortDebugString());
    CHECK(results[i].status() == xueji::v1::REJECTED);
    CHECK(results[i].code() == xueji::v1::INVALID_TEXT);
    CHECK(results[i].message().starts_with("line " + std::to_string(i + 1) +
                                           ": " + cases[i].field +
                                           " contains " + cases[i].code_point));
  }
  CHECK(results[0].request_id().empty());  // not echoed: it is not printable
  CHECK(results[1].request_id() == "t-2");
  CHECK(results[cases.size()].status() == xueji::v1::PENDING_APPROVAL);
  CHECK(results[cases.size() + 1].status() == xueji::v1::APPLIED);

  // Registry lines: names, ids and codes.
  WriteFile(
      ledger.tmp().path() / "registry.jsonl",
      R"({"kindergarten":{"code":"350203009","name":"鹭岛\u001b[31m幼儿园","county":"350203"}})"
      "\n"
      R"({"operator":{"id":"reg-sm9\u0007","role":"REGISTRAR","org":"350203001"}})"
      "\n"
      R"({"operator":{"id":"reg-sm9","role":"REGISTRAR","org":"350203001\u2028"}})"
      "\n"
      R"({"kindergarten":{"code":"350203008","name":"思明区新幼儿园","county":"350203"}})"
      "\n");
  RunResult load =
      ledger.Run({"registry", "load", ledger.tmp().Sub("registry.jsonl")});
  INFO("registry load: " << load.err);
  CHECK(load.exit_code == 1);
  auto loaded = ResultsOf(load);
  REQUIRE(loaded.size() == 4);
  const char* fields[] = {"kindergarten.name contains U+001B",
                          "operator.id contains U+0007",
                          "operator.org contains U+2028"};
  for (int i = 0; i < 3; ++i) {
    INFO("registry line " << i + 1 << ": " << loaded[i].ShortDebugString());
    CHECK(loaded[i].code() == xueji::v1::INVALID_TEXT);
    CHECK(loaded[i].message().find(fields[i]) != std::string::npos);
  }
  CHECK(loaded[3].status() == xueji::v1::APPLIED);
}

TEST_CASE_METHOD(
    InputLedger,
    "hostile input: history shows a control character already in the "
    "log escaped",
    "[e2e][input][hostile]") {
  RunResult admitted = ledger.Run(
      {"submit", "-"}, Admit("t-ok-1", "陈一鸣") + "\n" + kApprove + "\n");
  REQUIRE(admitted.exit_code == 0);
  // What an older ledger accepted: a leave whose reason and request id hold
  // terminal escapes (clear the screen, move up a line).
  xueji::v1::Event left;
  left.set_event_id("0123456789abcdef0123456789abcdef");
  left.set_subject("stu:G350203202103140117");
  left.set_student_no("G350203202103140117");
  left.set_recorded_at("2025-12-01T09:00:00Z");
  left.set_business_date("2025-12-01");
  left.mutable_actor()->set_operator_id("reg-sm1");
  left.mutable_actor()->set_role(xueji::v1::REGISTRAR);
  left.mutable_actor()->set_org("350203001");
  left.set_request_id("t-evil\x1b[1A");
  left.set_correlation_id("t-evil\x1b[1A");
  left.set_outcome(xueji::v1::APPLIED);
  left.mutable_left()->set_kindergarten("350203001");
  left.mutable_left()->set_reason("\x1b[2J\x1b[Hmoved\u202e\u2028");
  REQUIRE(AppendEventToLog(ledger.data_dir() + "/log", left) == "");

  RunResult history = ledger.Run({"history", "G350203202103140117"});
  INFO("stderr: " << history.err);
  REQUIRE(history.exit_code == 0);
  CHECK(history.out.find('\x1b') == std::string::npos);
  CHECK(history.out.find("\u202e") == std::string::npos);
  CHECK(history.out.find("\u2028") == std::string::npos);
  CHECK(history.out.find("t-evil\\u{1b}[1A") != std::string::npos);
  CHECK(history.out.find("\\u{1b}[2J\\u{1b}[Hmoved\\u{202e}\\u{2028}") !=
        std::string::npos);
}

TEST_CASE_METHOD(InputLedger, "unusable input is exit 2 with a message",
                 "[e2e][input]") {
  SECTION("a missing input file") {
    RunResult r = ledger.Run({"submit", ledger.tmp().Sub("no-such.jsonl")});
    CHECK(r.exit_code == 2);
    CHECK(!r.err.empty());
    CHECK(r.out.empty());
  }
  SECTION("a missing registry file") {
    RunResult r = ledger.Run({"registry", "load", ledger.tmp().Sub("none")});
    CHECK(r.exit_code == 2);
    CHECK(!r.err.empty());
  }
  SECTION("an unknown subcommand, a missing argument, a bad option value") {
    CHECK(ledger.Run({"enroll"}).exit_code == 2);
    CHECK(ledger.Run({"show"}).exit_code == 2);
    CHECK(ledger.Run({"list"}).exit_code == 2);  // --kindergarten required
    CHECK(ledger.Run({"anomalies", "--kind", "NO_SUCH_KIND"}).exit_code == 2);
    CHECK(ledger.Run({"anomalies", "--as-of", "2025-13-45"}).exit_code == 2);
  }
}

TEST_CASE("every subcommand has --help", "[e2e][cli]") {
  TestLedger ledger;
  ledger.set_now(kInputNow);
  const std::vector<std::vector<std::string>> commands = {
      {},         {"registry"}, {"registry", "load"},
      {"submit"}, {"show"},     {"find"},
      {"list"},   {"history"},  {"anomalies"},
      {"stats"},  {"replay"},   {"verify"},
      {"policy"}};
  for (auto args : commands) {
    std::string name = args.empty() ? "ledger" : args.back();
    args.push_back("--help");
    RunResult r = ledger.Run(args);
    INFO("ledger " << name << " --help; stderr: " << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find(name == "ledger" ? "submit" : name) != std::string::npos);
  }
}

TEST_CASE(
    "registry load: an unknown county and an unknown role are refused "
    "line by line",
    "[e2e][input]") {
  TestLedger ledger;
  ledger.set_now(kInputNow);
  std::string text =
      R"({"kindergarten":{"code":"350203001","name":"思明区鹭岛幼儿园","county":"350203"}})"
      "\n"
      R"({"kindergarten":{"code":"999999001","name":"无此县幼儿园","county":"999999"}})"
      "\n"
      R"({"operator":{"id":"op-x","role":"JANITOR","org":"350203"}})"
      "\n"
      R"({"operator":{"id":"reg-sm1","role":"REGISTRAR","org":"350203001"}})"
      "\n";
  WriteFile(ledger.tmp().path() / "registry.jsonl", text);
  RunResult r =
      ledger.Run({"registry", "load", ledger.tmp().Sub("registry.jsonl")});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.exit_code == 1);
  // The good lines took effect: the registrar can admit at the kindergarten.
  RunResult admit =
      ledger.Run({"submit", "-"}, Admit("t-ok-1", "陈一鸣") + "\n");
  INFO("admit: " << admit.out << admit.err);
  CHECK(admit.exit_code == 0);
}

}  // namespace
}  // namespace xueji::e2e

namespace xueji::e2e {
namespace {

TEST_CASE("the runner feeds stdin and drains both pipes without deadlock",
          "[e2e][runner]") {
  std::string big(1 << 20, 'x');  // more than any pipe buffer
  RunOptions options;
  options.stdin_text = big;
  options.env = {{"RUNNER_PROBE", "42"}};
  RunResult r =
      RunProgram("/bin/sh",
                 {"-c",
                  "cat; cat /dev/null >&2; printf '%s' \"$RUNNER_PROBE\" >&2; "
                  "head -c 200000 /dev/zero >&2; exit 3"},
                 options);
  CHECK(r.exit_code == 3);
  CHECK(r.out == big);
  REQUIRE(r.err.size() == 2 + 200000);
  CHECK(r.err.substr(0, 2) == "42");
  CHECK(RunProgram("/nonexistent/program", {}).exit_code == 127);
}

}  // namespace
}  // namespace xueji::e2e
