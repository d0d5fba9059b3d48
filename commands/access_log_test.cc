#include "commands/access_log.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/util/json_util.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

namespace xueji {
namespace {

using ::xueji::testing::ReadFile;
using ::xueji::testing::WriteFile;
using xueji::v1::AccessEntry;

const absl::Time kNow = absl::FromUnixSeconds(1767603600);  // 2026-01-05T09Z

AccessEntry Read(const std::string& op, const std::string& command,
                 const std::string& query, int64_t records) {
  AccessEntry e;
  e.set_operator_(op);
  e.set_command(command);
  e.set_query(query);
  e.set_records(records);
  return e;
}

// Appends n reads; REQUIREs each to succeed.
void AppendReads(const std::string& path, int n) {
  for (int i = 0; i < n; ++i) {
    auto e = AppendAccess(
        path,
        Read("appr-siming", "show", absl::StrCat("G35020320201102", i), 1),
        kNow);
    REQUIRE(e.ok());
  }
}

TEST_CASE("the access log is a hash chain of the reads, in order") {
  TempDir tmp;
  const std::string path = tmp.Sub("access.log");
  auto first =
      AppendAccess(path, Read("reg-sm1", "list", "350203001", 4), kNow);
  REQUIRE(first.ok());
  CHECK(first->seq() == 1);
  CHECK(first->prev_hash().empty());
  CHECK(first->at() == "2026-01-05T09:00:00Z");
  CHECK(first->hash() == AccessEntryHash(*first));
  AppendReads(path, 2);

  auto report = ReadAccessLog(path);
  REQUIRE(report.ok());
  CHECK(report->breaks.empty());
  CHECK(report->notes.empty());
  REQUIRE(report->entries.size() == 3);
  for (size_t i = 0; i < 3; ++i)
    CHECK(report->entries[i].seq() == int64_t(i + 1));
  CHECK(report->entries[1].prev_hash() == report->entries[0].hash());
  CHECK(report->entries[2].prev_hash() == report->entries[1].hash());
  CHECK(report->entries[0].operator_() == "reg-sm1");
  CHECK(report->entries[0].records() == 4);

  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("an edited, removed or inserted line breaks the chain there") {
  TempDir tmp;
  const std::string path = tmp.Sub("access.log");
  AppendReads(path, 4);
  const std::string original = ReadFile(path);

  SECTION("edited: the entry's own hash no longer matches") {
    WriteFile(path, absl::StrReplaceAll(
                        original, {{"G350203202011021", "G350203202011029"}}));
    auto report = ReadAccessLog(path);
    REQUIRE(report.ok());
    REQUIRE(report->breaks.size() == 1);
    CHECK(report->breaks[0].line == 2);
    CHECK(report->breaks[0].seq == 2);
    CHECK(report->breaks[0].problem.find("altered") != std::string::npos);
  }
  SECTION("removed: the next entry does not follow") {
    std::vector<std::string> lines = absl::StrSplit(original, '\n');
    lines.erase(lines.begin() + 1);
    WriteFile(path, absl::StrJoin(lines, "\n"));
    auto report = ReadAccessLog(path);
    REQUIRE(report.ok());
    REQUIRE(report->breaks.size() == 1);
    CHECK(report->breaks[0].seq == 3);
    CHECK(report->breaks[0].problem.find("does not follow entry 1") !=
          std::string::npos);
  }
  SECTION("an edit that is no longer JSON is named by its line") {
    std::vector<std::string> lines = absl::StrSplit(original, '\n');
    lines[2] = "{\"seq\":\"3\", garbage";
    WriteFile(path, absl::StrJoin(lines, "\n"));
    auto report = ReadAccessLog(path);
    REQUIRE(report.ok());
    REQUIRE(report->breaks.size() == 1);
    CHECK(report->breaks[0].line == 4);
    CHECK(report->breaks[0].problem.find("line 3") != std::string::npos);
  }
  SECTION("a hash recomputed over the edit still breaks the link after it") {
    auto report = ReadAccessLog(path);
    REQUIRE(report.ok());
    AccessEntry second = report->entries[1];
    second.set_query("G350203202011029999");
    second.set_hash(AccessEntryHash(second));
    std::vector<std::string> lines = absl::StrSplit(original, '\n');
    std::string json;
    REQUIRE(google::protobuf::util::MessageToJsonString(second, &json).ok());
    lines[1] = json;
    WriteFile(path, absl::StrJoin(lines, "\n"));
    auto resealed = ReadAccessLog(path);
    REQUIRE(resealed.ok());
    REQUIRE(resealed->breaks.size() == 1);
    CHECK(resealed->breaks[0].seq == 3);
  }
}

TEST_CASE("a line cut short by a crash is skipped by the next append") {
  TempDir tmp;
  const std::string path = tmp.Sub("access.log");
  AppendReads(path, 2);
  std::string text = ReadFile(path);
  WriteFile(path, text + "{\"seq\":\"3\",\"at\":\"2026-");  // no newline

  auto torn = ReadAccessLog(path);
  REQUIRE(torn.ok());
  CHECK(torn->breaks.empty());
  CHECK(torn->entries.size() == 2);
  REQUIRE(torn->notes.size() == 1);
  CHECK(torn->notes[0].find("line 3") != std::string::npos);

  auto next = AppendAccess(path, Read("auditor-xiamen", "stats", "", 0), kNow);
  REQUIRE(next.ok());
  CHECK(next->seq() == 3);
  auto report = ReadAccessLog(path);
  REQUIRE(report.ok());
  CHECK(report->breaks.empty());
  CHECK(report->entries.size() == 3);
  CHECK(report->notes.size() == 1);
}

TEST_CASE("nothing is chained to a last line that is not an entry") {
  TempDir tmp;
  const std::string path = tmp.Sub("access.log");
  AppendReads(path, 1);
  WriteFile(path, ReadFile(path) + "not an entry\n");
  auto refused = AppendAccess(path, Read("x", "show", "G1", 1), kNow);
  REQUIRE_FALSE(refused.ok());
  CHECK(absl::IsDataLoss(refused.status()));
  CHECK(refused.status().message().find(path) != std::string_view::npos);
}

TEST_CASE("appenders in several processes each get their own place") {
  TempDir tmp;
  const std::string path = tmp.Sub("access.log");
  constexpr int kProcesses = 4, kEach = 25;
  std::vector<pid_t> children;
  for (int p = 0; p < kProcesses; ++p) {
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      for (int i = 0; i < kEach; ++i) {
        if (!AppendAccess(path, Read(absl::StrCat("op", p), "show", "G1", 1),
                          kNow)
                 .ok()) {
          ::_exit(1);
        }
      }
      ::_exit(0);
    }
    children.push_back(pid);
  }
  for (pid_t pid : children) {
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  auto report = ReadAccessLog(path);
  REQUIRE(report.ok());
  CHECK(report->breaks.empty());
  CHECK(report->entries.size() == kProcesses * kEach);
}

TEST_CASE("the access log lives in DATA, or beside another views store") {
  CHECK(AccessLogPath("/var/lib/xueji", "") == "/var/lib/xueji/access.log");
  CHECK(AccessLogPath("DATA", "/var/lib/xueji/views") ==
        "/var/lib/xueji/access.log");
  CHECK(AccessLogPath("DATA", "/var/lib/xueji/views/") ==
        "/var/lib/xueji/access.log");
  CHECK(AccessLogPath("DATA", "V1") == "access.log");
  CHECK(ReadAccessLog("/nonexistent/access.log").status().code() ==
        absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace xueji
