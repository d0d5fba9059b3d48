// What every `ledger` subcommand shares: global options, exit codes, opening
// the data directory for writing (lock, log, state, processor, views) or for
// reading (views only, read-only, no lock). Input files are read with
// LineReader (line_reader.h).
//
// Exit codes (the CLI's contract): 0 all applied or pending, 1 one or more
// requests rejected, 2 usage or input error, 3 storage error (busy included).
//
// Thread-safety: single-threaded CLI, except that a WriteSession may project
// its views on a second thread while it writes (FollowViews).
#ifndef XUEJI_COMMANDS_SESSION_H_
#define XUEJI_COMMANDS_SESSION_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "commands/views_follower.h"
#include "ledger/kafka/kafka_config.h"
#include "ledger/log/event_log.h"
#include "ledger/processor/processor.h"
#include "ledger/storage/data_dir.h"
#include "ledger/storage/kv.h"
#include "projections/views.h"

namespace xueji {

enum ExitCode {
  kExitOk = 0,
  kExitRejected = 1,
  kExitUsage = 2,
  kExitStorage = 3
};

class Backend;  // commands/backend.h

struct GlobalOptions {
  std::string data_dir;     // --data, else $LEDGER_DATA, else ./ledger-data
  std::string as_operator;  // --as: limit reads to this operator's region
  // --key KEYFILE, else $LEDGER_KEY: the operator's Ed25519 private key;
  // submit and registry load sign every batch with it, digest is signed with
  // it, and it names the reader of a query (issue 9).
  std::string key_file;
  bool json = false;  // --json where the subcommand has it
  bool csv = false;   // --csv where the subcommand has it
  // Kafka mode (issue 3): --kafka BOOTSTRAP, else $LEDGER_KAFKA, else
  // bootstrap.servers of the --kafka-config file ($LEDGER_KAFKA_CONFIG).
  std::string kafka_bootstrap;
  std::string kafka_config_file;
  std::string
      topic_prefix;  // --topic-prefix, else $LEDGER_TOPIC_PREFIX, else xueji
  // --views DIR: queries read this views store (a projector's) instead of
  // DATA/views.
  std::string views_dir;
  // Where writes go and which log replay/verify read: chosen once by RunCli
  // after parsing (ChooseBackend), owned by it.
  Backend* backend = nullptr;
};

// The Kafka connection the options name; !enabled() when none (embedded).
// InvalidArgument / NotFound for an unreadable or malformed config file.
absl::StatusOr<KafkaConnection> KafkaFrom(const GlobalOptions& options);

// Prints "ledger: <message>" to stderr and returns the exit code for it:
// InvalidArgument / NotFound / FailedPrecondition -> 2, anything else -> 3.
// A DataLoss also marks the watched data directory damaged (DATA/DAMAGED,
// see WatchForDamage and docs/design.md, "Integrity").
int Fail(const absl::Status& status);

// From now on Fail() writes its message as an ERROR log line (time, level;
// ledger/base/log.h) instead of "ledger: <message>": how the long-running
// services (`processor`, `projector`) report why they stopped.
void FailAsLogLine();

// From now on Fail() marks `data_dir` damaged on a DataLoss ("" stops it).
// Armed only while what the command reads cannot be moving under it: with
// the writer lock held, or through stores it has already opened.
void WatchForDamage(const std::string& data_dir);

// DataLoss for a data directory that carries the damage mark: what it says
// and what to do. Not marked again by Fail().
absl::Status RefuseDamaged(const DataDir& dir, const std::string& mark);

// The ledger's mode as a command finds it (docs/accountability.md, "Ledger
// modes"). AdmitLedger records it for this process and says so once on
// stderr: a development ledger announces itself; on a production ledger a
// set LEDGER_NOW is ignored, with a warning. FailedPrecondition (exit 2)
// "WHERE is not an initialised ledger: run `ledger init ...`" when `mode`
// is LEDGER_MODE_UNSPECIFIED.
absl::Status AdmitLedger(const std::string& where, xueji::v1::LedgerMode mode);
absl::Status NotInitialised(const std::string& where);
// The ledger clock for this command: the system clock once AdmitLedger saw
// a production ledger; else LEDGER_NOW when set (InvalidArgument if it is
// not a time), else the system clock.
absl::StatusOr<absl::Time> CommandNow();

// Progress on stderr for long work: at most one line every 2 seconds.
class Progress {
 public:
  explicit Progress(std::string what) : what_(std::move(what)) {}
  void Update(int64_t done);
  void Done(int64_t done);

