#include "commands/input/fast_json.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "ledger/rules/identity.h"

namespace xueji {
namespace {

namespace pb = google::protobuf;
using pb::FieldDescriptor;
using pb::Message;

// Objects and arrays nested; deeper is declined (strict_json.h refuses
// deeper than 32 before the parse starts).
constexpr int kMaxDepth = 40;
// Keys of one object remembered for the repeated-key check; more is declined.
constexpr int kMaxKeys = 64;

// protobuf's parser looks a key up by JSON name first, then by proto name.
const FieldDescriptor* FindField(const pb::Descriptor* d,
                                 std::string_view key) {
  const int n = d->field_count();
  for (int i = 0; i < n; ++i) {
    if (d->field(i)->json_name() == key) return d->field(i);
  }
  for (int i = 0; i < n; ++i) {
    if (d->field(i)->name() == key) return d->field(i);
  }
  return nullptr;
}

const pb::EnumValueDescriptor* FindEnumValue(const pb::EnumDescriptor* e,
                                             std::string_view name) {
  const int n = e->value_count();
  for (int i = 0; i < n; ++i) {
    if (e->value(i)->name() == name) return e->value(i);
  }
  return nullptr;
}

class Reader {
 public:
  explicit Reader(std::string_view text) : t_(text) {}

  bool Top(Message* message) {
    SkipWs();
    if (!Object(message, 0)) return false;
    SkipWs();
    return p_ == t_.size();
  }

