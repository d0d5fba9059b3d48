#include "ledger/processor/signature_checks.h"

#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "ledger/base/ed25519.h"
#include "ledger/processor/ledger_state.h"
#include "ledger/rules/accounts.h"
#include "ledger/rules/signed_batch.h"

namespace xueji {

std::string KeyIdOfBody(std::string_view body) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(body.data()),
      static_cast<int>(body.size()));
  constexpr int key_id_field = xueji::v1::RequestBatch::kKeyIdFieldNumber;
  std::string key_id;
  while (uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == key_id_field &&
        WireFormatLite::GetTagWireType(tag) ==
            WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      if (!WireFormatLite::ReadString(&in, &key_id)) return "";
      continue;  // the last occurrence wins, as in a parse
    }
    if (!WireFormatLite::SkipField(&in, tag)) return "";
  }
  return in.ConsumedEntireMessage() ? key_id : "";
}

CheckThread::CheckThread()
    : thread_([this] {
        std::unique_lock<std::mutex> lock(mu_);
        while (true) {
          cv_.wait(lock, [this] { return stop_ || work_ != nullptr; });
          if (work_ == nullptr) return;  // stopped, nothing left to run
          std::function<void()> work = work_;
          lock.unlock();
          work();
          lock.lock();
          work_ = nullptr;
          cv_.notify_all();
        }
      }) {}

CheckThread::~CheckThread() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return work_ == nullptr; });
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void CheckThread::Run(std::function<void()> work) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    work_ = std::move(work);
  }
  cv_.notify_all();
}

void CheckThread::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return work_ == nullptr; });
}

SignatureChecks::~SignatureChecks() {
  stop_.store(true, std::memory_order_relaxed);
  if (thread_ != nullptr && started_) thread_->Wait();
  if (worker_.joinable()) worker_.join();
}

void SignatureChecks::Add(size_t index, std::string public_key,
                          const std::string* body, const std::string* signature,
                          xueji::v1::RequestBatch* parse_into) {
  checks_.push_back(
      Check{index, std::move(public_key), body, signature, parse_into, {}, {}});
}

void SignatureChecks::LookUpKeysIn(std::unique_ptr<KvStore> committed) {
  committed_ = std::move(committed);
}

void SignatureChecks::LookUp(Check& c) {
  const LedgerState state(committed_.get());
  KeyLookup found;
  found.key_id = c.parse_into->key_id();
  absl::StatusOr<std::optional<std::string>> holder =
      state.OperatorByKey(found.key_id);
  if (!holder.ok()) return;  // the caller looks up again and reports it
  found.holder = *std::move(holder);
  if (found.holder.has_value()) {
    absl::StatusOr<std::optional<xueji::v1::OperatorState>> op =
        state.Operator(*found.holder);
    if (!op.ok()) return;
    found.op = *std::move(op);
    if (found.op.has_value()) {
      if (const xueji::v1::OperatorKey* key =
              FindKey(*found.op, found.key_id)) {
        c.public_key = key->public_key();
      }
    }
  }
  c.lookup = std::move(found);
}

void SignatureChecks::Start(CheckThread* thread) {
  if (!WouldStart(checks_.size())) {
    checks_.clear();
    return;
  }
  thread_ = thread;
  if (committed_ != nullptr) {  // the keys are the lookups', not Add's
    for (Check& c : checks_) c.public_key.clear();
  }
  outcome_ = std::make_unique<std::atomic<int>[]>(checks_.size());
  for (size_t i = 0; i < checks_.size(); ++i) outcome_[i].store(0);
  started_ = true;
  auto work = [this] {
    // Every parse first: the deciding thread waits only for these.
    for (size_t i = 0; i < checks_.size(); ++i) {
      if (stop_.load(std::memory_order_relaxed)) return;
      ParseClaimed(i);
    }
    for (size_t i = 0; i < checks_.size(); ++i) {
      if (stop_.load(std::memory_order_relaxed)) return;
      VerifyClaimed(i);
    }
  };
  if (thread_ != nullptr) {
    thread_->Run(std::move(work));
  } else {
    worker_ = std::thread(std::move(work));
  }
}

