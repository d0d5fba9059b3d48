#include "commands/cli.h"

#include <sys/stat.h>

#include <cstdlib>
#include <iostream>

#include "commands/backend.h"
#include "commands/help_zh.h"
#include "commands/kafka_commands.h"
#include "commands/output/lang.h"

namespace xueji {

int RunCli(int argc, char** argv) {
  // Children's personal data: whatever the caller's umask, what the ledger
  // creates (data directories, stores, key files, digests, the access log)
  // is the owner's alone: directories 0700, files 0600.
  ::umask(077);
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
  app.footer(
      "Environment: LEDGER_DATA, LEDGER_KAFKA, LEDGER_KAFKA_CONFIG and "
      "LEDGER_TOPIC_PREFIX stand for the options above; LEDGER_NOW (RFC "
      "3339) fixes the ledger clock; LEDGER_LOCK_TIMEOUT (default 10s) is how "
      "long a writer waits for the lock; LEDGER_KAFKA_TIMEOUT (default 30s) "
      "how long a Kafka submit waits for its answers. The ledger's day is "
      "Beijing time (UTC+8).");
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", std::string("ledger ") + XUEJI_VERSION,
                       "print the version and exit");
  GlobalOptions g;
  g.data_dir = "./ledger-data";
  std::string lang;
  app.add_option("--lang", lang,
                 "zh or en: the language of tables and messages (JSON, CSV "
                 "and codes never change); default zh when LC_ALL, "
                 "LC_MESSAGES or LANG is a zh locale (zh_CN.UTF-8), else en")
      ->transform(CLI::IsMember({"zh", "en"}, CLI::ignore_case));
  app.add_option("--data", g.data_dir, "data directory")
      ->envname("LEDGER_DATA")
      ->capture_default_str();
  app.add_option("--as", g.as_operator,
                 "read as this operator: show/find/list/history/anomalies/"
                 "stats/status/access-log see only their region and are "
                 "recorded in the access log under their name (Art. 22; "
                 "required on a production ledger, or --key)");

  app.add_option("--key", g.key_file,
                 "sign with this operator's Ed25519 key (PEM, from `ledger "
                 "keygen`): submit and registry load sign every batch, and "
                 "the key's operator is the actor; digest is signed with it; "
                 "a read is then the key's operator's")
      ->envname("LEDGER_KEY");
  app.add_option("--kafka", g.kafka_bootstrap,
                 "Kafka mode: bootstrap servers host:port,... (none = the "
                 "embedded log)")
      ->envname("LEDGER_KAFKA");
  app.add_option("--kafka-config", g.kafka_config_file,
                 "librdkafka properties file (name=value lines: "
                 "bootstrap.servers, security.protocol, sasl.*, ssl.*)")
      ->envname("LEDGER_KAFKA_CONFIG")
      ->check(CLI::ExistingFile);
  app.add_option("--topic-prefix", g.topic_prefix,
                 "Kafka topic prefix: PREFIX.requests/.events/.results/"
                 ".registry (default: xueji)")
      ->envname("LEDGER_TOPIC_PREFIX");
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
  AddHelpCommand(app, run);
  AddKeyCommands(app, g, run);

  // Help in Chinese: the language is needed before parsing prints --help.
  if (HelpInChinese(argc, argv)) TranslateHelp(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (std::string hint = UnknownCommandHint(app); !hint.empty()) {
      std::cerr << hint << "\n";
      return kExitUsage;
    }
    app.exit(e);  // prints the message and usage hint
    return kExitUsage;
  }
  SetLang(lang.empty() ? LangFromLocale()
                       : ParseLang(lang).value_or(Lang::kEn));
  if (!run) return kExitUsage;
  auto backend = ChooseBackend(g);
  if (!backend.ok()) return Fail(backend.status());
  g.backend = backend->get();
  return run();
}

}  // namespace xueji
