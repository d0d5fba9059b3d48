// The registry: kindergartens and operators (registry load), and the
// kindergarten-level requests verify, mergeKindergarten, closeKindergarten.
//
// Registry lines are decided like requests but carry no request id, actor or
// business date of their own: the request id is "registry:" + the first 16
// hex digits of SHA-256 of the line's deterministic protobuf bytes (so the
// same line twice is the same request, and a changed line is a new one); the
// actor is {operator_id "registry", ROLE_UNSPECIFIED, ""}; the business date
// is the ledger clock's day in China (UTC+8, no daylight saving).
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/base/sha256.h"
#include "ledger/rules/identity.h"

namespace xueji {

using xueji::v1::Event;
using xueji::v1::KindergartenState;
using xueji::v1::OperatorState;
using xueji::v1::RecordState;
using xueji::v1::RegistryLine;

namespace decide_internal {
namespace {

// 1..max_len characters of [0-9A-Za-z] plus those in `extra`.
bool IsCode(std::string_view s, size_t max_len, std::string_view extra) {
  if (s.empty() || s.size() > max_len) return false;
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) &&
        extra.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

Draft Denied(const Call& call, const KindergartenState& kg,
             std::string_view what) {
  return Refuse(xueji::v1::NOT_AUTHORIZED,
                Cat(RoleOrg(call.op), " may not ", what,
                             " kindergarten ", kg.code(),
                             " (only the approver of county ", kg.county(),
                             " may)"),
                RequestSubject(call.request.request_id()));
}

// Looks a kindergarten up by a required field; a refusal when it is empty
// (INVALID_FIELD) or unknown (UNKNOWN_KINDERGARTEN).
struct KgLookup {
  std::optional<KindergartenState> kg;
  std::optional<Draft> refusal;
};
absl::StatusOr<KgLookup> FindKindergarten(const Call& call,
                                          std::string_view code,
                                          std::string_view field) {
  KgLookup out;
  std::string subject = RequestSubject(call.request.request_id());
  if (code.empty()) {
    out.refusal = Refuse(xueji::v1::INVALID_FIELD,
                         Cat(field, " is required"), subject);
    return out;
  }
  ASSIGN_OR_RETURN(out.kg, call.state.Kindergarten(code));
  if (!out.kg.has_value()) {
    out.refusal = Refuse(xueji::v1::UNKNOWN_KINDERGARTEN,
                         Cat("unknown kindergarten ", code), subject);
  }
  return out;
}

Draft ClosedKg(const Call& call, const KindergartenState& kg) {
  return Refuse(xueji::v1::KINDERGARTEN_CLOSED,
                Cat("kindergarten ", kg.code(), " is closed"),
                RequestSubject(call.request.request_id()));
}

}  // namespace

absl::StatusOr<Draft> DecideVerify(const Call& call) {
  const xueji::v1::Verify& verify = call.request.verify();
  if (!IsCode(verify.term(), 32, "-")) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "verify.term must be 1-32 characters of 0-9, A-Z, a-z "
                  "and - (e.g. 2025-autumn)",
                  RequestSubject(call.request.request_id()));
  }
  ASSIGN_OR_RETURN(
      KgLookup found,
      FindKindergarten(call, verify.kindergarten(), "verify.kindergarten"));
  if (found.refusal) return std::move(*found.refusal);
  const KindergartenState& kg = *found.kg;
  if (MayActFor(call.op, kg.code()).has_value() &&
      MayApproveFor(call.op, kg).has_value()) {
    return Refuse(xueji::v1::NOT_AUTHORIZED,
                  Cat(RoleOrg(call.op), " may not verify "
                               "kindergarten ", kg.code(), " (only its "
                               "registrar or its county's approver may)"),
                  RequestSubject(call.request.request_id()));
  }
  Event event = NewEvent(KindergartenSubject(kg.code()), "");
  auto* payload = event.mutable_verification_recorded();
  payload->set_kindergarten(kg.code());
  payload->set_term(verify.term());
  // From the indexes alone: a listed number is present iff its record (by
  // the number index) is among the kindergarten's live subjects; missing are
  // the live subjects not listed, under their current numbers.
  ASSIGN_OR_RETURN(std::vector<StateView::LiveSubject> live,
                         call.state.LiveSubjectsAt(kg.code()));
  std::unordered_map<std::string_view, size_t> live_index;
  live_index.reserve(live.size());
  for (size_t i = 0; i < live.size(); ++i) live_index[live[i].subject] = i;
  std::vector<bool> present(live.size(), false);
  std::unordered_set<std::string_view> listed;
  for (const std::string& no : verify.present_student_nos()) {
    if (!listed.insert(no).second) continue;
    ASSIGN_OR_RETURN(std::optional<std::string> subject,
                           call.state.SubjectByNumber(no));
    auto found = subject.has_value() ? live_index.find(*subject)
                                     : live_index.end();
    if (found == live_index.end()) {
      payload->add_unknown_student_nos(no);
    } else if (!present[found->second]) {
      present[found->second] = true;
      payload->add_present_student_nos(live[found->second].student_no);
    }
  }
  for (size_t i = 0; i < live.size(); ++i) {
    if (!present[i]) payload->add_missing_student_nos(live[i].student_no);
  }
  std::string message = Cat(
      "verification recorded: ", payload->present_student_nos_size(),
      " present, ", payload->missing_student_nos_size(), " missing, ",
      payload->unknown_student_nos_size(), " unknown");
  return Accept(xueji::v1::APPLIED, std::move(message), {std::move(event)});
}

