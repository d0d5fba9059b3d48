#include "commands/output/lang.h"

#include <atomic>
#include <cstdlib>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "ledger/base/enum_text.h"

namespace xueji {
namespace {

std::atomic<Lang> g_lang{Lang::kEn};

// The Chinese of the CLI's fixed phrases.
const std::map<std::string, std::string, std::less<>>& Phrases() {
  static const auto* phrases =
      new std::map<std::string, std::string, std::less<>>{
          // record (show) and record tables
          {"field", "项目"},
          {"value", "内容"},
          {"student number", "学籍号"},
          {"former numbers", "曾用学籍号"},
          {"status", "状态"},
          {"kindergarten", "幼儿园"},
          {"transferring to", "转入幼儿园"},
          {"name", "姓名"},
          {"gender", "性别"},
          {"birth date", "出生日期"},
          {"document", "证件类型"},
          {"entry date", "入园日期"},
          {"requested on", "申请日期"},
          {"established on", "建籍日期"},
          {"reason", "原因"},
          {"student no", "学籍号"},
          {"record(s)", "条记录"},
          // history
          {"#", "#"},
          {"recorded at", "记录时间"},
          {"date", "业务日期"},
          {"event", "事件"},
          {"actor", "操作人"},
          {"request", "请求编号"},
          {"what", "内容"},
          {"state as of", "截至此时的学籍状态"},
          {"(no record yet)", "（尚无学籍）"},
          // anomalies
          {"kind", "类型"},
          {"student no / operator", "学籍号/操作员"},
          {"county", "区县"},
          {"since", "起始日期"},
          {"detail", "说明"},
          {"anomalies as of", "问题学籍，截至"},
          {"anomaly(ies)", "个问题"},
          // cases (problem records worked to closure, issue 10)
          {"case", "案件编号"},
          {"answer", "答复"},
          {"decided by", "裁定机关"},
          {"problem record cases", "问题学籍案件"},
          {"case(s)", "件"},
          {"open", "待答复"},
          {"answered", "待裁定"},
          {"closed", "已办结"},
          {"problem case", "问题学籍案件"},
          {"merged from", "已并入的学籍"},
          // pending
          {"due", "截止日期"},
          {"working days left", "剩余工作日"},
          {"waiting for approval as of", "待核准事项，截至"},
          {"waiting", "项待核准"},
          {"overdue", "项超期"},
          {"OVERDUE by", "已超期"},
          {"(due today)", "（今日到期）"},
          // stats
          {"key", "项"},
          {"count", "数量"},
          {"live records", "在籍学籍"},
          {"by county", "按区县"},
          {"by kindergarten", "按幼儿园"},
          {"by status (all records)", "按状态（全部学籍）"},
          {"by age (years)", "按年龄（周岁）"},
          {"by gender", "按性别"},
          {"overdue now", "已超期"},
          {"by age", "按年龄（周岁）"},
          {"age", "年龄（周岁）"},
          {"county", "区县"},
          {"live", "在籍"},
          {"flows", "变动"},
          {"to", "至"},
          {"flow", "变动类型"},
          {"total", "合计"},
          {"admissions", "入园建籍"},
          {"transfers in", "转入"},
          {"transfers out", "转出"},
          {"leaves", "离园"},
          {"graduations", "毕业"},
          {"deferrals", "缓学"},
          {"cancellations", "注销"},
          {"rejected admissions", "建籍未核准"},
          {"problem records", "问题学籍"},
          {"rate", "比例"},
          {"approvals (late)", "核准数（超期）"},
          {"approvals decided", "已核准事项"},
          {" in the period", "（期间内）"},
          {"rejected", "未核准"},
          {"late", "超期"},
          {"working days mean", "平均工作日"},
          {"max", "最长"},
          {"waiting for approval", "待核准"},
          // policy, access log, verify
          {"region", "区域"},
          {"version", "版本"},
          {"effective from", "生效日期"},
          {"settings", "设置"},
          {"seq", "序号"},
          {"at", "时间"},
          {"operator", "操作员"},
          {"command", "命令"},
          {"query", "查询内容"},
          {"records", "记录数"},
          {"refused", "拒绝原因"},
          {"partition", "分区"},
          {"events", "事件数"},
          {"head hash (SHA-256)", "链头哈希 (SHA-256)"},
          {"events checked", "个事件已校验"},
          {"hash chains intact", "哈希链完整"},
      };
  return *phrases;
}

std::string WithCode(const char* zh, const std::string& code) {
  return absl::StrCat(zh, " (", code, ")");
}

}  // namespace

std::optional<Lang> ParseLang(std::string_view name) {
  const std::string lower = absl::AsciiStrToLower(std::string(name));
  if (lower == "zh") return Lang::kZh;
  if (lower == "en") return Lang::kEn;
  return std::nullopt;
}

Lang LangFromLocale(const std::function<const char*(const char*)>& env) {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* value = env ? env(name) : std::getenv(name);
    if (value == nullptr || *value == '\0') continue;
    const std::string v = absl::AsciiStrToLower(value);
    return v == "zh" || v.starts_with("zh_") || v.starts_with("zh.") ||
                   v.starts_with("zh-")
               ? Lang::kZh
               : Lang::kEn;
  }
  return Lang::kEn;
}

