#include "commands/reads.h"

#include <iostream>

#include "absl/strings/str_cat.h"
#include "commands/access_log.h"
#include "commands/output/output.h"
#include "ledger/base/dates.h"
#include "ledger/base/ed25519.h"
#include "ledger/rules/subjects.h"

namespace xueji {
namespace {

absl::StatusOr<ReadScope> ScopeOf(const Views& views, const std::string& id,
                                  const std::string& how) {
  if (id.empty()) return ReadScope{};
  auto op = views.Operator(id);
  if (!op.ok()) return op.status();
  if (!op->has_value()) {
    return absl::InvalidArgumentError(
        absl::StrCat(how, " ", id, ": unknown operator"));
  }
  if ((*op)->sealed()) {
    return absl::InvalidArgumentError(
        absl::StrCat(how, " ", id, ": the account is sealed"));
  }
  std::optional<xueji::v1::KindergartenState> kg;
  if ((*op)->role() == xueji::v1::REGISTRAR) {
    auto found = views.Kindergarten((*op)->org());
    if (!found.ok()) return found.status();
    kg = *std::move(found);
  }
  ReadScope scope = ReadScopeOf(&**op, kg.has_value() ? &*kg : nullptr);
  // The national level reads everything, but is still a limited reader: its
  // reads are its own, and the scope check must not read "" as "nobody".
  if (scope.region.empty() || scope.region == "00") scope.region = "00";
  return scope;
}

// May the reader of `c` see the answer to `request_id`?
absl::StatusOr<bool> MaySeeRequest(const ReadContext& c,
                                   const std::string& request_id,
                                   const xueji::v1::Result& result) {
  if (!c.limited()) return true;
  auto events = c.views->HistoryOfRequest(request_id);
  if (!events.ok()) return events.status();
  std::vector<std::string> numbers;
  if (!result.student_no().empty()) numbers.push_back(result.student_no());
  std::vector<std::string> subjects;
  for (const StoredEvent& e : *events) {
    if (e.event.request_id() != request_id) continue;  // a later step's
    if (e.event.actor().operator_id() == c.reader) return true;  // submitter
    if (!e.event.student_no().empty()) numbers.push_back(e.event.student_no());
    subjects.push_back(e.event.subject());
  }
  for (const std::string& no : numbers) {
    auto record = c.views->RecordByNumber(no);
    if (!record.ok()) return record.status();
    if (!record->has_value()) continue;
    auto may = c.MayReadRecord(**record);
    if (!may.ok() || *may) return may;
  }
  for (const std::string& subject : subjects) {
    const ParsedSubject parsed = ParseSubject(subject);
    std::string kg_code;
    if (parsed.kind == SubjectKind::kKindergarten) {
      kg_code = std::string(parsed.id);
    } else if (parsed.kind == SubjectKind::kOperator) {
      auto op = c.views->Operator(parsed.id);
      if (!op.ok()) return op.status();
      if (!op->has_value()) continue;
      if ((*op)->role() != xueji::v1::REGISTRAR) {
        // An approver's county, an officer's region: inside the reader's?
        if (c.scope.kindergarten.empty() &&
            (c.scope.region == "00" ||
             (*op)->org().starts_with(c.scope.region))) {
          return true;
        }
        continue;
      }
      kg_code = (*op)->org();
    } else {
      continue;
    }
    auto kg = c.views->Kindergarten(kg_code);
    if (!kg.ok()) return kg.status();
    if (kg->has_value() && MayRead(c.scope, **kg)) return true;
  }
  return false;
}

}  // namespace

int AnswerStatus(const ReadContext& c, const std::string& request_id,
                 const std::optional<xueji::v1::Result>& result,
                 const std::string& not_found_hint) {
  bool may = result.has_value();
  if (may) {
    auto allowed = MaySeeRequest(c, request_id, *result);
    if (!allowed.ok()) return Fail(allowed.status());
    may = *allowed;
  }
  if (!may) {
    const std::string text =
        c.limited()
            ? absl::StrCat("no request ", request_id,
                           " that you may see (unknown, not decided yet, or "
                           "another operator's outside your region)")
            : absl::StrCat("no request ", request_id, not_found_hint);
    return c.Refuse("status", request_id,
                    result.has_value() ? "NOT_AUTHORIZED" : "UNKNOWN_REQUEST",
                    absl::NotFoundError(text));
  }
  if (absl::Status s = c.Record("status", request_id, 1); !s.ok()) {
    return Fail(s);
  }
  std::cout << ToJsonLine(*result) << "\n";
  return result->status() == xueji::v1::REJECTED ? kExitRejected : kExitOk;
}

absl::StatusOr<xueji::v1::LedgerMode> LedgerModeOf(const Views& views) {
  auto events = views.HistoryOfSubject("ledger:");
  if (!events.ok()) return events.status();
  for (const StoredEvent& e : *events) {
    if (e.event.has_ledger_initialized()) {
      return e.event.ledger_initialized().mode();
    }
  }
  return xueji::v1::LEDGER_MODE_UNSPECIFIED;
}

absl::StatusOr<ReadContext> OpenRead(const GlobalOptions& options) {
  if (auto now = LedgerNow(); !now.ok()) return now.status();
  ReadContext c;
  auto views = OpenViewsForQuery(options);
  if (!views.ok()) return views.status();
  c.views = *std::move(views);
  c.access_log = AccessLogPath(options.data_dir, options.views_dir);
  c.reader = options.as_operator;
  std::string how = "--as";
  if (!options.key_file.empty()) {
    auto key = LoadPrivateKeyFile(options.key_file);
    if (!key.ok()) return key.status();
    auto holder = c.views->OperatorWithKey(key->key_id());
    if (!holder.ok()) return holder.status();
    if (!holder->has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--key ", options.key_file, ": the key ", key->key_id(),
                       " is not registered to any operator of this ledger"));
    }
    if (!c.reader.empty() && c.reader != **holder) {
      return absl::InvalidArgumentError(
          absl::StrCat("--as ", c.reader, " but --key ", options.key_file,
                       " is the key of ", **holder, ": a read has one reader"));
    }
    c.reader = **holder;
    how = absl::StrCat("--key ", options.key_file, ": operator");
  }
  auto mode = LedgerModeOf(*c.views);
  if (!mode.ok()) return mode.status();
  if (c.reader.empty() && *mode == xueji::v1::PRODUCTION) {
    return absl::InvalidArgumentError(
        "this is a production ledger: every read of personal data names its "
        "reader (Art. 22). Add --as OPERATOR (your operator id) or --key "
        "KEYFILE (your key; or set $LEDGER_KEY)");
  }
  auto scope = ScopeOf(*c.views, c.reader, how);
  if (!scope.ok()) return scope.status();
  c.scope = *scope;
  return c;
}

