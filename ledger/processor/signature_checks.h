// SignatureChecks: the body parses and Ed25519 verifications of one call's
// signed batches, run on a second thread while the processor decides (issue
// 9: signing on within 10 % of signing off).
//
// Parsing a body and verifying its signature depend only on the bytes and
// the public key, never on the state the deciding changes. So before it
// decides, the processor looks up the key each batch names (KeyIdOfBody
// reads it without parsing the requests) and hands the batch to this
// worker, which first parses every body into the caller's RequestBatch and
// names it (BatchId: a SHA-256 of the body), then verifies each signature
// with its key. When the processor reaches a batch it asks for the parse and
// for the verification *with the key then in force*; a key rotated or added
// by an earlier batch of the same call (not the key looked up ahead) gets no
// answer here, and the caller verifies inline, so the outcome is always the
// sequential one.
//
// Optimistic checks (the constructor's `assume`): Verified does not wait
// for the worker but answers true and remembers the batch; before the call
// appends anything, AnyRefuted waits for every such verification and says
// whether one failed. The caller then discards what it decided and decides
// the call again without assuming (bad signatures are rare; a call is
// decided at most twice). The deciding thread thus never waits for a
// verification, only for the cheap parse.
//
// Keys looked up on the worker (LookUpKeysIn): where the state store offers
// a committed view (KvStore::CommittedView) and nothing is pending in it,
// the worker also looks up, after parsing each body, the key it names (the
// holder and the holder's state, as committed when the call began) instead
// of the caller doing it before the worker starts; TakeLookup hands the
// result over, and the caller stays in charge of whether it still holds.
//
// The worker runs on the CheckThread given to Start (the processor keeps one
// for its life, so a call does not pay for starting a thread), else on a
// thread of its own.
//
// Ownership: `Add` keeps pointers to the body, the signature and the
// RequestBatch to parse into; all must outlive the object, and the caller
// touches a RequestBatch only after Parsed() returned for its batch.
// Thread-safety: Add, Start, Parsed, Verified and AnyRefuted on one thread;
// the worker is internal. The destructor stops and joins the worker.
#ifndef XUEJI_LEDGER_PROCESSOR_SIGNATURE_CHECKS_H_
#define XUEJI_LEDGER_PROCESSOR_SIGNATURE_CHECKS_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ledger/storage/kv.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

// The key_id field of a serialized RequestBatch, read without parsing the
// rest ("" when absent or when the bytes are not a RequestBatch).
std::string KeyIdOfBody(std::string_view body);

// A long-lived thread that runs one piece of work at a time: SignatureChecks'
// worker, handed over call after call. Thread-safety: Run and Wait from one
// thread (the owner of the work); the destructor waits and joins.
class CheckThread {
 public:
  CheckThread();
  ~CheckThread();
  CheckThread(const CheckThread&) = delete;
  CheckThread& operator=(const CheckThread&) = delete;
  // Runs `work` on the thread. After the previous work's Wait only.
  void Run(std::function<void()> work);
  // Blocks until the work given to Run has returned.
  void Wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::function<void()> work_;  // set by Run, cleared when it returns
  bool stop_ = false;
  std::thread thread_;
};

class SignatureChecks {
 public:
  // `assume`: Verified answers without waiting (optimistic, see above).
  explicit SignatureChecks(bool assume = false) : assume_(assume) {}
  // Whether Start starts a worker for `batches` added: none for nothing,
  // nor, unless the call assumes, for a single batch (the caller does it
  // inline).
  bool WouldStart(size_t batches) const {
    return batches > 0 && (assume_ || batches >= 2);
  }
  SignatureChecks(const SignatureChecks&) = delete;
  SignatureChecks& operator=(const SignatureChecks&) = delete;
  ~SignatureChecks();

  // The `index`th batch of the call (ascending): parse `body` into
  // *parse_into and, unless `public_key` is empty, verify `signature` over
  // it (kRequestBatchDomain). Before Start only.
  void Add(size_t index, std::string public_key, const std::string* body,
           const std::string* signature, xueji::v1::RequestBatch* parse_into);
  // The worker looks each batch's key up in `committed` (a CommittedView of
  // the ledger state as the call begins) and checks the signature with the
  // key found there; the public keys given to Add are then not used. Before
  // Start only.
  void LookUpKeysIn(std::unique_ptr<KvStore> committed);
  // Starts the worker if WouldStart(the batches added): on `thread`
  // (outlives this object), or on a thread of its own when nullptr.
  void Start(CheckThread* thread = nullptr);

  // Whether batch `index`'s body parsed into its RequestBatch (waits for
  // the worker); nullopt when the batch is not the worker's.
  std::optional<bool> Parsed(size_t index);
  // After Parsed(index): whether its signature verified with `public_key`;
  // nullopt when it was not checked with that key. Optimistic: true at
  // once, the batch remembered for AnyRefuted.
  std::optional<bool> Verified(size_t index, std::string_view public_key);
  // Waits for the verifications Verified assumed (verifying on this thread
  // those the worker has not reached); whether any failed.
  bool AnyRefuted();
  // After Parsed(index): the batch's id (BatchId of its body), moved out;
  // nullopt when the batch is not the worker's.
  std::optional<std::string> TakeBatchId(size_t index);

  // What the worker found for the key a body names (LookUpKeysIn).
  struct KeyLookup {
    std::string key_id;
    std::optional<std::string> holder;  // the operator it is registered to
    std::optional<xueji::v1::OperatorState> op;  // the holder's state
  };
  // After Parsed(index) returned true: the lookup of its key, moved out;
  // nullopt when the batch is not the worker's, keys were not looked up on
  // the worker, or the lookup failed (the caller then looks it up itself).
  std::optional<KeyLookup> TakeLookup(size_t index);

 private:
  struct Check {
    size_t index;
    std::string public_key;
    const std::string* body;
    const std::string* signature;
    xueji::v1::RequestBatch* parse_into;
    std::string batch_id;  // the worker's, published with the outcome
    std::optional<KeyLookup> lookup;  // likewise (LookUpKeysIn)
  };
  enum : int {
    kParseDone = 1,
    kParsed = 2,
    kVerifyDone = 4,
    kVerified = 8,
    kClaimed = 16,       // someone verifies it (VerifyClaimed)
    kParseClaimed = 32,  // someone parses it (ParseClaimed)
  };
  // The caller's check for `index`, or nullptr.
  const Check* Find(size_t index, size_t* at);
  // On the worker: looks check `c`'s key up in committed_ and takes the
  // public key found.
  void LookUp(Check& c);
  // Parses check `at`'s body (and looks its key up) unless another thread
  // has claimed it.
  void ParseClaimed(size_t at);
  // Verifies check `at` unless another thread has claimed it.
  void VerifyClaimed(size_t at);
  // Waits until check `at`'s outcome has `done`; returns the outcome.
  int Await(size_t at, int done);

  const bool assume_ = false;
  std::vector<size_t> assumed_;  // checks Verified answered without waiting
  std::vector<Check> checks_;
  std::unique_ptr<KvStore> committed_;  // LookUpKeysIn; read by the worker
  std::unique_ptr<std::atomic<int>[]> outcome_;  // per check: k* bits
  std::atomic<bool> stop_{false};
  CheckThread* thread_ = nullptr;  // Start's, or nullptr: worker_
  std::thread worker_;
  bool started_ = false;
  size_t next_ = 0;  // the caller's cursor into checks_
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_PROCESSOR_SIGNATURE_CHECKS_H_
