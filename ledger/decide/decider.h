// The deciders: pure functions from (request, state) to events.
//
//   Decide(request, state, ctx)  -> Decision (events + the answer) or Status
//   EvolveRecord / EvolveKindergarten / EvolveOperator (state, event) -> state
//
// Decide reads state only through StateView and takes time, the calendar and
// the areas from DecideContext, so it is deterministic: the same request on
// the same state at the same `now` yields byte-identical events. The policy is
// state too (docs/accountability.md, "Policy is in the log"): the PolicySet
// versions StateView::PolicyVersions() returns, in force on the request's
// business date. The ledger's clock `now` is the only clock: it stamps
// recorded_at, gives occurredOn its default (today in Beijing time), and
// judges the future, late entries and dormancy. A refused request is a
// Decision too (status REJECTED, a RequestRejected event on the audit trail,
// possibly an OperatorSealed before it); a non-OK Status means the state could
// not be read (storage), never a domain refusal.
//
// Events come back with the envelope filled (event_id, subject, student_no,
// recorded_at, business_date, actor, request_id, correlation_id, outcome,
// policy_version, late_reason) and partition/offset/hashes empty: the
// EventLog assigns those.
//
// Thread-safety: pure functions; StateView implementations say their own.
#ifndef XUEJI_LEDGER_DECIDE_DECIDER_H_
#define XUEJI_LEDGER_DECIDE_DECIDER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/calendar.h"
#include "ledger/rules/policy.h"
#include "ledger/rules/subjects.h"  // subject keys of the events
#include "xueji/v1/events.pb.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

// Read access to decider state. Lookups return nullopt when absent.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual absl::StatusOr<std::optional<xueji::v1::OperatorState>> Operator(
      std::string_view id) const = 0;
  virtual absl::StatusOr<std::optional<xueji::v1::KindergartenState>>
  Kindergarten(std::string_view code) const = 0;
  // By any number the record has had (current or former).
  virtual absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByNumber(
      std::string_view student_no) const = 0;
  // The record that last held this IdentityKey(), live or not.
  virtual absl::StatusOr<std::optional<xueji::v1::RecordState>>
  RecordByIdentity(std::string_view identity_key) const = 0;
  // The record whose pending change has this request id.
  virtual absl::StatusOr<std::optional<xueji::v1::RecordState>>
  RecordByPendingRequest(std::string_view request_id) const = 0;
  // Records PENDING, ENROLLED or TRANSFERRING (out of) at a kindergarten, in
  // subject order.
  virtual absl::StatusOr<std::vector<xueji::v1::RecordState>> LiveRecordsAt(
      std::string_view kindergarten) const = 0;
  // Records TRANSFERRING to `kindergarten` (the code their transfer names,
  // not forwarded through merges), in subject order: the transfers a closure
  // or merge of it settles (issue 10). The default answers Unimplemented: a
  // view the deciders use must override it.
  virtual absl::StatusOr<std::vector<xueji::v1::RecordState>> TransfersInto(
      std::string_view kindergarten) const {
    return absl::UnimplementedError(
        "this state view does not index transfers by receiving kindergarten");
  }
  // Problem records (docs/design.md, "Problem records (cases)"): the record
  // a case (by its id, CaseOpened) is about; nullopt for an unknown case.
  // The default answers Unimplemented: a view the deciders use must
  // override it.
  virtual absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByCase(
      std::string_view case_id) const {
    return absl::UnimplementedError("this state view does not index cases");
  }
  // The next free sequence number under a student-number prefix (from 1).
  virtual absl::StatusOr<int> NextSequence(std::string_view prefix) const = 0;
  // Every policy version recorded (the PolicySet events' payloads), in
  // (region, version) order.
  virtual absl::StatusOr<std::vector<xueji::v1::PolicySet>> PolicyVersions()
      const = 0;
  // The ledger itself (LedgerInitialized); nullopt before `ledger init`.
  virtual absl::StatusOr<std::optional<xueji::v1::LedgerSettings>> Ledger()
      const = 0;
  // The operator a key (by its id) was registered to, current or not.
  virtual absl::StatusOr<std::optional<std::string>> OperatorByKey(
      std::string_view key_id) const = 0;
  // Issue 10, item 5: the export request (subject "exp:<request id>") with
  // this request id and its decision; nullopt when there is none. The
  // default answers Unimplemented: a view the deciders use must override it.
  virtual absl::StatusOr<std::optional<xueji::v1::ExportState>> ExportRequest(
      std::string_view request_id) const {
    return absl::UnimplementedError(
        "this state view does not hold export requests");
  }

  // Index-only lookups (no record decoded), for verification. The defaults
  // answer from the record lookups above; LedgerState reads its indexes.
  struct LiveSubject {
    std::string subject;
    std::string student_no;  // current number
  };
  // The subject of RecordByNumber(student_no), if any.
  virtual absl::StatusOr<std::optional<std::string>> SubjectByNumber(
      std::string_view student_no) const {
    absl::StatusOr<std::optional<xueji::v1::RecordState>> record =
        RecordByNumber(student_no);
    if (!record.ok()) return record.status();
    if (!record->has_value()) return std::optional<std::string>();
    return std::optional<std::string>((*record)->subject());
  }
  // LiveRecordsAt(kindergarten) as subject and current number, same order.
  virtual absl::StatusOr<std::vector<LiveSubject>> LiveSubjectsAt(
      std::string_view kindergarten) const {
    absl::StatusOr<std::vector<xueji::v1::RecordState>> live =
        LiveRecordsAt(kindergarten);
    if (!live.ok()) return live.status();
    std::vector<LiveSubject> out;
    out.reserve(live->size());
    for (const xueji::v1::RecordState& record : *live) {
      out.push_back({record.subject(), record.student_no()});
    }
    return out;
  }
};

