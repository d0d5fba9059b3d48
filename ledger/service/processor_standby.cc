#include "ledger/service/processor_standby.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "ledger/base/log.h"
#include "ledger/processor/ledger_state.h"

namespace xueji {

void ProcessorStandby::Turn() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_turn_) return;
  next_turn_ = now + kEvery;
  absl::Status folded = Fold();
  if (!folded.ok()) {
    if (!failing_) {
      LogWarn(absl::StrCat(name_, ": standby catch-up: ", folded.message(),
                           " (retrying every second)"));
    }
    failing_ = true;
    log_.reset();  // fresh connections next turn
    return;
  }
  if (failing_) LogInfo(absl::StrCat(name_, ": standby catch-up resumed"));
  failing_ = false;
}

absl::Status ProcessorStandby::Fold() {
  if (log_ == nullptr) {
    KafkaLogOptions log_options = KafkaLogOptionsFor(kafka_);
    log_options.read_only = true;
    log_options.open_timeout = kReadTimeout;
    log_options.read_timeout = kReadTimeout;
    auto log = KafkaLog::Open(log_options);
    if (!log.ok()) return log.status();
    log_ = *std::move(log);
  }
  LedgerState state(state_kv_);
  size_t budget = kBudget;
  int64_t applied = 0;
  for (int32_t p = 0; p < log_->partitions() && budget > 0; ++p) {
    absl::StatusOr<int64_t> from = state.Checkpoint(p);
    if (!from.ok()) return from.status();
    auto events = log_->ReadAvailable(p, *from, budget);
    if (!events.ok()) return events.status();
    for (const StoredEvent& stored : *events) {
      if (absl::Status s = state.Apply(stored.event); !s.ok()) {
        state_kv_->Discard();
        return s;
      }
    }
    if (absl::Status s = state_kv_->Commit(/*sync=*/false); !s.ok()) return s;
    budget -= events->size();
    applied += static_cast<int64_t>(events->size());
  }
  if (applied > 0) {
    LogDebug(absl::StrCat(name_, ": standby folded ", applied, " events"));
  }
  return absl::OkStatus();
}

}  // namespace xueji
