#include "ledger/base/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <mutex>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "ledger/base/strings.h"

namespace xueji {
namespace {

std::atomic<int> g_minimum{static_cast<int>(LogLevel::kInfo)};

std::mutex& SinkMutex() {
  static auto* mu = new std::mutex();
  return *mu;
}
std::function<void(std::string_view)>& Sink() {
  static auto* sink = new std::function<void(std::string_view)>();
  return *sink;
}

// True when stderr is the journal stream systemd connected ($JOURNAL_STREAM
// is "DEVICE:INODE" of it; a child's stderr redirected elsewhere is not).
bool StderrIsJournal() {
  const char* stream = std::getenv("JOURNAL_STREAM");
  if (stream == nullptr || *stream == '\0') return false;
  std::vector<std::string> parts = absl::StrSplit(stream, ':');
  uint64_t dev = 0, ino = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &dev) ||
      !absl::SimpleAtoi(parts[1], &ino)) {
    return false;
  }
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<uint64_t>(st.st_dev) == dev &&
         static_cast<uint64_t>(st.st_ino) == ino;
}

// Each level's name and its syslog priority on the journal (sd-daemon.h
// SD_DEBUG ... SD_ERR), in the order of LogLevel's values.
struct LevelNames {
  std::string_view name;
  const char* journal_prefix;
};
constexpr LevelNames kLevels[] = {
    {"DEBUG", "<7>"}, {"INFO", "<6>"}, {"WARN", "<4>"}, {"ERROR", "<3>"}};
static_assert(std::size(kLevels) == static_cast<size_t>(LogLevel::kError) + 1);

// A value outside the enum reads as INFO.
const LevelNames& NamesOf(LogLevel level) {
  const auto i = static_cast<size_t>(level);
  return i < std::size(kLevels) ? kLevels[i]
                                : kLevels[static_cast<size_t>(LogLevel::kInfo)];
}

bool IsWordChar(char c) { return absl::ascii_isalnum(c); }

// A word shaped like a resident ID number (17 digits and a digit or X) or a
// student number on one (G, L or J first).
bool LooksLikeIdNumber(std::string_view word) {
  if (word.size() == 19 &&
      (word[0] == 'G' || word[0] == 'L' || word[0] == 'J' || word[0] == 'g' ||
       word[0] == 'l' || word[0] == 'j')) {
    word.remove_prefix(1);
  }
  if (word.size() != 18) return false;
  for (size_t i = 0; i < 17; ++i) {
    if (!absl::ascii_isdigit(word[i])) return false;
  }
  return absl::ascii_isdigit(word[17]) || word[17] == 'X' || word[17] == 'x';
}

}  // namespace

std::optional<LogLevel> ParseLogLevel(std::string_view name) {
  if (absl::EqualsIgnoreCase(Av(name), "warning")) return LogLevel::kWarn;
  for (size_t i = 0; i < std::size(kLevels); ++i) {
    if (absl::EqualsIgnoreCase(Av(name), Av(kLevels[i].name))) {
      return static_cast<LogLevel>(i);
    }
  }
  return std::nullopt;
}

std::string_view LogLevelName(LogLevel level) { return NamesOf(level).name; }

void SetLogLevel(LogLevel minimum) {
  g_minimum.store(static_cast<int>(minimum), std::memory_order_relaxed);
}

LogLevel GetLogLevel() {
  return static_cast<LogLevel>(g_minimum.load(std::memory_order_relaxed));
}

std::string RedactIdNumbers(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (!IsWordChar(text[i])) {
      out.push_back(text[i++]);
      continue;
    }
    size_t end = i;
    while (end < text.size() && IsWordChar(text[end])) ++end;
    const std::string_view word = text.substr(i, end - i);
    if (LooksLikeIdNumber(word)) {
      out += "[id]";
    } else {
      out.append(word);
    }
    i = end;
  }
  return out;
}

std::string FormatLogLine(LogLevel level, std::string_view text,
                          int64_t unix_millis) {
  std::string body = RedactIdNumbers(text);
  for (char& c : body) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  while (!body.empty() && body.back() == ' ') body.pop_back();
  const absl::Time t = absl::FromUnixMillis(unix_millis);
  return Cat(absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone()),
             " ", LogLevelName(level), " ", body);
}

void Log(LogLevel level, std::string_view text) {
  if (!LogEnabled(level)) return;
  const std::string line =
      FormatLogLine(level, text, absl::ToUnixMillis(absl::Now()));
  static const bool journal = StderrIsJournal();
  std::lock_guard<std::mutex> hold(SinkMutex());
  if (Sink()) {
    Sink()(line);
    return;
  }
  const std::string whole =
      absl::StrCat(journal ? NamesOf(level).journal_prefix : "", line, "\n");
  // Whole lines under the mutex: lines of several threads never interleave.
  for (size_t done = 0; done < whole.size();) {
    const ssize_t n =
        ::write(STDERR_FILENO, whole.data() + done, whole.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // stderr closed or full: a log line is not worth more
    done += static_cast<size_t>(n);
  }
}

void SetLogSink(std::function<void(std::string_view line)> sink) {
  std::lock_guard<std::mutex> hold(SinkMutex());
  Sink() = std::move(sink);
}

}  // namespace xueji
