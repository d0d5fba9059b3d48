// Views: the ledger's read models, projected from the event log into a
// KvStore (RocksDB on disk under DATA/views, or a MemoryKv in tests).
//
//   - enrollment: RecordState by any student number the record ever had, by
//     identity document, by kindergarten; kindergartens and operators; counts
//     for `stats`;
//   - audit: every event of a subject in offset order, events by operator and
//     by request id, and the state of a record as of a past instant;
//   - anomalies: the problem records of docs/design.md, evaluated at query
//     time (as of a date, under the policy the log records for that date and
//     a WorkingCalendar) from rows that depend only on events;
//   - stats: dated count changes, flows and approval decisions per business
//     date, so that `stats` counts what was true on any day;
//   - policy: every PolicySet version (`ledger policy`, and the anomalies).
//
// CatchUp applies each partition from its checkpoint (the next offset to
// apply) to the head; the checkpoint is written in the same RocksKv Commit as
// the rows it covers, so a crash never applies an event twice or loses one.
// Rows are per subject, or commutative indexes and counters, so the store is
// byte-for-byte the same however partitions interleave: Digest() over a full
// rebuild from offset 0 equals Digest() over an incrementally built store.
// The key layout is in projections/rows.h and projections/README.md.
//
// Ownership: a Views opened with Open owns its RocksKv; one built on a
// caller's KvStore borrows it. Thread-safety: none; one owner at a time. A
// read-only Views may be open in one process while another writes; a
// secondary one (ViewsOptions::secondary) also while the writer compacts.
#ifndef XUEJI_PROJECTIONS_VIEWS_H_
#define XUEJI_PROJECTIONS_VIEWS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "ledger/log/event_log.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/policy.h"
#include "ledger/storage/fold_kv.h"
#include "ledger/storage/kv.h"
#include "xueji/v1/common.pb.h"
#include "xueji/v1/state.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji {

struct ViewsOptions {
  bool read_only = false;  // queries only; CatchUp fails
  // Queries only, as a RocksDB secondary instance of a store another process
  // (a projector) keeps writing: implies read_only; see RocksKv::Options.
  bool secondary = false;
  bool create_if_missing = true;
  // Kafka mode: transaction markers take offsets, so an event may follow
  // its predecessor with a gap (the projector checks prev_hash instead).
  // The embedded log is dense: a gap there is DataLoss.
  bool offset_gaps_allowed = false;
  size_t batch_events = 10000;    // commit after this many events ...
  size_t batch_bytes = 32 << 20;  // ... or this many pending bytes
  size_t read_chunk = 1000;       // events per EventLog::Read
  // CatchUpOptions::fold_in_memory: commit (one sorted file) after this
  // many bytes of changed rows; keep at most this many bytes of rows read
  // back (see ledger/storage/fold_kv.h). These are row bytes; the process
  // takes a few times their sum (decoded messages, the hash map, the
  // allocator): a replay of 1M generated children peaked at 1.43 GB with
  // 128 + 256 MiB, 0.98 GB with 128 + 96 or 128 + 64 MiB, no slower (issue
  // 12: peak memory under 1 GiB at 1M).
  size_t fold_commit_bytes = size_t{128} << 20;
  size_t fold_cache_bytes = size_t{64} << 20;
  // RocksKv::Options::small_write_bytes: write-outs smaller than this go
  // through the write-ahead log (the Kafka projector's, written out when
  // idle and every few seconds).
  size_t small_write_bytes = 0;
};

struct CatchUpOptions {
  // Stop each partition before its first event recorded after `until`
  // (`ledger replay --until`). The checkpoint stays at that event, and the
  // store records `until` (Until()) so that readers know the views are as of
  // then; a CatchUp without `until` removes that mark.
  std::optional<absl::Time> until;
  // Stop each partition before this offset (index = partition; a partition
  // beyond the vector goes to the head). For a rebuild that matches a
  // store's own checkpoints (`ledger verify --views`).
  std::vector<int64_t> up_to;
  // The rebuild path (`ledger replay`, a projector from offset 0, issue 12):
  // the same rows, folded in memory (FoldKv) and committed as sorted table
  // files ingested whole, one per ViewsOptions::fold_commit_bytes of changed
  // rows and one at the end (not one per partition or per batch_events);
  // each partition's events are read and decoded on a second thread while
  // the previous chunk is applied (the log is still used by one thread at a
  // time: that one, until the partition is done). The store ends byte-identical
  // to one built event by event; a crash keeps it consistent as of the last
  // commit. Nothing else may write the store meanwhile.
  bool fold_in_memory = false;
};

