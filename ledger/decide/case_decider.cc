// Problem records worked to closure (问题学籍; issue 10 item 2; Art. 17 ¶3,
// 23, 24; 2016-13 county arbitration, 2016-26(三) 删除/修改/佐证). See
// docs/design.md, "Problem records (cases)".
//
//   openCase     the county (APPROVER of the record's county, or an OFFICER
//                whose region contains it) opens the case of one anomaly of
//                one record; the case id is CaseId(kind, subject, since).
//                For a duplicate kind the ledger checks itself that each
//                related record is live and the same child (same document,
//                or same name, gender and birth date): NOT_SAME_CHILD.
//   resolveCase  the registrar of the record's kindergarten answers:
//                EVIDENCE (佐证: the record is right), CORRECTED (变更: fixed
//                by ordinary requests; the record must have changed since
//                the case was opened or sent back), DELETE (删除: duplicate
//                and phantom cases only).
//   decideCase   who decides: the case's decider region, fixed at opening
//                from the counties of the record and its related records:
//                one county -> its APPROVER (or an OFFICER above it); more
//                counties -> an OFFICER of their common superior (city,
//                province or national) or above. Accept closes the case (an
//                accepted DELETE deletes the record: CANCELLED, kept in
//                history, its document free to be admitted again); not
//                accepting sends it back to the kindergarten (open again).
//   mergeRecords two live records of one child made one: whoever decides for
//                both records' counties; `retire` becomes CANCELLED, retired
//                into `keep`.
// Refusals: UNKNOWN_CASE, CASE_NOT_ANSWERED, CASE_CLOSED, CASE_ALREADY_OPEN,
// NOT_SAME_CHILD, plus the common NOT_AUTHORIZED, INVALID_FIELD,
// INVALID_TRANSITION. Check order: see decider.cc.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/base/dates.h"
#include "ledger/decide/decide_internal.h"
#include "ledger/rules/areas.h"
#include "ledger/rules/identity.h"
#include "ledger/rules/subjects.h"
#include "xueji/v1/views.pb.h"

