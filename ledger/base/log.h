// Log lines of the long-running services (`ledger processor`, `ledger
// projector`) and of the libraries under them (librdkafka, RocksDB): one
// line per event of note, on stderr, each with a time and a level:
//
//   2026-11-29T18:00:00.123Z INFO processor host:42: joined the group on ...
//
// The time is the system clock's (UTC, milliseconds), whatever the ledger's
// clock says; the level is DEBUG, INFO, WARN or ERROR. Lines below the
// minimum level (SetLogLevel, default INFO; the CLI's --log-level) are
// dropped. When stderr is systemd's journal stream ($JOURNAL_STREAM names
// it), each line also starts with the syslog priority journald reads
// ("<6>" for INFO), so `journalctl -p warning` filters by level.
//
// Children's personal data: callers never put names or document numbers in
// a log line. As a second line of defence every line goes through
// RedactIdNumbers, which replaces any word shaped like an 18-character
// resident ID number or a student number built on one (G/L/J + 18) with
// "[id]".
//
// Ownership: one process-wide minimum level and sink. Thread-safety: Log may
// be called from any thread (librdkafka logs from its own); each line is
// written whole. SetLogLevel and SetLogSink are for start-up (and tests).
#ifndef XUEJI_LEDGER_BASE_LOG_H_
#define XUEJI_LEDGER_BASE_LOG_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace xueji {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// "debug", "info", "warn" (or "warning"), "error", any case; nullopt else.
std::optional<LogLevel> ParseLogLevel(std::string_view name);
// "DEBUG", "INFO", "WARN", "ERROR".
std::string_view LogLevelName(LogLevel level);

void SetLogLevel(LogLevel minimum);
LogLevel GetLogLevel();
inline bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= static_cast<int>(GetLogLevel());
}

// Writes one line (`text`, redacted, newlines folded to spaces) at `level`
// if the level is enabled.
void Log(LogLevel level, std::string_view text);
inline void LogDebug(std::string_view text) { Log(LogLevel::kDebug, text); }
inline void LogInfo(std::string_view text) { Log(LogLevel::kInfo, text); }
inline void LogWarn(std::string_view text) { Log(LogLevel::kWarn, text); }
inline void LogError(std::string_view text) { Log(LogLevel::kError, text); }

// The whole line Log would write for `text` (without the newline), as of
// `unix_millis`: "<time> <LEVEL> <redacted text>".
std::string FormatLogLine(LogLevel level, std::string_view text,
                          int64_t unix_millis);

// `text` with every word (a maximal run of ASCII letters and digits) that
// is 17 digits and a digit or X, optionally after one letter G, L or J,
// replaced by "[id]".
std::string RedactIdNumbers(std::string_view text);

// Where lines go (each without its newline); null restores stderr.
void SetLogSink(std::function<void(std::string_view line)> sink);

}  // namespace xueji

#endif  // XUEJI_LEDGER_BASE_LOG_H_
