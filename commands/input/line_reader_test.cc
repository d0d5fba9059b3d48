// The bounded line reader (line_reader.h).
#include "commands/input/line_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

namespace xueji {
namespace {

struct Got {
  std::string text;
  int64_t number;
  bool too_long;
  int64_t bytes;
};

// Every line of `reader` until the end or an error (returned in *error).
std::vector<Got> ReadAll(LineReader& reader, absl::Status* error = nullptr) {
  std::vector<Got> lines;
  while (true) {
    absl::StatusOr<bool> more = reader.Next();
    if (!more.ok()) {
      if (error != nullptr) *error = more.status();
      break;
    }
    if (!*more) break;
    const Line& l = reader.line();
    lines.push_back({l.text, l.number, l.too_long, l.bytes});
  }
  return lines;
}

TEST_CASE("lines, numbers, CRLF, a last line without newline, blank lines") {
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{7}, size_t{65536}}) {
    INFO("chunk " << chunk);
    LineReaderOptions options;
    options.chunk_bytes = chunk;
    auto reader = LineReader::FromString("a\r\n\nbc\n  \nd\r\nlast", options);
    auto lines = ReadAll(*reader);
    REQUIRE(lines.size() == 6);
    CHECK(lines[0].text == "a");
    CHECK(lines[1].text == "");
    CHECK(lines[2].text == "bc");
    CHECK(lines[3].text == "  ");
    CHECK(lines[4].text == "d");
    CHECK(lines[5].text == "last");
    for (size_t i = 0; i < lines.size(); ++i) {
      CHECK(lines[i].number == static_cast<int64_t>(i + 1));
      CHECK_FALSE(lines[i].too_long);
      CHECK(lines[i].bytes == static_cast<int64_t>(lines[i].text.size()));
    }
  }
  CHECK(ReadAll(*LineReader::FromString("")).empty());
  CHECK(ReadAll(*LineReader::FromString("\n")).size() == 1);
  CHECK(ReadAll(*LineReader::FromString("x\n")).size() == 1);
}

TEST_CASE("a UTF-8 byte order mark at the start is skipped, elsewhere kept") {
  for (size_t chunk : {size_t{1}, size_t{2}, size_t{4096}}) {
    LineReaderOptions options;
    options.chunk_bytes = chunk;
    auto reader = LineReader::FromString(
        "\xEF\xBB\xBF{\"a\":1}\n\xEF\xBB\xBF{}\n", options);
    auto lines = ReadAll(*reader);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].text == "{\"a\":1}");
    CHECK(lines[0].bytes == 7);
    CHECK(lines[1].text == "\xEF\xBB\xBF{}");
  }
  // A first line of exactly the limit after its BOM is not too long.
  LineReaderOptions options;
  options.max_line_bytes = 8;
  auto lines =
      ReadAll(*LineReader::FromString("\xEF\xBB\xBF"
                                      "12345678\n"
                                      "123456789\n",
                                      options));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].text == "12345678");
  CHECK_FALSE(lines[0].too_long);
  CHECK(lines[1].too_long);
}

TEST_CASE("an over-long line is cut to the limit and the reader resyncs") {
  for (size_t chunk : {size_t{1}, size_t{3}, size_t{16}, size_t{4096}}) {
    INFO("chunk " << chunk);
    LineReaderOptions options;
    options.max_line_bytes = 10;
    options.chunk_bytes = chunk;
    std::string text = "short\n" + std::string(1000, 'x') + "\r\nafter\n" +
                       "0123456789\n" + "0123456789\r\n" + "01234567890";
    auto lines = ReadAll(*LineReader::FromString(text, options));
    REQUIRE(lines.size() == 6);
    CHECK(lines[0].text == "short");
    CHECK(lines[1].too_long);
    CHECK(lines[1].text == std::string(10, 'x'));
    CHECK(lines[1].bytes == 1000);
    CHECK(lines[1].number == 2);
    CHECK(lines[2].text == "after");
    CHECK_FALSE(lines[2].too_long);
    CHECK(lines[2].number == 3);
    CHECK_FALSE(lines[3].too_long);  // exactly the limit
    CHECK_FALSE(lines[4].too_long);  // the limit and a CR
    CHECK(lines[4].text == "0123456789");
    CHECK(lines[5].too_long);  // one over, at the end of input
    CHECK(lines[5].bytes == 11);
  }
}