namespace xueji::decide_internal {

using xueji::v1::CaseState;
using xueji::v1::ResolveCase;

namespace {

std::string Subj(const Call& call) {
  return RequestSubject(call.request.request_id());
}

bool IsDuplicateKind(std::string_view kind) {
  return kind == "DUPLICATE" || kind == "PROBABLE_DUPLICATE";
}
// 2016-26(三) 删除: only a record that should not exist (空挂, duplicates).
bool MayBeDeleted(std::string_view kind) {
  return IsDuplicateKind(kind) || kind == "PHANTOM";
}

// Two records the ledger itself finds to be one child's: the same document,
// or (one of them without one) the same normalized name, gender and birth
// date. Two different documents are two children, whatever their names.
bool SameChild(const RecordState& a, const RecordState& b) {
  const std::string ka = IdentityKey(a.child());
  const std::string kb = IdentityKey(b.child());
  if (!ka.empty() && !kb.empty()) return ka == kb;
  if (a.child().name().empty()) return false;
  return ProbableIdentityKey(a.child()) == ProbableIdentityKey(b.child());
}

absl::StatusOr<std::string> CountyOf(const Call& call,
                                     const RecordState& record) {
  ASSIGN_OR_RETURN(std::optional<KindergartenState> kg,
                   call.state.Kindergarten(record.kindergarten()));
  return kg.has_value() ? kg->county() : std::string();
}

// The smallest region containing every county: the county itself, their
// city (4 digits), province (2) or "00" (national).
std::string CommonRegion(const std::vector<std::string>& counties) {
  std::string common;
  bool first = true;
  for (const std::string& given : counties) {
    const std::string county = AreaTable::CanonicalRegion(given);
    if (first) {
      common = county;
      first = false;
      continue;
    }
    while (!common.empty() && !county.starts_with(common)) {
      common = common.size() > 2 ? common.substr(0, common.size() - 2) : "";
    }
  }
  return common.empty() ? "00" : common;
}

// nullopt when `op` decides problem records of `region`: for a county, its
// APPROVER; for any region, an OFFICER whose region contains it.
std::optional<std::string> MayDecide(const xueji::v1::OperatorState& op,
                                     std::string_view region) {
  const bool county = AreaTable::CanonicalRegion(region).size() == 6;
  if (county && op.role() == xueji::v1::APPROVER &&
      AreaTable::CanonicalRegion(op.org()) ==
          AreaTable::CanonicalRegion(region)) {
    return std::nullopt;
  }
  if (op.role() == xueji::v1::OFFICER &&
      RegionContains(op.org(), region, false)) {
    return std::nullopt;
  }
  return Cat(RoleOrg(op), " may not decide problem records of region \"",
             region, "\" (only ",
             county ? "that county's approver or an officer above it"
                    : "an officer of that region or above: the common "
                      "superior of the counties involved",
             " may)");
}

const CaseState* FindCase(const RecordState& record, std::string_view id) {
  for (const CaseState& c : record.cases()) {
    if (c.case_id() == id) return &c;
  }
  return nullptr;
}

// The resolution's proto name; "" for RESOLUTION_UNSPECIFIED (as
// projections/cases.cc shows it).
std::string_view ResolutionName(ResolveCase::Resolution r) {
  if (r == ResolveCase::RESOLUTION_UNSPECIFIED) return "";
  return ResolveCase::Resolution_Name(r);
}

// The case the request names, or a refusal (INVALID_FIELD without an id,
// UNKNOWN_CASE for no such case) on req:<requestId>.
struct FoundCase {
  std::optional<RecordState> record;
  CaseState state;
  std::optional<Draft> refusal;
};
absl::StatusOr<FoundCase> FindCaseOf(const Call& call, std::string_view id,
                                     std::string_view field) {
  FoundCase found;
  if (id.empty()) {
    found.refusal = Refuse(xueji::v1::INVALID_FIELD, Cat(field, " is required"),
                           Subj(call));
    return found;
  }
  ASSIGN_OR_RETURN(found.record, call.state.RecordByCase(id));
  const CaseState* c =
      found.record.has_value() ? FindCase(*found.record, id) : nullptr;
  if (c == nullptr) {
    found.record.reset();
    found.refusal = Refuse(xueji::v1::UNKNOWN_CASE,
                           Cat("no case has the id in ", field), Subj(call));
    return found;
  }
  found.state = *c;
  return found;
}

// CASE_CLOSED on the record when case `c` was closed already: a closed case
// is neither answered nor decided again.
std::optional<Draft> RefuseIfClosed(const RecordState& record,
                                    const CaseState& c) {
  if (c.status() != xueji::v1::CASE_STATUS_CLOSED) return std::nullopt;
  return Refuse(xueji::v1::CASE_CLOSED,
                Cat("case ", c.case_id(), " was closed on ", c.decided_on()),
                record.subject(), record.student_no());
}

// The events closing every case of `record` still open or answered (but
// `except`), settled because the record itself is deleted or retired.
std::vector<Event> SettleCases(const RecordState& record,
                               std::string_view except, std::string_view why) {
  std::vector<Event> events;
  for (const CaseState& c : record.cases()) {
    if (c.status() == xueji::v1::CASE_STATUS_CLOSED || c.case_id() == except) {
      continue;
    }
    Event event = NewEvent(record.subject(), record.student_no());
    auto* p = event.mutable_case_decided();
    p->set_case_id(c.case_id());
    p->set_accept(true);
    p->set_reason(std::string(why));
    p->set_resolution(c.resolution());
    p->set_settled_by_record(true);
    events.push_back(std::move(event));
  }
  return events;
}

}  // namespace

absl::StatusOr<Draft> DecideOpenCase(const Call& call) {
  const xueji::v1::OpenCase& open = call.request.open_case();
  xueji::v1::Anomaly::Kind kind = xueji::v1::Anomaly::KIND_UNSPECIFIED;
  if (!xueji::v1::Anomaly::Kind_Parse(open.kind(), &kind) ||
      kind == xueji::v1::Anomaly::KIND_UNSPECIFIED ||
      kind == xueji::v1::Anomaly::DORMANT_ACCOUNT) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "openCase.kind must name an anomaly kind of a record "
                  "(DUPLICATE, PHANTOM, ...)",
                  Subj(call));
  }
  DateField since = ParseDateField(open.since(), "openCase.since", Subj(call));
  if (since.refusal) return std::move(*since.refusal);
  if (since.day > call.today) {
    return Refuse(xueji::v1::INVALID_DATE,
                  Cat("openCase.since ", open.since(),
                      " is after the business date ", FormatDate(call.today)),
                  Subj(call));
  }
  if (IsDuplicateKind(open.kind()) && open.related().empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "a duplicate case names the other record(s) in "
                  "openCase.related",
                  Subj(call));
  }
  ASSIGN_OR_RETURN(Found found,
                   FindRecord(call, open.student_no(), "openCase.studentNo"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  std::vector<RecordState> related;
  for (const std::string& no : open.related()) {
    ASSIGN_OR_RETURN(Found other, FindRecord(call, no, "openCase.related"));
    if (other.refusal) return std::move(*other.refusal);
    if (other.record->subject() == record.subject()) {
      return Refuse(xueji::v1::INVALID_FIELD,
                    "openCase.related names the case's own record", Subj(call));
    }
    related.push_back(*std::move(other.record));
  }
  ASSIGN_OR_RETURN(std::string county, CountyOf(call, record));
  // Opening is the county's finding (or a superior's): Art. 17 ¶3, 2016-13.
  if (auto denied = MayDecide(call.op, county)) {
    return Refuse(xueji::v1::NOT_AUTHORIZED, *denied, record.subject(),
                  record.student_no());
  }
  const std::string id = CaseId(open.kind(), record.subject(), open.since());
  if (const CaseState* existing = FindCase(record, id)) {
    if (existing->status() == xueji::v1::CASE_STATUS_CLOSED) {
      return Refuse(xueji::v1::CASE_CLOSED,
                    Cat("case ", id, " was closed on ", existing->decided_on(),
                        "; the same anomaly is not opened again"),
                    record.subject(), record.student_no());
    }
    return Refuse(xueji::v1::CASE_ALREADY_OPEN,
                  Cat("case ", id, " is open already (opened on ",
                      existing->opened_on(), ")"),
                  record.subject(), record.student_no());
  }
  std::vector<std::string> counties = {county};
  if (IsDuplicateKind(open.kind())) {
    for (const RecordState& other : related) {
      if (!IsLive(other.status()) || !SameChild(record, other)) {
        return Refuse(xueji::v1::NOT_SAME_CHILD,
                      "a related record is not a live record of the same "
                      "child (same document, or same name, gender and birth "
                      "date)",
                      record.subject(), record.student_no());
      }
    }
  }
  for (const RecordState& other : related) {
    ASSIGN_OR_RETURN(std::string other_county, CountyOf(call, other));
    if (!other_county.empty()) counties.push_back(other_county);
  }
  const std::string region = CommonRegion(counties);
  Event event = NewEvent(record.subject(), record.student_no());
  auto* p = event.mutable_case_opened();
  p->set_case_id(id);
  p->set_kind(open.kind());
  for (const RecordState& other : related) p->add_related(other.student_no());
  p->set_since(open.since());
  p->set_detail(open.detail());
  p->set_kindergarten(record.kindergarten());
  p->set_decider_region(region);
  return Accept(
      xueji::v1::APPLIED,
      Cat("case ", id, " opened; the kindergarten answers it, region ", region,
          " decides"),
      {std::move(event)});
}

absl::StatusOr<Draft> DecideResolveCase(const Call& call) {
  const ResolveCase& resolve = call.request.resolve_case();
  if (resolve.resolution() != ResolveCase::EVIDENCE &&
      resolve.resolution() != ResolveCase::CORRECTED &&
      resolve.resolution() != ResolveCase::DELETE) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "resolveCase.resolution must be EVIDENCE, CORRECTED or "
                  "DELETE",
                  Subj(call));
  }
  if (resolve.evidence().empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "resolveCase.evidence is required (the proof, or what was "
                  "changed and why)",
                  Subj(call));
  }
  ASSIGN_OR_RETURN(FoundCase found,
                   FindCaseOf(call, resolve.case_id(), "resolveCase.caseId"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  const CaseState& c = found.state;
  // The record's kindergarten answers (Art. 17 ¶3; 2016-26(三)).
  if (auto denied = MayActFor(call.op, record.kindergarten())) {
    return Refuse(xueji::v1::NOT_AUTHORIZED, *denied, record.subject(),
                  record.student_no());
  }
  if (auto closed = RefuseIfClosed(record, c)) return std::move(*closed);
  if (c.status() == xueji::v1::CASE_STATUS_ANSWERED) {
    return Refuse(
        xueji::v1::INVALID_TRANSITION,
        Cat("case ", c.case_id(), " was answered on ", c.answered_on(),
            " and awaits the decision of region ", c.decider_region()),
        record.subject(), record.student_no());
  }
  if (resolve.resolution() == ResolveCase::DELETE && !MayBeDeleted(c.kind())) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  Cat("a ", c.kind(),
                      " case is not answered by DELETE (only duplicate and "
                      "phantom records are deleted)"),
                  record.subject(), record.student_no());
  }
  if (resolve.resolution() == ResolveCase::CORRECTED && !c.record_changed()) {
    return Refuse(
        xueji::v1::INVALID_TRANSITION,
        Cat("nothing of the record has changed since case ", c.case_id(),
            " was opened (or sent back): correct it with the "
            "ordinary requests first"),
        record.subject(), record.student_no());
  }
  Event event = NewEvent(record.subject(), record.student_no());
  auto* p = event.mutable_case_answered();
  p->set_case_id(c.case_id());
  p->set_resolution(resolve.resolution());
  p->set_evidence(resolve.evidence());
  return Accept(xueji::v1::APPLIED,
                Cat("case ", c.case_id(), " answered (",
                    ResolutionName(resolve.resolution()),
                    "); awaiting the decision of region ", c.decider_region()),
                {std::move(event)});
}

