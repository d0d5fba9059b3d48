#include "commands/cli.h"

#include <cstdlib>
#include <iostream>

#include "commands/backend.h"
#include "commands/kafka_commands.h"

namespace xueji {

int RunCli(int argc, char** argv) {
  CLI::App app{
      "ledger — the national preschool enrollment register "
      "(全国学前儿童学籍).\n"
      "Every change to a child's record is an immutable event in a "
      "hash-chained\n"
      "log; read models answer who is enrolled where, what happened, and "
      "which\n"
      "records are problems. Start with `ledger init`. LEDGER_NOW (RFC 3339)\n"
      "fixes the clock of a development ledger.",
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

  auto env = [](const char* name) {
    const char* value = std::getenv(name);
    return std::string(value != nullptr ? value : "");
  };
  g.key_file = env("LEDGER_KEY");
  app.add_option("--key", g.key_file,
                 "sign with this operator's Ed25519 key (PEM, from `ledger "
                 "keygen`): submit and registry load sign every batch, and "
                 "the key's operator is the actor (default: $LEDGER_KEY)");
  g.kafka_bootstrap = env("LEDGER_KAFKA");
  g.kafka_config_file = env("LEDGER_KAFKA_CONFIG");
  g.topic_prefix = env("LEDGER_TOPIC_PREFIX");
  app.add_option("--kafka", g.kafka_bootstrap,
                 "Kafka mode: bootstrap servers host:port,... (default: "
                 "$LEDGER_KAFKA; none = the embedded log)");
  app.add_option("--kafka-config", g.kafka_config_file,
                 "librdkafka properties file (name=value lines: "
                 "bootstrap.servers, security.protocol, sasl.*, ssl.*; "
                 "default: $LEDGER_KAFKA_CONFIG)");
  app.add_option("--topic-prefix", g.topic_prefix,
                 "Kafka topic prefix: PREFIX.requests/.events/.results/"
                 ".registry (default: $LEDGER_TOPIC_PREFIX, else xueji)");
  app.add_option("--views", g.views_dir,
                 "queries read this views store (e.g. a running projector's) "
                 "instead of DATA/views");

  RunFn run;
  AddRegistryCommands(app, g, run);
  AddSubmitCommands(app, g, run);
  AddQueryCommands(app, g, run);
  AddMaintenanceCommands(app, g, run);
  AddGenCommands(app, g, run);
  AddProjectorCommands(app, g, run);
  AddProcessorCommands(app, g, run);
  AddKeyCommands(app, g, run);

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
  auto backend = ChooseBackend(g);
  if (!backend.ok()) return Fail(backend.status());
  g.backend = backend->get();
  return run();
}

}  // namespace xueji