// Reported after every commit of CatchUp.
struct CatchUpProgress {
  int32_t partition = 0;
  int64_t next_offset = 0;  // checkpoint of `partition` after the commit
  int64_t head = 0;         // head offset of `partition`
  int64_t applied = 0;      // events applied so far by this CatchUp
};
using CatchUpProgressFn = std::function<void(const CatchUpProgress&)>;

// What Anomalies() evaluates.
// The policy is the log's: the versions in force on `as_of` (Policies()).
struct AnomalyQuery {
  std::string region;  // "" or "00" = all; else a 2/4/6-digit prefix
  std::optional<xueji::v1::Anomaly::Kind> kind;  // only this kind
  absl::CivilDay as_of;
  const WorkingCalendar* calendar = nullptr;  // required
};

// What Pending() lists: the changes waiting for a county's approval in
// `region`, as of a day, under the policy the log records for that day, and
// (issue 9) the export requests of `region` waiting for the level above
// (none with `kindergarten`).
struct PendingQuery {
  std::string region;        // "" or "00" = all; else a 2/4/6-digit prefix
  std::string kindergarten;  // only this kindergarten's ("" = all)
  std::optional<xueji::v1::PendingItem::Kind> kind;  // only this kind
  absl::CivilDay as_of;
  const WorkingCalendar* calendar = nullptr;  // required
};

// What Statistics() counts (`ledger stats`, projections/stats.cc): what was
// true on `as_of` in `region`, from the dated count rows; with a period, its
// flows and the approvals decided in it; the problem records of Anomalies()
// on `as_of`; with `by`, one StatsGroup per kindergarten, county, age or
// gender.
struct StatsQuery {
  std::string region;        // "" or "00" = all; else a 2/4/6-digit prefix
  std::string kindergarten;  // only this kindergarten's ("" = all)
  absl::CivilDay as_of;
  std::optional<absl::CivilDay> from, to;  // both or neither; from <= to
  std::string by;  // "", "kindergarten", "county", "age" or "gender"
  const WorkingCalendar* calendar = nullptr;  // required
};

// What Cases() lists (`ledger cases`; docs/design.md, "Problem records
// (cases)"): the cases of the records whose kindergarten lies in `region`.
struct CaseQuery {
  std::string region;        // "" or "00" = all; else a 2/4/6-digit prefix
  std::string kindergarten;  // only this kindergarten's ("" = all)
  std::string status;        // "open", "answered", "closed" or "" (all)
};
// "open", "answered", "closed" ("" for an unspecified status).
std::string CaseStatusText(xueji::v1::CaseStatus status);
// One case as `ledger cases` prints it; `county` is the record's
// kindergarten's.
xueji::v1::CaseItem CaseItemOf(const xueji::v1::RecordState& record,
                               const xueji::v1::CaseState& c,
                               std::string_view county);

// A graduated record as the primary-school register takes it over; `county`
// is its kindergarten's.
xueji::v1::GraduateRecord GraduateRecordOf(const xueji::v1::RecordState& record,
                                           std::string_view county);

class Views {
 public:
  // Opens (creating if allowed) the views store in directory `dir`.
  static absl::StatusOr<std::unique_ptr<Views>> Open(
      const std::string& dir, const ViewsOptions& options = {});
  // Removes the store at `dir` (for `ledger replay`). OK if absent.
  static absl::Status Destroy(const std::string& dir);

  // Views over a caller-owned store (e.g. a MemoryKv), committed in batches
  // like a store of its own.
  explicit Views(KvStore* kv, const ViewsOptions& options = {});
  ~Views();
  Views(const Views&) = delete;
  Views& operator=(const Views&) = delete;

