// Fixtures shared by the end-to-end tests: a ledger on a fresh temporary
// data directory (with the clock fixed through LEDGER_NOW), the demonstration
// data of tools/demo/ and its expected answers, and parsers for the CLI's
// JSON output.
//
// Result lines are parsed strictly (they are the CLI's contract: an unknown
// field name fails the test); query output (--json) is parsed leniently into
// the view messages, accepting a JSON array, JSONL, or one object.
//
// Ownership: a TestLedger owns its temporary directory. Thread-safety: none.
#ifndef XUEJI_TESTS_E2E_SUPPORT_H_
#define XUEJI_TESTS_E2E_SUPPORT_H_

#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "tests/support/process.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji::e2e {

using namespace ::xueji::testing;  // NOLINT: the tests' own support library

inline constexpr char kEndOfTerm[] = "2026-01-05T09:00:00Z";
inline constexpr char kEndOfTermDay[] = "2026-01-05";  // in Beijing too
inline constexpr char kBeforeTerm[] = "2025-08-25T09:00:00+08:00";
// When TestLedger initialises its development ledger: before everything.
inline constexpr char kLedgerInit[] = "2025-08-01T09:00:00+08:00";

// The demonstration region's codes (tools/demo/make_demo_data.py).
inline constexpr char kSiming[] = "350203";
inline constexpr char kHuli[] = "350206";
inline const std::vector<std::string>& DemoKindergartens();

// A ledger on its own temporary data directory.
class TestLedger {
 public:
  // `ledger init --dev` at kLedgerInit (unsigned requests at their actor,
  // LEDGER_NOW honoured: docs/accountability.md); REQUIREs exit 0.
  TestLedger();
  // A data directory nobody initialised (for the tests of `ledger init`).
  struct Uninitialised {};
  explicit TestLedger(Uninitialised) {}
  // `ledger --data DIR args...` with LEDGER_NOW = now(), LEDGER_DATA unset,
  // run in the temporary directory.
  RunResult Run(std::vector<std::string> args,
                const std::string& stdin_text = "") const;
  // The same with LEDGER_NOW = `now` for this one run.
  RunResult RunAt(const std::string& now, std::vector<std::string> args,
                  const std::string& stdin_text = "") const;

  std::string data_dir() const { return tmp_.Sub("data"); }
  const TempDir& tmp() const { return tmp_; }
  const std::string& now() const { return now_; }
  void set_now(std::string now) { now_ = std::move(now); }

  // registry load of tools/demo/registry.jsonl with the clock before the
  // term (kBeforeTerm), as tools/demo.sh does; REQUIREs exit 0.
  void LoadDemoRegistry() const;
  // Writes `lines` to registry.jsonl in the temp dir and loads it with the
  // clock at `now`; REQUIREs exit 0.
  void LoadRegistry(const std::string& now,
                    const std::vector<std::string>& lines) const;
  // `show NO --json` with the clock at `now`, parsed; REQUIREs exit 0 and a
  // readable record.
  xueji::v1::RecordState ShowAt(const std::string& now,
                                const std::string& no) const;
  xueji::v1::RecordState Show(const std::string& no) const {
    return ShowAt(now_, no);
  }
  // Writes `lines` to a file in the temp dir; returns its path.
  std::string WriteLines(const std::vector<std::string>& lines,
                         const std::string& file_name) const;
  // The demo term dated on the end of term's day (DatedOn), written to a file
  // in the temp dir: its path. Entered in one sitting at kEndOfTerm.
  std::string TermInOneSitting() const;
  // Writes `lines` to a file in the temp dir and submits it.
  RunResult SubmitLines(const std::vector<std::string>& lines,
                        const std::string& file_name = "requests.jsonl") const;
  // Submits `lines` one business day at a time (LinesByDay), each with the
  // ledger's clock at 17:00 that day in Beijing (EndOfDay), as the
  // registrars work and as tools/demo.sh runs the term: the ledger's clock
  // is the only clock (docs/accountability.md), so a term is not entered in
  // one sitting months later. The results and stderr are concatenated; the
  // exit code is 1 if any day's was 1, else 0; any other code stops there
  // and is returned.
  RunResult SubmitByDay(const std::vector<std::string>& lines) const;
  // The whole demo term (tools/demo/requests.jsonl), by day.
  RunResult SubmitDemoTerm() const;
  // LoadDemoRegistry, then SubmitDemoTerm; REQUIREs its exit 1 (the term
  // has requests that are refused).
  void EnterDemoTerm() const;

