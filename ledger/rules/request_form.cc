// The form checks that come before any decision, and the text rule.
#include "ledger/rules/request_form.h"

#include <algorithm>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "ledger/rules/identity.h"

namespace xueji {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// What kind of refused character `cp` is, for the message.
const char* KindOf(uint32_t cp) {
  if (cp == 0x2028 || cp == 0x2029) return "a line or paragraph separator";
  if (cp == 0x061C || cp == 0x200E || cp == 0x200F ||
      (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
    return "a bidirectional text control";
  }
  return "a control character";
}

// One step of the JSON path to a field: the field, and its index when it
// is repeated (-1 otherwise).
struct PathStep {
  const FieldDescriptor* field;
  int index;
};

// The JSON path of `path`, e.g. "admit.child.name" or "names[2]".
std::string PathName(const std::vector<PathStep>& path) {
  std::string name;
  for (const PathStep& step : path) {
    if (!name.empty()) name += '.';
    name += step.field->json_name();
    if (step.index >= 0) absl::StrAppend(&name, "[", step.index, "]");
  }
  return name;
}

// The fields of a message type the text rule looks into: its string and
// message fields, by number (the order ListFields gives, so the first bad
// field found is the same). Made once per type and thread.
const std::vector<const FieldDescriptor*>& TextFieldsOf(
    const google::protobuf::Descriptor* type) {
  thread_local absl::flat_hash_map<const google::protobuf::Descriptor*,
                                   std::vector<const FieldDescriptor*>>
      plans;
  auto [it, inserted] = plans.try_emplace(type);
  if (inserted) {
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      if (field->type() == FieldDescriptor::TYPE_STRING ||
          field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        it->second.push_back(field);
      }
    }
    std::sort(it->second.begin(), it->second.end(),
              [](const FieldDescriptor* a, const FieldDescriptor* b) {
                return a->number() < b->number();
              });
  }
  return it->second;
}

// Sets *out to the problem of the first bad string field under `message`;
// true if one was found. `path` leads to `message`; the path's text is
// made only for the problem found (most requests have none). A string field
// that is not set reads as "", which passes; a message field is entered
// only when set.
bool FindTextProblem(const Message& message, std::vector<PathStep>* path,
                     std::string* out) {
  const Reflection* reflection = message.GetReflection();
  const google::protobuf::Descriptor* type = message.GetDescriptor();
  // The member set in each oneof (one look each, not one per member).
  absl::InlinedVector<const FieldDescriptor*, 4> set_in_oneof(
      type->oneof_decl_count());
  for (int i = 0; i < type->oneof_decl_count(); ++i) {
    set_in_oneof[i] =
        reflection->GetOneofFieldDescriptor(message, type->oneof_decl(i));
  }
  auto found = [&](const FieldDescriptor* field, int index,
                   const std::string& problem) {
    path->push_back(PathStep{field, index});
    *out = absl::StrCat(PathName(*path), " ", problem);
    path->pop_back();
    return true;
  };
  for (const FieldDescriptor* field : TextFieldsOf(type)) {
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        const int n = reflection->FieldSize(message, field);
        for (int i = 0; i < n; ++i) {
          std::string scratch;
          const std::string& value = reflection->GetRepeatedStringReference(
              message, field, i, &scratch);
          if (std::string problem = TextProblem(value); !problem.empty()) {
            return found(field, i, problem);
          }
        }
      } else {
        std::string scratch;
        const std::string& value =
            reflection->GetStringReference(message, field, &scratch);
        if (std::string problem = TextProblem(value); !problem.empty()) {
          return found(field, -1, problem);
        }
      }
    } else if (field->is_repeated()) {
      const int n = reflection->FieldSize(message, field);
      for (int i = 0; i < n; ++i) {
        path->push_back(PathStep{field, i});
        const bool bad = FindTextProblem(
            reflection->GetRepeatedMessage(message, field, i), path, out);
        path->pop_back();
        if (bad) return true;
      }
    } else if (const google::protobuf::OneofDescriptor* oneof =
                   field->containing_oneof();
               oneof != nullptr ? set_in_oneof[oneof->index()] == field
                                : reflection->HasField(message, field)) {
      path->push_back(PathStep{field, -1});
      const bool bad =
          FindTextProblem(reflection->GetMessage(message, field), path, out);
      path->pop_back();
      if (bad) return true;
    }
  }
  return false;
}

}  // namespace

