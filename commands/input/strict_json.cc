#include "commands/input/strict_json.h"

#include <array>
#include <cstdint>
#include <deque>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "ledger/base/strings.h"
#include "ledger/rules/identity.h"

namespace xueji {
namespace {

// "snake_case" -> "snakeCase", as protobuf maps field names to JSON names.
std::string ProtobufJsonName(std::string_view key) {
  std::string out;
  out.reserve(key.size());
  bool upper_next = false;
  for (char c : key) {
    if (c == '_') {
      upper_next = true;
      continue;
    }
    out.push_back(
        upper_next ? absl::ascii_toupper(static_cast<unsigned char>(c)) : c);
    upper_next = false;
  }
  return out;
}

// A key short and plain enough to name in a message.
bool Nameable(std::string_view key) {
  if (key.empty() || key.size() > 64) return false;
  for (char c : key) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return true;
}

class Checker {
 public:
  Checker(std::string_view text, const StrictJsonOptions& options)
      : t_(text), options_(options) {}

  std::string Run() {
    SkipWs();
    if (p_ == t_.size()) {
      Fail("no JSON value", p_);
      return error_;
    }
    while (true) {
      if (!Value()) return error_;
      // A value is complete: close containers, or go on after a comma.
      bool need_value = false;
      while (!need_value) {
        SkipWs();
        if (stack_.empty()) {
          if (p_ != t_.size()) Fail("text after the JSON value", p_);
          return error_;
        }
        const bool object = stack_.back().object;
        if (p_ == t_.size()) {
          Fail(object ? "unexpected end of input (',' or '}' expected)"
                      : "unexpected end of input (',' or ']' expected)",
               p_);
          return error_;
        }
        const char c = t_[p_];
        if (c == ',') {
          const size_t comma = p_++;
          SkipWs();
          if (p_ < t_.size() && t_[p_] == (object ? '}' : ']')) {
            Fail(object ? "trailing comma before '}'"
                        : "trailing comma before ']'",
                 comma);
            return error_;
          }
          if (object && !Key()) return error_;
          need_value = true;
        } else if (c == (object ? '}' : ']')) {
          ++p_;
          stack_.pop_back();
        } else {
          Fail(object ? "',' or '}' expected" : "',' or ']' expected", p_);
          return error_;
        }
      }
    }
  }

 private:
  // An open container. An object's keys (views of the text, or of owned_)
  // are compared one by one while few, then hashed: linear either way.
  struct Frame {
    bool object = false;
    size_t few_keys = 0;
    std::array<std::string_view, 8> few;
    absl::flat_hash_set<std::string_view> many;

    bool Insert(std::string_view key) {
      if (few_keys < few.size()) {
        for (size_t i = 0; i < few_keys; ++i) {
          if (few[i] == key) return false;
        }
        few[few_keys++] = key;
        return true;
      }
      if (many.empty()) many.insert(few.begin(), few.end());
      return many.insert(key).second;
    }
  };

  bool Fail(std::string_view what, size_t at) {
    error_ = absl::StrCat(absl::string_view(what.data(), what.size()),
                          " at byte ", at + 1);
    return false;
  }

  void SkipWs() {
    while (p_ < t_.size() && (t_[p_] == ' ' || t_[p_] == '\t' ||
                              t_[p_] == '\n' || t_[p_] == '\r')) {
      ++p_;
    }
  }

  bool Open(bool object) {
    if (static_cast<int>(stack_.size()) >= options_.max_depth) {
      return Fail(
          absl::StrCat("nesting deeper than ", options_.max_depth, " levels"),
          p_);
    }
    stack_.emplace_back();
    stack_.back().object = object;
    ++p_;
    return true;
  }

  // Just after Open: skips white space and, when `close` comes next (an empty
  // container), reads it and closes the container.
  bool ClosedEmpty(char close) {
    SkipWs();
    if (p_ < t_.size() && t_[p_] == close) {
      ++p_;
      stack_.pop_back();
      return true;
    }
    return false;
  }

  // Reads a value at p_. A container is opened and, unless empty, its first
  // member (an object's key and colon) read; its value comes next.
  bool Value() {
    while (true) {
      if (p_ == t_.size()) {
        return Fail("unexpected end of input (a value was expected)", p_);
      }
      const unsigned char c = static_cast<unsigned char>(t_[p_]);
      switch (c) {
        case '{':
          if (!Open(true)) return false;
          if (ClosedEmpty('}')) return true;
          if (!Key()) return false;
          continue;  // the member's value
        case '[':
          if (!Open(false)) return false;
          if (ClosedEmpty(']')) return true;
          continue;  // the first element
        case '"':
          return String(nullptr);
        case 't':
          return Literal("true");
        case 'f':
          return Literal("false");
        case 'n':
          return Literal("null");
        case '\'':
          return Fail("single-quoted string (JSON strings use double quotes)",
                      p_);
        default:
          if (c == '-' || (c >= '0' && c <= '9')) return Number();
          if (c == ']' || c == '}') {
            return Fail("a value was expected", p_);
          }
          if (c >= 0x21 && c < 0x7F) {
            return Fail(absl::StrCat("unexpected character '",
                                     std::string(1, static_cast<char>(c)), "'"),
                        p_);
          }
          return Fail(absl::StrFormat("unexpected byte 0x%02X", c), p_);
      }
    }
  }

