#include "commands/jsonl_batch.h"

#include <optional>
#include <regex>

#include "absl/strings/str_cat.h"
#include "commands/output.h"
#include "google/protobuf/util/json_util.h"

namespace xueji {
namespace {

constexpr size_t kMaxLineBytes = 64 * 1024;

// Best effort: the requestId of a line that did not parse, so the answer can
// still be matched to it. Only short, plain ids are recovered.
std::string RecoverRequestId(const std::string& line) {
  static const std::regex kId(
      R"re("requestId"\s*:\s*"([A-Za-z0-9._:/-]{1,128})")re");
  std::smatch m;
  if (std::regex_search(line, m, kId)) return m[1].str();
  return "";
}

// Parser messages can quote input; keep them short and free of digits runs
// long enough to be a document number.
std::string SafeParserMessage(std::string_view message) {
  message = message.substr(0, message.find('\n'));  // drop the quoted input
  std::string out(message.substr(0, 160));
  static const std::regex kLongDigits("[0-9Xx]{8,}");
  return std::regex_replace(out, kLongDigits, "…");
}

bool IsBlank(const std::string& line) {
  return line.find_first_not_of(" \t") == std::string::npos;
}

}  // namespace

bool ParseJsonLine(const std::string& line, int64_t line_no,
                   google::protobuf::Message* message,
                   xueji::v1::Result* malformed) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto status =
      google::protobuf::util::JsonStringToMessage(line, message, options);
  if (status.ok()) return true;
  malformed->set_request_id(RecoverRequestId(line));
  malformed->set_status(xueji::v1::REJECTED);
  malformed->set_code(xueji::v1::MALFORMED_REQUEST);
  malformed->set_message(
      absl::StrCat("line ", line_no, ": not a valid ",
                   message->GetDescriptor()->name(), ": ",
                   SafeParserMessage(std::string_view(
                       status.message().data(), status.message().size()))));
  return false;
}

BatchOutcome RunJsonlGeneric(
    std::istream& in, std::ostream& out, Progress& progress,
    const std::function<bool(const std::string&, int64_t, xueji::v1::Result*)>&
        parse_and_stage,
    const std::function<absl::StatusOr<std::vector<xueji::v1::Result>>()>&
        flush_staged,
    const std::function<absl::Status()>& after_batch, size_t batch_size) {
  BatchOutcome outcome;
  // One slot per input line of the current batch: an early answer, or empty
  // for a staged message answered by the flush.
  std::vector<std::optional<xueji::v1::Result>> slots;
  size_t staged = 0;

  auto flush = [&]() -> absl::Status {
    std::vector<xueji::v1::Result> answers;
    if (staged > 0) {
      auto results = flush_staged();
      if (!results.ok()) return results.status();
      answers = *std::move(results);
    }
    size_t next = 0;
    for (auto& slot : slots) {
      const xueji::v1::Result& r = slot.has_value() ? *slot : answers[next++];
      const bool rejected = r.status() == xueji::v1::REJECTED ||
                            (r.status() == xueji::v1::DUPLICATE_REQUEST &&
                             r.original_status() == xueji::v1::REJECTED);
      if (rejected) ++outcome.rejected;
      out << ToJsonLine(r) << "\n";
    }
    out.flush();
    slots.clear();
    staged = 0;
    return after_batch ? after_batch() : absl::OkStatus();
  };

  std::string line;
  bool too_long = false;
  int64_t line_no = 0;
  while (ReadLine(in, kMaxLineBytes, &line, &too_long)) {
    ++line_no;
    if (!too_long && IsBlank(line)) continue;
    ++outcome.lines;
    xueji::v1::Result early;
    if (too_long) {
      early.set_request_id(RecoverRequestId(line));
      early.set_status(xueji::v1::REJECTED);
      early.set_code(xueji::v1::MALFORMED_REQUEST);
      early.set_message(absl::StrCat("line ", line_no, ": longer than ",
                                     kMaxLineBytes, " bytes"));
      slots.emplace_back(early);
    } else if (parse_and_stage(line, line_no, &early)) {
      slots.emplace_back(std::nullopt);
      ++staged;
    } else {
      slots.emplace_back(early);
    }
    if (staged >= batch_size || slots.size() >= 4 * batch_size) {
      if (outcome.status = flush(); !outcome.status.ok()) return outcome;
      progress.Update(outcome.lines);
    }
  }
  if (!slots.empty()) outcome.status = flush();
  progress.Done(outcome.lines);
  return outcome;
}

}  // namespace xueji
