// The fast path of the JSON line parser gives what protobuf's parser gives
// (fast_json.h): a corpus parsed both ways — the demo's files, a generated
// workload, hand-written edge cases and mutations of all of them — must give
// byte-equal messages and equal MALFORMED_REQUEST answers.
#include "commands/input/fast_json.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "commands/input/json_line.h"
#include "tests/support/process.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {
namespace {

using google::protobuf::Message;
using xueji::v1::Request;
using xueji::v1::Result;

// The messages lines are read as, and two with int64, bytes and repeated
// messages (the fast path is generic over its reflection).
std::vector<const Message*> Types() {
  return {&Request::default_instance(),
          &xueji::v1::RegistryLine::default_instance(),
          &xueji::v1::LedgerDigest::default_instance(),
          &xueji::v1::RequestBatch::default_instance()};
}

// ParseJsonLine with and without the fast path: same answer, same bytes.
// Returns whether the fast path took the line; `parsed`: whether it parsed.
bool CheckBothWays(const std::string& line, const Message& prototype,
                   bool* parsed = nullptr) {
  INFO(prototype.GetDescriptor()->name() << " line: " << line);
  CHECK(FastJsonMismatch(line, prototype) == "");
  std::unique_ptr<Message> fast(prototype.New()), slow(prototype.New());
  Result fast_malformed, slow_malformed;
  const bool fast_ok = ParseJsonLine(line, 5, fast.get(), &fast_malformed);
  const bool slow_ok =
      ParseJsonLineWithoutFastPath(line, 5, slow.get(), &slow_malformed);
  CHECK(fast_ok == slow_ok);
  if (parsed != nullptr) *parsed = slow_ok;
  CHECK(fast->SerializeAsString() == slow->SerializeAsString());
  CHECK(fast_malformed.SerializeAsString() ==
        slow_malformed.SerializeAsString());
  std::unique_ptr<Message> probe(prototype.New());
  return FastJsonToMessage(line, probe.get());
}

std::vector<std::string> FileLines(const std::string& path) {
  std::vector<std::string> lines = testing::Lines(testing::ReadFile(path));
  REQUIRE_FALSE(lines.empty());
  return lines;
}

// The demo's files and a `ledger gen --children 200` workload.
std::vector<std::string> Corpus(const TempDir& dir, int64_t* requests) {
  const std::string demo = (testing::SourceDir() / "tools/demo").string();
  auto run = testing::RunLedger(
      {"gen", "--children", "200", "--seed", "1", "--out", dir.Sub("gen")});
  REQUIRE(run.exit_code == 0);
  std::vector<std::string> all;
  *requests = 0;
  for (const char* file : {"requests.jsonl", "summer.jsonl"}) {
    for (auto& l : FileLines(demo + "/" + file)) all.push_back(l);
  }
  for (auto& l : FileLines(dir.Sub("gen/requests.jsonl"))) all.push_back(l);
  *requests = static_cast<int64_t>(all.size());
  for (auto& l : FileLines(demo + "/registry.jsonl")) all.push_back(l);
  for (auto& l : FileLines(dir.Sub("gen/registry.jsonl"))) all.push_back(l);
  for (auto& l : FileLines(dir.Sub("gen/planted.jsonl"))) all.push_back(l);
  return all;
}

TEST_CASE("Fast JSON: the demo's and a generated workload's lines") {
  TempDir dir("fast-json");
  int64_t requests = 0;
  const std::vector<std::string> corpus = Corpus(dir, &requests);
  std::vector<std::string> declined_requests;
  int64_t taken_registry = 0;
  for (size_t i = 0; i < corpus.size(); ++i) {
    const bool is_request = static_cast<int64_t>(i) < requests;
    for (const Message* type : Types()) {
      bool parsed = false;
      const bool taken = CheckBothWays(corpus[i], *type, &parsed);
      if (parsed && !taken && is_request && type == Types()[0]) {
        declined_requests.push_back(corpus[i]);
      }
      if (taken && !is_request && type == Types()[1]) ++taken_registry;
    }
  }
  // Every good request line of these files takes the fast path (none has
  // an escape); the registry lines do too (no public keys in development).
  CHECK(declined_requests == std::vector<std::string>{});
  CHECK(taken_registry > 0);
}

TEST_CASE("Fast JSON: edge cases, taken or declined, answered the same") {
  // {line, whether the fast path takes it as a Request}
  const std::vector<std::pair<std::string, bool>> cases = {
      {R"({})", true},
      {R"(  {"requestId":"a"}  )", true},
      {"{\"requestId\":\"a\"}\r\n", true},
      {R"({"request_id":"a","occurred_on":"2025-09-01"})", true},
      {R"({"requestId":"王小明 𝄞 é"})", true},
      {R"({"requestId":"a\"b"})", false},
      {R"({"requestId":"a\\b"})", false},
      {R"({"requestId":"\u00e9\ud834\udd1e"})", false},
      {R"({"requestId":"a\/b\n"})", false},
      {R"({"requestId":"\u0000"})", false},
      {R"({"requestId":null})", false},
      {R"({"admit":null})", false},
      {R"({"requestId":5})", false},
      {R"({"requestId":true})", false},
      {R"({"requestId":["a"]})", false},
      {R"({"requestId":{}})", false},
      {R"({"nope":1})", false},
      {R"({"RequestId":"a"})", false},
      {R"({"requestid":"a"})", false},
      {R"({"requestId":"a","requestId":"b"})", false},
      {R"({"requestId":"a","request_id":"b"})", false},
      {R"({"admit":{},"approve":{}})", false},
      {R"({"admit":{}})", true},
      {R"({"approve":{"requestId":"r-1"}})", true},
      {R"({"admit":{"child":{}}})", true},
      {R"({"admit":{"child":{"gender":"FEMALE","idType":"PASSPORT"}}})", true},
      {R"({"admit":{"child":{"gender":"GENDER_UNSPECIFIED"}}})", true},
      {R"({"admit":{"child":{"gender":"female"}}})", false},
      {R"({"admit":{"child":{"gender":"Female"}}})", false},
      {R"({"admit":{"child":{"gender":"2"}}})", false},
      {R"({"admit":{"child":{"gender":2}}})", false},
      {R"({"admit":{"child":{"gender":""}}})", false},
      {R"({"admit":{"child":{"gender":"NOPE"}}})", false},
      {R"({"admit":{"child":{"name":""}}})", true},
      {R"({"admit":{"child":{"name":"x","name":"y"}}})", false},
      {R"({"verify":{"presentStudentNos":[]}})", true},
      {R"({"verify":{"presentStudentNos":["a","b" , "c"]}})", true},
      {R"({"verify":{"present_student_nos":["a"]}})", true},
      {R"({"verify":{"presentStudentNos":"a"}})", false},
      {R"({"verify":{"presentStudentNos":["a",null]}})", false},
      {R"({"verify":{"presentStudentNos":["a",1]}})", false},
      {R"({"verify":{"presentStudentNos":[["a"]]}})", false},
      {R"({"closeKindergarten":{"kindergarten":"k","force":true}})", true},
      {R"({"closeKindergarten":{"force":false}})", true},
      {R"({"closeKindergarten":{"force":"true"}})", false},
      {R"({"closeKindergarten":{"force":1}})", false},
      {R"({"closeKindergarten":{"force":tru}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":0}}})", true},
      {R"({"setPolicy":{"policy":{"establishMonths":-7}}})", true},
      {R"({"setPolicy":{"policy":{"establishMonths":"12"}}})", true},
      {R"({"setPolicy":{"policy":{"establishMonths":"-12"}}})", true},
      {R"({"setPolicy":{"policy":{"establishMonths":2147483647}}})", true},
      {R"({"setPolicy":{"policy":{"establishMonths":-2147483648}}})", true},
      {R"({"setPolicy":{"policy":{"establishMonths":2147483648}}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":-2147483649}}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":-0}}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":"-0"}}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":"012"}}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":" 12"}}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":1.0}}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":1e1}}})", false},
      {R"({"setPolicy":{"policy":{"establishMonths":99999999999999999999}}})",
       false},
      {R"({"setPolicy":{"policy":{"primaryEntryCutoff":"09-01"}}})", true},
      {R"({"export":{"fields":["gender","county"]}})", true},
      {R"({"requestId":"a"} x)", false},
      {R"({"requestId":"a"}{})", false},
      {R"({"requestId":"a",})", false},
      {R"({'requestId':'a'})", false},
      {R"([{"requestId":"a"}])", false},
      {R"("requestId")", false},
      {"", false},
      {"{\"requestId\":\"\xff\"}", false},
      {"{\"requestId\":\"\xed\xa0\x80\"}", false},
      {"{\"requestId\":\"\xc0\xaf\"}", false},
      {"{\"requestId\":\"a\tb\"}", false},
  };
  for (const auto& [line, taken] : cases) {
    INFO(line);
    CHECK(CheckBothWays(line, Request::default_instance()) == taken);
    for (const Message* type : Types()) CheckBothWays(line, *type);
  }
  const Message& digest = xueji::v1::LedgerDigest::default_instance();
  const Message& batch = xueji::v1::RequestBatch::default_instance();
  // {line, the message, whether the fast path takes it}
  const std::vector<std::tuple<std::string, const Message*, bool>> others = {
      {R"({"heads":[{"partition":3,"nextOffset":"9223372036854775807"}]})",
       &digest, true},
      {R"({"heads":[{"partition":3,"nextOffset":-9223372036854775808}]})",
       &digest, true},
      {R"({"heads":[{"nextOffset":9223372036854775808}]})", &digest, false},
      {R"({"heads":[{"nextOffset":"-9223372036854775809"}]})", &digest, false},
      {R"({"heads":[{},{"partition":1},{"headHash":"ab"}],"ledgerId":"x"})",
       &digest, true},
      {R"({"heads":[null]})", &digest, false},
      {R"({"signature":"AAAA"})", &digest, false},
      {R"({"requests":[{"requestId":"a"},{"approve":{}}],"signer":"s"})",
       &batch, true},
      {R"({"registryLines":[{"operator":{"role":"AUDITOR"}}]})", &batch, true},
      {R"({"registryLines":[{"operator":{"publicKey":"AAAA"}}]})", &batch,
       false},
  };
  for (const auto& [line, type, taken] : others) {
    INFO(line);
    CHECK(CheckBothWays(line, *type) == taken);
    for (const Message* t : Types()) CheckBothWays(line, *t);
  }
}

