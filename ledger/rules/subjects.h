// Subjects and event ids: the one owner of how the log names what an event is
// about, and how an event's id follows from its request.
//
// A subject is the partition key of the log (and the Kafka record key):
//   "stu:<first student number>"  a child's record (the number it was
//                                 created with; later numbers are aliases)
//   "kg:<code>"                   a kindergarten
//   "op:<id>"                     an operator account
//   "req:<request id>"            a refusal that concerns no known subject
//   "policy:<region>"             the policy versions of a region ("00" or
//                                 a province; PolicySet)
// An event id is the first 32 hex digits of SHA-256("xueji:<request id>:<i>")
// for the i-th event of the request's decision, so a retried request yields
// the same ids.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_RULES_SUBJECTS_H_
#define XUEJI_LEDGER_RULES_SUBJECTS_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace xueji {

std::string RecordSubject(std::string_view first_student_no);  // "stu:<no>"
std::string KindergartenSubject(std::string_view code);        // "kg:<code>"
std::string OperatorSubject(std::string_view id);              // "op:<id>"
std::string RequestSubject(std::string_view request_id);       // "req:<id>"
std::string PolicySubject(std::string_view region);  // "policy:<region>"

enum class SubjectKind {
  kRecord,
  kKindergarten,
  kOperator,
  kRequest,
  kPolicy,
  kOther
};
struct ParsedSubject {
  SubjectKind kind = SubjectKind::kOther;
  std::string_view id;  // what follows the prefix (a view into the subject)
};
// kOther (and the whole subject as id) for an unknown prefix; an empty id is
// kOther too.
ParsedSubject ParseSubject(std::string_view subject);

// Kindergartens and operators: the registry (published on Kafka's registry
// topic).
inline bool IsRegistrySubject(std::string_view subject) {
  const SubjectKind kind = ParseSubject(subject).kind;
  return kind == SubjectKind::kKindergarten || kind == SubjectKind::kOperator;
}

// The id of the `index`-th event decided for `request_id`.
std::string EventId(std::string_view request_id, size_t index);

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_SUBJECTS_H_