 private:
  TempDir tmp_;
  std::string now_ = kEndOfTerm;
};

// A ledger holding the demo registry and term, entered day by day as
// tools/demo.sh does (TestLedger::EnterDemoTerm).
struct DemoLedger {
  DemoLedger() { ledger.EnterDemoTerm(); }
  TestLedger ledger;
};

// The registry lines of two counties of Xiamen, for the cross-county tests:
// 思明区 350203 (鹭岛幼儿园 350203001, registrar reg-sm, approver appr-sm)
// and 湖里区 350206 (海湾幼儿园 350206001, reg-hl, appr-hl); `more` lines
// follow them.
std::vector<std::string> TwoCountiesRegistry(std::vector<std::string> more);

// A synthetic resident ID of 思明区 (350203): birth YYYYMMDD, a sequence of
// three digits (odd for a boy) and the GB 11643 MOD 11-2 check character.
std::string SyntheticResidentId(const std::string& birth, int seq);

// A boy of 思明区 as a request's "child" object: {"name":NAME,"gender":"MALE",
// "birthDate":BIRTH,"idType":"RESIDENT_ID","idNumber":...} with the
// SyntheticResidentId of BIRTH (YYYY-MM-DD) and `seq` (odd).
std::string BoyJson(const std::string& name, const std::string& birth, int seq);

// One request line of a JSONL file: {"requestId":ID,"actor":ACTOR,
// "occurredOn":DAY,BODY}, where BODY is the action, e.g. "leave":{...}.
std::string RequestLine(const std::string& id, const std::string& actor,
                        const std::string& day, const std::string& body);

// Request bodies for RequestLine: "approve":{"requestId":ID};
// "admit":{"kindergarten":KG,"child":CHILD,"entryDate":DAY} (CHILD a JSON
// object); "transferOut":{"studentNo":NO,"toKindergarten":KG} with the
// applicant (kApplicantJson).
std::string ApproveBody(const std::string& request_id);
std::string AdmitBody(const std::string& kindergarten,
                      const std::string& child_json,
                      const std::string& entry_date);
std::string TransferOutBody(const std::string& student_no,
                            const std::string& to_kindergarten);

// Issue 10: ,"applicant":{...} — the mother applying (a synthetic resident
// ID), to put inside a transferOut, leave, defer or editKeyInfo.
extern const std::string kApplicantJson;

// A command's --csv output read back (it must have exited 0): the UTF-8 BOM,
// the header (checked to be `header`), then each row by header name.
std::vector<std::map<std::string, std::string>> ReadCsvOutput(
    const RunResult& r, const std::vector<std::string>& header);

// "YYYY-MM-DDT17:00:00+08:00": the ledger's clock at the end of a business
// day.
std::string EndOfDay(const std::string& day);
// Request lines grouped by their "occurredOn" (a line without a readable one
// stays with the line before it; before any, with the first day), in day
// order; the order of lines within a day is kept.
std::vector<std::pair<std::string, std::vector<std::string>>> LinesByDay(
    const std::vector<std::string>& lines);

// Submits `lines` one business day at a time (LinesByDay): writes each day's
// lines to dir/day-<date>.jsonl and calls submit(EndOfDay(date), that file).
// Results and stderr are concatenated; the exit code is 1 if any day's was 1,
// else 0; any other code stops there and is returned.
RunResult SubmitByDay(
    const std::vector<std::string>& lines, const std::filesystem::path& dir,
    const std::function<RunResult(const std::string& now,
                                  const std::string& file)>& submit);

// `lines` with every "occurredOn" set to `day`: the demo term entered in one
// sitting on that day (for the tests that need a whole term in one process,
// such as a full disk or a crash mid-append). The order is kept, so every
// request still follows the events it completes; only dates differ.
std::vector<std::string> DatedOn(const std::vector<std::string>& lines,
                                 const std::string& day);