 private:
  std::string what_;
  int64_t started_ms_ = -1;
  int64_t last_ms_ = 0;
};

// A data directory opened for writing.
//
// Open refuses a directory that is not an initialised ledger (nothing there,
// or no LedgerInitialized in the log) without creating anything, and admits
// the ledger (AdmitLedger). It checks the directory before anything is decided
// (docs/design.md, "Integrity"): no damage mark; a log present wherever a
// projection is; the log, the state and the views open cleanly (strict WAL
// recovery); the log is not behind what the state or the views have seen. Any
// of these failing is DataLoss and the directory is marked damaged. It then
// removes a rebuild left by an interrupted `ledger replay`, catches the state
// and (unless they are as of a `replay --until` and the session only reads) the
// views up, reading the log through ChainChecked: an altered event is never
// applied.
class WriteSession {
 public:
  enum class Purpose {
    kWrite,  // submit, registry load: the views are brought up to date
    kRead,   // a query's catch-up: views as of `replay --until` stay so
    kInit,   // `ledger init`: the one that may create a ledger
  };
  // Waits for the lock up to $LEDGER_LOCK_TIMEOUT (default 10s).
  static absl::StatusOr<std::unique_ptr<WriteSession>> Open(
      const GlobalOptions& options);
  static absl::StatusOr<std::unique_ptr<WriteSession>> Open(
      const GlobalOptions& options, absl::Duration lock_timeout,
      Purpose purpose = Purpose::kWrite);
  // `ledger init`'s session: creates the data directory if need be.
  static absl::StatusOr<std::unique_ptr<WriteSession>> OpenForInit(
      const GlobalOptions& options);
  ~WriteSession();
  RequestProcessor& processor() { return *processor_; }
  // The log as the processor and the views read it (chain-checked).
  EventLog& log() { return *checked_log_; }
  // Not while the views are followed (FollowViews .. FinishViews).
  Views& views() { return *views_; }
  // Brings the views up to the log's head (finishing a FollowViews first).
  absl::Status CatchUpViews(Progress* progress);

  // From now on the views are projected on a thread of their own
  // (views_follower.h) while this thread decides and appends: call
  // LogMoved() after every batch the processor appended, and FinishViews()
  // (or CatchUpViews) after the last one. Every path out joins the thread
  // (the destructor too).
  void FollowViews();
  void LogMoved() {
    if (follower_ != nullptr) follower_->Moved();
  }
  // The decider state written out (RequestProcessor::WriteState), then the
  // views up to the log's heads, the thread joined; the first error.
  absl::Status FinishViews(Progress* progress);
  // After a failed write: the thread stopped where it is and joined, no
  // last pass (the next command catches the views up).
  void StopViews() { follower_.reset(); }

 private:
  WriteSession() = default;
  static absl::StatusOr<std::unique_ptr<WriteSession>> OpenLocked(
      const GlobalOptions& options, absl::Duration lock_timeout,
      Purpose purpose);
  std::unique_ptr<WriterLock> lock_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<EventLog> checked_log_;  // over log_
  std::unique_ptr<RocksKv> state_kv_;
  std::unique_ptr<RequestProcessor> processor_;
  std::unique_ptr<Views> views_;
  // Over views_ and log_: declared after them, so it is destroyed (and its
  // thread joined) first.
  std::unique_ptr<ViewsFollower> follower_;
};

// Views for a query command. If no writer holds the directory, the views are
// caught up with the log first (WriteSession, Purpose::kRead); otherwise they
// are read as they are. A damaged directory (the mark) is refused. A store
// being swapped by `ledger replay` is opened again, so readers do not fail
// for it. Views as of a `replay --until` are read as they are, with a note on
// stderr.
absl::StatusOr<std::unique_ptr<Views>> OpenViewsForQuery(
    const GlobalOptions& options);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_SESSION_H_