  // An object key at p_, its duplicate check, and the colon after it.
  bool Key() {
    if (p_ == t_.size()) {
      return Fail("unexpected end of input (a key was expected)", p_);
    }
    if (t_[p_] == '\'') {
      return Fail("single-quoted key (JSON keys use double quotes)", p_);
    }
    if (t_[p_] != '"') return Fail("object key not in double quotes", p_);
    const size_t at = p_;
    if (!String(nullptr)) return false;
    std::string_view key = t_.substr(at + 1, p_ - at - 2);
    if (key.find('\\') != std::string_view::npos) {  // decoded, kept
      const size_t end = p_;
      p_ = at;
      owned_.emplace_back();
      String(&owned_.back());
      p_ = end;
      key = owned_.back();
    }
    if (options_.protobuf_field_names &&
        key.find('_') != std::string_view::npos) {
      owned_.push_back(ProtobufJsonName(key));
      key = owned_.back();
    }
    if (!stack_.back().Insert(key)) {
      return Fail(Nameable(key)
                      ? absl::StrCat("duplicate key \"", std::string(key), "\"")
                      : std::string("duplicate key"),
                  at);
    }
    SkipWs();
    if (p_ == t_.size() || t_[p_] != ':') {
      return Fail("':' expected after the key", p_);
    }
    ++p_;
    SkipWs();
    return true;
  }

  int Hex(size_t at) const {
    if (at + 4 > t_.size()) return -1;
    int v = 0;
    for (size_t i = at; i < at + 4; ++i) {
      const char c = t_[i];
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  }

  // A string at p_ (the opening quote); decoded into *out if not null.
  bool String(std::string* out) {
    const size_t start = p_++;
    while (true) {
      if (p_ == t_.size()) return Fail("unterminated string", start);
      const unsigned char c = static_cast<unsigned char>(t_[p_]);
      if (c == '"') {
        ++p_;
        return true;
      }
      if (c < 0x20) {
        return Fail(absl::StrFormat("control character U+%04X in a string "
                                    "(it must be escaped)",
                                    c),
                    p_);
      }
      if (c == '\\') {
        if (p_ + 1 == t_.size()) return Fail("unterminated string", start);
        const char e = t_[p_ + 1];
        char plain = 0;
        switch (e) {
          case '"':
            plain = '"';
            break;
          case '\\':
            plain = '\\';
            break;
          case '/':
            plain = '/';
            break;
          case 'b':
            plain = '\b';
            break;
          case 'f':
            plain = '\f';
            break;
          case 'n':
            plain = '\n';
            break;
          case 'r':
            plain = '\r';
            break;
          case 't':
            plain = '\t';
            break;
          case 'u':
            break;
          default:
            return Fail("invalid escape in a string", p_);
        }
        if (e != 'u') {
          if (out != nullptr) out->push_back(plain);
          p_ += 2;
          continue;
        }
        int cp = Hex(p_ + 2);
        if (cp < 0) return Fail("invalid \\u escape", p_);
        const size_t escape = p_;
        p_ += 6;
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
          return Fail("unpaired surrogate in a \\u escape", escape);
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          const int low =
              p_ + 1 < t_.size() && t_[p_] == '\\' && t_[p_ + 1] == 'u'
                  ? Hex(p_ + 2)
                  : -1;
          if (low < 0xDC00 || low > 0xDFFF) {
            return Fail("unpaired surrogate in a \\u escape", escape);
          }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          p_ += 6;
        }
        if (out != nullptr) AppendUtf8(static_cast<uint32_t>(cp), out);
        continue;
      }
      if (c < 0x80) {  // a run of plain ASCII, at once
        const size_t run = p_;
        while (++p_ < t_.size()) {
          const unsigned char d = static_cast<unsigned char>(t_[p_]);
          if (d < 0x20 || d >= 0x80 || d == '"' || d == '\\') break;
        }
        if (out != nullptr) out->append(t_.substr(run, p_ - run));
        continue;
      }
      const size_t at = p_;
      uint32_t cp;
      if (!NextCodePoint(t_, &p_, &cp)) return Fail("invalid UTF-8", at);
      if (out != nullptr) out->append(t_.substr(at, p_ - at));
    }
  }

  bool Digits() {
    const size_t from = p_;
    while (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') ++p_;
    return p_ > from;
  }

  bool Number() {
    const size_t start = p_;
    if (t_[p_] == '-') ++p_;
    if (p_ < t_.size() && t_[p_] == '0') {
      ++p_;
      if (p_ < t_.size() && t_[p_] >= '0' && t_[p_] <= '9') {
        return Fail("number with a leading zero", start);
      }
    } else if (!Digits()) {
      return Fail("invalid number", start);
    }
    if (p_ < t_.size() && t_[p_] == '.') {
      ++p_;
      if (!Digits()) return Fail("invalid number (digits after '.')", start);
    }
    if (p_ < t_.size() && (t_[p_] == 'e' || t_[p_] == 'E')) {
      ++p_;
      if (p_ < t_.size() && (t_[p_] == '+' || t_[p_] == '-')) ++p_;
      if (!Digits()) return Fail("invalid number (exponent)", start);
    }
    return true;
  }

  bool Literal(std::string_view word) {
    if (t_.substr(p_, word.size()) != word) {
      return Fail("invalid literal (true, false or null expected)", p_);
    }
    p_ += word.size();
    return true;
  }

  std::string_view t_;
  const StrictJsonOptions& options_;
  size_t p_ = 0;
  std::vector<Frame> stack_;
  std::deque<std::string> owned_;  // keys decoded or renamed
  std::string error_;
};

}  // namespace

std::string StrictJsonProblem(std::string_view text,
                              const StrictJsonOptions& options) {
  return Checker(text, options).Run();
}

}  // namespace xueji