void SetLang(Lang lang) { g_lang.store(lang); }
Lang CurrentLang() { return g_lang.load(); }

std::string Tr(std::string_view english) {
  if (!Chinese()) return std::string(english);
  auto it = Phrases().find(english);
  return it == Phrases().end() ? std::string(english) : it->second;
}

namespace {

using xueji::v1::Anomaly;
using xueji::v1::PendingItem;

constexpr EnumText<xueji::v1::RecordStatus, const char*> kStatusZh[] = {
    {xueji::v1::PENDING, "待核准"},      {xueji::v1::ENROLLED, "在籍"},
    {xueji::v1::TRANSFERRING, "转学中"}, {xueji::v1::LEFT, "离园"},
    {xueji::v1::GRADUATED, "毕业"},      {xueji::v1::CANCELLED, "已注销"},
};

constexpr EnumText<xueji::v1::Gender, const char*> kGenderZh[] = {
    {xueji::v1::MALE, "男"},
    {xueji::v1::FEMALE, "女"},
};

constexpr EnumText<xueji::v1::IdType, const char*> kIdTypeZh[] = {
    {xueji::v1::RESIDENT_ID, "居民身份证"},
    {xueji::v1::HK_MO_TW_RESIDENCE_PERMIT, "港澳台居民居住证"},
    {xueji::v1::HK_MO_PERMIT, "港澳居民来往内地通行证"},
    {xueji::v1::TW_PERMIT, "台湾居民来往大陆通行证"},
    {xueji::v1::FOREIGN_PERMANENT_RESIDENCE, "外国人永久居留身份证"},
    {xueji::v1::PASSPORT, "护照"},
    {xueji::v1::NONE, "无证件"},
};

constexpr EnumText<Anomaly::Kind, const char*> kAnomalyZh[] = {
    {Anomaly::DUPLICATE, "重复学籍"},
    {Anomaly::PROBABLE_DUPLICATE, "疑似重复学籍"},
    {Anomaly::PHANTOM, "空挂学籍"},
    {Anomaly::INVALID_IDENTITY, "身份信息有误"},
    {Anomaly::AGE_OUT_OF_RANGE, "年龄不符"},
    {Anomaly::OVERDUE_APPROVAL, "核准超期"},
    {Anomaly::OVERDUE_TRANSFER, "转学超期"},
    {Anomaly::LATE_ESTABLISHMENT, "建籍超期"},
    {Anomaly::STALE_TEMPORARY_NUMBER, "临时学籍号逾期未转换"},
    {Anomaly::DORMANT_ACCOUNT, "长期未使用账号"},
    {Anomaly::LATE_ENTRY, "补录"},
    {Anomaly::PRESENT_ELSEWHERE, "人籍分离"},
    {Anomaly::UNVERIFIED_KINDERGARTEN, "未按期核验"},
    {Anomaly::CROSS_DOCUMENT_DUPLICATE, "跨证件重复学籍"},
};

constexpr EnumText<PendingItem::Kind, const char*> kPendingZh[] = {
    {PendingItem::ADMISSION, "入园建籍"},
    {PendingItem::TRANSFER, "转出"},
    {PendingItem::DEFERRAL, "缓学"},
    {PendingItem::CANCELLATION, "注销"},
    {PendingItem::KEY_INFO_EDIT, "关键信息修改"},
    {PendingItem::NUMBER_CONVERSION, "临时学籍号转正"},
    // Issue 9: an export awaiting the level above.
    {PendingItem::EXPORT, "脱敏数据导出"},
};

constexpr EnumText<xueji::v1::ReasonCode, const char*> kReasonZh[] = {
    {xueji::v1::MALFORMED_REQUEST, "请求格式错误"},
    {xueji::v1::INVALID_ID_NUMBER, "证件号码无效"},
    {xueji::v1::ID_MISMATCH, "信息与证件号码不符"},
    {xueji::v1::DUPLICATE_REGISTRATION, "重复建籍"},
    {xueji::v1::UNKNOWN_KINDERGARTEN, "幼儿园不存在"},
    {xueji::v1::UNKNOWN_STUDENT, "学籍不存在"},
    {xueji::v1::UNKNOWN_REQUEST, "请求不存在"},
    {xueji::v1::NOT_AUTHORIZED, "无权限"},
    {xueji::v1::INVALID_TRANSITION, "当前状态不允许此变动"},
    {xueji::v1::AGE_OUT_OF_RANGE, "年龄不符"},
    {xueji::v1::KINDERGARTEN_CLOSED, "幼儿园已撤销"},
    {xueji::v1::UNKNOWN_OPERATOR, "操作员不存在"},
    {xueji::v1::INVALID_FIELD, "字段内容无效"},
    {xueji::v1::OPERATOR_SEALED, "账号已封存"},
    {xueji::v1::INVALID_TEXT, "含不可显示的控制字符"},
    {xueji::v1::NOT_AUTHENTICATED, "未认证"},
    {xueji::v1::BAD_SIGNATURE, "签名无效"},
    {xueji::v1::INVALID_DATE, "日期无效"},
    {xueji::v1::CANCEL_NOT_DEATH, "注销仅限死亡"},
    // Problem records (issue 10).
    {xueji::v1::UNKNOWN_CASE, "问题学籍案件不存在"},
    {xueji::v1::CASE_NOT_ANSWERED, "幼儿园尚未答复"},
    {xueji::v1::CASE_CLOSED, "案件已办结"},
    {xueji::v1::NOT_SAME_CHILD, "非同一幼儿"},
    {xueji::v1::CASE_ALREADY_OPEN, "案件已立案"},
    // Art. 17 ¶3: one verification a term (issue 10).
    {xueji::v1::TERM_ALREADY_VERIFIED, "本学期已核验"},
};

// In Chinese, `value`'s entry in `zh` (with the code after it where
// `with_code`); else, or where the table has none, the code.
template <typename Enum, size_t N>
std::string ZhName(const EnumText<Enum, const char*> (&zh)[N], Enum value,
                   const std::string& code, bool with_code) {
  if (!Chinese()) return code;
  std::optional<const char*> text = TextOf(zh, value);
  if (!text.has_value()) return code;
  return with_code ? WithCode(*text, code) : std::string(*text);
}

}  // namespace

std::string StatusName(xueji::v1::RecordStatus status) {
  return ZhName(kStatusZh, status, xueji::v1::RecordStatus_Name(status),
                /*with_code=*/false);
}

std::string GenderName(xueji::v1::Gender gender) {
  return ZhName(kGenderZh, gender, xueji::v1::Gender_Name(gender),
                /*with_code=*/false);
}

std::string IdTypeName(xueji::v1::IdType type) {
  return ZhName(kIdTypeZh, type, xueji::v1::IdType_Name(type),
                /*with_code=*/false);
}

std::string AnomalyKindName(Anomaly::Kind kind) {
  return ZhName(kAnomalyZh, kind, Anomaly::Kind_Name(kind),
                /*with_code=*/true);
}

std::string PendingKindName(PendingItem::Kind kind) {
  return ZhName(kPendingZh, kind, PendingItem::Kind_Name(kind),
                /*with_code=*/true);
}

std::string ReasonName(xueji::v1::ReasonCode code_value) {
  return ZhName(kReasonZh, code_value, xueji::v1::ReasonCode_Name(code_value),
                /*with_code=*/true);
}

}  // namespace xueji