void SignatureChecks::ParseClaimed(size_t at) {
  // Whoever claims a parse first does it: the worker in order, the caller
  // when it reaches a batch the worker has not (the first, typically, while
  // the worker wakes up).
  if (outcome_[at].fetch_or(kParseClaimed, std::memory_order_acq_rel) &
      kParseClaimed) {
    return;
  }
  Check& c = checks_[at];
  int bits = kParseDone;
  if (c.parse_into->ParseFromString(*c.body)) {
    bits |= kParsed;
    if (committed_ != nullptr) LookUp(c);
  }
  c.batch_id = BatchId(*c.body);
  outcome_[at].fetch_or(bits, std::memory_order_release);
  outcome_[at].notify_one();
}

void SignatureChecks::VerifyClaimed(size_t at) {
  // Whoever claims a check first verifies it: the worker in order, the
  // caller from the back while it waits in AnyRefuted.
  if (outcome_[at].fetch_or(kClaimed, std::memory_order_acq_rel) & kClaimed) {
    return;
  }
  Await(at, kParseDone);  // the key it is checked with comes with the parse
  const Check& c = checks_[at];
  int bits = kVerifyDone;
  if (!c.public_key.empty() &&
      Verify(c.public_key, kRequestBatchDomain, *c.body, *c.signature).ok()) {
    bits |= kVerified;
  }
  outcome_[at].fetch_or(bits, std::memory_order_release);
  outcome_[at].notify_one();
}

const SignatureChecks::Check* SignatureChecks::Find(size_t index, size_t* at) {
  if (!started_) return nullptr;
  while (next_ < checks_.size() && checks_[next_].index < index) ++next_;
  if (next_ == checks_.size() || checks_[next_].index != index) return nullptr;
  *at = next_;
  return &checks_[next_];
}

int SignatureChecks::Await(size_t at, int done) {
  std::atomic<int>& outcome = outcome_[at];
  int seen = outcome.load(std::memory_order_acquire);
  while ((seen & done) == 0) {
    outcome.wait(seen, std::memory_order_acquire);
    seen = outcome.load(std::memory_order_acquire);
  }
  return seen;
}

std::optional<bool> SignatureChecks::Parsed(size_t index) {
  size_t at = 0;
  if (Find(index, &at) == nullptr) return std::nullopt;
  ParseClaimed(at);
  return (Await(at, kParseDone) & kParsed) != 0;
}

std::optional<bool> SignatureChecks::Verified(size_t index,
                                              std::string_view public_key) {
  size_t at = 0;
  const Check* check = Find(index, &at);
  if (check == nullptr || check->public_key.empty() ||
      check->public_key != public_key) {
    return std::nullopt;
  }
  if (assume_) {
    assumed_.push_back(at);
    return true;
  }
  return (Await(at, kVerifyDone) & kVerified) != 0;
}

bool SignatureChecks::AnyRefuted() {
  // Help with what the worker has not reached, from the back, so that the
  // two meet in the middle.
  for (auto at = assumed_.rbegin(); at != assumed_.rend(); ++at) {
    if (outcome_[*at].load(std::memory_order_acquire) & kClaimed) break;
    VerifyClaimed(*at);
  }
  bool refuted = false;
  for (size_t at : assumed_) {
    if ((Await(at, kVerifyDone) & kVerified) == 0) refuted = true;
  }
  return refuted;
}

std::optional<SignatureChecks::KeyLookup> SignatureChecks::TakeLookup(
    size_t index) {
  size_t at = 0;
  if (Find(index, &at) == nullptr) return std::nullopt;
  Await(at, kParseDone);
  return std::exchange(checks_[at].lookup, std::nullopt);
}

std::optional<std::string> SignatureChecks::TakeBatchId(size_t index) {
  size_t at = 0;
  if (Find(index, &at) == nullptr) return std::nullopt;
  Await(at, kParseDone);
  return std::move(checks_[at].batch_id);
}

}  // namespace xueji