absl::Status ReadContext::Record(const std::string& command,
                                 const std::string& query,
                                 int64_t records) const {
  auto now = LedgerNow();
  if (!now.ok()) return now.status();
  xueji::v1::AccessEntry entry;
  entry.set_operator_(reader);
  entry.set_command(command);
  entry.set_query(query);
  entry.set_records(records);
  auto written = AppendAccess(access_log, std::move(entry), *now);
  if (!written.ok()) {
    return absl::Status(
        written.status().code(),
        absl::StrCat("this read cannot be recorded, so nothing is shown: ",
                     written.status().message()));
  }
  return absl::OkStatus();
}

int ReadContext::Refuse(const std::string& command, const std::string& query,
                        const std::string& code,
                        const absl::Status& why) const {
  auto now = LedgerNow();
  xueji::v1::AccessEntry entry;
  entry.set_operator_(reader);
  entry.set_command(command);
  entry.set_query(query);
  entry.set_refused(code);
  auto written =
      AppendAccess(access_log, std::move(entry), now.ok() ? *now : absl::Now());
  if (!written.ok()) {
    std::cerr << "ledger: " << written.status().message() << "\n";
  }
  return Fail(why);
}

absl::StatusOr<bool> ReadContext::MayReadRecord(
    const xueji::v1::RecordState& record) const {
  if (!limited()) return true;
  auto kg = views->Kindergarten(record.kindergarten());
  if (!kg.ok()) return kg.status();
  return kg->has_value() && MayRead(scope, **kg);
}

}  // namespace xueji
