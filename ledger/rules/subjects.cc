#include "ledger/rules/subjects.h"

#include "ledger/base/sha256.h"
#include "ledger/base/strings.h"

namespace xueji {
namespace {

constexpr std::string_view kRecordPrefix = "stu:";
constexpr std::string_view kKindergartenPrefix = "kg:";
constexpr std::string_view kOperatorPrefix = "op:";
constexpr std::string_view kRequestPrefix = "req:";
constexpr std::string_view kPolicyPrefix = "policy:";

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

ParsedSubject ParseSubject(std::string_view subject) {
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
  };
  for (const Prefix& prefix : kPrefixes) {
    if (subject.size() > prefix.text.size() &&
        subject.starts_with(prefix.text)) {
      return {prefix.kind, subject.substr(prefix.text.size())};
    }
  }
  return {SubjectKind::kOther, subject};
}

std::string EventId(std::string_view request_id, size_t index) {
  return HexEncode(Sha256(Cat("xueji:", request_id, ":", index))).substr(0, 32);
}

}  // namespace xueji
