// Runs a JSONL file of messages (requests or registry lines) through the
// processor in batches (group commit), printing one result line per input
// line, in order. A line that is not valid JSON of the message gets a
// MALFORMED_REQUEST result and the other lines are still processed.
#ifndef XUEJI_COMMANDS_JSONL_BATCH_H_
#define XUEJI_COMMANDS_JSONL_BATCH_H_

#include <functional>
#include <istream>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "commands/session.h"
#include "google/protobuf/message.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

struct BatchOutcome {
  int64_t lines = 0;
  int64_t rejected = 0;
  absl::Status status;  // non-OK: storage failure; later lines not processed
};

// Parses `line` into `message` strictly (unknown fields are errors). On
// failure fills `malformed` with a MALFORMED_REQUEST result (requestId
// recovered from the text when possible) and returns false.
bool ParseJsonLine(const std::string& line, int64_t line_no,
                   google::protobuf::Message* message,
                   xueji::v1::Result* malformed);

// `make` creates an empty message; `validate` may refuse a parsed message
// before submission (filling the result); `submit` processes a batch.
template <typename Msg>
struct JsonlPipeline {
  std::function<bool(const Msg&, int64_t line_no, xueji::v1::Result*)> validate;
  std::function<absl::StatusOr<std::vector<xueji::v1::Result>>(
      const std::vector<Msg>&)>
      submit;
  std::function<absl::Status()> after_batch;  // e.g. catch the views up
};

BatchOutcome RunJsonlGeneric(
    std::istream& in, std::ostream& out, Progress& progress,
    const std::function<bool(const std::string&, int64_t, xueji::v1::Result*)>&
        parse_and_stage,
    const std::function<absl::StatusOr<std::vector<xueji::v1::Result>>()>&
        flush_staged,
    const std::function<absl::Status()>& after_batch, size_t batch_size);

template <typename Msg>
BatchOutcome RunJsonl(std::istream& in, std::ostream& out, Progress& progress,
                      const JsonlPipeline<Msg>& pipeline,
                      size_t batch_size = 512) {
  std::vector<Msg> staged;
  auto parse_and_stage = [&](const std::string& line, int64_t line_no,
                             xueji::v1::Result* early) {
    Msg msg;
    if (!ParseJsonLine(line, line_no, &msg, early)) return false;
    if (pipeline.validate && !pipeline.validate(msg, line_no, early)) {
      return false;
    }
    staged.push_back(std::move(msg));
    return true;
  };
  auto flush = [&]() -> absl::StatusOr<std::vector<xueji::v1::Result>> {
    auto results = pipeline.submit(staged);
    staged.clear();
    return results;
  };
  return RunJsonlGeneric(in, out, progress, parse_and_stage, flush,
                         pipeline.after_batch, batch_size);
}

}  // namespace xueji

#endif  // XUEJI_COMMANDS_JSONL_BATCH_H_
