#include "ledger/kafka/kafka_log_format.h"

#include <sys/types.h>

#include "absl/strings/str_cat.h"
#include "ledger/kafka/kafka_client.h"
#include "ledger/kafka/kafka_config.h"

namespace xueji::kafka_log {

absl::Status TxnStatus(rd_kafka_error_t* error, const std::string& where) {
  rd_kafka_resp_err_t code = rd_kafka_error_code(error);
  bool fatal = rd_kafka_error_is_fatal(error);
  std::string text = rd_kafka_error_string(error);
  rd_kafka_error_destroy(error);
  if (fatal) {
    return absl::AbortedError(absl::StrCat(where, ": fatal: ", text));
  }
  absl::Status status = KafkaStatus(code, where);
  return absl::Status(status.code(),
                      absl::StrCat(status.message(), ": ", text));
}

std::string PayloadName(const xueji::v1::Event& event) {
  const auto* oneof = event.GetDescriptor()->FindOneofByName("payload");
  const auto* field =
      event.GetReflection()->GetOneofFieldDescriptor(event, oneof);
  return field == nullptr ? "" : field->message_type()->name();
}

rd_kafka_headers_t* CloudEventHeaders(const xueji::v1::Event& event) {
  rd_kafka_headers_t* headers = rd_kafka_headers_new(8);
  auto add = [headers](const char* name, const std::string& value) {
    rd_kafka_header_add(headers, name, -1, value.data(),
                        static_cast<ssize_t>(value.size()));
  };
  add("ce_specversion", kCloudEventsSpecVersion);
  add("ce_id", event.event_id());
  add("ce_source", "/xueji/ledger");
  add("ce_type", kCloudEventsTypePrefix + PayloadName(event));
  add("ce_time", event.recorded_at());
  if (!event.student_no().empty()) add("ce_subject", event.student_no());
  add("content-type", "application/protobuf");
  add("ce_dataschema", DataSchemaUri("xueji.v1.Event"));
  return headers;
}

void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*) {
  auto* delivery = static_cast<Delivery*>(message->_private);
  delivery->done = true;
  delivery->err = message->err;
  delivery->offset = message->offset;
}

void OnError(rd_kafka_t*, int err, const char*, void* opaque) {
  *static_cast<rd_kafka_resp_err_t*>(opaque) =
      static_cast<rd_kafka_resp_err_t>(err);
}

}  // namespace xueji::kafka_log
