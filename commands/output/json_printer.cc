#include "commands/output/json_printer.h"

#include <cstdint>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "ledger/rules/identity.h"

namespace xueji {
namespace {

namespace pb = google::protobuf;
using Field = pb::FieldDescriptor;

constexpr int kMaxDepth = 32;
constexpr char kHex[] = "0123456789abcdef";

void AppendU(uint32_t unit, std::string* out) {
  const char u[6] = {'\\',
                     'u',
                     kHex[(unit >> 12) & 0xF],
                     kHex[(unit >> 8) & 0xF],
                     kHex[(unit >> 4) & 0xF],
                     kHex[unit & 0xF]};
  out->append(u, 6);
}

// The code points protobuf's printer escapes beyond ASCII (its
// json_escaping.cc): C1 controls and invisible format characters, as \uXXXX,
// and a few supplementary ones, as a surrogate pair.
bool EscapedAsUnit(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) || cp == 0xAD ||
         (cp >= 0x600 && cp <= 0x603) || cp == 0x6DD || cp == 0x70F ||
         cp == 0x17B4 || cp == 0x17B5 || (cp >= 0x200B && cp <= 0x200F) ||
         (cp >= 0x2028 && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
         (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF ||
         (cp >= 0xFFF9 && cp <= 0xFFFB);
}
bool EscapedAsPair(uint32_t cp) {
  return cp == 0xE0001 || (cp >= 0x1D173 && cp <= 0x1D17A) ||
         (cp >= 0xE0020 && cp <= 0xE007F);
}

// `s` in double quotes, escaped as protobuf escapes it; false if `s` is not
// UTF-8 (protobuf drops such bytes; not handled here).
bool AppendString(std::string_view s, std::string* out) {
  out->push_back('"');
  size_t i = 0;
  while (i < s.size()) {
    const size_t run = i;  // printable ASCII needing no escape, at once
    while (i < s.size() && s[i] >= 0x20 && s[i] < 0x7F && s[i] != '"' &&
           s[i] != '\\' && s[i] != '<' && s[i] != '>') {
      ++i;
    }
    out->append(s.substr(run, i - run));
    if (i == s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const size_t at = i;
      uint32_t cp;
      if (!NextCodePoint(s, &i, &cp)) return false;
      if (EscapedAsUnit(cp)) {
        AppendU(cp, out);
      } else if (EscapedAsPair(cp)) {
        AppendU(0xD800 + ((cp - 0x10000) >> 10), out);
        AppendU(0xDC00 + ((cp - 0x10000) & 0x3FF), out);
      } else {
        out->append(s.substr(at, i - at));
      }
      continue;
    }
    ++i;
    // The two-character escapes, as pairs: the character, its letter; the
    // other controls, '<', '>' and DEL as \u00XX.
    static constexpr std::string_view kShort = "\"\"\\\\\bb\tt\nn\ff\rr";
    size_t k = 0;
    while (k < kShort.size() && kShort[k] != static_cast<char>(c)) k += 2;
    if (k < kShort.size()) {
      out->push_back('\\');
      out->push_back(kShort[k + 1]);
    } else {
      AppendU(c, out);
    }
  }
  out->push_back('"');
  return true;
}

bool AppendMessage(const pb::Message& m, int depth, std::string* out) {
  const pb::Descriptor* d = m.GetDescriptor();
  if (depth >= kMaxDepth || d->file()->package() == "google.protobuf") {
    return false;  // well-known types print in their own forms
  }
  const pb::Reflection* r = m.GetReflection();
  if (!r->GetUnknownFields(m).empty()) return false;
  std::vector<const Field*> fields;
  r->ListFields(m, &fields);  // the set fields, by number
  out->push_back('{');
  bool first = true;
  for (const Field* f : fields) {
    if (f->is_repeated()) return false;
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(f->json_name());
    out->append("\":");
    switch (f->cpp_type()) {
      case Field::CPPTYPE_STRING: {
        if (f->type() != Field::TYPE_STRING) return false;  // bytes
        std::string scratch;
        if (!AppendString(r->GetStringReference(m, f, &scratch), out)) {
          return false;
        }
        break;
      }
      case Field::CPPTYPE_ENUM: {
        const pb::EnumValueDescriptor* v =
            f->enum_type()->FindValueByNumber(r->GetEnumValue(m, f));
        if (v == nullptr) return false;  // printed as a number by protobuf
        out->push_back('"');
        out->append(v->name());
        out->push_back('"');
        break;
      }
      case Field::CPPTYPE_INT32:
        absl::StrAppend(out, r->GetInt32(m, f));
        break;
      case Field::CPPTYPE_UINT32:
        absl::StrAppend(out, r->GetUInt32(m, f));
        break;
      case Field::CPPTYPE_INT64:
        absl::StrAppend(out, "\"", r->GetInt64(m, f), "\"");
        break;
      case Field::CPPTYPE_UINT64:
        absl::StrAppend(out, "\"", r->GetUInt64(m, f), "\"");
        break;
      case Field::CPPTYPE_BOOL:
        out->append(r->GetBool(m, f) ? "true" : "false");
        break;
      case Field::CPPTYPE_MESSAGE:
        if (!AppendMessage(r->GetMessage(m, f), depth + 1, out)) return false;
        break;
      default:
        return false;  // float and double
    }
  }
  out->push_back('}');
  return true;
}

}  // namespace

bool FastMessageToJsonLine(const google::protobuf::Message& message,
                           std::string* out) {
  return AppendMessage(message, 0, out);
}

}  // namespace xueji
