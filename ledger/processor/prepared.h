// RequestProcessor::Prepared: one batch of a call as the processor works on
// it — its items, who sent it and whether it is refused whole. Internal to
// ledger/processor (processor.cc decides it, authenticate.cc fills it in).
// Not thread-safe; owned by RunBatches for the length of one call.
#ifndef XUEJI_LEDGER_PROCESSOR_PREPARED_H_
#define XUEJI_LEDGER_PROCESSOR_PREPARED_H_

#include <optional>
#include <string>
#include <vector>

#include "ledger/processor/processor.h"
#include "ledger/rules/subjects.h"
#include "xueji/v1/requests.pb.h"
#include "xueji/v1/state.pb.h"

namespace xueji {

// One batch, authenticated: its items and who sent them.
struct RequestProcessor::Prepared {
  // A SignedBatch's body, parsed into a message on the call's arena
  // (RunBatchesOnce); nullptr for the unsigned vectors.
  xueji::v1::RequestBatch* owned = nullptr;
  const std::vector<xueji::v1::Request>* requests = nullptr;
  const std::vector<xueji::v1::RegistryLine>* lines = nullptr;
  bool registry = false;
  size_t size() const {
    if (registry) {
      return lines != nullptr
                 ? lines->size()
                 : static_cast<size_t>(owned->registry_lines_size());
    }
    return requests != nullptr ? requests->size()
                               : static_cast<size_t>(owned->requests_size());
  }
  const xueji::v1::Request& request(size_t i) const {
    return requests != nullptr ? (*requests)[i]
                               : owned->requests(static_cast<int>(i));
  }
  const xueji::v1::RegistryLine& line(size_t i) const {
    return lines != nullptr ? (*lines)[i]
                            : owned->registry_lines(static_cast<int>(i));
  }
  // The id item i is known by when `signer` (or, unsigned, the registry
  // loader) sends it: a request's own, a registry line's derived one.
  std::string IdOf(size_t i, const std::string& signer) const {
    return registry ? RegistryRequestId(line(i), signer)
                    : request(i).request_id();
  }

  const xueji::v1::SignedBatch* signed_batch = nullptr;
  // A SignedBatch's body: 0 not yet parsed, 1 parsed into `owned`, 2 does
  // not parse.
  int body = 0;
  // The holder of key `ahead_key_id` ("" = not looked up) and the holder's
  // state: looked up by CheckAhead or its worker (valid while no operator
  // event is folded), else by Authenticate; once authenticated, the state
  // moves into the operator cache.
  std::string ahead_key_id;
  std::optional<std::string> ahead_holder;
  std::optional<xueji::v1::OperatorState> ahead_op;
  std::string signer;  // authenticated; "" = unsigned
  std::string key_id;
  std::string batch_id;
  std::string claimed_signer;
  // The whole batch refused (a: not initialised; b: authentication).
  xueji::v1::ReasonCode refused = xueji::v1::REASON_CODE_UNSPECIFIED;
  std::string refusal;
  bool record_refusal = false;  // BatchRefused on the audit trail
  std::optional<xueji::v1::Result>
      malformed;  // the one answer to an unreadable body
};

}  // namespace xueji

#endif  // XUEJI_LEDGER_PROCESSOR_PREPARED_H_
