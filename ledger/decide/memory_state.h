// MemoryState: the decider state as plain in-memory maps, folded from events
// with the Evolve functions. It answers StateView by scanning (no indexes), so
// it is slow on large states and simple enough to trust: the given/when/then
// harness of the decider tests runs on it, and the processor's tests hold
// LedgerState (the indexed, durable state) against it.
//
// Thread-safety: none; one owner.
#ifndef XUEJI_LEDGER_DECIDE_MEMORY_STATE_H_
#define XUEJI_LEDGER_DECIDE_MEMORY_STATE_H_

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ledger/decide/decider.h"
#include "xueji/v1/events.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

class MemoryState : public StateView {
 public:
  // Folds one event in. DataLoss for an event of unknown payload or a
  // kindergarten/operator event on a subject of another kind.
  absl::Status Apply(const xueji::v1::Event& event);

  // StateView.
  absl::StatusOr<std::optional<xueji::v1::OperatorState>> Operator(
      std::string_view id) const override;
  absl::StatusOr<std::optional<xueji::v1::KindergartenState>> Kindergarten(
      std::string_view code) const override;
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByNumber(
      std::string_view student_no) const override;
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByIdentity(
      std::string_view identity_key) const override;
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByPendingRequest(
      std::string_view request_id) const override;
  absl::StatusOr<std::vector<xueji::v1::RecordState>> LiveRecordsAt(
      std::string_view kindergarten) const override;
  absl::StatusOr<std::vector<xueji::v1::RecordState>> TransfersInto(
      std::string_view kindergarten) const override;
  absl::StatusOr<std::optional<xueji::v1::RecordState>> RecordByCase(
      std::string_view case_id) const override;
  absl::StatusOr<int> NextSequence(std::string_view prefix) const override;
  absl::StatusOr<std::vector<xueji::v1::PolicySet>> PolicyVersions()
      const override;
  absl::StatusOr<std::optional<xueji::v1::LedgerSettings>> Ledger()
      const override;
  absl::StatusOr<std::optional<std::string>> OperatorByKey(
      std::string_view key_id) const override;
  absl::StatusOr<std::optional<xueji::v1::ExportState>> ExportRequest(
      std::string_view request_id) const override;

 private:
  struct Record {
    xueji::v1::RecordState state;
    std::set<std::string> numbers;  // every number it has had
  };
  std::map<std::string, Record, std::less<>> records_;  // by subject
  // The record that last took each identity key (kept while it holds it).
  std::map<std::string, std::string, std::less<>> identity_holder_;
  std::map<std::string, int, std::less<>> next_sequence_;  // by L/J prefix
  std::map<std::string, xueji::v1::KindergartenState, std::less<>>
      kindergartens_;
  std::map<std::string, xueji::v1::OperatorState, std::less<>> operators_;
  // PolicySet payloads by (region, version).
  std::map<std::pair<std::string, int>, xueji::v1::PolicySet> policies_;
  std::map<std::string, std::string, std::less<>> key_holder_;  // key id -> op
  std::optional<xueji::v1::LedgerSettings> ledger_;
  // Export requests by request id (issue 10, item 5).
  std::map<std::string, xueji::v1::ExportState, std::less<>> exports_;
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_DECIDE_MEMORY_STATE_H_
