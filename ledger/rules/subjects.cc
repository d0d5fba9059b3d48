#include "ledger/rules/subjects.h"

#include "ledger/base/deterministic.h"
#include "ledger/base/sha256.h"
#include "ledger/base/strings.h"

namespace xueji {
namespace {

constexpr std::string_view kRecordPrefix = "stu:";
constexpr std::string_view kKindergartenPrefix = "kg:";
constexpr std::string_view kOperatorPrefix = "op:";
constexpr std::string_view kRequestPrefix = "req:";
constexpr std::string_view kPolicyPrefix = "policy:";
constexpr std::string_view kLedgerSubject = "ledger:";
constexpr std::string_view kBatchPrefix = "sig:";
constexpr std::string_view kExportPrefix = "exp:";  // issue 10, item 5

}  // namespace

std::string RecordSubject(std::string_view first_student_no) {
  return Cat(kRecordPrefix, first_student_no);
}
std::string KindergartenSubject(std::string_view code) {
  return Cat(kKindergartenPrefix, code);
}
std::string OperatorSubject(std::string_view id) {
  return Cat(kOperatorPrefix, id);
}
std::string RequestSubject(std::string_view request_id) {
  return Cat(kRequestPrefix, request_id);
}
std::string PolicySubject(std::string_view region) {
  return Cat(kPolicyPrefix, region);
}

std::string LedgerSubject() { return std::string(kLedgerSubject); }
std::string BatchSubject(std::string_view batch_id) {
  return Cat(kBatchPrefix, batch_id);
}
std::string ExportSubject(std::string_view request_id) {
  return Cat(kExportPrefix, request_id);
}

ParsedSubject ParseSubject(std::string_view subject) {
  if (subject == kLedgerSubject) {
    return {SubjectKind::kLedger, subject.substr(subject.size())};
  }
  struct Prefix {
    std::string_view text;
    SubjectKind kind;
  };
  static constexpr Prefix kPrefixes[] = {
      {kRecordPrefix, SubjectKind::kRecord},
      {kKindergartenPrefix, SubjectKind::kKindergarten},
      {kOperatorPrefix, SubjectKind::kOperator},
      {kRequestPrefix, SubjectKind::kRequest},
      {kPolicyPrefix, SubjectKind::kPolicy},
      {kBatchPrefix, SubjectKind::kBatch},
      {kExportPrefix, SubjectKind::kExport},
  };
  for (const Prefix& prefix : kPrefixes) {
    if (subject.size() > prefix.text.size() &&
        subject.starts_with(prefix.text)) {
      return {prefix.kind, subject.substr(prefix.text.size())};
    }
  }
  return {SubjectKind::kOther, subject};
}

std::string RegistryRequestId(const xueji::v1::RegistryLine& line,
                              std::string_view signer) {
  std::string bytes = DeterministicBytes(line);
  if (!signer.empty()) bytes = Cat(signer, std::string(1, '\0'), bytes);
  return Cat("registry:", HexEncode(Sha256(bytes)).substr(0, 16));
}

std::string EventId(std::string_view request_id, size_t index) {
  return HexEncode(Sha256(Cat("xueji:", request_id, ":", index))).substr(0, 32);
}

std::string CaseId(std::string_view kind, std::string_view record_subject,
                   std::string_view since) {
  return Cat("case-",
             HexEncode(Sha256(Cat(kind, "|", record_subject, "|", since)))
                 .substr(0, 16));
}

}  // namespace xueji
