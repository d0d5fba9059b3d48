#include "ledger/processor/signature_checks.h"

#include <utility>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"
#include "ledger/base/ed25519.h"
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

SignatureChecks::~SignatureChecks() {
  stop_.store(true, std::memory_order_relaxed);
  if (worker_.joinable()) worker_.join();
}

void SignatureChecks::Add(size_t index, std::string public_key,
                          const std::string* body, const std::string* signature,
                          xueji::v1::RequestBatch* parse_into) {
  checks_.push_back(
      Check{index, std::move(public_key), body, signature, parse_into, {}});
}

void SignatureChecks::Start() {
  if (!WouldStart(checks_.size())) {
    checks_.clear();
    return;
  }
  outcome_ = std::make_unique<std::atomic<int>[]>(checks_.size());
  for (size_t i = 0; i < checks_.size(); ++i) outcome_[i].store(0);
  worker_ = std::thread([this] {
    // Every parse first: the deciding thread waits only for these.
    for (size_t i = 0; i < checks_.size(); ++i) {
      if (stop_.load(std::memory_order_relaxed)) return;
      Check& c = checks_[i];
      int bits = kParseDone;
      if (c.parse_into->ParseFromString(*c.body)) bits |= kParsed;
      c.batch_id = BatchId(*c.body);
      outcome_[i].fetch_or(bits, std::memory_order_release);
      outcome_[i].notify_one();
    }
    for (size_t i = 0; i < checks_.size(); ++i) {
      if (stop_.load(std::memory_order_relaxed)) return;
      VerifyClaimed(i);
    }
  });
}

void SignatureChecks::VerifyClaimed(size_t at) {
  // Whoever claims a check first verifies it: the worker in order, the
  // caller from the back while it waits in AnyRefuted.
  if (outcome_[at].fetch_or(kClaimed, std::memory_order_acq_rel) & kClaimed) {
    return;
  }
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
  if (!worker_.joinable()) return nullptr;
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

std::optional<std::string> SignatureChecks::TakeBatchId(size_t index) {
  size_t at = 0;
  if (Find(index, &at) == nullptr) return std::nullopt;
  Await(at, kParseDone);
  return std::move(checks_[at].batch_id);
}

}  // namespace xueji