  // --- projection
  // ------------------------------------------------------------- Applies every
  // partition of `log` from its checkpoint to the head, in bounded commits.
  // Returns the number of events applied. On error the uncommitted overlay is
  // dropped; committed batches stay (and are consistent with their
  // checkpoints).
  absl::StatusOr<int64_t> CatchUp(EventLog& log,
                                  const CatchUpProgressFn& progress = nullptr,
                                  const CatchUpOptions& options = {});
  // Write-behind, for views that follow a write session (commands/
  // views_follower.h; issue 12): from BeginWriteBehind on, every CatchUp folds
  // in memory (as with CatchUpOptions::fold_in_memory) into one FoldKv kept
  // across calls, whose committed rows go to the store as one sorted file
  // per `bytes` of rows (fold_kv.h, write-behind) and at EndWriteBehind,
  // which writes the rest and returns to writing the store directly. Reads
  // in between (the views' owner only) see the rows in memory. Destroying
  // the views writes them out as it can (an error leaves the store behind
  // the log, which the next CatchUp mends).
  void BeginWriteBehind(size_t bytes);
  absl::Status EndWriteBehind();
  // While written behind: writes the committed rows not yet in the store
  // (the Kafka projector's write-out when idle or on its clock); else OK.
  // FailedPrecondition while applies are uncommitted.
  absl::Status WriteOut();
  // Applies one event at its partition's checkpoint: an event below it is
  // skipped (returns false), one above it is a gap (DataLoss), one with no
  // known payload is DataLoss naming partition and offset. Writes go to the
  // overlay; the caller commits (Commit()).
  absl::StatusOr<bool> Apply(const StoredEvent& stored);
  absl::Status Commit(bool sync);

  // Next offset to apply, per partition (0 when none applied).
  absl::StatusOr<int64_t> Checkpoint(int32_t partition) const;
  // Every partition's checkpoint (index = partition, as many as the store
  // has seen): what the views have seen of the log.
  absl::StatusOr<std::vector<int64_t>> Checkpoints() const;
  // The `until` of the last CatchUp (RFC 3339) when it had one: the views
  // are as of then (`ledger replay --until`); nullopt otherwise.
  absl::StatusOr<std::optional<std::string>> Until() const;
  // Checks the store's checksums over every stored block (DataLoss naming
  // the file); OK for a store that is not RocksDB.
  absl::Status VerifyStorage();
  // What opening the store had to drop (RocksKv::recovery_note); "" if none.
  std::string recovery_note() const;

  // --- enrollment
  // ------------------------------------------------------------- By any number
  // the record has had (current, or a former L/J number).
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByNumber(
      std::string_view student_no) const;
  // Records whose current document is (type, number), in subject order.
  absl::StatusOr<std::vector<xueji::v1::RecordState>> RecordsByIdentity(
      xueji::v1::IdType type, std::string_view number) const;
  // Records whose current kindergarten is `kg` (while transferring: the
  // sending one), live only unless `include_inactive`; in subject order.
  absl::StatusOr<std::vector<xueji::v1::RecordState>> RecordsAtKindergarten(
      std::string_view kg, bool include_inactive) const;
  absl::StatusOr<std::optional<xueji::v1::KindergartenState>> Kindergarten(
      std::string_view code) const;
  // Kindergartens whose county lies in `region` ("" = all), in code order.
  absl::StatusOr<std::vector<xueji::v1::KindergartenState>> Kindergartens(
      std::string_view region) const;
  // The ledger (LedgerInitialized); nullopt before `ledger init`.
  absl::StatusOr<std::optional<xueji::v1::LedgerSettings>> Ledger() const;
  // last_active includes the operator's activity on every subject.
  absl::StatusOr<std::optional<xueji::v1::OperatorState>> Operator(
      std::string_view id) const;
  // The id of the operator one of whose keys (OperatorState.keys) has
  // `key_id`, revoked or not; nullopt when none.
  absl::StatusOr<std::optional<std::string>> OperatorWithKey(
      std::string_view key_id) const;
  // Live records of `region` by county, kindergarten and age on `as_of`;
  // by_status counts every record of the region, live or not. With
  // `kindergarten` (a registrar's read), only that kindergarten's records.
  absl::StatusOr<xueji::v1::Stats> ComputeStats(
      std::string_view region, absl::CivilDay as_of,
      std::string_view kindergarten = "") const;
  // `ledger stats`: see StatsQuery. InvalidArgument for a bad `by` or
  // period.
  absl::StatusOr<xueji::v1::Stats> Statistics(const StatsQuery& query) const;
  // Every policy version the log records (PolicySet events).
  absl::StatusOr<PolicyHistory> Policies() const;
  // 升学 hand-over (Art. 13, projections/graduates.cc): the records GRADUATED
  // in `year` (their Graduated event's business date) at the kindergartens
  // of `region` ("" = all; with `kindergarten`, only that one's), ordered by
  // county, kindergarten and student number.
  absl::StatusOr<std::vector<xueji::v1::GraduateRecord>> Graduates(
      int year, std::string_view region,
      std::string_view kindergarten = "") const;