absl::StatusOr<Draft> DecideDecideCase(const Call& call) {
  const xueji::v1::DecideCase& decide = call.request.decide_case();
  if (!decide.accept() && decide.reason().empty()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "decideCase.reason is required when the answer is not "
                  "accepted",
                  Subj(call));
  }
  ASSIGN_OR_RETURN(FoundCase found,
                   FindCaseOf(call, decide.case_id(), "decideCase.caseId"));
  if (found.refusal) return std::move(*found.refusal);
  const RecordState& record = *found.record;
  const CaseState& c = found.state;
  // The county arbitrates (2016-13); a cross-county case the superior.
  if (auto denied = MayDecide(call.op, c.decider_region())) {
    return Refuse(xueji::v1::NOT_AUTHORIZED, *denied, record.subject(),
                  record.student_no());
  }
  if (auto closed = RefuseIfClosed(record, c)) return std::move(*closed);
  if (c.status() != xueji::v1::CASE_STATUS_ANSWERED) {
    return Refuse(xueji::v1::CASE_NOT_ANSWERED,
                  Cat("case ", c.case_id(),
                      " has no answer from the kindergarten to decide on"),
                  record.subject(), record.student_no());
  }
  const bool deletes = decide.accept() && c.resolution() == ResolveCase::DELETE;
  if (deletes) {
    if (auto pending = RefuseIfPending(record)) return std::move(*pending);
  }
  std::vector<Event> events;
  Event decided = NewEvent(record.subject(), record.student_no());
  auto* p = decided.mutable_case_decided();
  p->set_case_id(c.case_id());
  p->set_accept(decide.accept());
  p->set_reason(decide.reason());
  p->set_resolution(c.resolution());
  events.push_back(std::move(decided));
  if (!deletes) {
    return Accept(
        xueji::v1::APPLIED,
        decide.accept()
            ? Cat("case ", c.case_id(), " closed (",
                  ResolutionName(c.resolution()), " accepted)")
            : Cat("case ", c.case_id(), " sent back to the kindergarten"),
        std::move(events));
  }
  for (Event& e :
       SettleCases(record, c.case_id(),
                   Cat("the record was deleted on case ", c.case_id()))) {
    events.push_back(std::move(e));
  }
  Event deleted = NewEvent(record.subject(), record.student_no());
  auto* d = deleted.mutable_record_deleted();
  d->set_case_id(c.case_id());
  d->set_kindergarten(record.kindergarten());
  d->set_reason(decide.reason().empty() ? Cat("deleted on case ", c.case_id())
                                        : Cat("deleted on case ", c.case_id(),
                                              ": ", decide.reason()));
  events.push_back(std::move(deleted));
  // A live duplicate with the same document is now its only record: the
  // last event names it, so the identity indexes point at it.
  const std::string key = IdentityKey(record.child());
  for (const std::string& no : c.related()) {
    if (key.empty()) break;
    ASSIGN_OR_RETURN(std::optional<RecordState> other,
                     call.state.RecordByNumber(no));
    if (!other.has_value() || !IsLive(other->status()) ||
        IdentityKey(other->child()) != key) {
      continue;
    }
    Event removed = NewEvent(other->subject(), other->student_no());
    removed.mutable_duplicate_removed()->set_case_id(c.case_id());
    removed.mutable_duplicate_removed()->set_removed_student_no(
        record.student_no());
    events.push_back(std::move(removed));
    break;
  }
  return Accept(xueji::v1::APPLIED,
                Cat("case ", c.case_id(),
                    " closed; the record is deleted (kept in history, its "
                    "document free to be admitted again)"),
                std::move(events));
}

