// What the Kafka log's reader and writer share (internal to ledger/kafka/,
// as leveldb's db/log_format.h is to its log reader and writer): the record
// format of the events topic — key = subject, value = the event's canonical
// bytes, headers = the CloudEvents Kafka binding in binary content mode —
// the one-record delivery report the writer waits for, a partition's tail,
// and small time and error helpers.
//
// Ownership: a Delivery is owned by the writer (KafkaLogWriter::pending_)
// until librdkafka has reported it; librdkafka holds a raw pointer to it as
// the message's opaque. The headers CloudEventHeaders returns are owned by
// the caller until rd_kafka_producev takes them.
// Thread-safety: plain functions and values; OnDelivery and OnError run on
// the thread that serves the producer's callbacks (rd_kafka_poll/flush),
// which is the appending thread.
#ifndef XUEJI_LEDGER_KAFKA_KAFKA_LOG_FORMAT_H_
#define XUEJI_LEDGER_KAFKA_KAFKA_LOG_FORMAT_H_

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "xueji/v1/events.pb.h"

namespace xueji::kafka_log {

using Clock = std::chrono::steady_clock;

inline int64_t Millis(std::chrono::milliseconds ms) { return ms.count(); }

// Milliseconds left until `deadline`, never negative.
inline int RemainingMs(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - Clock::now());
  return static_cast<int>(std::max<int64_t>(0, left.count()));
}

struct RktDeleter {
  void operator()(rd_kafka_topic_t* t) const { rd_kafka_topic_destroy(t); }
};
using RktPtr = std::unique_ptr<rd_kafka_topic_t, RktDeleter>;

// Status of a transactional API error (takes ownership of `error`).
absl::Status TxnStatus(rd_kafka_error_t* error, const std::string& where);

// The payload message's name, e.g. "RecordRequested"; empty if none.
std::string PayloadName(const xueji::v1::Event& event);

// CloudEvents Kafka protocol binding, binary content mode: ce_specversion,
// ce_id, ce_source, ce_type, ce_time, ce_subject (only when the event has a
// student number), content-type, ce_dataschema (a URI, as the spec wants:
// DataSchemaUri("xueji.v1.Event")).
rd_kafka_headers_t* CloudEventHeaders(const xueji::v1::Event& event);

// One record's delivery report.
struct Delivery {
  bool done = false;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  int64_t offset = -1;
};

// rd_kafka_conf_set_dr_msg_cb: fills the message's Delivery.
void OnDelivery(rd_kafka_t*, const rd_kafka_message_t* message, void*);

// rd_kafka_conf_set_error_cb: producer-level errors (broker down, ...), the
// latest one, to explain a delivery timeout; `opaque` is a
// rd_kafka_resp_err_t*.
void OnError(rd_kafka_t*, int err, const char*, void* opaque);

// Tail of one partition: the offset the next record gets and the hash of
// the last event.
struct Tail {
  int64_t next = 0;
  std::string hash;
};

}  // namespace xueji::kafka_log

#endif  // XUEJI_LEDGER_KAFKA_KAFKA_LOG_FORMAT_H_
