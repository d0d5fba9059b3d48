// The strict RFC 8259 check (strict_json.h).
#include "commands/input/strict_json.h"

#include <catch2/catch.hpp>
#include <string>
#include <string_view>

namespace xueji {
namespace {

std::string Problem(std::string_view text) { return StrictJsonProblem(text); }

TEST_CASE("strict JSON: what RFC 8259 allows passes") {
  for (const char* ok :
       {"{}", "[]", " {\"a\":1} ", "\t{\"a\" : [1, -2.5e+3, 0, 0.1, 1E9]}\r\n",
        "{\"a\":{\"b\":{\"c\":[true,false,null,\"x\"]}}}", "\"text\"", "0",
        "-0", "[[],{}]", "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\"}",
        "{\"emoji\":\"\\ud83d\\ude00\"}", "{\"name\":\"陈一鸣\"}",
        "{\"a\":1,\"A\":2}"}) {
    INFO(ok);
    CHECK(Problem(ok) == "");
  }
}

TEST_CASE("strict JSON: what protobuf's parser lets through is refused") {
  CHECK(Problem("{\"a\":1,}") == "trailing comma before '}' at byte 7");
  CHECK(Problem("[1,2,]") == "trailing comma before ']' at byte 5");
  CHECK(Problem("{\"a\":[1,],\"b\":2}").starts_with("trailing comma"));
  CHECK(Problem("{'a':1}") ==
        "single-quoted key (JSON keys use double quotes) at byte 2");
  CHECK(Problem("{\"a\":'x'}") ==
        "single-quoted string (JSON strings use double quotes) at byte 6");
  CHECK(Problem("{a:1}") == "object key not in double quotes at byte 2");
  CHECK(Problem("{\"requestId\":\"a\",\"requestId\":\"b\"}") ==
        "duplicate key \"requestId\" at byte 18");
  CHECK(Problem("{\"x\":{\"a\":1,\"b\":{\"a\":2},\"a\":3}}")
            .starts_with("duplicate key \"a\""));
  // Escaped and plain spellings of one key are the same key.
  CHECK(Problem("{\"ab\":1,\"\\u0061b\":2}").starts_with("duplicate key"));
  // Only with protobuf names is snake_case the same as lowerCamel.
  StrictJsonOptions proto;
  proto.protobuf_field_names = true;
  CHECK(StrictJsonProblem("{\"requestId\":\"a\",\"request_id\":\"b\"}") == "");
  CHECK(StrictJsonProblem("{\"requestId\":\"a\",\"request_id\":\"b\"}", proto)
            .starts_with("duplicate key \"requestId\""));
}

TEST_CASE("strict JSON: other malformations") {
  // Each text and its problem: the whole message, or how it starts (prefix).
  struct Malformed {
    std::string_view text;
    std::string_view problem;
    bool prefix = false;
  };
  const Malformed cases[] = {
      {"", "no JSON value at byte 1"},
      {"   ", "no JSON value at byte 4"},
      {"{\"a\":1} x", "text after the JSON value at byte 9"},
      {"{}{}", "text after the JSON value at byte 3"},
      {"{\"a\":1", "unexpected end of input (',' or '}' expected) at byte 7"},
      {"{\"a\"", "':' expected after the key at byte 5"},
      {"{\"a\":", "unexpected end of input (a value was expected) at byte 6"},
      {"{\"a\":\"x", "unterminated string at byte 6"},
      {"{\"a\":\"x\ty\"}",
       "control character U+0009 in a string (it must be escaped) at byte 8"},
      {"{\"a\":\"\\x\"}", "invalid escape in a string at byte 7"},
      {"{\"a\":\"\\u12\"}", "invalid \\u escape at byte 7"},
      {"{\"a\":\"\\ud800\"}", "unpaired surrogate in a \\u escape at byte 7"},
      {"{\"a\":\"\\udc00\\ud800\"}", "unpaired", true},
      {"{\"a\":\"\xff\"}", "invalid UTF-8 at byte 7"},
      {"{\"a\":\"\xe9\x99\"}", "invalid UTF-8 at byte 7"},
      {"{\"a\":01}", "number with a leading zero at byte 6"},
      {"{\"a\":1.}", "invalid number", true},
      {"{\"a\":.5}", "unexpected character '.' at byte 6"},
      {"{\"a\":1e}", "invalid number (exponent)", true},
      {"{\"a\":+1}", "unexpected character '+' at byte 6"},
      {"{\"a\":NaN}", "unexpected character 'N' at byte 6"},
      {"{\"a\":tru}", "invalid literal", true},
      {"{\"a\" 1}", "':' expected after the key at byte 6"},
      {"[1 2]", "',' or ']' expected at byte 4"},
      {"{\"a\":1 \"b\":2}", "',' or '}' expected at byte 8"},
      {"{\"a\":}", "a value was expected at byte 6"},
      {"\x0b{}", "unexpected byte 0x0B at byte 1"},
  };
  for (const Malformed& c : cases) {
    INFO(c.text);
    if (c.prefix) {
      CHECK(Problem(c.text).starts_with(c.problem));
    } else {
      CHECK(Problem(c.text) == c.problem);
    }
  }
}

TEST_CASE("strict JSON: nesting is capped, without recursion") {
  std::string deep(100000, '[');
  CHECK(Problem(deep) == "nesting deeper than 32 levels at byte 33");
  std::string ok32 = std::string(32, '[') + std::string(32, ']');
  CHECK(Problem(ok32) == "");
  StrictJsonOptions options;
  options.max_depth = 200000;  // no recursion: no stack to overflow
  CHECK(StrictJsonProblem(std::string(100000, '[') + std::string(100000, ']'),
                          options) == "");
  std::string objects;
  for (int i = 0; i < 33; ++i) objects += "{\"a\":";
  CHECK(Problem(objects).starts_with("nesting deeper than 32 levels"));
}

TEST_CASE("strict JSON: long runs are linear (40,000 spaces before a colon)") {
  std::string line = "{\"requestId\"" + std::string(40000, ' ') + ":\"x\",";
  CHECK(Problem(line) ==
        "unexpected end of input (a key was expected) at byte 40018");
  std::string keys = "{";
  for (int i = 0; i < 20000; ++i) {
    keys += "\"k" + std::to_string(i) + "\":" + std::to_string(i) + ",";
  }
  keys += "\"k0\":1}";
  CHECK(Problem(keys).starts_with("duplicate key \"k0\""));
}

TEST_CASE("strict JSON: duplicates found among few keys and many") {
  StrictJsonOptions proto;
  proto.protobuf_field_names = true;
  for (int keys : {2, 8, 9, 30}) {
    std::string object = "{";
    for (int i = 0; i < keys; ++i) {
      object += "\"key_" + std::to_string(i) + "\":" + std::to_string(i) + ",";
    }
    INFO(keys << " keys");
    CHECK(Problem(object + "\"last\":1}") == "");
    // The first key again: plain, escaped, or in the other spelling.
    CHECK(Problem(object + "\"key_0\":1}")
              .starts_with("duplicate key \"key_0\""));
    CHECK(Problem(object + "\"\\u006bey_0\":1}")
              .starts_with("duplicate key \"key_0\""));
    CHECK(StrictJsonProblem(object + "\"key0\":1}", proto)
              .starts_with("duplicate key \"key0\""));
    CHECK(StrictJsonProblem(object + "\"key0\":1}") == "");
    // Nested objects keep their own keys.
    CHECK(Problem(object + "\"in\":{\"key_0\":1,\"key_1\":2}}") == "");
  }
}

}  // namespace
}  // namespace xueji
