#include "commands/cli.h"

#include <cstdlib>
#include <iostream>

namespace xueji {

int RunCli(int argc, char** argv) {
  CLI::App app{
      "ledger — the national preschool enrollment register "
      "(全国学前儿童学籍).\n"
      "Every change to a child's record is an immutable event in a "
      "hash-chained\n"
      "log; read models answer who is enrolled where, what happened, and "
      "which\n"
      "records are problems. LEDGER_NOW (RFC 3339) fixes the ledger clock.",
      "ledger"};
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  const char* env_data = std::getenv("LEDGER_DATA");
  g.data_dir = env_data != nullptr && *env_data ? env_data : "./ledger-data";
  app.add_option("--data", g.data_dir,
                 "data directory (default: $LEDGER_DATA, else ./ledger-data)");
  app.add_option("--policy", g.policy_file,
                 "policy file: deadlines and age limits per province "
                 "(default: $LEDGER_POLICY, else DATA/policy.json if present)");

  app.add_option("--as", g.as_operator,
                 "read as this operator: limits show/find/list/history/"
                 "anomalies/stats to their region (Art. 22)");

  RunFn run;
  AddRegistryCommands(app, g, run);
  AddSubmitCommands(app, g, run);
  AddQueryCommands(app, g, run);
  AddMaintenanceCommands(app, g, run);
  AddGenCommands(app, g, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and usage hint
    return kExitUsage;
  }
  if (!run) return kExitUsage;
  return run();
}

}  // namespace xueji
