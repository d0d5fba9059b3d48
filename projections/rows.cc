// Key layout and row helpers of the views store (see rows.h).
#include "projections/rows.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "ledger/decide/decider.h"
#include "ledger/rules/subjects.h"

namespace xueji::views_internal {
namespace {

// prefix + part
std::string Prefixed(char prefix, std::string_view part) {
  return std::string(1, prefix).append(part);
}

// prefix + part + '\0'
std::string Terminated(char prefix, std::string_view part) {
  return Prefixed(prefix, part).append(1, '\0');
}

}  // namespace

std::string CheckpointKey(int32_t partition) {
  return "C" + EncodeFixed32BE(static_cast<uint32_t>(partition));
}
std::string RecordKey(std::string_view subject) {
  return Prefixed('R', subject);
}
std::string RecordExtraKey(std::string_view subject) {
  return Prefixed('X', subject);
}
std::string NumberKey(std::string_view student_no) {
  return Prefixed('N', student_no);
}
std::string IdentityPrefix(std::string_view identity_key) {
  return Terminated('I', identity_key);
}
std::string ProbablePrefix(std::string_view probable_key) {
  return Terminated('P', probable_key);
}
std::string KgIndexPrefix(std::string_view kg) { return Terminated('K', kg); }
std::string IncomingIndexPrefix(std::string_view kg) {
  return Terminated('T', kg);
}
std::string CounterKey(std::string_view kg, int status,
                       std::string_view birth_date) {
  std::string key = Terminated('c', kg);
  key.append(absl::StrFormat("%02d", status));
  key.push_back('\0');
  key.append(birth_date);
  return key;
}
std::string KindergartenKey(std::string_view code) {
  return Prefixed('G', code);
}
std::string VerificationPrefix(std::string_view code) {
  return Terminated('V', code);
}
std::string VerificationKey(std::string_view code, std::string_view date) {
  return VerificationPrefix(code).append(date);
}
std::string OperatorKey(std::string_view id) { return Prefixed('O', id); }
std::string ActivityKey(std::string_view id) { return Prefixed('A', id); }
std::string HistoryPrefix(std::string_view subject) {
  return Terminated('H', subject);
}
std::string HistoryKey(std::string_view subject, int64_t offset) {
  return HistoryPrefix(subject) +
         EncodeFixed64BE(static_cast<uint64_t>(offset));
}
std::string ExportHistoriesPrefix() { return "H" + ExportSubject(""); }
std::string OperatorIndexPrefix(std::string_view operator_id) {
  return Terminated('Q', operator_id);
}
std::string RequestIndexPrefix(std::string_view request_id) {
  return Terminated('Y', request_id);
}
std::string PolicyKey(std::string_view region, int32_t version) {
  return Terminated('S', region) +
         EncodeFixed32BE(static_cast<uint32_t>(version));
}
std::string LateEntryKey(std::string_view request_id) {
  return Prefixed('E', request_id);
}
std::string EverAtKgPrefix(std::string_view kg) {
  return std::string("Wk").append(kg).append(1, '\0');
}
std::string EverIdentityPrefix(std::string_view identity_key) {
  return std::string("Wi").append(identity_key).append(1, '\0');
}
std::string EverProbablePrefix(std::string_view probable_key) {
  return std::string("Wp").append(probable_key).append(1, '\0');
}
std::string SightingPrefix(std::string_view student_no) {
  return std::string(kSightingPrefix).append(student_no).append(1, '\0');
}
std::string SightingKey(std::string_view student_no, std::string_view kg,
                        std::string_view date) {
  return SightingPrefix(student_no).append(kg).append(1, '\0').append(date);
}
std::string ActiveDayPrefix(std::string_view operator_id) {
  return std::string("Wa").append(operator_id).append(1, '\0');
}
std::string PositionSuffix(int32_t partition, int64_t offset) {
  return EncodeFixed32BE(static_cast<uint32_t>(partition)) +
         EncodeFixed64BE(static_cast<uint64_t>(offset));
}

bool IsRecordSubject(std::string_view subject) {
  return ParseSubject(subject).kind == SubjectKind::kRecord;
}
bool IsKindergartenSubject(std::string_view subject) {
  return ParseSubject(subject).kind == SubjectKind::kKindergarten;
}
bool IsOperatorSubject(std::string_view subject) {
  return ParseSubject(subject).kind == SubjectKind::kOperator;
}

void PutMessage(KvStore* kv, std::string_view key,
                const google::protobuf::MessageLite& message) {
  kv->PutMessage(key, message);
}

absl::StatusOr<bool> GetMessage(const KvStore& kv, std::string_view key,
                                google::protobuf::MessageLite* out) {
  absl::StatusOr<KvStore::MessageRow> row = kv.GetMessage(key, out);
  if (!row.ok()) return row.status();
  if (*row == KvStore::MessageRow::kUnparseable) {
    return absl::DataLossError(
        absl::StrCat("views: unparseable ", out->GetTypeName(), " row"));
  }
  return *row == KvStore::MessageRow::kFound;
}

RecordExtra ParseExtra(std::string_view value) {
  RecordExtra extra;
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(value.data(), value.size()), '|');
  if (!parts.empty()) extra.arrived_on = std::string(parts[0]);
  if (parts.size() > 1) extra.temp_assigned_on = std::string(parts[1]);
  return extra;
}

std::string FormatExtra(const RecordExtra& extra) {
  return absl::StrCat(extra.arrived_on, "|", extra.temp_assigned_on);
}

RecordExtra NextExtra(RecordExtra extra, const xueji::v1::RecordState& before,
                      const xueji::v1::RecordState& after,
                      const xueji::v1::Event& event) {
  const bool arrived =
      IsLive(after.status()) && (!IsLive(before.status()) ||
                                 before.kindergarten() != after.kindergarten());
  if (arrived) extra.arrived_on = event.business_date();
  if (event.has_temporary_number_assigned()) {
    extra.temp_assigned_on = event.business_date();
  }
  return extra;
}

absl::Status AddToCounter(KvStore* kv, std::string_view key, int64_t delta) {
  absl::StatusOr<std::optional<std::string>> value = kv->Get(key);
  if (!value.ok()) return value.status();
  int64_t count =
      value->has_value() ? static_cast<int64_t>(DecodeFixed64BE(**value)) : 0;
  count += delta;
  if (count < 0) {
    return absl::DataLossError("views: a counter went below zero");
  }
  if (count == 0) {
    kv->Delete(key);
  } else {
    kv->Put(key, EncodeFixed64BE(static_cast<uint64_t>(count)));
  }
  return absl::OkStatus();
}

}  // namespace xueji::views_internal