struct DecideContext {
  // The ledger's clock: recorded_at of the events; its Beijing day is
  // "today" (occurredOn's default, the latest business date, the day late
  // entries and dormancy are judged on).
  absl::Time now;
  const WorkingCalendar* calendar = nullptr;
  const AreaTable* areas = nullptr;
  // Issue 9 (docs/accountability.md). The operator whose signature on the
  // batch the processor verified: every request of it is that operator's
  // (an omitted actor is the signer; another actor is NOT_AUTHENTICATED) and
  // the registry is governed by it. "" = an unsigned batch, which only a
  // development ledger takes: requests at their actor, registry lines
  // ungoverned, as before.
  std::string signer;
  // The ledger's mode: a production ledger's new operators need a key.
  xueji::v1::LedgerMode mode = xueji::v1::LEDGER_MODE_UNSPECIFIED;
};

struct Decision {
  xueji::v1::ResultStatus status = xueji::v1::RESULT_STATUS_UNSPECIFIED;
  std::string student_no;
  xueji::v1::ReasonCode code = xueji::v1::REASON_CODE_UNSPECIFIED;
  std::string message;  // human summary; the reason when REJECTED
  std::vector<xueji::v1::Event> events;  // never empty
};

absl::StatusOr<Decision> Decide(const xueji::v1::Request& request,
                                const StateView& state,
                                const DecideContext& ctx);

// A registry line (registry load). Request id is derived from the content, so
// loading the same file twice appends nothing; a changed line updates.
absl::StatusOr<Decision> DecideRegistry(const xueji::v1::RegistryLine& line,
                                        const StateView& state,
                                        const DecideContext& ctx);

// (Its request id: RegistryRequestId, ledger/rules/subjects.h.)

// `ledger init`: LedgerInitialized on subject "ledger:" and, for a
// production ledger, the national OFFICER holding the root key
// (OperatorRegistered, org "00"). FailedPrecondition if the state is already
// a ledger; InvalidArgument for a mode, root id or key that will not do.
absl::StatusOr<Decision> DecideInit(const xueji::v1::InitLedger& init,
                                    const StateView& state,
                                    const DecideContext& ctx);
// The request id of `ledger init`'s events.
inline constexpr char kInitRequestId[] = "ledger:init";

// The Result a Decision answers with.
xueji::v1::Result ResultOf(const xueji::v1::Request& request,
                           const Decision& decision);

// Which state an event evolves: a record (EvolveRecord), a kindergarten
// (EvolveKindergarten), an operator (EvolveOperator), the policy versions
// (PolicySet: kept as they are, StateView::PolicyVersions), none (a refusal:
// the audit trail only), or kUnknown for a payload this build does not know
// (EvolveKindergarten), an operator (EvolveOperator), the ledger
// (EvolveLedger), none (a refusal, a batch record: the
// audit trail only), or kUnknown for a payload this build does not know
// (proto/README.md rule 3: a reader stops there, it never skips).
enum class EventTarget {
  kRecord,
  kKindergarten,
  kOperator,
  kPolicy,
  kLedger,  // LedgerInitialized: the ledger's settings
  kExport,  // ExportRequested/Approved/Rejected (issue 10, item 5)
  kNone,
  kUnknown
};
EventTarget TargetOf(const xueji::v1::Event& event);

xueji::v1::RecordState EvolveRecord(xueji::v1::RecordState state,
                                    const xueji::v1::Event& event);
xueji::v1::KindergartenState EvolveKindergarten(
    xueji::v1::KindergartenState state, const xueji::v1::Event& event);
// An operator's last_active follows its registration's ActivityDate
// (rules/accounts.h); the stores raise it with every event the operator acts
// in.
// Operators keep their key history (OperatorState.keys, on the ledger
// clock: an event's recorded_at): a registration or OperatorKeyAdded with a
// new key supersedes the current one; sealing revokes every key.
xueji::v1::OperatorState EvolveOperator(xueji::v1::OperatorState state,
                                        const xueji::v1::Event& event);
// The ledger's settings, from LedgerInitialized.
xueji::v1::LedgerSettings EvolveLedger(xueji::v1::LedgerSettings state,
                                       const xueji::v1::Event& event);
// An export request and its decision (issue 10, item 5): ExportRequested
// sets it up (the requester is the envelope's actor), ExportApproved /
// ExportRejected decide it (the decider is that event's actor).
xueji::v1::ExportState EvolveExport(xueji::v1::ExportState state,
                                    const xueji::v1::Event& event);

// Is a record in this status live (counts against one-record-per-child)?
bool IsLive(xueji::v1::RecordStatus status);

// The request action's name as in the JSON ("admit", "transferOut", ...).
std::string_view ActionName(const xueji::v1::Request& request);

}  // namespace xueji

#endif  // XUEJI_LEDGER_DECIDE_DECIDER_H_
