// LedgerState over a KvStore. Key layout (values are serialized protobuf
// messages unless noted):
// clang-format off
//   r/<subject>              -> RecordState        (subject "stu:<no>")
//   n/<student_no>           -> subject            (current and former numbers)
//   i/<identity key>         -> subject            (the last record to hold it)
//   p/<request_id>           -> subject            (record's pending change)
//   k/<code>                 -> KindergartenState
//   l/<kg>/<subject>         -> current student_no (live records at kg; "" in
//                                                  older stores: read r/)
//   t/<kg>/<subject>         -> current student_no (transfers in flight to kg;
//                                                  issue 10)
//   o/<id>                   -> OperatorState
//   s/<prefix>               -> next sequence, decimal (L/J number prefixes)
//   q/<request_id>           -> AnsweredRequest    (first answer of a request,
//                                                  and whom it answered)
//   c/<partition, 4-byte BE> -> next offset, 8-byte BE (the checkpoint)
//   y/<region>/<version, 4-byte BE> -> PolicySet   (policy versions)
//   L                        -> LedgerSettings     (LedgerInitialized)
//   K/<key id>               -> operator id        (every key registered)
//   X/<request id>           -> ExportState        (export requests; issue 10,
//                                                  item 5)
//   e/<case id>              -> subject            (the record a problem case
//                                                  is about; issue 10)
// clang-format on
// Kindergarten codes never contain '/', so l/<kg>/ is an exact prefix.
#include "ledger/processor/ledger_state.h"

#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/status_macros.h"
#include "ledger/base/strings.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/student_number.h"
#include "ledger/rules/subjects.h"