  // --- audit
  // ------------------------------------------------------------------ Every
  // event of the record with this number, in offset order (refusals on the
  // record included). NotFound for an unknown number.
  absl::StatusOr<std::vector<StoredEvent>> HistoryOfStudent(
      std::string_view student_no) const;
  absl::StatusOr<std::vector<StoredEvent>> HistoryOfSubject(
      std::string_view subject) const;
  // Events whose actor is `operator_id`; ordered by recorded_at, then
  // (partition, offset).
  absl::StatusOr<std::vector<StoredEvent>> HistoryOfOperator(
      std::string_view operator_id) const;
  // Events whose request_id or correlation_id is `request_id`; same order.
  absl::StatusOr<std::vector<StoredEvent>> HistoryOfRequest(
      std::string_view request_id) const;
  // The record folded from its events recorded at or before `at`; nullopt if
  // it had none then. NotFound for an unknown number.
  absl::StatusOr<std::optional<xueji::v1::RecordState>> StateAsOf(
      std::string_view student_no, absl::Time at) const;

  // --- anomalies
  // -------------------------------------------------------------- Sorted by
  // (kind, county, kindergarten, student_no, since, detail).
  absl::StatusOr<xueji::v1::AnomalyReport> Anomalies(
      const AnomalyQuery& query) const;
  // The approver's queue (`ledger pending`, projections/pending.cc): each
  // record's change waiting for its county's decision, oldest first, with
  // the day it is due (PendingApprovalOf, the rule OVERDUE_APPROVAL uses);
  // the export requests awaiting a decision (kind EXPORT, no due day).
  absl::StatusOr<xueji::v1::PendingReport> Pending(
      const PendingQuery& query) const;

  // Problem record cases (projections/cases.cc), ordered by county,
  // kindergarten, opening date and case id.
  absl::StatusOr<xueji::v1::CaseReport> Cases(const CaseQuery& query) const;

  // --- whole store
  // ------------------------------------------------------------ Visits every
  // key/value pair in key order.
  absl::Status Dump(const KvStore::Visitor& visit) const;
  // Hex SHA-256 over every (key, value) pair in key order, each part
  // length-prefixed, metadata rows (the Until() mark) left out: equal
  // digests mean equal views.
  absl::StatusOr<std::string> Digest() const;
  // Hex SHA-256 of what the views answer, independent of where the events
  // sit in the log: checkpoints left out; history rows numbered by their
  // order within the subject, their events without partition, offset and
  // hashes; the operator and request indexes pointing at event ids. Equal
  // for an embedded store and a Kafka replica with transactions (whose
  // offsets count commit markers) that hold the same events per subject.
  absl::StatusOr<std::string> ContentDigest() const;

 private:
  Views(std::unique_ptr<RocksKv> owned, const ViewsOptions& options);
  absl::StatusOr<int64_t> CatchUpAll(EventLog& log,
                                     const std::vector<int64_t>& heads,
                                     const CatchUpProgressFn& progress,
                                     const CatchUpOptions& options);
  absl::StatusOr<int64_t> CatchUpPartition(EventLog& log, int32_t partition,
                                           int64_t head,
                                           const CatchUpOptions& options,
                                           const CatchUpProgressFn& progress,
                                           int64_t* applied);
  absl::StatusOr<xueji::v1::RecordState> LoadRecordOfSubject(
      std::string_view subject) const;
  absl::StatusOr<std::string> SubjectOfNumber(
      std::string_view student_no) const;
  absl::StatusOr<std::vector<StoredEvent>> EventsAt(
      std::string_view prefix) const;

  std::unique_ptr<RocksKv> owned_;
  KvStore* base_;  // the store: owned_, or the caller's
  KvStore* kv_;    // base_, or write_behind_ between Begin and End
  ViewsOptions options_;
  size_t uncommitted_events_ = 0;
  bool folding_ = false;  // in a CatchUp with fold_in_memory
  // Between BeginWriteBehind and EndWriteBehind: the rows, over the store.
  std::unique_ptr<FoldKv> write_behind_;
};

}  // namespace xueji

#endif  // XUEJI_PROJECTIONS_VIEWS_H_
