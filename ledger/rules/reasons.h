// Rejections as absl::Status values. A domain refusal is a Status whose
// canonical code follows absl's guidance (a broken domain rule:
// FailedPrecondition; unknown thing: NotFound; bad input: InvalidArgument;
// not allowed: PermissionDenied; duplicate: AlreadyExists) and that carries the
// ledger's stable ReasonCode as a payload, so callers can print it.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_RULES_REASONS_H_
#define XUEJI_LEDGER_RULES_REASONS_H_

#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "xueji/v1/common.pb.h"

namespace xueji {

// A Status for `code` with `message`, canonical code chosen from `code`.
absl::Status Rejection(xueji::v1::ReasonCode code, std::string_view message);

// The ReasonCode carried by `status`, if it is a Rejection.
std::optional<xueji::v1::ReasonCode> ReasonOf(const absl::Status& status);

// "INVALID_ID_NUMBER" etc.
std::string_view ReasonName(xueji::v1::ReasonCode code);

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_REASONS_H_
