// SignatureChecks: the Ed25519 verifications of one call's signed batches,
// run on a second thread while the processor decides (issue 9: signing on
// within 10 % of signing off).
//
// A verification depends only on the public key, the body and the signature,
// never on the state the deciding changes; so the processor looks each
// batch's key up before it starts deciding, hands the checks to this
// worker, and when it reaches the batch asks for the answer *for the key it
// then holds*. A key rotated or added by an earlier batch of the same call
// (the prefetched key is not the key in force) gets no answer here: the
// caller verifies inline, so the outcome is always the sequential one.
//
// Ownership: the checks own copies of nothing large: `Add` keeps pointers
// to the body and signature, which must outlive the object. Thread-safety:
// Add and Start on one thread, then Verified from that same thread; the
// worker thread is internal. The destructor stops and joins the worker.
#ifndef XUEJI_LEDGER_PROCESSOR_SIGNATURE_CHECKS_H_
#define XUEJI_LEDGER_PROCESSOR_SIGNATURE_CHECKS_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace xueji {

class SignatureChecks {
 public:
  SignatureChecks() = default;
  SignatureChecks(const SignatureChecks&) = delete;
  SignatureChecks& operator=(const SignatureChecks&) = delete;
  ~SignatureChecks();

  // Check `signature` over `body` (kRequestBatchDomain) with `public_key`,
  // as the `index`th batch of the call. Before Start only.
  void Add(size_t index, std::string public_key, const std::string* body,
           const std::string* signature);
  // Starts the worker (none when fewer than two checks were added: the
  // caller verifies the single one inline, no thread is worth it).
  void Start();

  // Batch `index` checked with `public_key`: whether the signature
  // verified (waits for the worker); nullopt when no check of that batch
  // with that key was added or started.
  std::optional<bool> Verified(size_t index, std::string_view public_key);

 private:
  struct Check {
    size_t index;
    std::string public_key;
    const std::string* body;
    const std::string* signature;
  };
  std::vector<Check> checks_;
  // Per check: 0 pending, 1 verified, 2 did not verify.
  std::unique_ptr<std::atomic<int>[]> outcome_;
  std::atomic<bool> stop_{false};
  std::thread worker_;
  size_t next_ = 0;  // the caller's cursor into checks_ (ascending index)
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_PROCESSOR_SIGNATURE_CHECKS_H_
