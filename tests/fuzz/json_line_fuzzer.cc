// libFuzzer target, differential: the fast paths of the JSON line reader
// (commands/input/fast_json.h) and printer (commands/output/json_printer.h)
// against protobuf's parser and printer. The input is one line, read as a
// Request, a RegistryLine and a LedgerDigest (int64, repeated messages,
// bytes).
//
// Checks: the fast reader either declines the line or gives the bytes
// JsonStringToMessage gives; ParseJsonLine gives the same answer (parsed or
// MALFORMED_REQUEST, byte for byte) with and without the fast path; and a
// parsed message, when the fast printer takes it, prints as
// MessageToJsonString prints it.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "commands/input/fast_json.h"
#include "commands/input/json_line.h"
#include "commands/output/json_printer.h"
#include "google/protobuf/util/json_util.h"
#include "tests/fuzz/fuzz_support.h"
#include "xueji/v1/requests.pb.h"

namespace xueji::fuzz {
namespace {

using google::protobuf::Message;

void CheckOne(std::string_view line, const Message& prototype) {
  const std::string mismatch = FastJsonMismatch(line, prototype);
  Check(mismatch.empty(), mismatch);
  std::unique_ptr<Message> fast(prototype.New()), slow(prototype.New());
  xueji::v1::Result fast_malformed, slow_malformed;
  const bool fast_ok = ParseJsonLine(line, 1, fast.get(), &fast_malformed);
  const bool slow_ok =
      ParseJsonLineWithoutFastPath(line, 1, slow.get(), &slow_malformed);
  Check(fast_ok == slow_ok, "ParseJsonLine: parsed one way only");
  Check(fast->SerializeAsString() == slow->SerializeAsString(),
        "ParseJsonLine: the fast path gave other bytes");
  Check(
      fast_malformed.SerializeAsString() == slow_malformed.SerializeAsString(),
      "ParseJsonLine: another MALFORMED answer");
  if (!slow_ok) return;
  std::string printed;
  if (!FastMessageToJsonLine(*slow, &printed)) return;
  std::string expected;
  Check(google::protobuf::util::MessageToJsonString(*slow, &expected).ok(),
        "protobuf cannot print what it parsed");
  Check(printed == expected, "the fast printer prints otherwise");
}

}  // namespace
}  // namespace xueji::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  xueji::fuzz::QuietProtobuf();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using xueji::fuzz::CheckOne;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  CheckOne(line, xueji::v1::Request::default_instance());
  CheckOne(line, xueji::v1::RegistryLine::default_instance());
  CheckOne(line, xueji::v1::LedgerDigest::default_instance());
  return 0;
}
