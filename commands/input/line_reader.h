// LineReader: reads newline-separated input (JSONL) with bounded memory, for
// `submit`, `registry load` and their Kafka variants.
//
// It never holds more than the line limit plus one read chunk, however long a
// line is: a line longer than the limit is returned cut to the limit with
// `too_long` set (the caller answers it MALFORMED_REQUEST) and the reader
// resynchronises at the next newline. A line with no newline within
// `max_skip_bytes` (e.g. /dev/zero) ends reading with InvalidArgument: the
// input is not line-oriented text. A read error is an error status naming the
// input and the line (codes as absl::ErrnoToStatusCode: EISDIR is
// FailedPrecondition, EIO Unknown ...), never the end of input. A UTF-8 byte
// order mark at the start of the input is skipped; a CR before the newline is
// dropped.
//
// Ownership: the reader owns its buffers and, when opened from a path, the
// file descriptor. Thread-safety: one thread at a time.
#ifndef XUEJI_COMMANDS_INPUT_LINE_READER_H_
#define XUEJI_COMMANDS_INPUT_LINE_READER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace xueji {

struct LineReaderOptions {
  size_t max_line_bytes = 64 * 1024;  // longer lines are too_long
  size_t chunk_bytes = 64 * 1024;     // one read(2)
  // An over-long line is skipped to its newline; after this many bytes with
  // no newline, reading stops with an error.
  int64_t max_skip_bytes = int64_t{1} << 30;
};

struct Line {
  std::string text;    // without the newline (and CR); at most the limit
  int64_t number = 0;  // 1-based
  bool too_long = false;
  int64_t bytes = 0;  // the whole line's length (text.size() unless too_long)
};

class LineReader {
 public:
  // Reads up to `n` bytes into `buf`: the count, 0 at the end of input, or an
  // error (read errors as absl::ErrnoToStatus).
  using ReadFn = std::function<absl::StatusOr<size_t>(char* buf, size_t n)>;

  // `name` names the input in errors ("standard input", a path).
  LineReader(std::string name, ReadFn read, LineReaderOptions options = {});
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // FILE, or standard input for "-". NotFound / InvalidArgument naming the
  // file when it cannot be opened or is a directory.
  static absl::StatusOr<std::unique_ptr<LineReader>> Open(
      const std::string& path, LineReaderOptions options = {});
  // Over a file descriptor (not closed unless `owned`).
  static std::unique_ptr<LineReader> FromFd(int fd, std::string name,
                                            bool owned,
                                            LineReaderOptions options = {});
  // Over a string (tests, fuzzing).
  static std::unique_ptr<LineReader> FromString(std::string text,
                                                LineReaderOptions options = {});

  // true: line() holds the next line. false: the end of input. An error:
  // reading failed or a line never ended; the reader is then done.
  absl::StatusOr<bool> Next();
  const Line& line() const { return line_; }
  const std::string& name() const { return name_; }
  size_t max_line_bytes() const { return options_.max_line_bytes; }

  // Bytes of buffer the reader holds (for the tests of its bound).
  size_t buffered_capacity() const;

 private:
  // Refills the chunk; false at the end of input.
  absl::StatusOr<bool> Fill();

  std::string name_;
  ReadFn read_;
  LineReaderOptions options_;
  std::vector<char> chunk_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool at_start_ = true;  // nothing read yet: a BOM may come
  bool eof_ = false;
  absl::Status failed_;
  Line line_;
  std::function<void()> close_;
};

}  // namespace xueji

#endif  // XUEJI_COMMANDS_INPUT_LINE_READER_H_
