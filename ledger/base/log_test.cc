#include "ledger/base/log.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace xueji {
namespace {

TEST_CASE("log: a line is time, level and text", "[unit][log]") {
  // 2026-11-29T18:00:00.123Z
  const int64_t millis = 1795975200123;
  CHECK(FormatLogLine(LogLevel::kWarn, "processor h:1: waiting", millis) ==
        "2026-11-29T18:00:00.123Z WARN processor h:1: waiting");
  CHECK(FormatLogLine(LogLevel::kDebug, "two\nlines\n", millis) ==
        "2026-11-29T18:00:00.123Z DEBUG two lines");
}

TEST_CASE("log: levels parse in any case", "[unit][log]") {
  CHECK(ParseLogLevel("debug") == LogLevel::kDebug);
  CHECK(ParseLogLevel("INFO") == LogLevel::kInfo);
  CHECK(ParseLogLevel("Warning") == LogLevel::kWarn);
  CHECK(ParseLogLevel("error") == LogLevel::kError);
  CHECK_FALSE(ParseLogLevel("verbose").has_value());
  CHECK_FALSE(ParseLogLevel("").has_value());
}

TEST_CASE("log: each level's name parses back to it", "[unit][log]") {
  for (LogLevel level :
       {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    CHECK(ParseLogLevel(LogLevelName(level)) == level);
  }
  CHECK(LogLevelName(LogLevel::kWarn) == "WARN");
  CHECK(LogLevelName(static_cast<LogLevel>(7)) == "INFO");
}

TEST_CASE("log: lines below the level are dropped", "[unit][log]") {
  std::vector<std::string> lines;
  SetLogSink([&](std::string_view line) { lines.emplace_back(line); });
  SetLogLevel(LogLevel::kWarn);
  LogDebug("d");
  LogInfo("i");
  LogWarn("w");
  LogError("e");
  SetLogLevel(LogLevel::kDebug);
  LogDebug("d2");
  SetLogLevel(LogLevel::kInfo);
  SetLogSink(nullptr);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].ends_with(" WARN w"));
  CHECK(lines[1].ends_with(" ERROR e"));
  CHECK(lines[2].ends_with(" DEBUG d2"));
}

TEST_CASE("log: ID numbers and student numbers are redacted", "[unit][log]") {
  CHECK(RedactIdNumbers("stu:G11010519491231002X corrupt") ==
        "stu:[id] corrupt");
  CHECK(RedactIdNumbers("id 440524188001010014, again 11010519491231002x.") ==
        "id [id], again [id].");
  CHECK(RedactIdNumbers("L350203202011020001 and J81000020200101001X") ==
        "[id] and [id]");
  // Even inside another word's punctuation (a request id made of one).
  CHECK(RedactIdNumbers("requestId r-350203202011020222-x") ==
        "requestId r-[id]-x");
  // Offsets, counts, hashes and ordinary request ids are kept.
  const std::string kept =
      "offset 1234567890123 requestId r-021 event 35020320201102022 "
      "hash 35020320201102022235020320201102022212ab G3502032020110202221";
  CHECK(RedactIdNumbers(kept) == kept);
  CHECK(RedactIdNumbers("resuming at offset 17") == "resuming at offset 17");
}

}  // namespace
}  // namespace xueji
