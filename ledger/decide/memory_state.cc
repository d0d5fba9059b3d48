#include "ledger/decide/memory_state.h"

#include <utility>

#include "ledger/base/strings.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/student_number.h"
#include "ledger/rules/subjects.h"

namespace xueji {

using xueji::v1::Event;
using xueji::v1::RecordState;

namespace {

std::string IdentityKeyOf(const RecordState& record) {
  return IdentityKey(record.child());
}

// The L/J number whose sequence an event uses up, if any.
std::string_view SequencedNumber(const Event& event) {
  switch (event.payload_case()) {
    case Event::kRecordRequested:
      return event.student_no();
    case Event::kTemporaryNumberAssigned:
      return event.temporary_number_assigned().student_no();
    case Event::kNumberConverted:
      return event.number_converted().from_student_no();
    default:
      return "";
  }
}

absl::Status WrongSubject(const Event& event, std::string_view what) {
  return absl::DataLossError(
      Cat("partition ", event.partition(), " offset ", event.offset(), ": ",
          what, " event on subject \"", event.subject(), "\""));
}

// The kind of subject the events of a target other than a record are on, and
// the target's name in WrongSubject.
struct TargetSubject {
  EventTarget target;
  SubjectKind kind;
  std::string_view name;
};
constexpr TargetSubject kTargetSubjects[] = {
    {EventTarget::kKindergarten, SubjectKind::kKindergarten, "kindergarten"},
    {EventTarget::kOperator, SubjectKind::kOperator, "operator"},
    {EventTarget::kPolicy, SubjectKind::kPolicy, "policy"},
    {EventTarget::kLedger, SubjectKind::kLedger, "ledger"},
    {EventTarget::kExport, SubjectKind::kExport, "export"},
};

}  // namespace

absl::Status MemoryState::Apply(const Event& event) {
  const ParsedSubject subject = ParseSubject(event.subject());
  const EventTarget target = TargetOf(event);
  for (const TargetSubject& want : kTargetSubjects) {
    if (want.target == target && subject.kind != want.kind) {
      return WrongSubject(event, want.name);
    }
  }
  switch (target) {
    case EventTarget::kRecord: {
      Record& record = records_[event.subject()];
      const std::string old_key =
          record.state.subject().empty() ? "" : IdentityKeyOf(record.state);
      record.state = EvolveRecord(std::move(record.state), event);
      if (!record.state.student_no().empty()) {
        record.numbers.insert(record.state.student_no());
      }
      const std::string new_key = IdentityKeyOf(record.state);
      if (!old_key.empty() && old_key != new_key) {
        auto holder = identity_holder_.find(old_key);
        if (holder != identity_holder_.end() &&
            holder->second == event.subject()) {
          identity_holder_.erase(holder);
        }
      }
      if (!new_key.empty()) identity_holder_[new_key] = event.subject();
      if (std::optional<NumberSequence> number =
              SequenceOf(SequencedNumber(event))) {
        int& next = next_sequence_[number->prefix];
        next = std::max(next, number->seq + 1);
      }
      break;
    }
    case EventTarget::kKindergarten: {
      xueji::v1::KindergartenState& kg =
          kindergartens_[std::string(subject.id)];
      kg = EvolveKindergarten(std::move(kg), event);
      if (kg.code().empty()) kg.set_code(std::string(subject.id));
      break;
    }
    case EventTarget::kOperator: {
      xueji::v1::OperatorState& op = operators_[std::string(subject.id)];
      op = EvolveOperator(std::move(op), event);
      if (op.id().empty()) op.set_id(std::string(subject.id));
      for (const xueji::v1::OperatorKey& key : op.keys()) {
        key_holder_.emplace(key.key_id(), op.id());
      }
      break;
    }
    case EventTarget::kPolicy: {
      const xueji::v1::PolicySet& set = event.policy_set();
      policies_[{set.region(), set.version()}] = set;
      break;
    }
    case EventTarget::kLedger:
      ledger_ =
          EvolveLedger(ledger_.value_or(xueji::v1::LedgerSettings()), event);
      break;
    case EventTarget::kExport: {
      xueji::v1::ExportState& request = exports_[std::string(subject.id)];
      request = EvolveExport(std::move(request), event);
      break;
    }
    case EventTarget::kNone:
      break;
    case EventTarget::kUnknown:
      return absl::DataLossError(Cat("partition ", event.partition(),
                                     " offset ", event.offset(),
                                     ": event of unknown payload"));
  }
  // The actor's last activity: the latest day its events were recorded, by
  // the ledger's clock (rules/accounts.h).
  auto actor = operators_.find(event.actor().operator_id());
  if (actor != operators_.end()) {
    const std::string active = ActivityDate(event);
    if (!active.empty() && actor->second.last_active() < active) {
      actor->second.set_last_active(active);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<xueji::v1::OperatorState>> MemoryState::Operator(
    std::string_view id) const {
  auto it = operators_.find(id);
  if (it == operators_.end()) return std::optional<xueji::v1::OperatorState>();
  return std::optional<xueji::v1::OperatorState>(it->second);
}

absl::StatusOr<std::optional<xueji::v1::LedgerSettings>> MemoryState::Ledger()
    const {
  return ledger_;
}

absl::StatusOr<std::optional<std::string>> MemoryState::OperatorByKey(
    std::string_view key_id) const {
  auto it = key_holder_.find(key_id);
  if (it == key_holder_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

absl::StatusOr<std::optional<xueji::v1::KindergartenState>>
MemoryState::Kindergarten(std::string_view code) const {
  auto it = kindergartens_.find(code);
  if (it == kindergartens_.end())
    return std::optional<xueji::v1::KindergartenState>();
  return std::optional<xueji::v1::KindergartenState>(it->second);
}

absl::StatusOr<std::optional<RecordState>> MemoryState::RecordByNumber(
    std::string_view student_no) const {
  for (const auto& [subject, record] : records_) {
    if (record.numbers.contains(std::string(student_no))) return record.state;
  }
  return std::optional<RecordState>();
}

absl::StatusOr<std::optional<RecordState>> MemoryState::RecordByIdentity(
    std::string_view identity_key) const {
  auto holder = identity_holder_.find(identity_key);
  if (identity_key.empty() || holder == identity_holder_.end()) {
    return std::optional<RecordState>();
  }
  return records_.find(holder->second)->second.state;
}

absl::StatusOr<std::optional<RecordState>> MemoryState::RecordByPendingRequest(
    std::string_view request_id) const {
  for (const auto& [subject, record] : records_) {
    if (!request_id.empty() &&
        record.state.pending().request_id() == request_id) {
      return record.state;
    }
  }
  return std::optional<RecordState>();
}

absl::StatusOr<std::vector<RecordState>> MemoryState::LiveRecordsAt(
    std::string_view kindergarten) const {
  std::vector<RecordState> live;
  for (const auto& [subject, record] : records_) {
    if (IsLive(record.state.status()) &&
        record.state.kindergarten() == kindergarten) {
      live.push_back(record.state);
    }
  }
  return live;
}

absl::StatusOr<std::vector<RecordState>> MemoryState::TransfersInto(
    std::string_view kindergarten) const {
  std::vector<RecordState> out;
  for (const auto& [subject, record] : records_) {
    if (!kindergarten.empty() && record.state.transfer_to() == kindergarten) {
      out.push_back(record.state);
    }
  }
  return out;
}

absl::StatusOr<std::optional<RecordState>> MemoryState::RecordByCase(
    std::string_view case_id) const {
  for (const auto& [subject, record] : records_) {
    for (const xueji::v1::CaseState& c : record.state.cases()) {
      if (!case_id.empty() && c.case_id() == case_id) return record.state;
    }
  }
  return std::optional<RecordState>();
}

absl::StatusOr<std::vector<xueji::v1::PolicySet>> MemoryState::PolicyVersions()
    const {
  std::vector<xueji::v1::PolicySet> versions;
  for (const auto& [key, set] : policies_) versions.push_back(set);
  return versions;
}

absl::StatusOr<int> MemoryState::NextSequence(std::string_view prefix) const {
  auto it = next_sequence_.find(prefix);
  return it == next_sequence_.end() ? 1 : it->second;
}

absl::StatusOr<std::optional<xueji::v1::ExportState>>
MemoryState::ExportRequest(std::string_view request_id) const {
  auto found = exports_.find(request_id);
  if (found == exports_.end()) {
    return std::optional<xueji::v1::ExportState>();
  }
  return std::optional<xueji::v1::ExportState>(found->second);
}

}  // namespace xueji
