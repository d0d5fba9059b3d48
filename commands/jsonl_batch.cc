#include "commands/jsonl_batch.h"

#include <optional>

#include "absl/strings/str_cat.h"
#include "commands/output/output.h"
#include "ledger/rules/request_form.h"

namespace xueji {
namespace {

bool IsBlank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}

}  // namespace

bool ValidateRequestLine(const xueji::v1::Request& request, int64_t line_no,
                         xueji::v1::Result* early) {
  std::optional<FormRefusal> refusal = CheckRequestForm(request);
  if (!refusal.has_value()) return true;
  *early = FormRefusalResult(request.request_id(), *refusal,
                             absl::StrCat("line ", line_no, ": "));
  return false;
}

bool ValidateRegistryLine(const xueji::v1::RegistryLine& line, int64_t line_no,
                          xueji::v1::Result* early) {
  std::optional<FormRefusal> refusal = CheckRegistryLineForm(line);
  if (!refusal.has_value()) return true;
  *early =
      FormRefusalResult("", *refusal, absl::StrCat("line ", line_no, ": "));
  return false;
}

BatchOutcome RunJsonlGeneric(LineReader& in, std::ostream& out,
                             Progress& progress,
                             const StageLine& parse_and_stage,
                             const FlushStaged& flush_staged,
                             const std::function<absl::Status()>& after_batch,
                             size_t batch_size, bool number_rows) {
  BatchOutcome outcome;
  // One slot per input line of the current batch: an early answer, or empty
  // for a staged message answered by the flush; and the line's number.
  std::vector<std::optional<xueji::v1::Result>> slots;
  std::vector<int64_t> numbers;
  size_t staged = 0;
  size_t staged_bytes = 0;

  auto flush = [&]() -> absl::Status {
    std::vector<xueji::v1::Result> answers;
    if (staged > 0) {
      auto results = flush_staged();
      if (!results.ok()) return results.status();
      answers = *std::move(results);
    }
    size_t next = 0;
    for (size_t i = 0; i < slots.size(); ++i) {
      xueji::v1::Result& r = slots[i].has_value() ? *slots[i] : answers[next++];
      if (number_rows) r.set_row(numbers[i]);
      const bool rejected = r.status() == xueji::v1::REJECTED ||
                            (r.status() == xueji::v1::DUPLICATE_REQUEST &&
                             r.original_status() == xueji::v1::REJECTED);
      if (rejected) ++outcome.rejected;
      out << ToJsonLine(r) << "\n";
    }
    out.flush();
    slots.clear();
    numbers.clear();
    staged = 0;
    staged_bytes = 0;
    return after_batch ? after_batch() : absl::OkStatus();
  };

  while (true) {
    absl::StatusOr<bool> more = in.Next();
    if (!more.ok()) {
      // Answer what was read, then stop: never mistake it for the end.
      outcome.input_error = more.status();
      break;
    }
    if (!*more) break;
    const Line& line = in.line();
    if (!line.too_long && IsBlank(line.text)) continue;
    ++outcome.lines;
    numbers.push_back(line.number);
    xueji::v1::Result early;
    if (line.too_long) {
      slots.emplace_back(TooLongLineResult(line.text, line.number, line.bytes,
                                           in.max_line_bytes()));
    } else if (parse_and_stage(line.text, line.number, &early)) {
      slots.emplace_back(std::nullopt);
      ++staged;
      staged_bytes += line.text.size();
    } else {
      slots.emplace_back(early);
    }
    if (staged >= batch_size || slots.size() >= 4 * batch_size ||
        staged_bytes >= kMaxStagedBytes) {
      if (outcome.status = flush(); !outcome.status.ok()) return outcome;
      progress.Update(outcome.lines);
    }
  }
  if (!slots.empty()) outcome.status = flush();
  progress.Done(outcome.lines);
  return outcome;
}

}  // namespace xueji
