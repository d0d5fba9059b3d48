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
//   "ledger:"                     the ledger itself (LedgerInitialized, the
//                                 first event of the log)
//   "sig:<batch id>"              a signed batch (BatchSigned) or a refused
//                                 one (BatchRefused)
//   "exp:<request id>"            a de-identified export request and its
//                                 decision (issue 10, item 5; Art. 22)
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

#include "xueji/v1/requests.pb.h"

namespace xueji {

std::string RecordSubject(std::string_view first_student_no);  // "stu:<no>"
std::string KindergartenSubject(std::string_view code);        // "kg:<code>"
std::string OperatorSubject(std::string_view id);              // "op:<id>"
std::string RequestSubject(std::string_view request_id);       // "req:<id>"
std::string PolicySubject(std::string_view region);   // "policy:<region>"
std::string LedgerSubject();                          // "ledger:"
std::string BatchSubject(std::string_view batch_id);  // "sig:<id>"

// "exp:<id>": a de-identified export request (issue 10, item 5).
std::string ExportSubject(std::string_view request_id);

enum class SubjectKind {
  kRecord,
  kKindergarten,
  kOperator,
  kRequest,
  kPolicy,
  kLedger,  // "ledger:" (its id is empty)
  kBatch,
  kExport,  // "exp:<request id>" (issue 10, item 5)
  kOther
};
struct ParsedSubject {
  SubjectKind kind = SubjectKind::kOther;
  std::string_view id;  // what follows the prefix (a view into the subject)
};
// kOther (and the whole subject as id) for an unknown prefix; an empty id is
// kOther too, but for "ledger:" (kLedger, empty id).
ParsedSubject ParseSubject(std::string_view subject);

// Kindergartens and operators: the registry (published on Kafka's registry
// topic).
inline bool IsRegistrySubject(std::string_view subject) {
  const SubjectKind kind = ParseSubject(subject).kind;
  return kind == SubjectKind::kKindergarten || kind == SubjectKind::kOperator;
}

// The id of the `index`-th event decided for `request_id`.
std::string EventId(std::string_view request_id, size_t index);

// The request id of a registry line: "registry:" + the first 16 hex digits
// of SHA-256 of its deterministic bytes; in a signed batch, of the signer's
// id, a NUL and those bytes, so that a line somebody else sent (and was
// refused) never blocks the same line from the one who may send it.
std::string RegistryRequestId(const xueji::v1::RegistryLine& line,
                              std::string_view signer = "");

// Problem records (docs/design.md, "Problem records (cases)"): the id of the
// case of anomaly `kind` (its stable name, "DUPLICATE") of the record with
// `record_subject` ("stu:<first no>") since `since` (YYYY-MM-DD): "case-" +
// the first 16 hex digits of SHA-256 over "kind|subject|since". The same
// anomaly always names the same case; no identity number shows in it.
std::string CaseId(std::string_view kind, std::string_view record_subject,
                   std::string_view since);

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_SUBJECTS_H_