bool IsRefusedInText(uint32_t cp) {
  if (cp < 0x20) return true;                 // C0, tab and newline included
  if (cp >= 0x7F && cp <= 0x9F) return true;  // DEL and C1
  if (cp < 0x061C) return false;              // fast path: most text
  return cp == 0x061C ||                      // ARABIC LETTER MARK
         cp == 0x200E || cp == 0x200F ||      // LRM, RLM
         (cp >= 0x202A && cp <= 0x202E) ||    // LRE, RLE, PDF, LRO, RLO
         (cp >= 0x2066 && cp <= 0x2069) ||    // LRI, RLI, FSI, PDI
         cp == 0x2028 || cp == 0x2029;        // line, paragraph separator
}

std::string TextProblem(std::string_view text) {
  // Fast path: printable ASCII throughout (most ids, codes and dates).
  size_t ascii = 0;
  while (ascii < text.size() &&
         static_cast<unsigned char>(text[ascii]) >= 0x20 &&
         static_cast<unsigned char>(text[ascii]) < 0x7F) {
    ++ascii;
  }
  if (ascii == text.size()) return "";
  size_t pos = 0;
  int64_t character = 0;
  while (pos < text.size()) {
    uint32_t cp;
    const size_t at = pos;
    if (!NextCodePoint(text, &pos, &cp)) {
      return absl::StrCat("is not valid UTF-8 (byte ", at + 1, ")");
    }
    ++character;
    if (IsRefusedInText(cp)) {
      return absl::StrCat("contains ", absl::StrFormat("U+%04X", cp), " (",
                          KindOf(cp), ") at character ", character);
    }
  }
  return "";
}

std::string TextFieldProblem(const Message& message) {
  std::string problem;
  std::vector<PathStep> path;
  FindTextProblem(message, &path, &problem);
  return problem;
}

std::string RequestIdProblem(const std::string& request_id) {
  if (request_id.empty()) return "requestId is missing";
  if (request_id.size() > 128 || !IsValidUtf8(request_id) ||
      request_id.find_first_of(" \t\r\n") != std::string::npos) {
    return "requestId must be 1-128 characters without spaces";
  }
  // The ledger's own request ids: registry lines, signed and refused
  // batches, `ledger init`.
  for (const char* reserved : {"registry:", "batch:", "refused:", "ledger:"}) {
    if (request_id.starts_with(reserved)) {
      return std::string("requestId prefix '") + reserved + "' is reserved";
    }
  }
  return "";
}

namespace {

// INVALID_TEXT when a string field of `message` breaks the text rule.
std::optional<FormRefusal> TextRefusal(const Message& message) {
  std::string problem = TextFieldProblem(message);
  if (problem.empty()) return std::nullopt;
  return FormRefusal{
      xueji::v1::INVALID_TEXT,
      absl::StrCat(problem,
                   "; control, bidirectional-control and line-separator "
                   "characters are not allowed in any field")};
}

}  // namespace

std::optional<FormRefusal> CheckRequestForm(const xueji::v1::Request& request) {
  if (auto refused = TextRefusal(request)) return refused;
  if (std::string problem = RequestIdProblem(request.request_id());
      !problem.empty()) {
    return FormRefusal{xueji::v1::MALFORMED_REQUEST, problem};
  }
  if (request.action_case() == xueji::v1::Request::ACTION_NOT_SET) {
    return FormRefusal{xueji::v1::MALFORMED_REQUEST,
                       "the request names no action (admit, approve, ...)"};
  }
  return std::nullopt;
}

std::optional<FormRefusal> CheckRegistryLineForm(
    const xueji::v1::RegistryLine& line) {
  if (auto refused = TextRefusal(line)) return refused;
  if (line.entry_case() == xueji::v1::RegistryLine::ENTRY_NOT_SET) {
    return FormRefusal{xueji::v1::MALFORMED_REQUEST,
                       "a registry line holds a kindergarten or an operator"};
  }
  return std::nullopt;
}

xueji::v1::Result FormRefusalResult(std::string_view request_id,
                                    const FormRefusal& refusal,
                                    std::string_view prefix) {
  xueji::v1::Result result;
  if (!request_id.empty() && request_id.size() <= 128 &&
      TextProblem(request_id).empty()) {
    result.set_request_id(std::string(request_id));
  }
  result.set_status(xueji::v1::REJECTED);
  result.set_code(refusal.code);
  result.set_message(absl::StrCat(
      absl::string_view(prefix.data(), prefix.size()), refusal.message));
  return result;
}

}  // namespace xueji