 private:
  void SkipWs() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' ||
                              t_[p_] == '\n' || t_[p_] == '\r')) {
      ++p_;
    }
  }

  bool Eat(char c) {
    if (p_ < t_.size() && t_[p_] == c) {
      ++p_;
      return true;
    }
    return false;
  }

  // A string with no escape and no control character, valid UTF-8; `out`
  // is its text.
  bool PlainString(std::string_view* out) {
    if (!Eat('"')) return false;
    const size_t start = p_;
    while (p_ < t_.size()) {
      const unsigned char c = static_cast<unsigned char>(t_[p_]);
      if (c == '"') {
        *out = t_.substr(start, p_ - start);
        ++p_;
        return true;
      }
      if (c == '\\' || c < 0x20) return false;
      if (c < 0x80) {
        ++p_;
        continue;
      }
      uint32_t cp;
      if (!NextCodePoint(t_, &p_, &cp)) return false;
    }
    return false;
  }

  bool Object(Message* m, int depth) {
    if (depth >= kMaxDepth || !Eat('{')) return false;
    const pb::Descriptor* d = m->GetDescriptor();
    if (d->file()->package() == "google.protobuf") return false;  // WKTs
    const pb::Reflection* r = m->GetReflection();
    SkipWs();
    if (Eat('}')) return true;
    const FieldDescriptor* seen[kMaxKeys];
    int keys = 0;
    while (true) {
      SkipWs();
      std::string_view key;
      if (!PlainString(&key)) return false;
      const FieldDescriptor* f = FindField(d, key);
      if (f == nullptr || keys == kMaxKeys) return false;
      for (int i = 0; i < keys; ++i) {
        if (seen[i] == f) return false;
      }
      seen[keys++] = f;
      SkipWs();
      if (!Eat(':')) return false;
      SkipWs();
      if (!Field(m, r, f, depth)) return false;
      SkipWs();
      if (Eat(',')) continue;
      return Eat('}');
    }
  }

  bool Field(Message* m, const pb::Reflection* r, const FieldDescriptor* f,
             int depth) {
    if (f->is_map()) return false;
    if (!f->is_repeated()) {
      const pb::OneofDescriptor* oneof = f->real_containing_oneof();
      if (oneof != nullptr && r->HasOneof(*m, oneof)) return false;
      return Value(m, r, f, depth, false);
    }
    if (depth + 1 >= kMaxDepth || !Eat('[')) return false;
    SkipWs();
    if (Eat(']')) return true;
    while (true) {
      SkipWs();
      if (!Value(m, r, f, depth + 1, true)) return false;
      SkipWs();
      if (Eat(',')) continue;
      return Eat(']');
    }
  }

  // One value of field `f`: set, or added to the repeated field (`add`).
  bool Value(Message* m, const pb::Reflection* r, const FieldDescriptor* f,
             int depth, bool add) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Object(add ? r->AddMessage(m, f) : r->MutableMessage(m, f),
                      depth + 1);
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string_view s;
        if (f->type() != FieldDescriptor::TYPE_STRING || !PlainString(&s)) {
          return false;  // bytes are base64: protobuf's decoder decides
        }
        if (add) {
          r->AddString(m, f, std::string(s));
        } else {
          r->SetString(m, f, std::string(s));
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        std::string_view s;
        if (!PlainString(&s)) return false;
        const pb::EnumValueDescriptor* v = FindEnumValue(f->enum_type(), s);
        if (v == nullptr) return false;  // protobuf also tries other spellings
        if (add) {
          r->AddEnumValue(m, f, v->number());
        } else {
          r->SetEnumValue(m, f, v->number());
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        bool b;
        if (t_.substr(p_, 4) == "true") {
          b = true;
          p_ += 4;
        } else if (t_.substr(p_, 5) == "false") {
          b = false;
          p_ += 5;
        } else {
          return false;
        }
        if (add) {
          r->AddBool(m, f, b);
        } else {
          r->SetBool(m, f, b);
        }
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT32:
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT32:
      case FieldDescriptor::CPPTYPE_UINT64:
        return IntegerValue(m, r, f, add);
      default:
        return false;  // float and double
    }
  }

  // -?(0|[1-9][0-9]*), bare or in double quotes (protobuf takes both for
  // every integer type); "-0" is declined.
  bool Integer(bool* negative, uint64_t* magnitude) {
    const bool quoted = Eat('"');
    *negative = Eat('-');
    const size_t start = p_;
    uint64_t v = 0;
    while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') {
      const uint64_t digit = static_cast<uint64_t>(t_[p_] - '0');
      if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
        return false;
      }
      v = v * 10 + digit;
      ++p_;
    }
    if (p_ == start || (t_[start] == '0' && p_ - start > 1)) return false;
    if (*negative && v == 0) return false;
    if (quoted && !Eat('"')) return false;
    *magnitude = v;
    return true;
  }

  bool IntegerValue(Message* m, const pb::Reflection* r,
                    const FieldDescriptor* f, bool add) {
    bool negative;
    uint64_t v;
    if (!Integer(&negative, &v)) return false;
    constexpr uint64_t kInt32Max = std::numeric_limits<int32_t>::max();
    constexpr uint64_t kInt64Max = std::numeric_limits<int64_t>::max();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        if (v > kInt32Max + (negative ? 1 : 0)) return false;
        const int32_t x = negative
                              ? static_cast<int32_t>(-static_cast<int64_t>(v))
                              : static_cast<int32_t>(v);
        add ? r->AddInt32(m, f, x) : r->SetInt32(m, f, x);
        return true;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        if (v > kInt64Max + (negative ? 1 : 0)) return false;
        const int64_t x =
            negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
        add ? r->AddInt64(m, f, x) : r->SetInt64(m, f, x);
        return true;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        if (negative || v > std::numeric_limits<uint32_t>::max()) return false;
        const uint32_t x = static_cast<uint32_t>(v);
        add ? r->AddUInt32(m, f, x) : r->SetUInt32(m, f, x);
        return true;
      }
      default: {  // CPPTYPE_UINT64
        if (negative) return false;
        add ? r->AddUInt64(m, f, v) : r->SetUInt64(m, f, v);
        return true;
      }
    }
  }

  std::string_view t_;
  size_t p_ = 0;
};

}  // namespace

bool FastJsonToMessage(std::string_view json,
                       google::protobuf::Message* message) {
  message->Clear();
  return Reader(json).Top(message);
}

std::string FastJsonMismatch(std::string_view json,
                             const google::protobuf::Message& prototype) {
  std::unique_ptr<Message> fast(prototype.New());
  if (!FastJsonToMessage(json, fast.get())) return "";
  std::unique_ptr<Message> slow(prototype.New());
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), slow.get(),
      options);
  if (!status.ok()) {
    return absl::StrCat("the fast path takes what protobuf refuses: ",
                        std::string(status.message()));
  }
  if (fast->SerializeAsString() != slow->SerializeAsString()) {
    return absl::StrCat("the fast path gives ", fast->ShortDebugString(),
                        "; protobuf gives ", slow->ShortDebugString());
  }
  return "";
}

}  // namespace xueji
