// One JSONL line into a message (json_line.h).
#include "commands/input/json_line.h"

#include <catch2/catch.hpp>
#include <string>

namespace xueji {
namespace {

using xueji::v1::Request;
using xueji::v1::Result;

constexpr char kGood[] =
    R"({"requestId":"t-1","actor":"reg-sm1","occurredOn":"2025-09-01",)"
    R"("graduate":{"studentNo":"G350203202103140117"}})";

TEST_CASE("ParseJsonLine: a good line parses") {
  Request r;
  Result malformed;
  REQUIRE(ParseJsonLine(kGood, 1, &r, &malformed));
  CHECK(r.request_id() == "t-1");
  CHECK(r.graduate().student_no() == "G350203202103140117");
}

TEST_CASE("ParseJsonLine: lenient JSON is MALFORMED_REQUEST, id recovered") {
  const std::string good = kGood;
  const std::string bad[] = {
      good.substr(0, good.size() - 1) + ",}",       // trailing comma
      R"({'requestId':'t-1','actor':'reg-sm1'})",   // single quotes
      R"({"requestId":"t-1","requestId":"t-2"})",   // duplicate key
      R"({"requestId":"t-1","request_id":"t-2"})",  // the same field
      R"({"requestId":"t-1",actor:"reg-sm1"})",     // unquoted key
  };
  for (const std::string& line : bad) {
    INFO(line);
    Request r;
    Result malformed;
    CHECK_FALSE(ParseJsonLine(line, 7, &r, &malformed));
    CHECK(malformed.status() == xueji::v1::REJECTED);
    CHECK(malformed.code() == xueji::v1::MALFORMED_REQUEST);
    CHECK(malformed.message().starts_with(
        "line 7: not a valid Request: not strict JSON: "));
  }
  Request r;
  Result malformed;
  CHECK_FALSE(ParseJsonLine(bad[0], 7, &r, &malformed));
  CHECK(malformed.request_id() == "t-1");
  CHECK(malformed.message() ==
        "line 7: not a valid Request: not strict JSON: trailing comma before "
        "'}' at byte 110");
}

TEST_CASE("ParseJsonLine: protobuf's refusals stay MALFORMED_REQUEST") {
  Request r;
  Result malformed;
  CHECK_FALSE(ParseJsonLine(R"({"requestId":"t-9","priority":"high"})", 2, &r,
                            &malformed));
  CHECK(malformed.code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(malformed.request_id() == "t-9");
  CHECK(malformed.message().starts_with("line 2: not a valid Request: "));
}

TEST_CASE("RecoverRequestId is linear and takes only plain ids") {
  CHECK(RecoverRequestId(R"({"requestId":"r-047","actor":"x" "o")") == "r-047");
  CHECK(RecoverRequestId("{\"requestId\" \t: \"a.b_c:d/e-1\"") ==
        "a.b_c:d/e-1");
  CHECK(RecoverRequestId(R"({"requestId":"has space"})") == "");
  CHECK(RecoverRequestId(R"({"requestId":"x\u001b"})") == "");
  CHECK(RecoverRequestId(R"({"requestId":""})") == "");
  CHECK(RecoverRequestId("{\"requestId\":\"" + std::string(128, 'a') + "\"") ==
        std::string(128, 'a'));
  CHECK(RecoverRequestId("{\"requestId\":\"" + std::string(129, 'a') + "\"") ==
        "");
  CHECK(RecoverRequestId(R"({"requestId":1,"requestId":"second"})") ==
        "second");
  // The line that crashed std::regex: 40,000 spaces between key and colon.
  std::string line = "{\"requestId\"" + std::string(40000, ' ') + ":\"x\",";
  CHECK(RecoverRequestId(line) == "x");
  // Many keys, each followed by a long run: still linear.
  std::string many;
  for (int i = 0; i < 2000; ++i) many += "\"requestId\"" + std::string(30, ' ');
  CHECK(RecoverRequestId(many) == "");
}

TEST_CASE("SafeParserMessage keeps messages short and free of numbers") {
  CHECK(SafeParserMessage("invalid value 350203202103140117 for x") ==
        "invalid value … for x");
  CHECK(SafeParserMessage("code 1234567 ok") == "code 1234567 ok");
  CHECK(SafeParserMessage("first\nsecond line quoting input") == "first");
  std::string cjk;
  for (int i = 0; i < 100; ++i) cjk += "王";  // 300 bytes
  std::string cut = SafeParserMessage(cjk);
  CHECK(cut.size() == 159);  // 53 whole characters, not a broken one
  CHECK(cut == cjk.substr(0, 159));
}

TEST_CASE("TooLongLineResult names the line and keeps the id") {
  Result r =
      TooLongLineResult(R"({"requestId":"t-3","actor")", 12, 400000000, 65536);
  CHECK(r.code() == xueji::v1::MALFORMED_REQUEST);
  CHECK(r.request_id() == "t-3");
  CHECK(r.message() ==
        "line 12: longer than 65536 bytes (400000000 bytes); lines are limited "
        "to 65536 bytes");
}

}  // namespace
}  // namespace xueji
