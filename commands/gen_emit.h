// The writer behind `ledger gen`: walks the calendar day by day from the
// registry date to the as-of date and, for each day, lets every stream (one
// per kind of request and school year, each a cursor over child or
// kindergarten indices whose dates are non-decreasing) write that day's
// requests, so requests.jsonl is in occurredOn order. Writes registry.jsonl,
// requests.jsonl, planted.jsonl and summary.json into the output directory.
//
// Memory is constant in the number of children: a stream holds one child
// plan, a verification holds one kindergarten's present list.
//
// Ownership: borrows the model. Thread-safety: single-threaded.
#ifndef XUEJI_COMMANDS_GEN_EMIT_H_
#define XUEJI_COMMANDS_GEN_EMIT_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "commands/gen_model.h"

namespace xueji::gen {

struct GenTotals {
  int64_t registry_lines = 0;
  int64_t operators = 0;
  int64_t requests = 0;
  std::map<std::string, int64_t> by_action;
  std::map<std::string, int64_t> by_id_type;  // admitted children
  std::map<std::string, int64_t> planted;     // by problem
  int64_t expected_anomalies = 0;
  int64_t expected_rejections = 0;
};

// Generates everything into model.options().out (created if missing).
// Progress lines go to stderr when `progress` is set.
absl::Status Generate(const GenModel& model, bool progress, GenTotals* totals);

}  // namespace xueji::gen

#endif  // XUEJI_COMMANDS_GEN_EMIT_H_
