// Rejections: a canonical absl code plus the ReasonCode as a Status payload.
#include "ledger/rules/reasons.h"

#include <string>

#include "absl/strings/cord.h"
#include "google/protobuf/descriptor.h"

namespace xueji {
namespace {

using xueji::v1::ReasonCode;

constexpr absl::string_view kReasonTypeUrl =
    "type.googleapis.com/xueji.v1.ReasonCode";

absl::StatusCode CanonicalCode(ReasonCode code) {
  switch (code) {
    case xueji::v1::INVALID_ID_NUMBER:
    case xueji::v1::ID_MISMATCH:
    case xueji::v1::INVALID_FIELD:
    case xueji::v1::MALFORMED_REQUEST:
    case xueji::v1::INVALID_TEXT:
    case xueji::v1::AGE_OUT_OF_RANGE:
      return absl::StatusCode::kInvalidArgument;
    case xueji::v1::UNKNOWN_KINDERGARTEN:
    case xueji::v1::UNKNOWN_STUDENT:
    case xueji::v1::UNKNOWN_REQUEST:
    case xueji::v1::UNKNOWN_OPERATOR:
      return absl::StatusCode::kNotFound;
    case xueji::v1::NOT_AUTHORIZED:
    case xueji::v1::OPERATOR_SEALED:
      return absl::StatusCode::kPermissionDenied;
    case xueji::v1::DUPLICATE_REGISTRATION:
      return absl::StatusCode::kAlreadyExists;
    case xueji::v1::INVALID_TRANSITION:
    case xueji::v1::KINDERGARTEN_CLOSED:
      return absl::StatusCode::kFailedPrecondition;
    default:
      return absl::StatusCode::kUnknown;
  }
}

}  // namespace

absl::Status Rejection(ReasonCode code, std::string_view message) {
  absl::Status status(CanonicalCode(code),
                      absl::string_view(message.data(), message.size()));
  std::string_view name = ReasonName(code);
  status.SetPayload(kReasonTypeUrl,
                    absl::Cord(absl::string_view(name.data(), name.size())));
  return status;
}

std::optional<ReasonCode> ReasonOf(const absl::Status& status) {
  if (status.ok()) return std::nullopt;
  auto payload = status.GetPayload(kReasonTypeUrl);  // absl::optional
  if (!payload.has_value()) return std::nullopt;
  ReasonCode code;
  if (!xueji::v1::ReasonCode_Parse(std::string(*payload), &code)) {
    return std::nullopt;
  }
  return code;
}

std::string_view ReasonName(ReasonCode code) {
  const google::protobuf::EnumValueDescriptor* value =
      xueji::v1::ReasonCode_descriptor()->FindValueByNumber(code);
  if (value == nullptr) return "REASON_CODE_UNSPECIFIED";
  return value->name();
}

}  // namespace xueji
