// ledger gen: the deterministic, streaming workload generator (issue 4).
#include <iostream>

#include "absl/strings/str_cat.h"
#include "commands/cli.h"
#include "commands/gen_emit.h"
#include "commands/gen_model.h"
#include "ledger/base/dates.h"

namespace xueji {
namespace {

int RunGen(const GlobalOptions&, const gen::GenOptions& options) {
  absl::StatusOr<std::unique_ptr<gen::GenModel>> model =
      gen::GenModel::Create(options);
  if (!model.ok()) return Fail(model.status());
  gen::GenTotals totals;
  if (absl::Status s = gen::Generate(**model, true, &totals); !s.ok()) {
    return Fail(s);
  }
  std::cerr << "gen: " << options.children << " children, "
            << (*model)->kindergartens() << " kindergartens in "
            << (*model)->counties() << " counties, " << totals.requests
            << " requests, " << totals.expected_anomalies
            << " expected anomalies, " << totals.expected_rejections
            << " expected rejections; as of " << FormatDate((*model)->as_of())
            << " -> " << options.out << "\n";
  return kExitOk;
}

}  // namespace

void AddGenCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto* cmd = app.add_subcommand(
      "gen",
      "Generate a synthetic workload with planted problems (deterministic, "
      "constant memory).");
  cmd->footer(
      "Writes DIR/registry.jsonl (counties from GB/T 2260, ~140 children per "
      "kindergarten, ~90 kindergartens per county, a registrar each, an "
      "approver per county, an officer and auditor per province), "
      "DIR/requests.jsonl (school years of admissions, approvals, number "
      "conversions, transfers, leaves, deferrals, key-info edits, "
      "verification passes and graduations, in date order), "
      "DIR/planted.jsonl (each planted problem: the anomaly `ledger "
      "anomalies` must report, or the rejection code a request must get) and "
      "DIR/summary.json (counts; the LEDGER_NOW to load and submit with, and "
      "the as-of date to evaluate anomalies at). Rates are probabilities per "
      "eligible child.");
  auto options = BindRun(cmd, g, run, RunGen);
  cmd->add_option("--children", options->children, "number of children")
      ->required()
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 40));
  cmd->add_option("--seed", options->seed, "random seed (default 1)");
  cmd->add_option("--out", options->out, "output directory (default gen-out)");
  cmd->add_option("--school-years", options->school_years,
                  "school years to simulate, 1-20 (default 1)");
  cmd->add_option("--start-year", options->start_year,
                  "autumn of the first school year (default 2025)");
  // The planted problems: each rate a probability per eligible child.
  const struct {
    const char* flag;
    double gen::GenOptions::*rate;
    const char* help;
  } kRates[] = {
      {"--rate-duplicate", &gen::GenOptions::rate_duplicate,
       "second admission of an enrolled child elsewhere "
       "(DUPLICATE_REGISTRATION rejection)"},
      {"--rate-probable-duplicate", &gen::GenOptions::rate_probable_duplicate,
       "undocumented twin admitted elsewhere (PROBABLE_DUPLICATE)"},
      {"--rate-missing", &gen::GenOptions::rate_missing,
       "child left out of the last verification (PHANTOM)"},
      {"--rate-stuck-transfer", &gen::GenOptions::rate_stuck_transfer,
       "transfer out never transferred in (OVERDUE_TRANSFER, PHANTOM)"},
      {"--rate-late-approval", &gen::GenOptions::rate_late_approval,
       "admission approved late or never (LATE_ESTABLISHMENT, "
       "OVERDUE_APPROVAL)"},
      {"--rate-bad-check-digit", &gen::GenOptions::rate_bad_check_digit,
       "first admission attempt with a wrong check digit "
       "(INVALID_ID_NUMBER rejection)"},
  };
  for (const auto& r : kRates) {
    cmd->add_option(r.flag, (*options).*r.rate, r.help);
  }
}

}  // namespace xueji
