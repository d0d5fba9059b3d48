// Private helpers shared by the child-record deciders (record_decider.cc,
// exit_decider.cc, key_info_decider.cc), defined in record_decider.cc. Not a
// public interface: only those files include it.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_DECIDE_RECORD_INTERNAL_H_
#define XUEJI_LEDGER_DECIDE_RECORD_INTERNAL_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "ledger/decide/decide_internal.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji::decide_internal {

// The subject of a refusal about the request itself.
std::string ReqSubject(const Call& call);

// A refusal about `record`.
Draft RefuseAbout(const RecordState& record, xueji::v1::ReasonCode code,
                  std::string message);

// A refusal: the record's status is not the one `action` needs.
Draft WrongStatus(const RecordState& record, std::string_view action,
                  std::string_view needed);

// A new event about `record`.
Event RecordEvent(const RecordState& record);

// Whether `text` is empty or only whitespace.
bool IsBlank(std::string_view text);

// The kindergarten a registrar's request names (`code`; `missing` is the
// refusal's text when it is empty): a refusal when it is unknown, not the
// operator's, or closed.
struct OwnKindergarten {
  std::optional<KindergartenState> kg;
  std::optional<Draft> refusal;
};
absl::StatusOr<OwnKindergarten> FindOwnKindergarten(const Call& call,
                                                    const std::string& code,
                                                    std::string_view missing);

// Issue 10 (Art. 11, 12, 14, 17: 由父母或者其他监护人提出申请): the parent or
// guardian a new request names (`applicant`, nullptr when the request has
// none) for `action`; a refusal when it is missing or invalid. Events already
// in the log without one stay valid: this judges new requests only.
std::optional<Draft> RefuseApplicant(const Call& call,
                                     const xueji::v1::Applicant* applicant,
                                     std::string_view action,
                                     std::string_view article);

// The applicant as recorded: its number normalized.
xueji::v1::Applicant Recorded(const xueji::v1::Applicant& applicant);

// The last checks of a request a parent or guardian makes for the child
// (transferOut, leave, defer, editKeyInfo): the applicant's document is not
// the child's own (INVALID_FIELD), then RefuseIfBefore.
std::optional<Draft> RefuseSelfOrEarly(const Call& call,
                                       const xueji::v1::Applicant& applicant,
                                       const RecordState& record);

// The shared front of leave/graduate/defer/cancel: the record exists, the
// operator is its kindergarten's registrar and no change is pending.
absl::StatusOr<Found> RecordForRegistrar(const Call& call,
                                         std::string_view student_no,
                                         std::string_view field);

}  // namespace xueji::decide_internal

#endif  // XUEJI_LEDGER_DECIDE_RECORD_INTERNAL_H_
