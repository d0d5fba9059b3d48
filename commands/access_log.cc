#include "commands/access_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "commands/output/output.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/base/dates.h"
#include "ledger/base/deterministic.h"
#include "ledger/base/sha256.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;

using xueji::v1::AccessEntry;

absl::Status Errno(const std::string& what, const std::string& path) {
  return absl::UnavailableError(absl::StrCat("access log ", path, ": ", what,
                                             ": ", std::strerror(errno)));
}

// Closes a file descriptor (and so drops its flock) on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::StatusOr<std::string> ReadAll(int fd, const std::string& path) {
  std::string text;
  char buffer[1 << 16];
  off_t at = 0;
  while (true) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, at);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("read", path);
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    at += n;
  }
  return text;
}

// The text from `from` to `size` of the open file.
absl::StatusOr<std::string> ReadRange(int fd, const std::string& path,
                                      off_t from, off_t size) {
  std::string text(static_cast<size_t>(size - from), '\0');
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = ::pread(fd, text.data() + done, text.size() - done,
                        from + static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("read", path);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  text.resize(done);
  return text;
}

absl::Status ParseEntry(const std::string& line, AccessEntry* entry) {
  google::protobuf::util::JsonParseOptions options;  // unknown fields: error
  auto status =
      google::protobuf::util::JsonStringToMessage(line, entry, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(std::string(status.message()));
  }
  return absl::OkStatus();
}

// The last whole line of the file (of `size` bytes) before any fragment a
// crash left after the last newline; "" when there is none. Sets
// *torn when the file does not end in a newline.
absl::StatusOr<std::string> LastWholeLine(int fd, const std::string& path,
                                          off_t size, bool* torn) {
  *torn = false;
  if (size == 0) return std::string();
  // Read backwards in growing chunks until two newlines (or the start) bound
  // the last whole line.
  off_t chunk = 4096;
  while (true) {
    const off_t from = size > chunk ? size - chunk : 0;
    auto tail = ReadRange(fd, path, from, size);
    if (!tail.ok()) return tail.status();
    std::string& text = *tail;
    *torn = text.empty() || text.back() != '\n';
    size_t end = text.rfind('\n');  // end of the last whole line
    if (end == std::string::npos) {
      if (from == 0) return std::string();  // only a fragment
      chunk *= 4;
      continue;
    }
    size_t begin = end == 0 ? std::string::npos : text.rfind('\n', end - 1);
    if (begin == std::string::npos && from > 0) {
      chunk *= 4;
      continue;
    }
    begin = begin == std::string::npos ? 0 : begin + 1;
    return text.substr(begin, end - begin);
  }
}

absl::Status WriteAll(int fd, const std::string& path,
                      const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Errno("write", path);
    }
    done += static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

}  // namespace

std::string AccessLogPath(const std::string& data_dir,
                          const std::string& views_dir) {
  if (views_dir.empty()) return (fs::path(data_dir) / "access.log").string();
  fs::path store = fs::path(views_dir).lexically_normal();
  if (!store.has_filename()) store = store.parent_path();  // "views/"
  return (store.parent_path() / "access.log").string();
}

std::string AccessEntryHash(const AccessEntry& entry) {
  AccessEntry copy = entry;
  copy.clear_hash();
  return HexEncode(Sha256(DeterministicBytes(copy)));
}

