// Private to xueji_projections: the key layout of the views store and the
// per-module apply functions that views.cc dispatches to.
//
// Every row depends only on the events of one subject (records, kindergartens,
// operators, subject history) or is a commutative set/counter/max over events
// (the indexes, the (kg, status, birth date) counters, operator activity), so
// the store's contents do not depend on how partitions interleave. Variable
// parts of a key end with '\0' so that a prefix scan of "x" + id + '\0' never
// matches a longer id.
//
// Key namespaces (first byte):
//   C <p:BE32>                       next offset to apply (BE64)
//   M <name>                         metadata, left out of Digest():
//                                    "Muntil" = RFC 3339 as-of time of a
//                                    `replay --until` (Views::Until)
//   R <subject>                      RecordState
//   X <subject>                      record extras (RecordExtra)
//   N <student_no>                   subject, for every number ever held
//   I <identity key>\0<subject>      "" (record's current document)
//   P <probable key>\0<subject>      "" (record's name+gender+birth date)
//   K <kg>\0<subject>                "" (record's current kindergarten)
//   T <kg>\0<subject>                "" (issue 10: a TRANSFERRING record's
//                                    receiving kindergarten, as it names it)
//   c <kg>\0<status:2 digits>\0<birth date>   count (BE64), absent when 0
//   G <kg code>                      KindergartenState
//   V <kg code>\0<date>             that day's VerificationRecorded + date
//   O <operator id>                  OperatorState (op: subject events only)
//   A <operator id>                  max business date of the actor's events
//   H <subject>\0<offset:BE64>       the event's stored bytes
//   Q <operator id>\0<p:BE32><o:BE64>  subject (points into H)
//   Y <request id>\0<p:BE32><o:BE64>   subject (request_id or correlation_id)
//   S <region>\0<version:BE32>       PolicySet (the policy versions)
//   E <request id>                   a late entry: the first event of its
//                                    decision (hashes cleared), which carries
//                                    late_reason
//   L                                LedgerSettings (LedgerInitialized)
//   d <date>\0<kg>\0<status:2>\0<gender:1>\0<birth date>
//                                    signed change (BE64, two's complement)
//                                    of the records in that (kg, status,
//                                    gender, birth date) on that business
//                                    date; absent when 0 (stats as of a day:
//                                    the sum of the rows up to it)
//   f <date>\0<kg>\0<flow:2>\0<gender:1>\0<birth date>
//                                    count of that day's flows (StatsFlow)
//   a <decided>\0<kg>\0<requested>\0<kind:2>\0<rejected:1>
//                                    count of approvals decided that day
//   j <case id>\0                    subject of the record a problem case
//                                    is about (cases.cc; the case itself is
//                                    in the record's RecordState)
//   W  issue 10, anomalies as of a past date and 人籍分离 (set rows, "" or
//      a term; never deleted):
//   Wk <kg>\0<subject>               every kindergarten the record has had
//   Wi <identity key>\0<subject>     every document key it has had
//   Wp <probable key>\0<subject>     every name+gender+birth date it has had
//   Wu <student no>\0<kg>\0<date>    term: a verification of <kg> on <date>
//                                    listed the number as present, and it
//                                    was not live there (unknown_student_nos)
//   Wa <operator id>\0<date>         each day the operator was active
//
// Thread-safety: pure helpers; the apply functions write a caller's KvStore.
#ifndef XUEJI_PROJECTIONS_ROWS_H_
#define XUEJI_PROJECTIONS_ROWS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message_lite.h"
#include "ledger/log/event_log.h"
#include "ledger/storage/kv.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji::views_internal {

// abseil here is built with its own string_view: convert at the boundary.
inline absl::string_view Sv(std::string_view s) { return {s.data(), s.size()}; }

inline constexpr char kCheckpointPrefix[] = "C";
std::string CheckpointKey(int32_t partition);
inline std::string UntilKey() { return "Muntil"; }
inline bool IsMetadataKey(std::string_view key) {
  return !key.empty() && key.front() == 'M';
}
std::string RecordKey(std::string_view subject);
std::string RecordExtraKey(std::string_view subject);
std::string NumberKey(std::string_view student_no);
std::string IdentityPrefix(std::string_view identity_key);
std::string ProbablePrefix(std::string_view probable_key);
std::string KgIndexPrefix(std::string_view kg);
// Issue 10: the records in transfer to `kg` (its receiving side's pending
// approvals and overdue transfers-in).
std::string IncomingIndexPrefix(std::string_view kg);
std::string CounterKey(std::string_view kg, int status,
                       std::string_view birth_date);
std::string KindergartenKey(std::string_view code);
// Verifications of a kindergarten, one per business date (the day's last).
std::string VerificationKey(std::string_view code, std::string_view date);
std::string VerificationPrefix(std::string_view code);
std::string OperatorKey(std::string_view id);
inline std::string LedgerKey() { return "L"; }
std::string ActivityKey(std::string_view id);
std::string HistoryPrefix(std::string_view subject);
std::string HistoryKey(std::string_view subject, int64_t offset);
// The H rows of every export request (subjects "exp:<id>", issue 10 item 5),
// in subject, then offset order: what Pending() folds for the EXPORT kind.
std::string ExportHistoriesPrefix();
std::string OperatorIndexPrefix(std::string_view operator_id);
std::string RequestIndexPrefix(std::string_view request_id);
inline constexpr char kPolicyPrefix[] = "S";
std::string PolicyKey(std::string_view region, int32_t version);
inline constexpr char kLateEntryPrefix[] = "E";
std::string LateEntryKey(std::string_view request_id);
// Position suffix <p:BE32><o:BE64> of Q and Y keys.
std::string PositionSuffix(int32_t partition, int64_t offset);