absl::StatusOr<Draft> DecideMerge(const Call& call) {
  const xueji::v1::MergeKindergarten& merge = call.request.merge_kindergarten();
  std::string subject = RequestSubject(call.request.request_id());
  if (!merge.from().empty() && merge.from() == merge.into()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "mergeKindergarten.from and .into must differ", subject);
  }
  ASSIGN_OR_RETURN(
      KgLookup from,
      FindKindergarten(call, merge.from(), "mergeKindergarten.from"));
  if (from.refusal) return std::move(*from.refusal);
  ASSIGN_OR_RETURN(
      KgLookup into,
      FindKindergarten(call, merge.into(), "mergeKindergarten.into"));
  if (into.refusal) return std::move(*into.refusal);
  if (MayApproveFor(call.op, *from.kg)) return Denied(call, *from.kg, "merge");
  if (MayApproveFor(call.op, *into.kg)) return Denied(call, *into.kg, "merge");
  if (IsClosed(*from.kg)) return ClosedKg(call, *from.kg);
  if (IsClosed(*into.kg)) return ClosedKg(call, *into.kg);
  std::vector<Event> events;
  Event merged = NewEvent(KindergartenSubject(from.kg->code()), "");
  merged.mutable_kindergarten_merged()->set_from(from.kg->code());
  merged.mutable_kindergarten_merged()->set_into(into.kg->code());
  events.push_back(std::move(merged));
  ASSIGN_OR_RETURN(std::vector<RecordState> live,
                         call.state.LiveRecordsAt(from.kg->code()));
  for (const RecordState& record : live) {
    Event moved = NewEvent(record.subject(), record.student_no());
    moved.mutable_record_moved()->set_from_kindergarten(from.kg->code());
    moved.mutable_record_moved()->set_to_kindergarten(into.kg->code());
    events.push_back(std::move(moved));
  }
  return Accept(xueji::v1::APPLIED,
                Cat("kindergarten merged; ", live.size(),
                             " live records moved"),
                std::move(events));
}

absl::StatusOr<Draft> DecideClose(const Call& call) {
  const xueji::v1::CloseKindergarten& close = call.request.close_kindergarten();
  ASSIGN_OR_RETURN(
      KgLookup found, FindKindergarten(call, close.kindergarten(),
                                       "closeKindergarten.kindergarten"));
  if (found.refusal) return std::move(*found.refusal);
  const KindergartenState& kg = *found.kg;
  if (MayApproveFor(call.op, kg)) return Denied(call, kg, "close");
  if (IsClosed(kg)) return ClosedKg(call, kg);
  // Art. 16: every transfer completed before closing, so TRANSFERRING
  // records (out of this kindergarten) hold the closing up too.
  ASSIGN_OR_RETURN(std::vector<RecordState> live,
                         call.state.LiveRecordsAt(kg.code()));
  if (!live.empty() && !close.force()) {
    return Refuse(
        xueji::v1::INVALID_TRANSITION,
        Cat("kindergarten ", kg.code(), " still has ", live.size(),
                     " live records; transfer them first or close with force"),
        RequestSubject(call.request.request_id()));
  }
  Event event = NewEvent(KindergartenSubject(kg.code()), "");
  auto* payload = event.mutable_kindergarten_closed();
  payload->set_kindergarten(kg.code());
  payload->set_forced(close.force() && !live.empty());
  payload->set_live_records(static_cast<int32_t>(live.size()));
  return Accept(xueji::v1::APPLIED, "kindergarten closed", {std::move(event)});
}

