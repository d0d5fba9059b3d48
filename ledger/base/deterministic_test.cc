#include "ledger/base/deterministic.h"

#include <catch2/catch.hpp>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"

namespace xueji {
namespace {

// google.protobuf.Struct is a map<string, Value>: deterministic bytes list
// its entries in key order, whatever order the map holds them in.
TEST_CASE("deterministic bytes: map entries in key order", "[unit][proto]") {
  google::protobuf::Struct message;
  for (int i = 99; i >= 10; --i) {
    (*message.mutable_fields())[absl::StrCat("k", i)].set_bool_value(true);
  }
  const std::string bytes = DeterministicBytes(message);
  size_t last = 0;
  for (int i = 10; i <= 99; ++i) {
    const size_t at = bytes.find(absl::StrCat("k", i));
    REQUIRE(at != std::string::npos);
    CHECK(at >= last);
    last = at;
  }
  google::protobuf::Struct parsed;
  REQUIRE(parsed.ParseFromString(bytes));
  CHECK(parsed.fields_size() == 90);
  CHECK(DeterministicBytes(parsed) == bytes);
}

}  // namespace
}  // namespace xueji
