#include "commands/input/line_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace xueji {
namespace {

constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr size_t kBomBytes = 3;

std::string SizeText(int64_t bytes) {
  if (bytes >= (int64_t{1} << 30) && bytes % (int64_t{1} << 30) == 0) {
    return absl::StrCat(bytes >> 30, " GiB");
  }
  if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) {
    return absl::StrCat(bytes >> 20, " MiB");
  }
  if (bytes >= 1024 && bytes % 1024 == 0) {
    return absl::StrCat(bytes >> 10, " KiB");
  }
  return absl::StrCat(bytes, " bytes");
}

absl::Status ErrnoStatus(int error) {
  return absl::Status(absl::ErrnoToStatusCode(error), std::strerror(error));
}

}  // namespace

LineReader::LineReader(std::string name, ReadFn read, LineReaderOptions options)
    : name_(std::move(name)),
      read_(std::move(read)),
      options_(options),
      chunk_(std::max<size_t>(options.chunk_bytes, 1)) {
  options_.max_line_bytes = std::max<size_t>(options_.max_line_bytes, 1);
  line_.text.reserve(options_.max_line_bytes + kBomBytes);
}

LineReader::~LineReader() {
  if (close_) close_();
}

absl::StatusOr<std::unique_ptr<LineReader>> LineReader::Open(
    const std::string& path, LineReaderOptions options) {
  if (path == "-")
    return FromFd(STDIN_FILENO, "standard input", false, options);
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("cannot read ", path, ": no such file"));
    }
    if (error == EACCES) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read ", path, ": permission denied"));
    }
    return absl::Status(
        absl::ErrnoToStatusCode(error),
        absl::StrCat("cannot read ", path, ": ", std::strerror(error)));
  }
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    close(fd);
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", path, ": it is a directory"));
  }
  return FromFd(fd, path, true, options);
}

std::unique_ptr<LineReader> LineReader::FromFd(int fd, std::string name,
                                               bool owned,
                                               LineReaderOptions options) {
  auto read = [fd](char* buf, size_t n) -> absl::StatusOr<size_t> {
    for (;;) {
      const ssize_t got = ::read(fd, buf, n);
      if (got >= 0) return static_cast<size_t>(got);
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {  // a non-blocking stdin
        struct pollfd p = {fd, POLLIN, 0};
        poll(&p, 1, -1);
        continue;
      }
      return ErrnoStatus(errno);
    }
  };
  auto reader =
      std::make_unique<LineReader>(std::move(name), std::move(read), options);
  if (owned) reader->close_ = [fd] { close(fd); };
  return reader;
}

std::unique_ptr<LineReader> LineReader::FromString(std::string text,
                                                   LineReaderOptions options) {
  auto shared = std::make_shared<std::string>(std::move(text));
  auto offset = std::make_shared<size_t>(0);
  auto read = [shared, offset](char* buf, size_t n) -> absl::StatusOr<size_t> {
    const size_t k = std::min(n, shared->size() - *offset);
    std::memcpy(buf, shared->data() + *offset, k);
    *offset += k;
    return k;
  };
  return std::make_unique<LineReader>("input", std::move(read), options);
}

size_t LineReader::buffered_capacity() const {
  return chunk_.capacity() + line_.text.capacity();
}

absl::StatusOr<bool> LineReader::Fill() {
  if (eof_) return false;
  absl::StatusOr<size_t> got = read_(chunk_.data(), chunk_.size());
  if (!got.ok()) return got.status();
  pos_ = 0;
  end_ = std::min(*got, chunk_.size());
  if (end_ == 0) {
    eof_ = true;
    return false;
  }
  return true;
}

absl::StatusOr<bool> LineReader::Next() {
  if (!failed_.ok()) return failed_;
  const int64_t number = line_.number + 1;
  // The first line may carry a byte order mark on top of the limit.
  const size_t keep = options_.max_line_bytes + (number == 1 ? kBomBytes : 0);
  line_.text.clear();
  line_.too_long = false;
  line_.bytes = 0;
  bool any = false;  // a byte, or a newline, of this line was read
  char last = 0;     // the line's last byte (a CR before the newline?)
  for (;;) {
    if (pos_ == end_) {
      absl::StatusOr<bool> more = Fill();
      if (!more.ok()) {
        failed_ =
            absl::Status(more.status().code(),
                         absl::StrCat("cannot read ", name_, " at line ",
                                      number, ": ", more.status().message()));
        return failed_;
      }
      if (!*more) {
        if (!any) return false;
        break;  // the last line, without a newline
      }
    }
    any = true;
    const char* start = chunk_.data() + pos_;
    const size_t avail = end_ - pos_;
    const char* newline =
        static_cast<const char*>(std::memchr(start, '\n', avail));
    const size_t n = newline != nullptr ? newline - start : avail;
    if (line_.text.size() < keep) {
      line_.text.append(start, std::min(n, keep - line_.text.size()));
    }
    line_.bytes += n;
    if (n > 0) last = start[n - 1];
    pos_ += n + (newline != nullptr ? 1 : 0);
    if (newline != nullptr) break;
    if (line_.bytes > options_.max_skip_bytes) {
      failed_ = absl::InvalidArgumentError(absl::StrCat(
          name_, " line ", number, ": no end of line within the first ",
          SizeText(options_.max_skip_bytes), " (the limit is ",
          SizeText(options_.max_line_bytes),
          " per line): not a JSONL file; stopped reading"));
      return failed_;
    }
  }
  line_.number = number;
  if (last == '\r') {
    if (line_.text.size() == static_cast<size_t>(line_.bytes)) {
      line_.text.pop_back();
    }
    --line_.bytes;
  }
  if (number == 1 && line_.text.starts_with(std::string_view(kBom, 3))) {
    line_.text.erase(0, kBomBytes);
    line_.bytes -= kBomBytes;
  }
  if (line_.bytes > static_cast<int64_t>(options_.max_line_bytes)) {
    line_.too_long = true;
    if (line_.text.size() > options_.max_line_bytes) {
      line_.text.resize(options_.max_line_bytes);
    }
  }
  return true;
}

}  // namespace xueji
