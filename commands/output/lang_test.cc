// The CLI's language: the locale variables' order, --lang values, and the
// Chinese names of codes (the code kept beside kinds and reasons).
#include "commands/output/lang.h"

#include <catch2/catch.hpp>
#include <map>

namespace xueji {
namespace {

Lang From(std::map<std::string, std::string> vars) {
  return LangFromLocale([&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

struct Restore {
  Lang was = CurrentLang();
  ~Restore() { SetLang(was); }
};

TEST_CASE("lang: LC_ALL, then LC_MESSAGES, then LANG decide") {
  CHECK(From({}) == Lang::kEn);
  CHECK(From({{"LANG", "zh_CN.UTF-8"}}) == Lang::kZh);
  CHECK(From({{"LANG", "zh_TW.Big5"}}) == Lang::kZh);
  CHECK(From({{"LANG", "zh"}}) == Lang::kZh);
  CHECK(From({{"LANG", "en_US.UTF-8"}}) == Lang::kEn);
  CHECK(From({{"LANG", "C.UTF-8"}}) == Lang::kEn);
  CHECK(From({{"LC_ALL", "C"}, {"LANG", "zh_CN.UTF-8"}}) == Lang::kEn);
  CHECK(From({{"LC_ALL", "zh_CN.GB18030"}, {"LANG", "C"}}) == Lang::kZh);
  CHECK(From({{"LC_ALL", ""}, {"LC_MESSAGES", "zh_CN.UTF-8"}, {"LANG", "C"}}) ==
        Lang::kZh);
  CHECK(From({{"LANG", "zhx"}}) == Lang::kEn);
  CHECK(ParseLang("ZH") == Lang::kZh);
  CHECK(ParseLang("en") == Lang::kEn);
  CHECK_FALSE(ParseLang("fr").has_value());
}

TEST_CASE("lang: names and phrases in each language") {
  Restore restore;
  SetLang(Lang::kEn);
  CHECK(Tr("student no") == "student no");
  CHECK(StatusName(xueji::v1::ENROLLED) == "ENROLLED");
  CHECK(AnomalyKindName(xueji::v1::Anomaly::PHANTOM) == "PHANTOM");
  CHECK(ReasonName(xueji::v1::NOT_AUTHORIZED) == "NOT_AUTHORIZED");
  SetLang(Lang::kZh);
  CHECK(Tr("student no") == "学籍号");
  CHECK(Tr("no such phrase") == "no such phrase");
  CHECK(StatusName(xueji::v1::ENROLLED) == "在籍");
  CHECK(StatusName(xueji::v1::TRANSFERRING) == "转学中");
  CHECK(GenderName(xueji::v1::FEMALE) == "女");
  CHECK(IdTypeName(xueji::v1::RESIDENT_ID) == "居民身份证");
  CHECK(AnomalyKindName(xueji::v1::Anomaly::PHANTOM) == "空挂学籍 (PHANTOM)");
  CHECK(PendingKindName(xueji::v1::PendingItem::TRANSFER) == "转出 (TRANSFER)");
  CHECK(ReasonName(xueji::v1::NOT_AUTHORIZED) == "无权限 (NOT_AUTHORIZED)");
  // Every kind and reason has its Chinese name (a new one must get one).
  for (int i = 1; i < xueji::v1::Anomaly::Kind_descriptor()->value_count();
       ++i) {
    const auto kind = static_cast<xueji::v1::Anomaly::Kind>(
        xueji::v1::Anomaly::Kind_descriptor()->value(i)->number());
    CHECK(AnomalyKindName(kind) != xueji::v1::Anomaly::Kind_Name(kind));
  }
  for (int i = 1; i < xueji::v1::ReasonCode_descriptor()->value_count(); ++i) {
    const auto code = static_cast<xueji::v1::ReasonCode>(
        xueji::v1::ReasonCode_descriptor()->value(i)->number());
    CHECK(ReasonName(code) != xueji::v1::ReasonCode_Name(code));
  }
}

}  // namespace
}  // namespace xueji
