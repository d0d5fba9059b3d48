#include "ledger/processor/signature_checks.h"

#include <utility>

#include "ledger/base/ed25519.h"
#include "ledger/rules/signed_batch.h"

namespace xueji {

SignatureChecks::~SignatureChecks() {
  stop_.store(true, std::memory_order_relaxed);
  if (worker_.joinable()) worker_.join();
}

void SignatureChecks::Add(size_t index, std::string public_key,
                          const std::string* body,
                          const std::string* signature) {
  checks_.push_back(Check{index, std::move(public_key), body, signature});
}

void SignatureChecks::Start() {
  if (checks_.size() < 2) {
    checks_.clear();
    return;
  }
  outcome_ = std::make_unique<std::atomic<int>[]>(checks_.size());
  for (size_t i = 0; i < checks_.size(); ++i) outcome_[i].store(0);
  worker_ = std::thread([this] {
    for (size_t i = 0; i < checks_.size(); ++i) {
      if (stop_.load(std::memory_order_relaxed)) return;
      const Check& c = checks_[i];
      const bool ok =
          Verify(c.public_key, kRequestBatchDomain, *c.body, *c.signature)
              .ok();
      outcome_[i].store(ok ? 1 : 2, std::memory_order_release);
      outcome_[i].notify_one();
    }
  });
}

std::optional<bool> SignatureChecks::Verified(size_t index,
                                              std::string_view public_key) {
  if (!worker_.joinable()) return std::nullopt;
  while (next_ < checks_.size() && checks_[next_].index < index) ++next_;
  if (next_ == checks_.size() || checks_[next_].index != index ||
      checks_[next_].public_key != public_key) {
    return std::nullopt;
  }
  std::atomic<int>& outcome = outcome_[next_];
  int seen = outcome.load(std::memory_order_acquire);
  while (seen == 0) {
    outcome.wait(0, std::memory_order_acquire);
    seen = outcome.load(std::memory_order_acquire);
  }
  return seen == 1;
}

}  // namespace xueji
