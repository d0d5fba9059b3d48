#include "ledger/service/processor_answers.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "ledger/rules/subjects.h"
#include "ledger/service/kafka_processor.h"

namespace xueji {

using xueji::v1::Event;
using xueji::v1::Result;

absl::Status ProcessorAnswers::Open() {
  producer_.reset();
  auto producer = KafkaProducer::Open(kafka_, timeout_);
  if (!producer.ok()) return producer.status();
  producer_ = *std::move(producer);
  return absl::OkStatus();
}

void ProcessorAnswers::Queue(const Result& result, int64_t offset,
                             const std::string& request_id, int32_t index) {
  if (producer_ == nullptr) {
    if (queued_.ok()) queued_ = absl::UnavailableError("no results producer");
    return;
  }
  std::string key = request_id;
  if (key.empty()) {
    key = absl::StrCat("offset:", offset,
                       index > 0 ? absl::StrCat(":", index) : std::string());
  } else if (result.status() == xueji::v1::DUPLICATE_REQUEST) {
    key = absl::StrCat(request_id, "@", offset);
  }
  std::vector<std::pair<std::string, std::string>> headers = {
      {kRequestOffsetHeader, absl::StrCat(offset)}};
  if (index > 0) headers.push_back({kRequestIndexHeader, absl::StrCat(index)});
  absl::Status s = producer_->Produce(kafka_.results_topic(), -1, key,
                                      result.SerializeAsString(), headers);
  if (!s.ok() && queued_.ok()) queued_ = s;
}

void ProcessorAnswers::Touch(const Event& event) {
  if (!IsRegistrySubject(event.subject())) return;
  Event& last = touched_registry_[event.subject()];
  last.set_event_id(event.event_id());
  last.set_recorded_at(event.recorded_at());
}

// Each record: key kg:<code> / op:<id>, value the latest state, headers the
// CloudEvents Kafka binding (binary mode) — id = the id of the event that
// made this state (a republished state is the same CloudEvent), source
// /xueji/ledger/registry, type cn.edu.xueji.v1.KindergartenState or
// OperatorState, time = that event's, subject = the code or id.
absl::Status ProcessorAnswers::PublishRegistry(const LedgerState& state) {
  if (producer_ == nullptr && !touched_registry_.empty()) {
    return absl::UnavailableError("no registry producer");
  }
  for (const auto& [subject, last] : touched_registry_) {
    std::string value;
    std::string type;
    const ParsedSubject parsed = ParseSubject(subject);
    const std::string id(parsed.id);
    if (parsed.kind == SubjectKind::kKindergarten) {
      auto kg = state.Kindergarten(id);
      if (!kg.ok()) return kg.status();
      if (!kg->has_value()) continue;
      value = (*kg)->SerializeAsString();
      type = "KindergartenState";
    } else {
      auto op = state.Operator(id);
      if (!op.ok()) return op.status();
      if (!op->has_value()) continue;
      value = (*op)->SerializeAsString();
      type = "OperatorState";
    }
    absl::Status s = producer_->Produce(
        kafka_.registry_topic(), -1, subject, value,
        {{"ce_specversion", kCloudEventsSpecVersion},
         {"ce_id", last.event_id()},
         {"ce_source", "/xueji/ledger/registry"},
         {"ce_type", kCloudEventsTypePrefix + type},
         {"ce_time", last.recorded_at()},
         {"ce_subject", id},
         {"content-type", "application/protobuf"},
         {"ce_dataschema", DataSchemaUri("xueji.v1." + type)}});
    if (!s.ok()) return s;
  }
  touched_registry_.clear();
  return absl::OkStatus();
}

absl::Status ProcessorAnswers::TakeQueueError() {
  return std::exchange(queued_, absl::OkStatus());
}

absl::Status ProcessorAnswers::Flush() {
  if (producer_ == nullptr) return absl::UnavailableError("no producer");
  auto flushed = producer_->Flush();
  return flushed.ok() ? absl::OkStatus() : flushed.status();
}

absl::Status ProcessorAnswers::Confirm() {
  if (!unconfirmed_) return absl::OkStatus();
  if (absl::Status s = Flush(); !s.ok()) return s;
  unconfirmed_ = false;
  return absl::OkStatus();
}

void ProcessorAnswers::Reset() {
  touched_registry_.clear();
  queued_ = absl::OkStatus();
  unconfirmed_ = false;
  producer_.reset();
}

}  // namespace xueji
