// The fast path of ToJsonLine prints what protobuf's printer prints
// (json_printer.h): results of every status and code, every code point in
// a string, the demo's requests and messages it declines.
#include "commands/output/json_printer.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "commands/output/output.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/strings.h"
#include "tests/support/process.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {
namespace {

using google::protobuf::Message;
using xueji::v1::Result;

std::string ByProtobuf(const Message& m) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = false;
  std::string out;
  if (!google::protobuf::util::MessageToJsonString(m, &out, options).ok()) {
    return "{\"error\":\"unprintable message\"}";  // what ToJsonLine prints
  }
  return out;
}

// ToJsonLine and, when it takes the message, the fast path print what
// protobuf prints. Returns whether the fast path took it.
bool CheckSame(const Message& m) {
  INFO(m.GetDescriptor()->name() << " " << m.ShortDebugString());
  const std::string expected = ByProtobuf(m);
  std::string fast;
  const bool taken = FastMessageToJsonLine(m, &fast);
  if (taken) CHECK(fast == expected);
  CHECK(ToJsonLine(m) == expected);
  return taken;
}

TEST_CASE("JSON printer: results of every status and code") {
  const auto* statuses = xueji::v1::ResultStatus_descriptor();
  const auto* codes = xueji::v1::ReasonCode_descriptor();
  const std::vector<std::string> messages = {
      "", "line 3: not a valid Request: not strict JSON: trailing comma",
      "陈一鸣 is not 6 years old <yet> & \"quoted\" \\ back/slash",
      "tab\tnew\nline\r\x01\x1f\x7f \u0085 \u00ad \u2028 \ufeff \U000e0041",
      "王小明 (𝄞, 😀) 김민준 Zoë"};
  const std::vector<int32_t> rows = {0, 1, -1,
                                     std::numeric_limits<int32_t>::max(),
                                     std::numeric_limits<int32_t>::min()};
  int64_t checked = 0;
  for (int s = 0; s < statuses->value_count(); ++s) {
    for (int c = 0; c < codes->value_count(); ++c) {
      Result r;
      r.set_request_id("r-" + std::to_string(c));
      r.set_status(
          static_cast<xueji::v1::ResultStatus>(statuses->value(s)->number()));
      r.set_code(static_cast<xueji::v1::ReasonCode>(codes->value(c)->number()));
      r.set_message(messages[(s + c) % messages.size()]);
      if (c % 2 == 0) r.set_student_no("G350203202103140117");
      r.set_original_status(static_cast<xueji::v1::ResultStatus>(
          statuses->value((s + c) % statuses->value_count())->number()));
      r.set_row(rows[c % rows.size()]);
      CHECK(CheckSame(r));
      CHECK(CheckSame(Result()));
      ++checked;
    }
  }
  CHECK(checked > 100);
  Result empty;
  CHECK(CheckSame(empty));
  std::string line;
  REQUIRE(FastMessageToJsonLine(empty, &line));
  CHECK(line == "{}");
}

TEST_CASE("JSON printer: every code point in a string") {
  // Runs of 256 code points (surrogates skipped), each run one message.
  for (uint32_t from = 0; from <= 0x10FFFF; from += 256) {
    std::string text;
    for (uint32_t cp = from; cp < from + 256 && cp <= 0x10FFFF; ++cp) {
      if (cp >= 0xD800 && cp <= 0xDFFF) continue;
      AppendUtf8(cp, &text);
      text.push_back('a');
    }
    Result r;
    r.set_message(text);
    INFO("from U+" << std::hex << from);
    REQUIRE(CheckSame(r));
  }
  // Not UTF-8: declined, and protobuf prints it as before.
  for (std::string bad :
       {"\xff", "a\xc0\xaf", "\xed\xa0\x80", "\xe9\x99", "\xf4\x90\x80\x80"}) {
    Result r;
    r.set_message(bad);
    std::string out;
    CHECK_FALSE(FastMessageToJsonLine(r, &out));
    CheckSame(r);
  }
}

TEST_CASE("JSON printer: other messages, taken or declined") {
  xueji::v1::PartitionHead head;
  head.set_partition(-3);
  head.set_next_offset(std::numeric_limits<int64_t>::min());
  head.set_head_hash("ab");
  CHECK(CheckSame(head));
  xueji::v1::PolicySettings policy;  // explicit presence: 0 printed
  policy.set_establish_months(0);
  policy.set_primary_entry_cutoff("");
  CHECK(CheckSame(policy));
  xueji::v1::Request request;
  request.set_request_id("a");
  request.mutable_close_kindergarten()->set_force(true);
  CHECK(CheckSame(request));
  request.mutable_admit();  // an empty message in the oneof
  CHECK(CheckSame(request));
  request.mutable_admit()->mutable_child()->set_gender(xueji::v1::FEMALE);
  CHECK(CheckSame(request));
  request.mutable_verify()->add_present_student_nos("G1");
  CHECK_FALSE(CheckSame(request));  // repeated: declined
  xueji::v1::OperatorEntry op;
  op.set_public_key("\x01\x02");
  CHECK_FALSE(CheckSame(op));  // bytes: declined
  Result unknown_enum;
  unknown_enum.set_code(static_cast<xueji::v1::ReasonCode>(999));
  CHECK_FALSE(CheckSame(unknown_enum));
  xueji::v1::LedgerDigest digest;
  digest.add_heads()->set_partition(1);
  CHECK_FALSE(CheckSame(digest));
}

TEST_CASE("JSON printer: the demo's requests") {
  const std::string text =
      testing::ReadFile(testing::SourceDir() / "tools/demo/requests.jsonl");
  int64_t taken = 0, lines = 0;
  for (const std::string& line : testing::Lines(text)) {
    xueji::v1::Request request;
    if (!google::protobuf::util::JsonStringToMessage(line, &request).ok()) {
      continue;
    }
    ++lines;
    if (CheckSame(request)) ++taken;
  }
  CHECK(lines > 50);
  CHECK(taken > lines / 2);
}

}  // namespace
}  // namespace xueji