// Subject kinds by their prefix ("stu:", "kg:", "op:").
bool IsRecordSubject(std::string_view subject);
bool IsKindergartenSubject(std::string_view subject);
bool IsOperatorSubject(std::string_view subject);

// Puts `message`'s DeterministicBytes, so equal rows are equal bytes.
void PutMessage(KvStore* kv, std::string_view key,
                const google::protobuf::MessageLite& message);
// The same for a message the caller is done with (moved, not copied, into a
// store that keeps messages).
template <typename M>
requires(!std::is_lvalue_reference_v<M> &&
         std::is_base_of_v<google::protobuf::MessageLite,
                           M>) void PutMessage(KvStore* kv,
                                               std::string_view key,
                                               M&& message) {
  kv->PutMessage(key, std::make_unique<M>(std::move(message)));
}
// Parses the row at `key` into `out`; false when absent; DataLoss when
// unparseable.
absl::StatusOr<bool> GetMessage(const KvStore& kv, std::string_view key,
                                google::protobuf::MessageLite* out);
// Visits the rows under `prefix` in key order, each parsed as an M, while
// `visit` returns true; DataLoss "views: unparseable <what> row" at the first
// row that does not parse.
template <typename M>
absl::Status ScanMessages(
    const KvStore& kv, std::string_view prefix, const char* what,
    const std::function<bool(std::string_view key, M& message)>& visit) {
  bool bad = false;
  absl::Status s = kv.ScanPrefix(prefix, [&](std::string_view key,
                                             std::string_view value) {
    M message;
    if (!message.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
      bad = true;
      return false;
    }
    return visit(key, message);
  });
  if (!s.ok()) return s;
  if (bad) {
    return absl::DataLossError(
        absl::StrCat("views: unparseable ", what, " row"));
  }
  return absl::OkStatus();
}

// Facts about a record the RecordState does not keep.
struct RecordExtra {
  std::string arrived_on;        // business date it became live at its kg
  std::string temp_assigned_on;  // business date of its L number
};
RecordExtra ParseExtra(std::string_view value);
std::string FormatExtra(const RecordExtra& extra);

// Adds `delta` to the counter at `key`, deleting it when it reaches 0.
absl::Status AddToCounter(KvStore* kv, std::string_view key, int64_t delta);

// Issue 10: the W rows (anomalies.cc reads them).
std::string EverAtKgPrefix(std::string_view kg);
std::string EverIdentityPrefix(std::string_view identity_key);
std::string EverProbablePrefix(std::string_view probable_key);
inline constexpr char kSightingPrefix[] = "Wu";
std::string SightingPrefix(std::string_view student_no);
std::string SightingKey(std::string_view student_no, std::string_view kg,
                        std::string_view date);
std::string ActiveDayPrefix(std::string_view operator_id);
// The record extras after `event` took the record from `before` to `after`.
RecordExtra NextExtra(RecordExtra extra, const xueji::v1::RecordState& before,
                      const xueji::v1::RecordState& after,
                      const xueji::v1::Event& event);

// Stats rows (stats.cc): the dated changes, flows and approval decisions
// of a record's event, from the record before and after it.
enum StatsFlow {
  kFlowAdmission = 1,
  kFlowTransferIn = 2,
  kFlowTransferOut = 3,
  kFlowLeave = 4,
  kFlowGraduation = 5,
  kFlowDeferral = 6,
  kFlowCancellation = 7,
  kFlowRejectedAdmission = 8,
};
inline constexpr char kStatsDeltaPrefix[] = "d";
inline constexpr char kStatsFlowPrefix[] = "f";
inline constexpr char kStatsApprovalPrefix[] = "a";
std::string StatsDeltaKey(std::string_view date, std::string_view kg,
                          int status, int gender, std::string_view birth_date);
std::string StatsFlowKey(std::string_view date, std::string_view kg, int flow,
                         int gender, std::string_view birth_date);
std::string StatsApprovalKey(std::string_view decided, std::string_view kg,
                             std::string_view requested, int kind,
                             bool rejected);
// Adds `delta` to the signed counter at `key` (which may go below zero),
// deleting it when it reaches 0.
absl::Status AddToSignedCounter(KvStore* kv, std::string_view key,
                                int64_t delta);
absl::Status ApplyStats(KvStore* kv, const xueji::v1::Event& event,
                        const xueji::v1::RecordState& before,
                        const xueji::v1::RecordState& after);

// Enrollment rows (enrollment.cc): records, their indexes and counters,
// kindergartens, verifications, operators and operator activity (the days
// their events were recorded, by the ledger's clock), policy versions and
// late entries.
absl::Status ApplyEnrollment(KvStore* kv, const xueji::v1::Event& event);

// Problem record cases (cases.cc): the index of cases by id.
inline constexpr char kCasePrefix[] = "j";
std::string CaseKey(std::string_view case_id);
absl::Status ApplyCases(KvStore* kv, const xueji::v1::Event& event);

// Audit rows (audit.cc): subject history and the operator/request indexes.
absl::Status ApplyAudit(KvStore* kv, const StoredEvent& stored);

}  // namespace xueji::views_internal

#endif  // XUEJI_PROJECTIONS_ROWS_H_
