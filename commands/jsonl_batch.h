// Runs a JSONL file of messages (requests or registry lines) through the
// processor in batches (group commit), printing one result line per input
// line, in order. A line that is not valid JSON of the message, or is longer
// than the line limit, gets a MALFORMED_REQUEST result; one that fails its
// form (ledger/request_form.h) gets that refusal; the other lines are still
// processed. Input is read with a LineReader (bounded memory); a read error
// ends the run after the lines before it are answered.
//
// Thread-safety: single-threaded CLI.
#ifndef XUEJI_COMMANDS_JSONL_BATCH_H_
#define XUEJI_COMMANDS_JSONL_BATCH_H_

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "commands/input/json_line.h"
#include "commands/input/line_reader.h"
#include "commands/session.h"
#include "google/protobuf/message.h"
#include "xueji/v1/requests.pb.h"

namespace xueji {

struct BatchOutcome {
  int64_t lines = 0;
  int64_t rejected = 0;
  absl::Status status;  // non-OK: storage failure; later lines not processed
  // Non-OK: the input could not be read on (the LineReader's error); every
  // line before it was answered.
  absl::Status input_error;
};

// A batch is also flushed once its staged lines reach this many bytes, so
// long lines cannot pile up in memory (64 KiB lines x a Kafka batch).
inline constexpr size_t kMaxStagedBytes = 16 << 20;

// JsonlPipeline::validate for requests and for registry lines: the form
// checks of ledger/request_form.h, answered "line N: ...".
bool ValidateRequestLine(const xueji::v1::Request& request, int64_t line_no,
                         xueji::v1::Result* early);
bool ValidateRegistryLine(const xueji::v1::RegistryLine& line, int64_t line_no,
                          xueji::v1::Result* early);

// `make` creates an empty message; `validate` may refuse a parsed message
// before submission (filling the result); `submit` processes a batch.
template <typename Msg>
struct JsonlPipeline {
  // Optional, before the line is parsed: false answers the line with the
  // result it filled (a CSV row that could not be read, commands/csv_input.h).
  std::function<bool(std::string_view line, int64_t line_no,
                     xueji::v1::Result*)>
      preparse;
  std::function<bool(const Msg&, int64_t line_no, xueji::v1::Result*)> validate;
  std::function<absl::StatusOr<std::vector<xueji::v1::Result>>(
      const std::vector<Msg>&)>
      submit;
  std::function<absl::Status()> after_batch;  // e.g. catch the views up
  // Each result names its input line in Result.row (CSV input: the row).
  bool number_rows = false;
};

// RunJsonl's loop, apart from the message type: StageLine answers a line at
// once (false, the result filled) or stages it (true); FlushStaged answers the
// staged lines, in order.
using StageLine = std::function<bool(std::string_view line, int64_t line_no,
                                     xueji::v1::Result* early)>;
using FlushStaged =
    std::function<absl::StatusOr<std::vector<xueji::v1::Result>>()>;
BatchOutcome RunJsonlGeneric(LineReader& in, std::ostream& out,
                             Progress& progress,
                             const StageLine& parse_and_stage,
                             const FlushStaged& flush_staged,
                             const std::function<absl::Status()>& after_batch,
                             size_t batch_size, bool number_rows = false);

template <typename Msg>
BatchOutcome RunJsonl(LineReader& in, std::ostream& out, Progress& progress,
                      const JsonlPipeline<Msg>& pipeline,
                      size_t batch_size = 512) {
  std::vector<Msg> staged;
  auto parse_and_stage = [&](std::string_view line, int64_t line_no,
                             xueji::v1::Result* early) {
    if (pipeline.preparse && !pipeline.preparse(line, line_no, early)) {
      return false;
    }
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
                         pipeline.after_batch, batch_size,
                         pipeline.number_rows);
}

}  // namespace xueji

#endif  // XUEJI_COMMANDS_JSONL_BATCH_H_
