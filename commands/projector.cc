// ledger projector --views DIR [--group ID] [--until-caught-up]
//
// Kafka mode only: keeps the views store DIR up to date with the events
// topic (projections/kafka_projector.h) until SIGTERM/SIGINT (exit 0), or
// until caught up with --until-caught-up. A Kafka or storage error, or an
// undecodable event, stops it with exit 3 and the message (naming topic,
// partition and offset for a bad event).
#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "commands/cli.h"
#include "commands/stop_signals.h"
#include "projections/kafka_projector.h"

namespace xueji {
namespace {

struct ProjectorFlags {
  std::string group;
  bool until_caught_up = false;
};

int RunProjectorCommand(const GlobalOptions& g, const ProjectorFlags& flags) {
  absl::StatusOr<KafkaConnection> kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  if (!kafka->enabled()) {
    return Fail(absl::InvalidArgumentError(
        "projector needs Kafka mode: --kafka BOOTSTRAP, $LEDGER_KAFKA or "
        "--kafka-config FILE"));
  }
  if (g.views_dir.empty()) {
    return Fail(absl::InvalidArgumentError(
        "projector needs --views DIR (the views store it keeps)"));
  }
  ViewsOptions views_options;
  views_options.offset_gaps_allowed = true;  // transaction markers
  auto views = Views::Open(g.views_dir, views_options);
  if (!views.ok()) return Fail(views.status());

  ProjectorOptions options;
  options.kafka = *kafka;
  options.group_id = flags.group.empty()
                         ? DefaultProjectorGroup(kafka->topic_prefix)
                         : flags.group;
  options.until_caught_up = flags.until_caught_up;
  StopSignals signals;
  options.stop = [] { return StopSignals::stop().load(); };
  Progress progress("projector: events");
  options.progress = [&progress](const ProjectorProgress& p) {
    progress.Update(p.applied);
  };
  std::cerr << "projector: group " << options.group_id << ", topic "
            << kafka->events_topic() << ", views " << g.views_dir << "\n";
  absl::StatusOr<ProjectorResult> result = RunProjector(**views, options);
  if (!result.ok()) {
    std::cerr << "ledger: projector stopped: " << result.status().message()
              << "\n";
    return kExitStorage;
  }
  progress.Done(result->applied);
  std::cout << "projector: applied " << result->applied << " events"
            << (result->caught_up ? "; caught up" : "; stopped") << "\n";
  return kExitOk;
}

}  // namespace

void AddProjectorCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto flags = std::make_shared<ProjectorFlags>();
  auto projector = app.add_subcommand(
      "projector",
      "Kafka mode: keep the views store of --views DIR up to date with the "
      "events topic (a full replica; its own consumer group).");
  projector->add_option("--group", flags->group,
                        "consumer group id (default: "
                        "PREFIX.projector.HOSTNAME; one per replica)");
  projector->add_flag("--until-caught-up", flags->until_caught_up,
                      "exit once the views reach the topic's end as of start");
  projector->callback([&g, &run, flags] {
    run = [&g, flags] { return RunProjectorCommand(g, *flags); };
  });
}

}  // namespace xueji
