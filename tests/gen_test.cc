// End-to-end tests of `ledger gen` (issue 4's workload generator): a small
// generated workload, loaded and submitted through the real binary, yields
// exactly the anomalies and rejections the generator says it planted; the
// output is a function of the seed.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "catch2/catch.hpp"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "tests/e2e_support.h"
#include "tests/support/process.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji::e2e {
namespace {

using google::protobuf::Struct;
using KindAndId = std::pair<std::string, std::string>;

RunOptions Hermetic(const std::string& now = "") {
  RunOptions options;
  options.unset_env = {"LEDGER_DATA", "LEDGER_NOW", "LEDGER_POLICY"};
  if (!now.empty()) options.env = {{"LEDGER_NOW", now}};
  return options;
}

RunResult Gen(const std::string& out, std::vector<std::string> args) {
  args.insert(args.begin(), {"gen", "--out", out});
  return RunLedger(args, Hermetic());
}

std::string Field(const Struct& s, const std::string& key) {
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return "";
  if (it->second.has_number_value()) {
    return std::to_string(static_cast<int64_t>(it->second.number_value()));
  }
  return it->second.string_value();
}

Struct Summary(const std::string& dir) {
  Struct summary;
  std::string text = ReadFile(std::filesystem::path(dir) / "summary.json");
  REQUIRE(ParseJson(text, &summary) == "");
  return summary;
}

std::vector<std::string> Keys(const Struct& s, const std::string& key) {
  std::vector<std::string> keys;
  auto it = s.fields().find(key);
  if (it == s.fields().end()) return keys;
  for (const auto& [name, value] : it->second.struct_value().fields()) {
    keys.push_back(name);
  }
  std::sort(keys.begin(), keys.end());  // a protobuf Map has no order
  return keys;
}

struct Planted {
  std::set<KindAndId> anomalies;   // (kind, studentNo)
  std::set<KindAndId> rejections;  // (requestId, code)
  std::set<std::string> problems;
};

Planted ReadPlanted(const std::string& dir) {
  Planted planted;
  for (const std::string& line :
       Lines(ReadFile(std::filesystem::path(dir) / "planted.jsonl"))) {
    Struct s;
    REQUIRE(ParseJson(line, &s) == "");
    planted.problems.insert(Field(s, "problem"));
    if (Field(s, "expect") == "anomaly") {
      planted.anomalies.emplace(Field(s, "kind"), Field(s, "studentNo"));
    } else {
      REQUIRE(Field(s, "expect") == "rejection");
      planted.rejections.emplace(Field(s, "requestId"), Field(s, "kind"));
    }
  }
  return planted;
}

// Generates, loads and submits one workload, then checks the ledger's
// rejections and anomalies against planted.jsonl.
void CheckWorkload(const std::vector<std::string>& args) {
  TempDir tmp;
  const std::string out = tmp.Sub("gen"), data = tmp.Sub("data");
  RunResult gen = Gen(out, args);
  REQUIRE(gen.exit_code == 0);
  Struct summary = Summary(out);
  Planted planted = ReadPlanted(out);
  CHECK(std::to_string(planted.anomalies.size()) ==
        Field(summary, "expectedAnomalies"));
  CHECK(std::to_string(planted.rejections.size()) ==
        Field(summary, "expectedRejections"));
  // Every kind of planted problem is there, so the comparison below means
  // something for each.
  for (const char* kind : {"PHANTOM", "OVERDUE_TRANSFER", "PROBABLE_DUPLICATE",
                           "LATE_ESTABLISHMENT", "OVERDUE_APPROVAL"}) {
    bool found = false;
    for (const auto& [k, id] : planted.anomalies) found |= k == kind;
    INFO("planted anomaly kind " << kind);
    CHECK(found);
  }
  std::set<std::string> codes;
  for (const auto& [id, code] : planted.rejections) codes.insert(code);
  CHECK(codes == std::set<std::string>{"DUPLICATE_REGISTRATION",
                                       "INVALID_ID_NUMBER",
                                       "TERM_ALREADY_VERIFIED"});

  RunResult init = RunLedger({"--data", data, "init", "--dev"},
                             Hermetic(Field(summary, "registryNow")));
  INFO("init: " << init.err);
  REQUIRE(init.exit_code == 0);
  RunResult load =
      RunLedger({"--data", data, "registry", "load", out + "/registry.jsonl"},
                Hermetic(Field(summary, "registryNow")));
  REQUIRE(load.exit_code == 0);
  // Day by day, each with the ledger's clock at that day's end: the
  // ledger's clock is the only clock (docs/accountability.md).
  const std::filesystem::path days = tmp.path() / "days";
  std::filesystem::create_directories(days);
  RunResult submit = SubmitByDay(
      Lines(ReadFile(std::filesystem::path(out) / "requests.jsonl")), days,
      [&](const std::string& now, const std::string& file) {
        return RunLedger({"--data", data, "submit", file}, Hermetic(now));
      });
  REQUIRE(submit.exit_code == (planted.rejections.empty() ? 0 : 1));
  std::vector<xueji::v1::Result> results = ResultsOf(submit);
  REQUIRE(std::to_string(results.size()) == Field(summary, "requests"));
  std::set<KindAndId> rejected;
  for (const xueji::v1::Result& r : results) {
    if (r.status() == xueji::v1::REJECTED) {
      rejected.emplace(r.request_id(), xueji::v1::ReasonCode_Name(r.code()));
    } else {
      CHECK((r.status() == xueji::v1::APPLIED ||
             r.status() == xueji::v1::PENDING_APPROVAL));
    }
  }
  for (const KindAndId& r : rejected) {
    if (planted.rejections.count(r) == 0) {
      UNSCOPED_INFO("not planted: " << r.first << " " << r.second);
    }
  }
  for (const KindAndId& r : planted.rejections) {
    if (rejected.count(r) == 0) {
      UNSCOPED_INFO("planted, not rejected: " << r.first << " " << r.second);
    }
  }
  CHECK(rejected == planted.rejections);

  RunResult anomalies = RunLedger({"--data", data, "anomalies", "--json",
                                   "--as-of", Field(summary, "asOf")},
                                  Hermetic(Field(summary, "submitNow")));
  REQUIRE(anomalies.exit_code == 0);
  xueji::v1::AnomalyReport report;
  REQUIRE(ParseJson(anomalies.out, &report) == "");
  std::set<KindAndId> reported;
  for (const xueji::v1::Anomaly& a : report.anomalies()) {
    reported.emplace(xueji::v1::Anomaly::Kind_Name(a.kind()), a.student_no());
  }
  std::set<KindAndId> unplanted, missed;
  for (const KindAndId& a : reported) {
    if (!planted.anomalies.contains(a)) unplanted.insert(a);
  }
  for (const KindAndId& a : planted.anomalies) {
    if (!reported.contains(a)) missed.insert(a);
  }
  for (const auto& [kind, id] : unplanted)
    UNSCOPED_INFO("unplanted " << kind << " " << id);
  for (const auto& [kind, id] : missed)
    UNSCOPED_INFO("not reported " << kind << " " << id);
  CHECK(unplanted.empty());
  CHECK(missed.empty());

  // Issue 12: `ledger replay` folds the rows in memory and ingests sorted
  // table files; the views it builds are the ones `submit` projected event
  // by event, byte for byte, and answer the same.
  RunResult replay = RunLedger({"--data", data, "replay"},
                               Hermetic(Field(summary, "submitNow")));
  INFO("replay: " << replay.out << replay.err);
  REQUIRE(replay.exit_code == 0);
  CHECK(replay.out.find("(identical to the incremental views)") !=
        std::string::npos);
  RunResult verify = RunLedger({"--data", data, "verify", "--views"},
                               Hermetic(Field(summary, "submitNow")));
  INFO("verify: " << verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  RunResult again = RunLedger({"--data", data, "anomalies", "--json", "--as-of",
                               Field(summary, "asOf")},
                              Hermetic(Field(summary, "submitNow")));
  REQUIRE(again.exit_code == 0);
  CHECK(again.out == anomalies.out);
}

const std::vector<std::string> kHighRates = {
    "--rate-duplicate",     "0.02", "--rate-probable-duplicate", "0.5",
    "--rate-missing",       "0.02", "--rate-stuck-transfer",     "0.02",
    "--rate-late-approval", "0.03", "--rate-bad-check-digit",    "0.02"};

std::vector<std::string> With(std::vector<std::string> args) {
  args.insert(args.end(), kHighRates.begin(), kHighRates.end());
  return args;
}

TEST_CASE(
    "gen: one school year yields exactly the planted anomalies and "
    "rejections",
    "[gen]") {
  CheckWorkload(With({"--children", "2000", "--seed", "7"}));
}

TEST_CASE(
    "gen: two school years from 2024 yield exactly the planted "
    "anomalies and rejections",
    "[gen]") {
  CheckWorkload(With({"--children", "1500", "--seed", "11", "--school-years",
                      "2", "--start-year", "2024"}));
}

TEST_CASE(
    "gen: the workload covers every document type and request kind, "
    "in date order",
    "[gen]") {
  TempDir tmp;
  const std::string out = tmp.Sub("gen");
  REQUIRE(Gen(out, {"--children", "3000", "--seed", "5"}).exit_code == 0);
  Struct summary = Summary(out);
  CHECK(Keys(summary, "admittedByIdType") ==
        std::vector<std::string>{"FOREIGN_PERMANENT_RESIDENCE",
                                 "HK_MO_TW_RESIDENCE_PERMIT", "NONE",
                                 "RESIDENT_ID"});
  CHECK(Keys(summary, "requestsByAction") ==
        std::vector<std::string>{"admit", "approve", "convertNumber", "defer",
                                 "editKeyInfo", "graduate", "leave",
                                 "transferIn", "transferOut", "verify"});
  std::string last;
  int64_t lines = 0;
  std::set<std::string> ids;
  for (const std::string& line :
       Lines(ReadFile(std::filesystem::path(out) / "requests.jsonl"))) {
    xueji::v1::Request request;
    REQUIRE(google::protobuf::util::JsonStringToMessage(line, &request).ok());
    REQUIRE(request.occurred_on() >= last);
    last = request.occurred_on();
    ids.insert(request.request_id());
    ++lines;
  }
  CHECK(static_cast<int64_t>(ids.size()) == lines);
  CHECK(std::to_string(lines) == Field(summary, "requests"));
  CHECK(last <= Field(summary, "asOf"));
}

TEST_CASE("gen: the same seed gives the same bytes, another seed other bytes",
          "[gen]") {
  TempDir tmp;
  const std::vector<std::string> args = {"--children", "800", "--school-years",
                                         "2"};
  auto with_seed = [&](const char* seed) {
    std::vector<std::string> a = args;
    a.insert(a.end(), {"--seed", seed});
    return a;
  };
  REQUIRE(Gen(tmp.Sub("a"), with_seed("3")).exit_code == 0);
  REQUIRE(Gen(tmp.Sub("b"), with_seed("3")).exit_code == 0);
  REQUIRE(Gen(tmp.Sub("c"), with_seed("4")).exit_code == 0);
  for (const char* file :
       {"registry.jsonl", "requests.jsonl", "planted.jsonl", "summary.json"}) {
    std::string a = ReadFile(std::filesystem::path(tmp.Sub("a")) / file);
    std::string b = ReadFile(std::filesystem::path(tmp.Sub("b")) / file);
    INFO(file);
    REQUIRE(!a.empty());
    CHECK(a == b);
  }
  for (const char* file : {"requests.jsonl", "planted.jsonl"}) {
    INFO(file);
    CHECK(ReadFile(std::filesystem::path(tmp.Sub("a")) / file) !=
          ReadFile(std::filesystem::path(tmp.Sub("c")) / file));
  }
}

TEST_CASE("gen: bad arguments are usage errors", "[gen]") {
  TempDir tmp;
  CHECK(Gen(tmp.Sub("x"), {"--children", "0"}).exit_code == 2);
  CHECK(Gen(tmp.Sub("x"), {"--children", "10", "--school-years", "0"})
            .exit_code == 2);
  RunResult rates = Gen(tmp.Sub("x"), {"--children", "10", "--rate-missing",
                                       "0.7", "--rate-duplicate", "0.7"});
  CHECK(rates.exit_code == 2);
  CHECK(rates.err.find("rates") != std::string::npos);
  CHECK(!std::filesystem::exists(tmp.Sub("x") + "/requests.jsonl"));
}

}  // namespace
}  // namespace xueji::e2e
