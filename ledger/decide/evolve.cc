// Evolve: fold one event into a record, kindergarten or operator state.
// Pure; an event of another kind leaves the state as it was (a record still
// counts it in `version`).
#include <algorithm>

#include "ledger/decide/decider.h"
#include "ledger/rules/accounts.h"

namespace xueji {

using xueji::v1::Event;
using xueji::v1::RecordState;

namespace {

// The pending change an event opens, with the original request rebuilt from
// the envelope and payload (approve/reject dispatch on its action).
xueji::v1::PendingChange* OpenPending(RecordState* state, const Event& event) {
  xueji::v1::PendingChange* pending = state->mutable_pending();
  pending->Clear();
  pending->set_request_id(event.request_id());
  pending->set_requested_on(event.business_date());
  *pending->mutable_requested_by() = event.actor();
  xueji::v1::Request* request = pending->mutable_request();
  request->set_request_id(event.request_id());
  request->set_actor(event.actor().operator_id());
  request->set_occurred_on(event.business_date());
  return pending;
}

void ClearTransfer(RecordState* state) {
  state->clear_transfer_to();
  state->clear_transferred_out();
  state->clear_transfer_started_on();
  state->clear_transfer_out_on();
}

void EvolveRequested(RecordState* state, const Event& event) {
  const auto& requested = event.record_requested();
  if (state->student_no().empty()) state->set_student_no(event.student_no());
  state->set_status(xueji::v1::PENDING);
  state->set_kindergarten(requested.kindergarten());
  *state->mutable_child() = requested.child();
  state->set_entry_date(requested.entry_date());
  state->set_requested_on(event.business_date());
  state->clear_established_on();
  ClearTransfer(state);
  // Art. 14 保留或接收: a deferral still running when the child is received
  // again stays with the record (issue 10).
  if (requested.entry_date() >= state->deferred_until()) {
    state->clear_deferred_until();
  }
  state->clear_closed_reason();
  state->clear_admission_rejected();
  // A record deleted on a case is admitted again (its document freed).
  state->clear_deleted();
  state->clear_deleted_by_case();
  xueji::v1::Admit* admit =
      OpenPending(state, event)->mutable_request()->mutable_admit();
  admit->set_kindergarten(requested.kindergarten());
  *admit->mutable_child() = requested.child();
  admit->set_entry_date(requested.entry_date());
}

void EvolveConverted(RecordState* state, const Event& event) {
  const auto& converted = event.number_converted();
  const auto& former = state->former_numbers();
  if (std::find(former.begin(), former.end(), converted.from_student_no()) ==
      former.end()) {
    state->add_former_numbers(converted.from_student_no());
  }
  state->set_student_no(converted.to_student_no());
  state->mutable_child()->set_id_type(converted.id_type());
  state->mutable_child()->set_id_number(converted.id_number());
}

// Change requests that open a pending change (other than admission).
void EvolveChangeRequest(RecordState* state, const Event& event) {
  xueji::v1::Request* request = OpenPending(state, event)->mutable_request();
  switch (event.payload_case()) {
    case Event::kTransferRequested:
      state->set_status(xueji::v1::TRANSFERRING);
      state->set_transfer_to(event.transfer_requested().to_kindergarten());
      state->set_transferred_out(false);
      state->set_transfer_started_on(event.business_date());
      state->clear_transfer_out_on();
      request->mutable_transfer_out()->set_student_no(state->student_no());
      request->mutable_transfer_out()->set_to_kindergarten(
          event.transfer_requested().to_kindergarten());
      break;
    case Event::kTransferInRequested:  // issue 10: the receiving county's
      request->mutable_transfer_in()->set_student_no(state->student_no());
      break;
    case Event::kDeferralRequested:
      request->mutable_defer()->set_student_no(state->student_no());
      request->mutable_defer()->set_until_date(
          event.deferral_requested().until_date());
      request->mutable_defer()->set_evidence(
          event.deferral_requested().evidence());
      break;
    case Event::kCancellationRequested:
      request->mutable_cancel()->set_student_no(state->student_no());
      request->mutable_cancel()->set_reason(
          event.cancellation_requested().reason());
      request->mutable_cancel()->set_date_of_death(
          event.cancellation_requested().date_of_death());
      request->mutable_cancel()->set_evidence(
          event.cancellation_requested().evidence());
      break;
    case Event::kNumberConversionRequested:
      request->mutable_convert_number()->set_student_no(state->student_no());
      request->mutable_convert_number()->set_id_type(
          event.number_conversion_requested().id_type());
      request->mutable_convert_number()->set_id_number(
          event.number_conversion_requested().id_number());
      break;
    case Event::kKeyInfoEditRequested:
      request->mutable_edit_key_info()->set_student_no(state->student_no());
      *request->mutable_edit_key_info()->mutable_child() =
          event.key_info_edit_requested().child();
      request->mutable_edit_key_info()->set_evidence(
          event.key_info_edit_requested().evidence());
      break;
    default:
      break;
  }
}

bool IsCaseEvent(const Event& event) {
  switch (event.payload_case()) {
    case Event::kCaseOpened:
    case Event::kCaseAnswered:
    case Event::kCaseDecided:
      return true;
    default:
      return false;
  }
}

xueji::v1::CaseState* FindCase(RecordState* state, std::string_view id) {
  for (xueji::v1::CaseState& c : *state->mutable_cases()) {
    if (c.case_id() == id) return &c;
  }
  return nullptr;
}

// Problem records (docs/design.md, "Problem records (cases)").
void EvolveCase(RecordState* state, const Event& event) {
  switch (event.payload_case()) {
    case Event::kCaseOpened: {
      const auto& opened = event.case_opened();
      xueji::v1::CaseState* c = FindCase(state, opened.case_id());
      if (c == nullptr) c = state->add_cases();
      c->Clear();
      c->set_case_id(opened.case_id());
      c->set_kind(opened.kind());
      *c->mutable_related() = opened.related();
      c->set_since(opened.since());
      c->set_detail(opened.detail());
      c->set_status(xueji::v1::CASE_STATUS_OPEN);
      c->set_kindergarten(opened.kindergarten());
      c->set_decider_region(opened.decider_region());
      c->set_opened_on(event.business_date());
      *c->mutable_opened_by() = event.actor();
      break;
    }
    case Event::kCaseAnswered: {
      const auto& answered = event.case_answered();
      xueji::v1::CaseState* c = FindCase(state, answered.case_id());
      if (c == nullptr) break;
      c->set_status(xueji::v1::CASE_STATUS_ANSWERED);
      c->set_resolution(answered.resolution());
      c->set_evidence(answered.evidence());
      c->set_answered_on(event.business_date());
      *c->mutable_answered_by() = event.actor();
      c->set_answers(c->answers() + 1);
      break;
    }
    case Event::kCaseDecided: {
      const auto& decided = event.case_decided();
      xueji::v1::CaseState* c = FindCase(state, decided.case_id());
      if (c == nullptr) break;
      c->set_status(decided.accept() ? xueji::v1::CASE_STATUS_CLOSED
                                     : xueji::v1::CASE_STATUS_OPEN);
      c->set_accepted(decided.accept());
      c->set_reason(decided.reason());
      c->set_decided_on(event.business_date());
      *c->mutable_decided_by() = event.actor();
      // Sent back: a new CORRECTED answer needs a new change.
      if (!decided.accept()) c->set_record_changed(false);
      break;
    }
    default:
      break;
  }
}

}  // namespace

RecordState EvolveRecord(RecordState state, const Event& event) {
  if (state.subject().empty()) state.set_subject(event.subject());
  state.set_version(state.version() + 1);
  if (IsCaseEvent(event)) {
    EvolveCase(&state, event);
  } else if (event.payload_case() != Event::PAYLOAD_NOT_SET) {
    for (xueji::v1::CaseState& c : *state.mutable_cases()) {
      if (c.status() != xueji::v1::CASE_STATUS_CLOSED)
        c.set_record_changed(true);
    }
  }
  switch (event.payload_case()) {
    case Event::kRecordRequested:
      EvolveRequested(&state, event);
      break;
    case Event::kTemporaryNumberAssigned:
      if (state.student_no().empty()) {
        state.set_student_no(event.temporary_number_assigned().student_no());
      }
      break;
    case Event::kRecordEstablished:
      state.set_status(xueji::v1::ENROLLED);
      state.set_kindergarten(event.record_established().kindergarten());
      state.set_established_on(event.business_date());
      state.clear_pending();
      break;
    case Event::kRecordRejected:
      state.set_status(xueji::v1::CANCELLED);
      state.set_admission_rejected(true);
      state.set_closed_reason(event.record_rejected().reason());
      state.clear_pending();
      break;
    case Event::kNumberConverted:
      EvolveConverted(&state, event);
      // Approved (issue 10); a conversion of an older log had no pending.
      if (state.pending().request().has_convert_number()) {
        state.clear_pending();
      }
      break;
    case Event::kTransferRequested:
    case Event::kDeferralRequested:
    case Event::kCancellationRequested:
    case Event::kKeyInfoEditRequested:
    case Event::kNumberConversionRequested:
    case Event::kTransferInRequested:
      EvolveChangeRequest(&state, event);
      break;
    case Event::kTransferredOut:
      state.set_transferred_out(true);
      state.set_transfer_out_on(event.business_date());
      state.clear_pending();
      break;
    case Event::kTransferredIn:
      state.set_status(xueji::v1::ENROLLED);
      state.set_kindergarten(event.transferred_in().to_kindergarten());
      ClearTransfer(&state);
      // Approved by the receiving county (issue 10); directly, none pending.
      if (state.pending().request().has_transfer_in()) state.clear_pending();
      break;
    case Event::kLeft:
      state.set_status(xueji::v1::LEFT);
      state.set_closed_reason(event.left().reason());
      state.clear_pending();
      ClearTransfer(&state);
      break;
    case Event::kGraduated:
      state.set_status(xueji::v1::GRADUATED);
      state.set_graduated_on(event.business_date());
      state.clear_pending();
      ClearTransfer(&state);
      break;
    case Event::kDeferralApproved:
      state.set_deferred_until(event.deferral_approved().until_date());
      state.clear_pending();
      break;
    case Event::kCancelled:
      state.set_status(xueji::v1::CANCELLED);
      state.set_admission_rejected(false);
      state.set_closed_reason(event.cancelled().reason());
      state.clear_pending();
      ClearTransfer(&state);
      break;
    case Event::kKeyInfoEditApproved:
      *state.mutable_child() = event.key_info_edit_approved().child();
      state.clear_pending();
      break;
    case Event::kChangeRejected:
      // Either county refusing its side ends the transfer (issue 10): the
      // child stays at the sending kindergarten.
      if (state.pending().request().has_transfer_out() ||
          state.pending().request().has_transfer_in()) {
        state.set_status(xueji::v1::ENROLLED);
        ClearTransfer(&state);
      }
      state.clear_pending();
      break;
    case Event::kRecordMoved:
      state.set_kindergarten(event.record_moved().to_kindergarten());
      break;
    case Event::kTransferWithdrawn:
    case Event::kTransferRefused:
      // The child stays where it was: ENROLLED at the sending kindergarten,
      // the transfer (pending or approved out) gone.
      state.set_status(xueji::v1::ENROLLED);
      ClearTransfer(&state);
      if (state.pending().request().has_transfer_out() ||
          state.pending().request().has_transfer_in()) {
        state.clear_pending();
      }
      break;
    case Event::kPromoted:  // 升学 (Art. 13): the record stays GRADUATED
      state.set_promoted_school(event.promoted().school());
      state.set_promoted_on(event.promoted().reported_on());
      break;
    case Event::kRecordDeleted:  // 删除 on a case: kept in history
      state.set_status(xueji::v1::CANCELLED);
      state.set_admission_rejected(false);
      state.set_deleted(true);
      state.set_deleted_by_case(event.record_deleted().case_id());
      state.set_closed_reason(event.record_deleted().reason());
      state.clear_pending();
      ClearTransfer(&state);
      break;
    case Event::kRecordRetired:  // merged into another record of the child
      state.set_status(xueji::v1::CANCELLED);
      state.set_admission_rejected(false);
      state.set_retired_into(event.record_retired().kept_student_no());
      state.set_closed_reason(
          "retired: merged into another record of the same child");
      state.clear_pending();
      ClearTransfer(&state);
      break;
    case Event::kRecordsMerged:
      state.add_merged_from(event.records_merged().retired_student_no());
      break;
    default:
      break;
  }
  return state;
}

xueji::v1::KindergartenState EvolveKindergarten(
    xueji::v1::KindergartenState state, const Event& event) {
  switch (event.payload_case()) {
    case Event::kKindergartenRegistered:
      state.set_code(event.kindergarten_registered().code());
      state.set_name(event.kindergarten_registered().name());
      state.set_county(event.kindergarten_registered().county());
      break;
    case Event::kKindergartenMerged:
      state.set_closed(true);
      state.set_merged_into(event.kindergarten_merged().into());
      state.set_closed_on(event.business_date());
      break;
    case Event::kKindergartenClosed:
      state.set_closed(true);
      state.set_closed_on(event.business_date());
      break;
    case Event::kVerificationRecorded: {
      const std::string& term = event.verification_recorded().term();
      state.set_last_verification_term(term);
      state.set_last_verification_on(event.business_date());
      const auto& terms = state.verified_terms();
      if (std::find(terms.begin(), terms.end(), term) == terms.end()) {
        state.add_verified_terms(term);
      }
      break;
    }
    default:
      break;
  }
  return state;
}

namespace {

// A key from now on (event.recorded_at): the keys before it are superseded.
void AddKey(xueji::v1::OperatorState* state, const std::string& public_key,
            const std::string& key_id, const Event& event) {
  if (public_key.empty()) return;
  for (const xueji::v1::OperatorKey& key : state->keys()) {
    if (key.key_id() == key_id && key.superseded_at().empty() &&
        key.revoked_at().empty()) {
      return;  // the current key again: nothing changes
    }
  }
  for (xueji::v1::OperatorKey& key : *state->mutable_keys()) {
    if (key.superseded_at().empty()) key.set_superseded_at(event.recorded_at());
  }
  xueji::v1::OperatorKey* key = state->add_keys();
  key->set_key_id(key_id);
  key->set_public_key(public_key);
  key->set_valid_from(event.recorded_at());
  if (state->sealed()) key->set_revoked_at(event.recorded_at());
}

}  // namespace

xueji::v1::OperatorState EvolveOperator(xueji::v1::OperatorState state,
                                        const Event& event) {
  switch (event.payload_case()) {
    case Event::kOperatorRegistered: {
      // A re-registration updates role and organisation; it does not unseal.
      const xueji::v1::OperatorRegistered& registered =
          event.operator_registered();
      state.set_id(registered.id());
      state.set_role(registered.role());
      state.set_org(registered.org());
      if (const std::string active = ActivityDate(event);
          active > state.last_active()) {
        state.set_last_active(active);
      }
      AddKey(&state, registered.public_key(), registered.key_id(), event);
      state.set_registered_by(event.actor().operator_id());
      break;
    }
    case Event::kOperatorKeyAdded:
      AddKey(&state, event.operator_key_added().public_key(),
             event.operator_key_added().key_id(), event);
      break;
    case Event::kOperatorSealed:
      state.set_sealed(true);
      for (xueji::v1::OperatorKey& key : *state.mutable_keys()) {
        if (key.revoked_at().empty()) key.set_revoked_at(event.recorded_at());
      }
      break;
    default:
      break;
  }
  return state;
}

EventTarget TargetOf(const Event& event) {
  switch (event.payload_case()) {
    case Event::kRecordRequested:
    case Event::kRecordEstablished:
    case Event::kRecordRejected:
    case Event::kTemporaryNumberAssigned:
    case Event::kNumberConverted:
    case Event::kTransferRequested:
    case Event::kTransferredOut:
    case Event::kTransferredIn:
    case Event::kLeft:
    case Event::kGraduated:
    case Event::kDeferralRequested:
    case Event::kDeferralApproved:
    case Event::kCancellationRequested:
    case Event::kCancelled:
    case Event::kKeyInfoEditRequested:
    case Event::kKeyInfoEditApproved:
    case Event::kChangeRejected:
    case Event::kRecordMoved:
    case Event::kTransferWithdrawn:
    case Event::kTransferRefused:
    case Event::kNumberConversionRequested:
    case Event::kPromoted:
    case Event::kCaseOpened:
    case Event::kCaseAnswered:
    case Event::kCaseDecided:
    case Event::kRecordDeleted:
    case Event::kRecordRetired:
    case Event::kRecordsMerged:
    case Event::kDuplicateRemoved:
    case Event::kTransferInRequested:
      return EventTarget::kRecord;
    case Event::kVerificationRecorded:
    case Event::kKindergartenRegistered:
    case Event::kKindergartenMerged:
    case Event::kKindergartenClosed:
      return EventTarget::kKindergarten;
    case Event::kOperatorRegistered:
    case Event::kOperatorKeyAdded:
    case Event::kOperatorSealed:
      return EventTarget::kOperator;
    case Event::kPolicySet:
      return EventTarget::kPolicy;
    case Event::kLedgerInitialized:
      return EventTarget::kLedger;
    case Event::kExportRequested:
    case Event::kExportApproved:
    case Event::kExportRejected:
      return EventTarget::kExport;
    case Event::kRequestRejected:
    case Event::kBatchSigned:   // audit trail: the batch and its signature
    case Event::kBatchRefused:  // audit trail: a refused batch
      return EventTarget::kNone;
    default:
      return EventTarget::kUnknown;
  }
}

xueji::v1::LedgerSettings EvolveLedger(xueji::v1::LedgerSettings state,
                                       const Event& event) {
  if (event.has_ledger_initialized()) {
    const xueji::v1::LedgerInitialized& init = event.ledger_initialized();
    state.set_mode(init.mode());
    state.set_ledger_id(init.ledger_id());
    state.set_root_operator(init.root_operator());
  }
  return state;
}

xueji::v1::ExportState EvolveExport(xueji::v1::ExportState state,
                                    const Event& event) {
  switch (event.payload_case()) {
    case Event::kExportRequested: {
      const xueji::v1::ExportRequested& requested = event.export_requested();
      state.set_request_id(event.request_id());
      *state.mutable_requested_by() = event.actor();
      state.set_requested_on(event.business_date());
      state.set_purpose(requested.purpose());
      state.set_region(requested.region());
      *state.mutable_fields() = requested.fields();
      state.set_approver_region(requested.approver_region());
      state.set_decision(xueji::v1::ExportState::AWAITING);
      break;
    }
    case Event::kExportApproved:
      state.set_decision(xueji::v1::ExportState::APPROVED);
      *state.mutable_decided_by() = event.actor();
      state.set_decided_on(event.business_date());
      break;
    case Event::kExportRejected:
      state.set_decision(xueji::v1::ExportState::REJECTED);
      *state.mutable_decided_by() = event.actor();
      state.set_decided_on(event.business_date());
      state.set_reason(event.export_rejected().reason());
      break;
    default:
      break;
  }
  return state;
}

}  // namespace xueji