absl::StatusOr<Draft> DecideMergeRecords(const Call& call) {
  const xueji::v1::MergeRecords& merge = call.request.merge_records();
  ASSIGN_OR_RETURN(Found keep,
                   FindRecord(call, merge.keep(), "mergeRecords.keep"));
  if (keep.refusal) return std::move(*keep.refusal);
  ASSIGN_OR_RETURN(Found retire,
                   FindRecord(call, merge.retire(), "mergeRecords.retire"));
  if (retire.refusal) return std::move(*retire.refusal);
  const RecordState& kept = *keep.record;
  const RecordState& retired = *retire.record;
  if (kept.subject() == retired.subject()) {
    return Refuse(xueji::v1::INVALID_FIELD,
                  "mergeRecords.keep and mergeRecords.retire are one record",
                  Subj(call));
  }
  ASSIGN_OR_RETURN(std::string keep_county, CountyOf(call, kept));
  ASSIGN_OR_RETURN(std::string retire_county, CountyOf(call, retired));
  const std::string region = CommonRegion({keep_county, retire_county});
  if (auto denied = MayDecide(call.op, region)) {
    return Refuse(xueji::v1::NOT_AUTHORIZED, *denied, retired.subject(),
                  retired.student_no());
  }
  for (const RecordState* r : {&kept, &retired}) {
    if (!IsLive(r->status())) {
      return Refuse(xueji::v1::INVALID_TRANSITION,
                    Cat("a record to merge is ",
                        xueji::v1::RecordStatus_Name(r->status()),
                        "; both records must be live"),
                    r->subject(), r->student_no());
    }
  }
  if (auto pending = RefuseIfPending(retired)) return std::move(*pending);
  if (!SameChild(kept, retired)) {
    return Refuse(xueji::v1::NOT_SAME_CHILD,
                  "the two records are not the same child's (same document, "
                  "or same name, gender and birth date)",
                  retired.subject(), retired.student_no());
  }
  std::vector<Event> events =
      SettleCases(retired, "", "the record was merged into another record");
  Event retired_event = NewEvent(retired.subject(), retired.student_no());
  retired_event.mutable_record_retired()->set_kept_student_no(
      kept.student_no());
  retired_event.mutable_record_retired()->set_kindergarten(
      retired.kindergarten());
  events.push_back(std::move(retired_event));
  // Last, so that the identity indexes point at the kept record.
  Event merged = NewEvent(kept.subject(), kept.student_no());
  merged.mutable_records_merged()->set_retired_student_no(retired.student_no());
  merged.mutable_records_merged()->set_retired_kindergarten(
      retired.kindergarten());
  events.push_back(std::move(merged));
  return Accept(xueji::v1::APPLIED,
                "records merged; the retired number stays on record as "
                "retired into the kept one",
                std::move(events));
}

}  // namespace xueji::decide_internal