// An endless source: `prefix`, then `fill` bytes forever (or up to `total`).
LineReader::ReadFn Endless(std::string prefix, char fill, int64_t total,
                           int64_t* served) {
  return [prefix, fill, total, served](char* buf,
                                       size_t n) -> absl::StatusOr<size_t> {
    size_t k = 0;
    while (k < n && *served < total) {
      buf[k++] = *served < static_cast<int64_t>(prefix.size()) ? prefix[*served]
                                                               : fill;
      ++*served;
    }
    return k;
  };
}

TEST_CASE("an endless line ends with an error, in bounded memory") {
  int64_t served = 0;
  LineReaderOptions options;
  options.max_line_bytes = 1024;
  options.chunk_bytes = 512;
  options.max_skip_bytes = 1 << 20;
  LineReader reader("/dev/zero",
                    Endless("{\"ok\":1}\n", '\0', INT64_MAX, &served), options);
  absl::Status error;
  auto lines = ReadAll(reader, &error);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].text == "{\"ok\":1}");
  CHECK(absl::IsInvalidArgument(error));
  CHECK(error.message().find("/dev/zero line 2") != std::string::npos);
  CHECK(error.message().find("no end of line") != std::string::npos);
  CHECK(served < (1 << 20) + 10 * 512);  // it stopped soon after the bound
  CHECK(reader.buffered_capacity() <= 1024 + 3 + 512 + 64);
  // The error stays.
  CHECK(absl::IsInvalidArgument(reader.Next().status()));
}

TEST_CASE("a long line with an end is skipped in bounded memory") {
  int64_t served = 0;
  const int64_t total = 50 << 20;  // 50 MiB of one line, then a newline
  LineReaderOptions options;
  auto read = Endless("", 'x', total, &served);
  bool newline_sent = false;
  LineReader reader(
      "input",
      [&](char* buf, size_t n) -> absl::StatusOr<size_t> {
        auto got = read(buf, n);
        if (*got == 0 && !newline_sent) {
          newline_sent = true;
          std::memcpy(buf, "\n{}\n", 4);
          return 4;
        }
        return got;
      },
      options);
  auto lines = ReadAll(reader);
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].too_long);
  CHECK(lines[0].bytes == total);
  CHECK(lines[0].text.size() == options.max_line_bytes);
  CHECK(lines[1].text == "{}");
  CHECK(lines[1].number == 2);
  CHECK(reader.buffered_capacity() <=
        options.max_line_bytes + 3 + options.chunk_bytes + 64);
}

TEST_CASE("a read error is an error naming the input and line, not the end") {
  int calls = 0;
  LineReader reader("requests.jsonl",
                    [&](char* buf, size_t n) -> absl::StatusOr<size_t> {
                      if (calls++ == 0) {
                        std::memcpy(buf, "{}\n{\"a\"", 7);
                        return 7;
                      }
                      return absl::UnavailableError("Input/output error");
                    });
  absl::Status error;
  auto lines = ReadAll(reader, &error);
  REQUIRE(lines.size() == 1);
  CHECK(absl::IsUnavailable(error));
  CHECK(error.message() ==
        "cannot read requests.jsonl at line 2: Input/output error");
}

TEST_CASE("Open: a missing file, a directory, EISDIR and EIO from the kernel") {
  auto missing = LineReader::Open("/nonexistent/requests.jsonl");
  CHECK(absl::IsNotFound(missing.status()));
  auto dir = LineReader::Open("/");
  CHECK(absl::IsInvalidArgument(dir.status()));
  CHECK(dir.status().message().find("directory") != std::string::npos);

  // A directory as a file descriptor (as `submit - < DIR` gets it).
  const int fd = open("/", O_RDONLY | O_DIRECTORY);
  REQUIRE(fd >= 0);
  auto reader = LineReader::FromFd(fd, "standard input", /*owned=*/true);
  absl::Status error;
  CHECK(ReadAll(*reader, &error).empty());
  CHECK(absl::IsFailedPrecondition(error));  // EISDIR
  CHECK(error.message().find("cannot read standard input at line 1") !=
        std::string::npos);

  // /proc/self/mem read from offset 0 (unmapped) fails with EIO.
  auto mem = LineReader::Open("/proc/self/mem");
  if (mem.ok()) {
    absl::Status eio;
    CHECK(ReadAll(**mem, &eio).empty());
    CHECK(eio.code() == absl::StatusCode::kUnknown);  // absl maps EIO so
    CHECK(eio.message().find("Input/output error") != std::string::npos);
  }
}

}  // namespace
}  // namespace xueji
