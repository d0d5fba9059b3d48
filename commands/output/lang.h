// The language of what the CLI prints for people (issue 13): `--lang zh|en`,
// by default Chinese when LC_ALL, else LC_MESSAGES, else LANG names a zh
// locale (zh_CN.UTF-8, zh_TW, zh), English otherwise (C, POSIX, en_US ...).
//
// Chinese covers table headers, field names, summary lines, record
// statuses, genders, document types, anomaly kinds, pending kinds and reason
// codes (the code kept beside its Chinese name, since scripts and the docs
// name the code). JSON, CSV headers, JSONL results and codes are the
// contract and never change with the language; nor do the free-text details
// the ledger recorded (a refusal's message, an anomaly's detail).
//
// Ownership: one process-wide setting, set once by the CLI after it parses
// its options (SetLang) and read by the printers. Thread-safety: set before
// any reader runs; reading is then safe from any thread.
#ifndef XUEJI_COMMANDS_OUTPUT_LANG_H_
#define XUEJI_COMMANDS_OUTPUT_LANG_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "xueji/v1/common.pb.h"
#include "xueji/v1/views.pb.h"

namespace xueji {

enum class Lang { kEn, kZh };

// "zh" or "en" (any case); nullopt for anything else.
std::optional<Lang> ParseLang(std::string_view name);
// From the locale variables as POSIX orders them: LC_ALL, LC_MESSAGES, LANG
// (the first one set and non-empty decides). `env` reads a variable (null
// when unset); by default the process environment.
Lang LangFromLocale(
    const std::function<const char*(const char*)>& env = nullptr);

void SetLang(Lang lang);
Lang CurrentLang();
inline bool Chinese() { return CurrentLang() == Lang::kZh; }

// A fixed English phrase of the CLI's text output (a table header, a field
// name, a summary word) in the current language: the Chinese of the phrase
// when there is one, else the phrase itself.
std::string Tr(std::string_view english);

// Names of codes in the current language. Statuses and genders read as
// words (在籍, 男); kinds and reasons as "空挂学籍 (PHANTOM)".
std::string StatusName(xueji::v1::RecordStatus status);
std::string GenderName(xueji::v1::Gender gender);
std::string IdTypeName(xueji::v1::IdType type);
std::string AnomalyKindName(xueji::v1::Anomaly::Kind kind);
std::string PendingKindName(xueji::v1::PendingItem::Kind kind);
std::string ReasonName(xueji::v1::ReasonCode code);

}  // namespace xueji

#endif  // XUEJI_COMMANDS_OUTPUT_LANG_H_
