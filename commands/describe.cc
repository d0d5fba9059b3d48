#include "commands/describe.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "commands/output/lang.h"

namespace xueji {

using xueji::v1::Event;

std::string EventType(const Event& event) {
  const auto* oneof = Event::descriptor()->FindOneofByName("payload");
  const auto* field =
      Event::GetReflection()->GetOneofFieldDescriptor(event, oneof);
  return field == nullptr ? "?" : field->message_type()->name();
}

std::string EventSummary(const Event& e) {
  switch (e.payload_case()) {
    case Event::kRecordRequested: {
      const auto& p = e.record_requested();
      return absl::StrCat(p.readmission() ? "readmission" : "admission", " at ",
                          p.kindergarten(), ", entry ", p.entry_date(), ", ",
                          p.child().name());
    }
    case Event::kRecordEstablished:
      return absl::StrCat("established at ",
                          e.record_established().kindergarten(), " (approves ",
                          e.record_established().approved_request_id(), ")");
    case Event::kRecordRejected:
      return absl::StrCat("admission rejected: ", e.record_rejected().reason());
    case Event::kTemporaryNumberAssigned:
      return absl::StrCat("temporary number ",
                          e.temporary_number_assigned().student_no());
    case Event::kNumberConverted:
      return absl::StrCat(e.number_converted().from_student_no(), " -> ",
                          e.number_converted().to_student_no());
    case Event::kTransferRequested:
      return absl::StrCat("transfer ",
                          e.transfer_requested().from_kindergarten(), " -> ",
                          e.transfer_requested().to_kindergarten());
    case Event::kTransferredOut:
      return absl::StrCat("out of ", e.transferred_out().from_kindergarten(),
                          " to ", e.transferred_out().to_kindergarten());
    case Event::kTransferInRequested:  // issue 10: the receiving county's
      return absl::StrCat("into ", e.transfer_in_requested().to_kindergarten(),
                          " from ",
                          e.transfer_in_requested().from_kindergarten(),
                          ", awaiting its county");
    case Event::kTransferredIn:
      return absl::StrCat("into ", e.transferred_in().to_kindergarten(),
                          " from ", e.transferred_in().from_kindergarten());
    case Event::kLeft:
      return absl::StrCat("left ", e.left().kindergarten(), ": ",
                          e.left().reason());
    case Event::kGraduated:
      return absl::StrCat("graduated from ", e.graduated().kindergarten());
    case Event::kPromoted:
      return absl::StrCat("promoted from ", e.promoted().kindergarten(), " to ",
                          e.promoted().school(), ", reported ",
                          e.promoted().reported_on());
    case Event::kDeferralRequested:
      return absl::StrCat("deferral until ",
                          e.deferral_requested().until_date());
    case Event::kDeferralApproved:
      return absl::StrCat("deferred until ",
                          e.deferral_approved().until_date());
    case Event::kCancellationRequested:
      return absl::StrCat("cancellation: ", e.cancellation_requested().reason(),
                          " on ", e.cancellation_requested().date_of_death());
    case Event::kCancelled:
      return absl::StrCat("cancelled: ", e.cancelled().reason());
    case Event::kKeyInfoEditRequested:
      return absl::StrCat("key-info edit: ",
                          e.key_info_edit_requested().evidence());
    case Event::kKeyInfoEditApproved:
      return "key information changed";
    case Event::kChangeRejected:
      return absl::StrCat("rejected ",
                          e.change_rejected().rejected_request_id(), ": ",
                          e.change_rejected().reason());
    case Event::kRecordMoved:
      return absl::StrCat("moved ", e.record_moved().from_kindergarten(),
                          " -> ", e.record_moved().to_kindergarten(),
                          " (merger)");
    case Event::kTransferWithdrawn:
      return absl::StrCat("transfer ",
                          e.transfer_withdrawn().from_kindergarten(), " -> ",
                          e.transfer_withdrawn().to_kindergarten(),
                          " withdrawn: ", e.transfer_withdrawn().reason());
    case Event::kTransferRefused:
      return absl::StrCat("transfer ", e.transfer_refused().from_kindergarten(),
                          " -> ", e.transfer_refused().to_kindergarten(),
                          " refused: ", e.transfer_refused().reason());
    case Event::kNumberConversionRequested:
      return "number conversion requested";
    case Event::kVerificationRecorded: {
      const auto& v = e.verification_recorded();
      return absl::StrCat(v.kindergarten(), " ", v.term(), ": ",
                          v.present_student_nos_size(), " present, ",
                          v.missing_student_nos_size(), " missing, ",
                          v.unknown_student_nos_size(), " unknown");
    }
    case Event::kKindergartenRegistered:
      return absl::StrCat(e.kindergarten_registered().code(), " ",
                          e.kindergarten_registered().name());
    case Event::kKindergartenMerged:
      return absl::StrCat(e.kindergarten_merged().from(), " merged into ",
                          e.kindergarten_merged().into());
    case Event::kKindergartenClosed:
      return absl::StrCat(e.kindergarten_closed().kindergarten(), " closed",
                          e.kindergarten_closed().forced() ? " (forced)" : "");
    case Event::kOperatorRegistered:
      return absl::StrCat(e.operator_registered().id(), " ",
                          xueji::v1::Role_Name(e.operator_registered().role()),
                          " ", e.operator_registered().org());
    case Event::kOperatorSealed:
      return absl::StrCat(
          e.operator_sealed().id(), " sealed (",
          e.operator_sealed().reason().empty()
              ? absl::StrCat("last active ", e.operator_sealed().last_active())
              : e.operator_sealed().reason(),
          "); its keys revoked");
    case Event::kPolicySet:
      return absl::StrCat("policy ", e.policy_set().region(), ":",
                          e.policy_set().version(), " in force from ",
                          e.policy_set().effective_from());
    case Event::kOperatorKeyAdded:
      return absl::StrCat(e.operator_key_added().id(), " new key ",
                          e.operator_key_added().key_id(),
                          "; earlier keys superseded");
    case Event::kLedgerInitialized:
      return absl::StrCat(
          xueji::v1::LedgerMode_Name(e.ledger_initialized().mode()), " ledger ",
          e.ledger_initialized().ledger_id(),
          e.ledger_initialized().root_operator().empty()
              ? ""
              : absl::StrCat("; national officer ",
                             e.ledger_initialized().root_operator(), " key ",
                             e.ledger_initialized().root_key_id()));
    case Event::kBatchSigned:
      return absl::StrCat("batch signed by ", e.batch_signed().signer(),
                          " with key ", e.batch_signed().key_id());
    case Event::kBatchRefused:
      return absl::StrCat("batch refused: ",
                          xueji::v1::ReasonCode_Name(e.batch_refused().code()),
                          " — ", e.batch_refused().message());
    case Event::kExportRequested:  // issue 10, item 5
      return absl::StrCat("export of ", e.export_requested().region(), " (",
                          absl::StrJoin(e.export_requested().fields(), ","),
                          ") for: ", e.export_requested().purpose(),
                          "; awaiting ",
                          e.export_requested().approver_region());
    case Event::kExportApproved:
      return absl::StrCat("export ", e.export_approved().approved_request_id(),
                          " approved");
    case Event::kExportRejected:
      return absl::StrCat("export ", e.export_rejected().rejected_request_id(),
                          " rejected: ", e.export_rejected().reason());
    case Event::kRequestRejected:
      return absl::StrCat(e.request_rejected().action(),
                          Chinese() ? " 被拒绝：" : " refused: ",
                          ReasonName(e.request_rejected().code()), " — ",
                          e.request_rejected().message());
    // Problem records (issue 10; docs/design.md, "Problem records (cases)").
    case Event::kCaseOpened:
      return absl::StrCat("case ", e.case_opened().case_id(),
                          " opened: ", e.case_opened().kind(), " since ",
                          e.case_opened().since(), "; decided by ",
                          e.case_opened().decider_region());
    case Event::kCaseAnswered:
      return absl::StrCat("case ", e.case_answered().case_id(), " answered ",
                          xueji::v1::ResolveCase::Resolution_Name(
                              e.case_answered().resolution()),
                          ": ", e.case_answered().evidence());
    case Event::kCaseDecided:
      return absl::StrCat("case ", e.case_decided().case_id(),
                          e.case_decided().accept() ? " closed" : " sent back",
                          e.case_decided().reason().empty() ? "" : ": ",
                          e.case_decided().reason());
    case Event::kRecordDeleted:
      return absl::StrCat("record deleted: ", e.record_deleted().reason());
    case Event::kRecordRetired:
      return absl::StrCat("retired into ", e.record_retired().kept_student_no(),
                          " (merger)");
    case Event::kRecordsMerged:
      return absl::StrCat("merged in ", e.records_merged().retired_student_no(),
                          " (retired)");
    case Event::kDuplicateRemoved:
      return absl::StrCat("duplicate ",
                          e.duplicate_removed().removed_student_no(),
                          " deleted on case ", e.duplicate_removed().case_id());
    case Event::PAYLOAD_NOT_SET:
      break;
  }
  return "";
}

std::string StatusText(const xueji::v1::RecordState& r) {
  std::string text = StatusName(r.status());
  const bool zh = Chinese();
  std::vector<std::string> notes;
  if (!r.deferred_until().empty())
    notes.push_back(
        absl::StrCat(zh ? "缓学至 " : "deferred until ", r.deferred_until()));
  if (r.status() == xueji::v1::TRANSFERRING) {
    notes.push_back(absl::StrCat(
        r.transferred_out() ? (zh ? "已转出，待转入 " : "out, awaiting ")
                            : (zh ? "转往 " : "to "),
        r.transfer_to()));
  }
  if (r.admission_rejected())
    notes.push_back(zh ? "入园申请未核准" : "admission rejected");
  if (r.deleted()) notes.push_back(zh ? "问题学籍已删除" : "deleted on a case");
  if (!r.retired_into().empty())
    notes.push_back(
        absl::StrCat(zh ? "已合并至 " : "retired into ", r.retired_into()));
  if (r.has_pending())
    notes.push_back(
        absl::StrCat(zh ? "待核准 " : "pending ", r.pending().request_id()));
  if (!notes.empty())
    absl::StrAppend(&text, " (", absl::StrJoin(notes, "; "), ")");
  return text;
}

std::string SignerText(const xueji::v1::Event& e) {
  if (e.key_id().empty()) return "";
  return absl::StrCat(e.key_id(), " batch ", e.batch().substr(0, 8));
}

std::string ActorText(const xueji::v1::Actor& a) {
  if (a.role() == xueji::v1::ROLE_UNSPECIFIED) return a.operator_id();
  return absl::StrCat(xueji::v1::Role_Name(a.role()), " ", a.operator_id(),
                      a.org().empty() ? "" : absl::StrCat(" @", a.org()));
}

}  // namespace xueji