// Mutations of the corpus: bytes replaced, tokens inserted, spans dropped or
// repeated. Whatever comes out, the two ways agree.
TEST_CASE("Fast JSON: mutated lines are answered the same") {
  TempDir dir("fast-json");
  int64_t requests = 0;
  std::vector<std::string> corpus = Corpus(dir, &requests);
  const std::vector<std::string> tokens = {"{",
                                           "}",
                                           "[",
                                           "]",
                                           ",",
                                           ":",
                                           "\"",
                                           "\\",
                                           " ",
                                           "null",
                                           "true",
                                           "false",
                                           "0",
                                           "-0",
                                           "1",
                                           "-1",
                                           "1.5",
                                           "1e3",
                                           "\"12\"",
                                           "2147483648",
                                           "[]",
                                           "{}",
                                           "\"requestId\"",
                                           "\"request_id\"",
                                           "\"admit\"",
                                           "\"approve\":{}",
                                           "\"RESIDENT_ID\"",
                                           "\"MALE\"",
                                           "\"x\"",
                                           "\\u00e9",
                                           "\\n",
                                           "王",
                                           "\xff",
                                           "\"child\":{\"name\":\"a\"}",
                                           "\"presentStudentNos\":[\"a\"]",
                                           "\"force\":true",
                                           "\"heads\":[{}]",
                                           "\"nextOffset\":\"5\""};
  const std::vector<std::string> values = {"\"a\"",
                                           "\"\"",
                                           "null",
                                           "true",
                                           "false",
                                           "0",
                                           "-0",
                                           "7",
                                           "-7",
                                           "\"7\"",
                                           "\"-7\"",
                                           "\"07\"",
                                           "1.0",
                                           "1e2",
                                           "{}",
                                           "[]",
                                           "[\"a\"]",
                                           "[1]",
                                           "[{}]",
                                           "\"MALE\"",
                                           "\"FEMALE\"",
                                           "\"RESIDENT_ID\"",
                                           "\"REGISTRAR\"",
                                           "\"EVIDENCE\"",
                                           "\"王\"",
                                           "\"a\\u0041\"",
                                           "2147483648",
                                           "\"9223372036854775807\"",
                                           "{\"name\":\"b\"}",
                                           "{\"requestId\":\"r\"}",
                                           "\"AAAA\""};
  std::mt19937_64 rng(13);
  auto pick = [&](size_t n) {
    return static_cast<size_t>(rng() % std::max<size_t>(n, 1));
  };
  int64_t taken = 0;
  const int kMutations = 20000;
  for (int i = 0; i < kMutations; ++i) {
    std::string line = corpus[pick(corpus.size())];
    const int edits = 1 + static_cast<int>(pick(2));
    for (int e = 0; e < edits; ++e) {
      const size_t at = pick(line.size() + 1);
      switch (pick(5)) {
        case 4: {  // a member's value replaced: JSON still, types mixed
          const size_t colon = line.find("\":", at);
          if (colon == std::string::npos) break;
          const size_t end = line.find_first_of(",}]", colon + 2);
          if (end == std::string::npos) break;
          line.replace(colon + 2, end - colon - 2, values[pick(values.size())]);
          break;
        }
        case 0:
          if (at < line.size()) line[at] = tokens[pick(tokens.size())][0];
          break;
        case 1:
          line.insert(at, tokens[pick(tokens.size())]);
          break;
        case 2:
          line.erase(at, pick(12));
          break;
        default:
          line.insert(at, line.substr(at, pick(24)));
          break;
      }
    }
    for (const Message* type : Types()) {
      if (CheckBothWays(line, *type)) ++taken;
    }
  }
  INFO("mutated lines taken by the fast path: " << taken);
  CHECK(taken > kMutations / 20);
}

}  // namespace
}  // namespace xueji
