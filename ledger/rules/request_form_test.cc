// The form checks and the text rule (request_form.h).
#include "ledger/rules/request_form.h"

#include <catch2/catch.hpp>
#include <functional>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace xueji {
namespace {

using google::protobuf::Message;
using xueji::v1::Request;

Request Graduate(const std::string& id) {
  Request r;
  r.set_request_id(id);
  r.set_actor("reg-sm1");
  r.set_occurred_on("2025-09-01");
  r.mutable_graduate()->set_student_no("G350203202103140117");
  return r;
}

// `refusal` is there, with `code` and a message that starts with `start`.
void CheckRefused(const std::optional<FormRefusal>& refusal,
                  xueji::v1::ReasonCode code, const std::string& start = "") {
  REQUIRE(refusal.has_value());
  CHECK(refusal->code == code);
  CHECK(refusal->message.starts_with(start));
}

TEST_CASE("the text rule refuses controls, bidi controls and separators") {
  for (uint32_t cp = 0; cp < 0x20; ++cp) CHECK(IsRefusedInText(cp));
  for (uint32_t cp = 0x7F; cp <= 0x9F; ++cp) CHECK(IsRefusedInText(cp));
  for (uint32_t cp :
       {0x061Cu, 0x200Eu, 0x200Fu, 0x202Au, 0x202Bu, 0x202Cu, 0x202Du, 0x202Eu,
        0x2066u, 0x2067u, 0x2068u, 0x2069u, 0x2028u, 0x2029u}) {
    INFO("U+" << std::hex << cp);
    CHECK(IsRefusedInText(cp));
  }
  // Ordinary text, including what Chinese names and addresses use.
  for (uint32_t cp : {0x20u, 0x41u, 0x7Eu, 0xA0u, 0xB7u, 0x3000u, 0x738Bu,
                      0x200Bu, 0x200Du, 0x2027u, 0xFF01u, 0x1F600u, 0x20000u}) {
    INFO("U+" << std::hex << cp);
    CHECK_FALSE(IsRefusedInText(cp));
  }
}

TEST_CASE("TextProblem names the character and where, never the text") {
  CHECK(TextProblem("").empty());
  CHECK(TextProblem("陈一鸣").empty());
  CHECK(TextProblem("阿依古丽·买买提").empty());
  CHECK(TextProblem("moved to Xiamen 2025-09").empty());
  CHECK(TextProblem("ab\x1b[2Jcd") ==
        "contains U+001B (a control character) at character 3");
  CHECK(TextProblem("\a") ==
        "contains U+0007 (a control character) at "
        "character 1");
  CHECK(TextProblem(std::string("a\0b", 3)) ==
        "contains U+0000 (a control character) at character 2");
  CHECK(TextProblem("tab\there").find("U+0009") != std::string::npos);
  CHECK(TextProblem("王\u2028李") ==
        "contains U+2028 (a line or paragraph separator) at character 2");
  CHECK(TextProblem("x\u202Ey") ==
        "contains U+202E (a bidirectional text control) at character 2");
  CHECK(TextProblem("\xc2\x9b") ==  // C1 CSI
        "contains U+009B (a control character) at character 1");
  CHECK(TextProblem("\x7f").find("U+007F") != std::string::npos);
  CHECK(TextProblem("ok\xff") == "is not valid UTF-8 (byte 3)");
  CHECK(TextProblem("\xed\xa0\x80") == "is not valid UTF-8 (byte 1)");
}

// Sets every string field reachable from `descriptor` in turn (through
// nested messages, one oneof case at a time) and calls `check` with the
// message and the field's JSON path.
void ForEachStringField(
    const google::protobuf::Descriptor* descriptor, const std::string& prefix,
    const std::function<Message*()>& make,
    const std::function<Message*(Message*)>& reach,
    const std::function<void(Message&, const std::string&)>& check) {
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    const std::string path =
        prefix.empty() ? field->json_name() : prefix + "." + field->json_name();
    if (field->type() == google::protobuf::FieldDescriptor::TYPE_STRING) {
      std::unique_ptr<Message> root(make());
      Message* m = reach(root.get());
      if (field->is_repeated()) {
        m->GetReflection()->AddString(m, field, "G350203202103140117");
        m->GetReflection()->AddString(m, field, "bad\x1b[2J");
        check(*root, path + "[1]");
      } else {
        m->GetReflection()->SetString(m, field, "bad\x1b[2J");
        check(*root, path);
      }
    } else if (field->type() ==
                   google::protobuf::FieldDescriptor::TYPE_MESSAGE &&
               !field->is_repeated()) {
      ForEachStringField(
          field->message_type(), path, make,
          [reach, field](Message* root) {
            Message* m = reach(root);
            return m->GetReflection()->MutableMessage(m, field);
          },
          check);
    }
  }
}