namespace {

std::string DeterministicBytes(const RegistryLine& line) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  line.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

// Is `org` a region an OFFICER or AUDITOR may hold: "" or "00" (national),
// a province (2), a prefecture (4) or a county (6)?
bool IsRegion(const AreaTable& areas, std::string_view org) {
  if (org.empty() || org == "00") return true;
  if (!IsCode(org, 6, "")) return false;
  for (char c : org) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  switch (org.size()) {
    case 2: return areas.IsProvince(org);
    case 4: return !areas.Name(org).empty() ||
                   !areas.Name(Cat(org, "00")).empty();
    case 6: return areas.IsCounty(org);
    default: return false;
  }
}

absl::StatusOr<Draft> DecideKindergartenEntry(
    const xueji::v1::KindergartenEntry& entry, const StateView& state,
    const DecideContext& ctx, const std::string& subject) {
  if (!IsCode(entry.code(), 32, "-")) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "kindergarten code must be 1-32 characters of 0-9, A-Z, "
                  "a-z and -",
                  subject);
  }
  if (entry.name().empty() || entry.name().size() > 200 ||
      !IsValidUtf8(entry.name())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("kindergarten ", entry.code(),
                               ": name must be 1-200 bytes of UTF-8"),
                  subject);
  }
  if (!ctx.areas->IsCounty(entry.county())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("kindergarten ", entry.code(), ": county \"",
                               entry.county(),
                               "\" is not a known 6-digit county code"),
                  subject);
  }
  ASSIGN_OR_RETURN(std::optional<KindergartenState> known,
                         state.Kindergarten(entry.code()));
  if (known.has_value() && IsClosed(*known)) {
    return Refuse(xueji::v1::KINDERGARTEN_CLOSED,
                  Cat("kindergarten ", entry.code(), " is closed"),
                  subject);
  }
  Event event = NewEvent(KindergartenSubject(entry.code()), "");
  auto* payload = event.mutable_kindergarten_registered();
  payload->set_code(entry.code());
  payload->set_name(entry.name());
  payload->set_county(entry.county());
  return Accept(xueji::v1::APPLIED,
                known.has_value() ? "kindergarten updated"
                                  : "kindergarten registered",
                {std::move(event)});
}

absl::StatusOr<Draft> DecideOperatorEntry(
    const xueji::v1::OperatorEntry& entry, const StateView& state,
    const DecideContext& ctx, const std::string& subject) {
  if (!IsCode(entry.id(), 64, "._@-") || entry.id() == "registry") {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "operator id must be 1-64 characters of 0-9, A-Z, a-z and "
                  "._@- (\"registry\" is reserved)",
                  subject);
  }
  const std::string& org = entry.org();
  std::string problem;
  switch (entry.role()) {
    case xueji::v1::REGISTRAR: {
      ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                             state.Kindergarten(org));
      if (!kg.has_value()) {
        return Refuse(xueji::v1::UNKNOWN_KINDERGARTEN,
                      Cat("operator ", entry.id(),
                                   ": unknown kindergarten \"", org, "\""),
                      subject);
      }
      break;
    }
    case xueji::v1::APPROVER:
      if (!ctx.areas->IsCounty(org)) problem = "a known 6-digit county code";
      break;
    case xueji::v1::OFFICER:
    case xueji::v1::AUDITOR:
      if (!IsRegion(*ctx.areas, org)) {
        problem = "\"\", \"00\" or a known 2-, 4- or 6-digit region code";
      }
      break;
    default:
      return Refuse(xueji::v1::INVALID_FIELD,
                    Cat("operator ", entry.id(), ": role must be "
                                 "REGISTRAR, APPROVER, OFFICER or AUDITOR"),
                    subject);
  }
  if (!problem.empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("operator ", entry.id(), ": org \"", org,
                               "\" of a ", xueji::v1::Role_Name(entry.role()),
                               " must be ", problem),
                  subject);
  }
  ASSIGN_OR_RETURN(std::optional<OperatorState> known,
                         state.Operator(entry.id()));
  Event event = NewEvent(OperatorSubject(entry.id()), "");
  auto* payload = event.mutable_operator_registered();
  payload->set_id(entry.id());
  payload->set_role(entry.role());
  payload->set_org(org);
  return Accept(xueji::v1::APPLIED,
                known.has_value() ? "operator updated" : "operator registered",
                {std::move(event)});
}

}  // namespace
}  // namespace decide_internal

std::string RegistryRequestId(const RegistryLine& line) {
  using decide_internal::Cat;
  using decide_internal::DeterministicBytes;
  return Cat("registry:",
             HexEncode(Sha256(DeterministicBytes(line))).substr(0, 16));
}

absl::StatusOr<Decision> DecideRegistry(const RegistryLine& line,
                                        const StateView& state,
                                        const DecideContext& ctx) {
  using namespace decide_internal;  // NOLINT
  Envelope envelope;
  envelope.request_id = RegistryRequestId(line);
  envelope.correlation_id = envelope.request_id;
  absl::CivilDay today =
      absl::ToCivilDay(ctx.now, absl::FixedTimeZone(8 * 60 * 60));
  envelope.business_date = FormatDate(today);
  envelope.actor.set_operator_id("registry");
  envelope.actor.set_role(xueji::v1::ROLE_UNSPECIFIED);
  const std::string subject = RequestSubject(envelope.request_id);
  Draft draft;
  switch (line.entry_case()) {
    case RegistryLine::kKindergarten: {
      envelope.action = "kindergarten";
      ASSIGN_OR_RETURN(
          draft, DecideKindergartenEntry(line.kindergarten(), state, ctx,
                                         subject));
      break;
    }
    case RegistryLine::kOperator: {
      envelope.action = "operator";
      ASSIGN_OR_RETURN(
          draft, DecideOperatorEntry(line.operator_(), state, ctx, subject));
      break;
    }
    case RegistryLine::ENTRY_NOT_SET:
      draft = Refuse(xueji::v1::MALFORMED_REQUEST,
                     "a registry line holds a kindergarten or an operator",
                     subject);
      break;
  }
  return Finish(std::move(draft), envelope, ctx);
}

}  // namespace xueji
