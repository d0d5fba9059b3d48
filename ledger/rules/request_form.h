// The form of a request or registry line: what the ledger checks before it
// decides anything, and the one owner of the text rule.
//
// A message that fails these checks is answered (MALFORMED_REQUEST or
// INVALID_TEXT) but never decided and never recorded: nothing is appended,
// and its requestId is not used up, so the corrected line may be sent again
// under the same id. A message that passes is decided; a refusal by the
// decider is recorded (RequestRejected) and uses the requestId up, so sending
// it again answers DUPLICATE_REQUEST (docs/design.md, "Refusals").
//
// The text rule (INVALID_TEXT): no string field of a request or registry line
// (ids, names, reasons, evidence, codes; nested and repeated ones included)
// may hold a character that can change what a terminal shows instead of being
// shown: C0 controls U+0000-001F (tab and newline included), DEL U+007F, C1
// controls U+0080-009F, the bidi controls (U+061C, U+200E, U+200F,
// U+202A-202E, U+2066-2069) and the line and paragraph separators U+2028,
// U+2029. Text must also be valid UTF-8.
//
// Callers: the CLI's JSONL front end (commands/jsonl_batch.h), the request
// processor (processor.h, so nothing that fails the form reaches the log by
// any path) and the Kafka processor service.
//
// Thread-safety: pure functions.
#ifndef XUEJI_LEDGER_RULES_REQUEST_FORM_H_
#define XUEJI_LEDGER_RULES_REQUEST_FORM_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "google/protobuf/message.h"
#include "xueji/v1/common.pb.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

// Is code point `cp` refused in text by the rule above?
bool IsRefusedInText(uint32_t cp);

// "" if `text` is valid UTF-8 without refused characters; else why not,
// without quoting the text: "is not valid UTF-8 (byte 7)" or
// "contains U+001B (a control character) at character 3".
std::string TextProblem(std::string_view text);

// The first string field of `message` (depth first, in field-number order)
// whose value has a TextProblem: "<json.path> <problem>", e.g.
// "admit.child.name contains U+001B (a control character) at character 3";
// "" if none. Repeated fields are named with their index: "x.y[2]".
std::string TextFieldProblem(const google::protobuf::Message& message);

// Why `request_id` cannot key a request ("" if it can): missing, longer than
// 128 bytes, not UTF-8, containing spaces, or using a reserved prefix
// ("registry:", "batch:", "refused:", "ledger:": the ledger's own ids).
std::string RequestIdProblem(const std::string& request_id);

struct FormRefusal {
  xueji::v1::ReasonCode code = xueji::v1::REASON_CODE_UNSPECIFIED;
  std::string message;  // names the field, never quotes its value
};

// Checks, in order: the text rule on every string field (INVALID_TEXT), the
// requestId (MALFORMED_REQUEST), an action present (MALFORMED_REQUEST).
std::optional<FormRefusal> CheckRequestForm(const xueji::v1::Request& request);

// Checks the text rule on every string field (INVALID_TEXT) and that the line
// has an entry (MALFORMED_REQUEST).
std::optional<FormRefusal> CheckRegistryLineForm(
    const xueji::v1::RegistryLine& line);

// The answer to a message refused for its form: REJECTED with the refusal's
// code and `prefix` + its message. The request id is echoed only when it can
// be shown safely (1-128 bytes, no TextProblem); otherwise it is left empty.
xueji::v1::Result FormRefusalResult(std::string_view request_id,
                                    const FormRefusal& refusal,
                                    std::string_view prefix = "");

}  // namespace xueji

#endif  // XUEJI_LEDGER_RULES_REQUEST_FORM_H_
