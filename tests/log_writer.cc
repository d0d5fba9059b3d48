#include "tests/log_writer.h"

#include "ledger/log/event_log.h"

namespace xueji::e2e {

std::string AppendEventToLog(const std::string& log_dir,
                             const xueji::v1::Event& event) {
  auto log = OpenEmbeddedLog(log_dir, EmbeddedLogOptions{});
  if (!log.ok()) return std::string(log.status().message());
  auto appended = (*log)->Append({event});
  if (!appended.ok()) return std::string(appended.status().message());
  return "";
}

}  // namespace xueji::e2e