TEST_CASE("every string field of a request is under the text rule") {
  int fields = 0;
  ForEachStringField(
      Request::descriptor(), "", [] { return new Request(Graduate("t-1")); },
      [](Message* m) { return m; },
      [&](Message& m, const std::string& path) {
        ++fields;
        INFO(path);
        auto refusal = CheckRequestForm(static_cast<Request&>(m));
        CheckRefused(
            refusal, xueji::v1::INVALID_TEXT,
            path + " contains U+001B (a control character) at character 4");
        CHECK(refusal->message.find("bad") == std::string::npos);
      });
  // requestId, actor, occurredOn and the string fields of every action.
  CHECK(fields >= 30);
}

TEST_CASE("of two bad fields the text rule names the one first by number") {
  Request request = Graduate("t-1");
  request.set_late_reason("late\x07");                  // field 4
  request.mutable_graduate()->set_student_no("G\x1b");  // field 16's
  request.set_actor("reg\u2028");                       // field 2
  auto refusal = CheckRequestForm(request);
  CheckRefused(refusal, xueji::v1::INVALID_TEXT,
               "actor contains U+2028 (a line or paragraph separator) at "
               "character 4");
  request.set_actor("registrar-1");
  CheckRefused(CheckRequestForm(request), xueji::v1::INVALID_TEXT,
               "lateReason contains U+0007 (a control character) at "
               "character 5");
  request.set_late_reason("");
  CheckRefused(CheckRequestForm(request), xueji::v1::INVALID_TEXT,
               "graduate.studentNo contains U+001B (a control character) at "
               "character 2");
}

TEST_CASE("every string field of a registry line is under the text rule") {
  int fields = 0;
  ForEachStringField(
      xueji::v1::RegistryLine::descriptor(), "",
      [] { return new xueji::v1::RegistryLine(); },
      [](Message* m) { return m; },
      [&](Message& m, const std::string& path) {
        ++fields;
        INFO(path);
        auto refusal =
            CheckRegistryLineForm(static_cast<xueji::v1::RegistryLine&>(m));
        CheckRefused(refusal, xueji::v1::INVALID_TEXT,
                     path + " contains U+001B");
      });
  CHECK(fields == 8);  // kindergarten code, name, county; operator id, org
}

TEST_CASE("CheckRequestForm: text, then requestId, then an action") {
  CHECK_FALSE(CheckRequestForm(Graduate("t-1")).has_value());

  Request both = Graduate("t 1\x1b");
  auto refusal = CheckRequestForm(both);
  CheckRefused(refusal, xueji::v1::INVALID_TEXT, "requestId contains U+001B");

  refusal = CheckRequestForm(Graduate("t 1"));
  CheckRefused(refusal, xueji::v1::MALFORMED_REQUEST);

  refusal = CheckRequestForm(Graduate(""));
  CheckRefused(refusal, xueji::v1::MALFORMED_REQUEST);
  CHECK(refusal->message == "requestId is missing");

  Request no_action = Graduate("t-2");
  no_action.clear_graduate();
  refusal = CheckRequestForm(no_action);
  CheckRefused(refusal, xueji::v1::MALFORMED_REQUEST);
  CHECK(refusal->message.find("no action") != std::string::npos);

  Request reason = Graduate("t-3");
  reason.mutable_leave()->set_student_no("G350203202103140117");
  reason.mutable_leave()->set_reason("moved\u2028APPROVED");
  refusal = CheckRequestForm(reason);
  CheckRefused(refusal, xueji::v1::INVALID_TEXT,
               "leave.reason contains U+2028");
}

TEST_CASE("CheckRegistryLineForm: text, then an entry") {
  xueji::v1::RegistryLine line;
  auto refusal = CheckRegistryLineForm(line);
  CheckRefused(refusal, xueji::v1::MALFORMED_REQUEST);
  line.mutable_kindergarten()->set_code("350203001");
  line.mutable_kindergarten()->set_name("思明区鹭岛幼儿园");
  line.mutable_kindergarten()->set_county("350203");
  CHECK_FALSE(CheckRegistryLineForm(line).has_value());
  line.mutable_kindergarten()->set_name("鹭岛\x07幼儿园");
  refusal = CheckRegistryLineForm(line);
  CheckRefused(refusal, xueji::v1::INVALID_TEXT,
               "kindergarten.name contains U+0007");
}

TEST_CASE("FormRefusalResult echoes only a request id that is safe to show") {
  FormRefusal refusal{xueji::v1::INVALID_TEXT, "reason contains U+001B"};
  xueji::v1::Result r = FormRefusalResult("t-1", refusal, "line 3: ");
  CHECK(r.request_id() == "t-1");
  CHECK(r.status() == xueji::v1::REJECTED);
  CHECK(r.code() == xueji::v1::INVALID_TEXT);
  CHECK(r.message() == "line 3: reason contains U+001B");
  CHECK(FormRefusalResult("t-\x1b", refusal).request_id().empty());
  CHECK(FormRefusalResult(std::string(129, 'a'), refusal).request_id().empty());
  CHECK(FormRefusalResult("\xff", refusal).request_id().empty());
}

}  // namespace
}  // namespace xueji