namespace xueji {

using xueji::v1::AnsweredRequest;
using xueji::v1::Event;
using xueji::v1::KindergartenState;
using xueji::v1::OperatorState;
using xueji::v1::RecordState;
using xueji::v1::Result;

namespace {

// Message rows go through KvStore::GetMessage/PutMessage: a store that keeps
// them decoded (FoldKv, the processor's write-behind) neither parses nor
// serializes them per request; the stored bytes are the same either way.
template <typename Message>
absl::StatusOr<std::optional<Message>> GetMessage(const KvStore& kv,
                                                  std::string_view key) {
  Message message;
  ASSIGN_OR_RETURN(KvStore::MessageRow row, kv.GetMessage(key, &message));
  switch (row) {
    case KvStore::MessageRow::kAbsent:
      return std::optional<Message>();
    case KvStore::MessageRow::kUnparseable:
      return absl::DataLossError(
          Cat("ledger state: unparseable value at key ", key));
    case KvStore::MessageRow::kFound:
      break;
  }
  return std::optional<Message>(std::move(message));
}

std::string LiveKey(std::string_view kg, std::string_view subject) {
  return Cat("l/", kg, "/", subject);
}

std::string IdentityKeyOf(const RecordState& record) {
  return IdentityKey(record.child());
}

// Is this event the first of its request's batch (index 0)?
bool IsFirstOfBatch(const Event& event) {
  return event.event_id() == EventId(event.request_id(), 0);
}

absl::StatusOr<std::optional<RecordState>> RecordBySubject(
    const KvStore& kv, std::string_view subject) {
  return GetMessage<RecordState>(kv, Cat("r/", subject));
}

absl::StatusOr<std::optional<RecordState>> RecordByIndex(const KvStore& kv,
                                                         std::string_view key) {
  ASSIGN_OR_RETURN(std::optional<std::string> subject, kv.Get(key));
  if (!subject.has_value()) return std::optional<RecordState>();
  return RecordBySubject(kv, *subject);
}

absl::StatusOr<int> NextSequenceIn(const KvStore& kv, std::string_view prefix) {
  ASSIGN_OR_RETURN(std::optional<std::string> value, kv.Get(Cat("s/", prefix)));
  if (!value.has_value()) return 1;
  int next = 0;
  if (!absl::SimpleAtoi(*value, &next)) {
    return absl::DataLossError(
        Cat("ledger state: bad sequence under prefix ", prefix));
  }
  return next;
}

absl::Status AdvanceSequence(KvStore* kv, std::string_view student_no) {
  std::optional<NumberSequence> number = SequenceOf(student_no);
  if (!number.has_value()) return absl::OkStatus();
  ASSIGN_OR_RETURN(int next, NextSequenceIn(*kv, number->prefix));
  if (number->seq + 1 > next) {
    kv->Put(Cat("s/", number->prefix), Cat(number->seq + 1));
  }
  return absl::OkStatus();
}

absl::Status ApplyRecord(KvStore* kv, const Event& event) {
  ASSIGN_OR_RETURN(std::optional<RecordState> before,
                   RecordBySubject(*kv, event.subject()));
  RecordState old = before.value_or(RecordState());
  RecordState now = EvolveRecord(old, event);
  const std::string& subject = now.subject();
  kv->PutMessage(Cat("r/", subject), now);
  // Numbers: every number the record has had stays an index entry.
  if (!now.student_no().empty()) {
    kv->Put(Cat("n/", now.student_no()), subject);
  }
  // Identity: follows key-info edits and conversions.
  std::string old_key = before.has_value() ? IdentityKeyOf(old) : "";
  std::string new_key = IdentityKeyOf(now);
  if (!old_key.empty() && old_key != new_key) {
    ASSIGN_OR_RETURN(std::optional<std::string> holder,
                     kv->Get(Cat("i/", old_key)));
    if (holder == subject) kv->Delete(Cat("i/", old_key));
  }
  if (!new_key.empty()) kv->Put(Cat("i/", new_key), subject);
  // Pending change.
  const std::string& old_pending = old.pending().request_id();
  const std::string& new_pending = now.pending().request_id();
  if (!old_pending.empty() && old_pending != new_pending) {
    kv->Delete(Cat("p/", old_pending));
  }
  if (!new_pending.empty()) kv->Put(Cat("p/", new_pending), subject);
  // Live set.
  bool was_live = IsLive(old.status());
  bool is_live = IsLive(now.status());
  if (was_live && (!is_live || old.kindergarten() != now.kindergarten())) {
    kv->Delete(LiveKey(old.kindergarten(), subject));
  }
  if (is_live) kv->Put(LiveKey(now.kindergarten(), subject), now.student_no());
  // Transfers in flight by receiving kindergarten (issue 10): t/<to>/<subject>.
  if (!old.transfer_to().empty() && old.transfer_to() != now.transfer_to()) {
    kv->Delete(Cat("t/", old.transfer_to(), "/", subject));
  }
  if (!now.transfer_to().empty()) {
    kv->Put(Cat("t/", now.transfer_to(), "/", subject), now.student_no());
  }
  // Problem records (issue 10): cases by id, e/<case id> -> subject.
  if (event.has_case_opened()) {
    kv->Put(Cat("e/", event.case_opened().case_id()), subject);
  }
  // Sequences of L/J numbers.
  switch (event.payload_case()) {
    case Event::kRecordRequested:
      return AdvanceSequence(kv, event.student_no());
    case Event::kTemporaryNumberAssigned:
      return AdvanceSequence(kv,
                             event.temporary_number_assigned().student_no());
    case Event::kNumberConverted:
      return AdvanceSequence(kv, event.number_converted().from_student_no());
    default:
      return absl::OkStatus();
  }
}

absl::Status ApplyKindergarten(KvStore* kv, const Event& event) {
  const ParsedSubject subject = ParseSubject(event.subject());
  const std::string_view code = subject.id;
  if (subject.kind != SubjectKind::kKindergarten) {
    return absl::DataLossError(
        Cat("partition ", event.partition(), " offset ", event.offset(),
            ": kindergarten event on subject \"", event.subject(), "\""));
  }
  ASSIGN_OR_RETURN(std::optional<KindergartenState> before,
                   GetMessage<KindergartenState>(*kv, Cat("k/", code)));
  KindergartenState now =
      EvolveKindergarten(before.value_or(KindergartenState()), event);
  if (now.code().empty()) now.set_code(std::string(code));
  kv->PutMessage(Cat("k/", code), now);
  return absl::OkStatus();
}

std::string PolicyKey(const xueji::v1::PolicySet& set) {
  return Cat("y/", set.region(), "/",
             EncodeFixed32BE(static_cast<uint32_t>(set.version())));
}

absl::Status ApplyPolicy(KvStore* kv, const Event& event) {
  if (ParseSubject(event.subject()).kind != SubjectKind::kPolicy ||
      event.policy_set().region().find('/') != std::string::npos) {
    return absl::DataLossError(
        Cat("partition ", event.partition(), " offset ", event.offset(),
            ": policy event on subject \"", event.subject(), "\""));
  }
  kv->PutMessage(PolicyKey(event.policy_set()), event.policy_set());
  return absl::OkStatus();
}

absl::Status ApplyLedger(KvStore* kv, const Event& event) {
  if (ParseSubject(event.subject()).kind != SubjectKind::kLedger) {
    return absl::DataLossError(
        Cat("partition ", event.partition(), " offset ", event.offset(),
            ": LedgerInitialized on subject \"", event.subject(), "\""));
  }
  ASSIGN_OR_RETURN(std::optional<xueji::v1::LedgerSettings> before,
                   GetMessage<xueji::v1::LedgerSettings>(*kv, "L"));
  if (before.has_value()) {
    return absl::DataLossError(
        Cat("partition ", event.partition(), " offset ", event.offset(),
            ": a second LedgerInitialized (the ledger is already ",
            xueji::v1::LedgerMode_Name(before->mode()), ", id ",
            before->ledger_id(), ")"));
  }
  kv->PutMessage("L", EvolveLedger(xueji::v1::LedgerSettings(), event));
  return absl::OkStatus();
}

absl::Status ApplyExport(KvStore* kv, const Event& event) {
  const ParsedSubject subject = ParseSubject(event.subject());
  if (subject.kind != SubjectKind::kExport) {
    return absl::DataLossError(
        Cat("partition ", event.partition(), " offset ", event.offset(),
            ": export event on subject \"", event.subject(), "\""));
  }
  const std::string key = Cat("X/", subject.id);
  ASSIGN_OR_RETURN(std::optional<xueji::v1::ExportState> before,
                   GetMessage<xueji::v1::ExportState>(*kv, key));
  kv->PutMessage(
      key, EvolveExport(before.value_or(xueji::v1::ExportState()), event));
  return absl::OkStatus();
}

// q/<request_id>: status from any event of the request, student_no from the
// first of its batch, code and message from its RequestRejected, and the
// signed batch that carried it (how RequestProcessor::TakenBefore knows a
// batch was taken). Events of one batch may sit in several partitions and
// arrive in any order.
absl::Status RecordResult(KvStore* kv, const Event& event) {
  if (event.request_id().empty()) return absl::OkStatus();
  std::string key = Cat("q/", event.request_id());
  // A BatchSigned (in logs written before session 10) or a BatchRefused is
  // the only event of its id ("batch:"/"refused:" + the body's digest,
  // appended once): nothing to merge with, so no read of the row first.
  std::optional<AnsweredRequest> known;
  if (!event.has_batch_signed() && !event.has_batch_refused()) {
    ASSIGN_OR_RETURN(known, GetMessage<AnsweredRequest>(*kv, key));
  }
  AnsweredRequest answered = known.value_or(AnsweredRequest());
  answered.set_actor(event.actor().operator_id());
  if (!event.batch().empty()) answered.set_batch(event.batch());
  Result& result = *answered.mutable_result();
  result.set_request_id(event.request_id());
  result.set_status(event.outcome());
  if (IsFirstOfBatch(event)) result.set_student_no(event.student_no());
  if (event.has_request_rejected()) {
    result.set_code(event.request_rejected().code());
    result.set_message(event.request_rejected().message());
  }
  if (event.has_batch_refused()) {
    result.set_code(event.batch_refused().code());
    result.set_message(event.batch_refused().message());
  }
  kv->PutMessage(key, answered);
  return absl::OkStatus();
}

}  // namespace

absl::Status LedgerState::Apply(const Event& event) {
  ASSIGN_OR_RETURN(int64_t checkpoint, Checkpoint(event.partition()));
  if (event.offset() < checkpoint) return absl::OkStatus();
  absl::Status status;
  switch (TargetOf(event)) {
    case EventTarget::kRecord:
      status = ApplyRecord(kv_, event);
      break;
    case EventTarget::kKindergarten:
      status = ApplyKindergarten(kv_, event);
      break;
    case EventTarget::kOperator:
      status = ApplyOperator(event);
      break;
    case EventTarget::kPolicy:
      cache_policies_ = false;  // read the store for the rest of the call
      policy_versions_.reset();
      status = ApplyPolicy(kv_, event);
      break;
    case EventTarget::kLedger:
      status = ApplyLedger(kv_, event);
      break;
    case EventTarget::kExport:
      status = ApplyExport(kv_, event);
      break;
    case EventTarget::kNone:  // refusals; BatchSigned (q/batch:, logs
                              // before session 10) and BatchRefused
                              // (q/refused:)
      break;
    case EventTarget::kUnknown:
      return absl::DataLossError(
          Cat("partition ", event.partition(), " offset ", event.offset(),
              ": event of unknown payload (case ", event.payload_case(), ")"));
  }
  if (!status.ok()) return status;
  if (absl::Status touched = TouchActor(event); !touched.ok()) return touched;
  if (absl::Status recorded = RecordResult(kv_, event); !recorded.ok()) {
    return recorded;
  }
  kv_->Put(Cat("c/", EncodeFixed32BE(static_cast<uint32_t>(event.partition()))),
           EncodeFixed64BE(static_cast<uint64_t>(event.offset() + 1)));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<Result>> LedgerState::ResultFor(
    std::string_view request_id) const {
  ASSIGN_OR_RETURN(std::optional<AnsweredRequest> answered,
                   AnswerFor(request_id));
  if (!answered.has_value()) return std::optional<Result>();
  return std::optional<Result>(std::move(*answered->mutable_result()));
}

absl::StatusOr<std::optional<AnsweredRequest>> LedgerState::AnswerFor(
    std::string_view request_id) const {
  return GetMessage<AnsweredRequest>(*kv_, Cat("q/", request_id));
}

absl::StatusOr<std::optional<xueji::v1::LedgerSettings>> LedgerState::Ledger()
    const {
  return GetMessage<xueji::v1::LedgerSettings>(*kv_, "L");
}

absl::StatusOr<std::optional<std::string>> LedgerState::OperatorByKey(
    std::string_view key_id) const {
  if (key_id.empty()) return std::optional<std::string>();
  return kv_->Get(Cat("K/", key_id));
}

absl::StatusOr<std::optional<xueji::v1::ExportState>>
LedgerState::ExportRequest(std::string_view request_id) const {
  if (request_id.empty()) return std::optional<xueji::v1::ExportState>();
  return GetMessage<xueji::v1::ExportState>(*kv_, Cat("X/", request_id));
}

absl::StatusOr<int64_t> LedgerState::Checkpoint(int32_t partition) const {
  ASSIGN_OR_RETURN(
      std::optional<std::string> value,
      kv_->Get(Cat("c/", EncodeFixed32BE(static_cast<uint32_t>(partition)))));
  if (!value.has_value()) return 0;
  if (value->size() != 8) {
    return absl::DataLossError(
        Cat("ledger state: bad checkpoint of partition ", partition));
  }
  return static_cast<int64_t>(DecodeFixed64BE(*value));
}

absl::StatusOr<std::vector<int64_t>> LedgerState::Checkpoints() const {
  return ScanCheckpoints(*kv_, "c/", "ledger state");
}

absl::StatusOr<const std::optional<OperatorState>*> LedgerState::CachedOperator(
    std::string_view id) const {
  if (cache_operators_) {
    auto it = operators_.find(absl::string_view(id.data(), id.size()));
    if (it != operators_.end()) return &it->second;
  }
  ASSIGN_OR_RETURN(std::optional<OperatorState> op,
                   GetMessage<OperatorState>(*kv_, Cat("o/", id)));
  if (!cache_operators_) {
    uncached_ = std::move(op);
    return &uncached_;
  }
  return &operators_.insert_or_assign(std::string(id), std::move(op))
              .first->second;
}

void LedgerState::SeedOperator(std::string_view id, OperatorState op) const {
  if (!cache_operators_) return;
  operators_.try_emplace(std::string(id), std::move(op));
}

void LedgerState::StoreOperator(std::string_view id, const OperatorState& op) {
  kv_->PutMessage(Cat("o/", id), op);
}

void LedgerState::PutOperator(std::string_view id, const OperatorState& op) {
  StoreOperator(id, op);
  if (cache_operators_) operators_.insert_or_assign(std::string(id), op);
}

absl::Status LedgerState::ApplyOperator(const Event& event) {
  const ParsedSubject subject = ParseSubject(event.subject());
  const std::string_view id = subject.id;
  if (subject.kind != SubjectKind::kOperator) {
    return absl::DataLossError(
        Cat("partition ", event.partition(), " offset ", event.offset(),
            ": operator event on subject \"", event.subject(), "\""));
  }
  ASSIGN_OR_RETURN(const std::optional<OperatorState>* cached,
                   CachedOperator(id));
  const int known = cached->has_value() ? (*cached)->keys_size() : 0;
  OperatorState now = EvolveOperator(cached->value_or(OperatorState()), event);
  if (now.id().empty()) now.set_id(std::string(id));
  for (int i = known; i < now.keys_size(); ++i) {
    kv_->Put(Cat("K/", now.keys(i).key_id()), now.id());
  }
  PutOperator(id, now);
  return absl::OkStatus();
}

// The actor's last activity: the latest day its events were recorded, by the
// ledger's clock (rules/accounts.h).
absl::Status LedgerState::TouchActor(const Event& event) {
  const std::string& id = event.actor().operator_id();
  if (id.empty()) return absl::OkStatus();
  const std::string active = ActivityDate(event);
  if (active.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(const std::optional<OperatorState>* op, CachedOperator(id));
  if (!op->has_value() || (*op)->last_active() >= active) {
    return absl::OkStatus();
  }
  if (cache_operators_) {  // the cached state is the one to change
    OperatorState& cached = *operators_.find(id)->second;
    cached.set_last_active(active);
    StoreOperator(id, cached);
    return absl::OkStatus();
  }
  OperatorState touched = **op;
  touched.set_last_active(active);
  PutOperator(id, touched);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<OperatorState>> LedgerState::Operator(
    std::string_view id) const {
  if (id.empty()) return std::optional<OperatorState>();
  ASSIGN_OR_RETURN(const std::optional<OperatorState>* op, CachedOperator(id));
  return *op;
}

absl::StatusOr<std::optional<KindergartenState>> LedgerState::Kindergarten(
    std::string_view code) const {
  if (code.empty()) return std::optional<KindergartenState>();
  return GetMessage<KindergartenState>(*kv_, Cat("k/", code));
}

absl::StatusOr<std::optional<RecordState>> LedgerState::RecordByNumber(
    std::string_view student_no) const {
  if (student_no.empty()) return std::optional<RecordState>();
  return RecordByIndex(*kv_, Cat("n/", student_no));
}

absl::StatusOr<std::optional<RecordState>> LedgerState::RecordByIdentity(
    std::string_view identity_key) const {
  if (identity_key.empty()) return std::optional<RecordState>();
  return RecordByIndex(*kv_, Cat("i/", identity_key));
}

absl::StatusOr<std::optional<RecordState>> LedgerState::RecordByPendingRequest(
    std::string_view request_id) const {
  if (request_id.empty()) return std::optional<RecordState>();
  return RecordByIndex(*kv_, Cat("p/", request_id));
}

absl::StatusOr<std::optional<RecordState>> LedgerState::RecordByCase(
    std::string_view case_id) const {
  if (case_id.empty()) return std::optional<RecordState>();
  return RecordByIndex(*kv_, Cat("e/", case_id));
}

std::vector<std::string> LedgerState::ScannedPrefixes() {
  // LiveKey's, TransfersInto's, PolicyVersions', Checkpoints'.
  return {"l/", "t/", "y/", "c/"};
}

absl::StatusOr<std::vector<RecordState>> LedgerState::LiveRecordsAt(
    std::string_view kindergarten) const {
  std::vector<std::string> subjects;
  std::string prefix = LiveKey(kindergarten, "");
  absl::Status scanned =
      kv_->ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
        subjects.emplace_back(key.substr(prefix.size()));
        return true;
      });
  if (!scanned.ok()) return scanned;
  std::vector<RecordState> records;
  records.reserve(subjects.size());
  for (const std::string& subject : subjects) {
    ASSIGN_OR_RETURN(std::optional<RecordState> record,
                     RecordBySubject(*kv_, subject));
    if (!record.has_value()) {
      return absl::DataLossError(
          Cat("ledger state: live index names a missing record ", subject));
    }
    records.push_back(std::move(*record));
  }
  return records;
}

absl::StatusOr<std::vector<RecordState>> LedgerState::TransfersInto(
    std::string_view kindergarten) const {
  std::vector<RecordState> records;
  const std::string prefix = Cat("t/", kindergarten, "/");
  std::vector<std::string> subjects;
  RETURN_IF_ERROR(
      kv_->ScanPrefix(prefix, [&](std::string_view key, std::string_view) {
        subjects.emplace_back(key.substr(prefix.size()));
        return true;
      }));
  for (const std::string& subject : subjects) {
    ASSIGN_OR_RETURN(std::optional<RecordState> record,
                     RecordBySubject(*kv_, subject));
    if (record.has_value()) records.push_back(std::move(*record));
  }
  return records;
}

absl::StatusOr<std::optional<std::string>> LedgerState::SubjectByNumber(
    std::string_view student_no) const {
  if (student_no.empty()) return std::optional<std::string>();
  return kv_->Get(Cat("n/", student_no));
}

absl::StatusOr<std::vector<StateView::LiveSubject>> LedgerState::LiveSubjectsAt(
    std::string_view kindergarten) const {
  std::vector<LiveSubject> live;
  std::string prefix = LiveKey(kindergarten, "");
  absl::Status scanned = kv_->ScanPrefix(
      prefix, [&](std::string_view key, std::string_view student_no) {
        live.push_back(
            {std::string(key.substr(prefix.size())), std::string(student_no)});
        return true;
      });
  if (!scanned.ok()) return scanned;
  for (LiveSubject& entry : live) {
    if (!entry.student_no.empty()) continue;
    // An entry without its number (older store, or a record without one).
    ASSIGN_OR_RETURN(std::optional<RecordState> record,
                     RecordBySubject(*kv_, entry.subject));
    if (!record.has_value()) {
      return absl::DataLossError(Cat(
          "ledger state: live index names a missing record ", entry.subject));
    }
    entry.student_no = record->student_no();
  }
  return live;
}

absl::StatusOr<std::vector<xueji::v1::PolicySet>> LedgerState::PolicyVersions()
    const {
  if (cache_policies_ && policy_versions_.has_value()) {
    return *policy_versions_;
  }
  std::vector<xueji::v1::PolicySet> versions;
  bool bad = false;
  absl::Status scanned =
      kv_->ScanPrefix("y/", [&](std::string_view, std::string_view value) {
        xueji::v1::PolicySet& set = versions.emplace_back();
        if (!set.ParseFromArray(value.data(), static_cast<int>(value.size()))) {
          bad = true;
          return false;
        }
        return true;
      });
  if (!scanned.ok()) return scanned;
  if (bad) return absl::DataLossError("ledger state: unparseable policy row");
  if (cache_policies_) policy_versions_ = versions;
  return versions;
}

absl::StatusOr<int> LedgerState::NextSequence(std::string_view prefix) const {
  return NextSequenceIn(*kv_, prefix);
}

absl::StatusOr<xueji::v1::LedgerMode> LedgerModeOfLog(EventLog& log) {
  const int32_t partition = PartitionFor(LedgerSubject(), log.partitions());
  ASSIGN_OR_RETURN(std::vector<StoredEvent> first, log.Read(partition, 0, 1));
  if (first.empty() || !first.front().event.has_ledger_initialized()) {
    return xueji::v1::LEDGER_MODE_UNSPECIFIED;
  }
  return first.front().event.ledger_initialized().mode();
}

}  // namespace xueji