// The string value of the first "key" in a JSON text (a generated
// summary.json, a request line); "" when there is none. Not a JSON parser:
// for the flat, well-formed texts the ledger writes.
std::string JsonField(const std::string& json, const std::string& key);

// tools/demo/<name>, as a path string.
std::string DemoFile(const std::string& name);
// Non-empty lines of tools/demo/requests.jsonl.
std::vector<std::string> DemoRequestLines();
// tools/demo/expected_results.jsonl, strictly parsed.
std::vector<xueji::v1::Result> ExpectedDemoResults();

// One child of tools/demo/expected_records.jsonl.
struct ExpectedRecord {
  std::string key;  // c1, cJ, cL, ... (see make_demo_data.py)
  std::string student_no;
  std::string former_student_no;  // the L number of cL
  std::string status;
  std::string kindergarten;
  std::string name;
  std::string id_type;
  std::string id_number;
  std::string anomaly;  // PHANTOM for the planted one
};
std::map<std::string, ExpectedRecord> ExpectedDemoRecords();

// `submit PATH` and `registry load PATH`: the commands that read a file of
// lines, for checks that hold for both.
std::vector<std::vector<std::string>> FileReadingCommands(
    const std::string& path);

// Parses each stdout line as a Result, strictly. Failures are reported in
// `errors` (one per bad line).
std::vector<xueji::v1::Result> ParseResults(const std::string& out,
                                            std::vector<std::string>* errors);

// The results of a run (ParseResults of its stdout), in order; REQUIREs
// every line to parse (each bad one is reported, with the run's stdout and
// stderr).
std::vector<xueji::v1::Result> ResultsOf(const RunResult& run);
// The statuses of `results`, in order: a list of them compares at once.
using Statuses = std::vector<xueji::v1::ResultStatus>;
Statuses StatusesOf(const std::vector<xueji::v1::Result>& results);
// The one result of a run: ResultsOf, REQUIREd to be exactly one.
xueji::v1::Result OnlyResultOf(const RunResult& run);
// OnlyResultOf(run) has `status` and `code`, and the run exited 1 if it was
// REJECTED, else 0.
void CheckOnlyResult(
    const RunResult& run, xueji::v1::ResultStatus status,
    xueji::v1::ReasonCode code = xueji::v1::REASON_CODE_UNSPECIFIED);
// ResultsOf by requestId.
std::map<std::string, xueji::v1::Result> ResultsById(const RunResult& run);

// Parses --json output of one message (ignoring unknown fields); "" = OK.
std::string ParseJson(const std::string& text, google::protobuf::Message* m);
// ParseJson into a new Msg, REQUIREd to succeed.
template <typename Msg>
Msg JsonAs(const std::string& text);
// Parses --json output that lists messages: a JSON array, JSONL, or an object
// holding one array. Appends to `out`; "" = OK.
template <typename Msg>
std::string ParseJsonList(const std::string& text, std::vector<Msg>* out);
// Splits such output into one JSON text per element.
std::string SplitJsonList(const std::string& text,
                          std::vector<std::string>* elements);

// Does `text` contain a run of 15 or more digits not preceded by a student
// number's letter (an identity document number would be one)?
bool ContainsBareIdNumber(const std::string& text);

std::string Lower(std::string text);

// ---- inline definitions
// -------------------------------------------------------

inline const std::vector<std::string>& DemoKindergartens() {
  static const auto* kgs = new std::vector<std::string>{
      "350203001", "350203002", "350203003", "350206001", "350206002"};
  return *kgs;
}

template <typename Msg>
Msg JsonAs(const std::string& text) {
  Msg m;
  REQUIRE(ParseJson(text, &m) == "");
  return m;
}

template <typename Msg>
std::string ParseJsonList(const std::string& text, std::vector<Msg>* out) {
  std::vector<std::string> elements;
  if (std::string error = SplitJsonList(text, &elements); !error.empty()) {
    return error;
  }
  for (const std::string& element : elements) {
    Msg m;
    if (std::string error = ParseJson(element, &m); !error.empty()) {
      return error;
    }
    out->push_back(std::move(m));
  }
  return "";
}

}  // namespace xueji::e2e

#endif  // XUEJI_TESTS_E2E_SUPPORT_H_
