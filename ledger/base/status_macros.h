// RETURN_IF_ERROR and ASSIGN_OR_RETURN in the abseil pattern (Debian's
// abseil 20220623 does not ship absl/status/status_macros.h).
//
//   RETURN_IF_ERROR(DoThing());             // returns the Status if not OK
//   ASSIGN_OR_RETURN(auto value, Compute());  // StatusOr<T>: value or return
//   ASSIGN_OR_RETURN(value, Compute());       // into an existing variable
//
// Both work in functions returning absl::Status or absl::StatusOr<U>. The
// status is returned unchanged (no message prefix).
//
// Thread-safety: macros; no state.
#ifndef XUEJI_LEDGER_BASE_STATUS_MACROS_H_
#define XUEJI_LEDGER_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define XUEJI_STATUS_CONCAT_INNER(a, b) a##b
#define XUEJI_STATUS_CONCAT(a, b) XUEJI_STATUS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                                         \
  do {                                                                \
    if (::absl::Status xueji_status_ = (expr); !xueji_status_.ok()) { \
      return xueji_status_;                                           \
    }                                                                 \
  } while (false)

#define ASSIGN_OR_RETURN(lhs, expr)                                           \
  XUEJI_ASSIGN_OR_RETURN_IMPL(XUEJI_STATUS_CONCAT(xueji_statusor_, __LINE__), \
                              lhs, expr)

#define XUEJI_ASSIGN_OR_RETURN_IMPL(statusor, lhs, expr) \
  auto statusor = (expr);                                \
  if (!statusor.ok()) {                                  \
    return std::move(statusor).status();                 \
  }                                                      \
  lhs = std::move(statusor).value()

#endif  // XUEJI_LEDGER_BASE_STATUS_MACROS_H_