absl::StatusOr<AccessEntry> AppendAccess(const std::string& path,
                                         AccessEntry entry, absl::Time now) {
  const bool existed = fs::exists(path);
  Fd fd(::open(path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
  if (fd.get() < 0) return Errno("cannot open", path);
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return Errno("cannot lock", path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno("stat", path);
  bool torn = false;
  auto last_line = LastWholeLine(fd.get(), path, st.st_size, &torn);
  if (!last_line.ok()) return last_line.status();
  int64_t seq = 1;
  std::string prev_hash;
  if (!last_line->empty()) {
    AccessEntry last;
    if (absl::Status s = ParseEntry(*last_line, &last); !s.ok()) {
      return absl::DataLossError(absl::StrCat(
          "access log ", path, ": its last entry cannot be read (", s.message(),
          "), so no read can be recorded after it: the log was altered. "
          "Reads are refused until it is restored; `ledger access-log` "
          "shows where it breaks"));
    }
    seq = last.seq() + 1;
    prev_hash = last.hash();
  }
  entry.set_seq(seq);
  entry.set_at(FormatRfc3339(now));
  entry.set_prev_hash(prev_hash);
  entry.clear_hash();
  entry.set_hash(AccessEntryHash(entry));
  std::string line = absl::StrCat(torn ? "\n" : "", ToJsonLine(entry), "\n");
  if (absl::Status s = WriteAll(fd.get(), path, line); !s.ok()) return s;
  if (::fdatasync(fd.get()) != 0) return Errno("fdatasync", path);
  if (!existed) {  // the new file's name is durable too
    const std::string dir = fs::path(path).parent_path().string();
    Fd dir_fd(::open(dir.empty() ? "." : dir.c_str(),
                     O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
  }
  return entry;
}

absl::StatusOr<AccessLogReport> ReadAccessLog(const std::string& path) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(
          absl::StrCat("no access log at ", path, " (nothing read yet)"));
    }
    return Errno("cannot open", path);
  }
  while (::flock(fd.get(), LOCK_SH) != 0) {
    if (errno != EINTR) return Errno("cannot lock", path);
  }
  auto text = ReadAll(fd.get(), path);
  if (!text.ok()) return text.status();

  AccessLogReport report;
  std::string prev_hash;
  int64_t prev_seq = 0;
  int64_t unreadable_line = 0;  // a line before this entry that did not parse
  std::string unreadable_problem;
  int64_t line_no = 0;
  size_t at = 0;
  while (at < text->size()) {
    size_t end = text->find('\n', at);
    const bool whole = end != std::string::npos;
    std::string line = text->substr(at, whole ? end - at : std::string::npos);
    at = whole ? end + 1 : text->size();
    ++line_no;
    AccessEntry entry;
    if (absl::Status s = ParseEntry(line, &entry); !s.ok()) {
      if (!whole) {
        report.notes.push_back(absl::StrCat(
            "line ", line_no,
            " is an entry cut short (a write interrupted by a crash)"));
        break;
      }
      if (unreadable_line > 0) {  // two in a row: the first one is a break
        report.breaks.push_back(
            {unreadable_line, 0,
             absl::StrCat("not an entry (", unreadable_problem, ")")});
      }
      unreadable_line = line_no;
      unreadable_problem = std::string(s.message());
      continue;
    }
    const std::string hash = AccessEntryHash(entry);
    if (hash != entry.hash()) {
      report.breaks.push_back(
          {line_no, entry.seq(),
           "altered: its hash does not match what it says"});
    }
    if (entry.prev_hash() != prev_hash || entry.seq() != prev_seq + 1) {
      std::string problem =
          unreadable_line > 0
              ? absl::StrCat("does not follow the entry before line ",
                             unreadable_line, ", which is not an entry (",
                             unreadable_problem, "): that line was altered")
              : absl::StrCat("does not follow entry ", prev_seq,
                             ": an entry before it was removed, inserted or "
                             "altered");
      report.breaks.push_back({line_no, entry.seq(), problem});
    } else if (unreadable_line > 0) {
      // The entry chains over the line: a fragment a crash left, which the
      // next append closed with a newline.
      report.notes.push_back(absl::StrCat(
          "line ", unreadable_line,
          " is an entry cut short (a write interrupted by a crash); entry ",
          entry.seq(), " follows the one before it"));
    }
    unreadable_line = 0;
    prev_hash = entry.hash();
    prev_seq = entry.seq();
    report.entries.push_back(std::move(entry));
  }
  if (unreadable_line > 0) {
    report.breaks.push_back(
        {unreadable_line, 0,
         absl::StrCat("not an entry (", unreadable_problem, ")")});
  }
  return report;
}

}  // namespace xueji
