// ledger projector --views DIR [--group ID] [--until-caught-up]
//
// Kafka mode only: keeps the views store DIR up to date with the events
// topic (projections/kafka_projector.h) until SIGTERM/SIGINT (exit 0), or
// until caught up with --until-caught-up. A Kafka or storage error, or an
// undecodable event, stops it with exit 3 and the message (naming topic,
// partition and offset for a bad event). Log lines on stderr carry a time and
// a level (ledger/base/log.h): start, progress every 10 s while applying,
// catching up and stopping at INFO; each change of progress at DEBUG.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "commands/cli.h"
#include "commands/kafka_commands.h"
#include "commands/ops/metrics.h"
#include "commands/ops/metrics_server.h"
#include "commands/ops/sd_notify.h"
#include "commands/stop_signals.h"
#include "ledger/base/log.h"
#include "projections/kafka_projector.h"

namespace xueji {
namespace {

struct ProjectorFlags {
  std::string group;
  bool until_caught_up = false;
  bool publish_graduates = false;
  std::string metrics_addr;  // --metrics-addr HOST:PORT, "" = off
};

void DeclareProjectorMetrics(Metrics& m) {
  m.Gauge("xueji_projector_up", "1 while the projector runs");
  m.Counter("xueji_projector_events_applied_total",
            "Events applied to the views by this run");
  m.Gauge("xueji_projector_partitions_assigned",
          "Events partitions assigned to this projector");
  m.Gauge("xueji_projector_lag",
          "Events of the assigned partitions not yet applied (by the cached "
          "high watermarks)");
  m.Gauge("xueji_projector_checkpoint",
          "The views' checkpoint: the next offset to apply, per events "
          "partition",
          {"partition"});
}

int RunProjectorCommand(const GlobalOptions& g, const ProjectorFlags& flags) {
  FailAsLogLine();
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
  // Written behind, written out when idle and at least every 5 s
  // (kafka_projector.h): the small write-outs through the write-ahead log.
  views_options.small_write_bytes = size_t{1} << 20;
  auto views = Views::Open(g.views_dir, views_options);
  if (!views.ok()) return Fail(views.status());

  ProjectorOptions options;
  options.kafka = *kafka;
  options.group_id = flags.group.empty()
                         ? DefaultProjectorGroup(kafka->topic_prefix)
                         : flags.group;
  options.until_caught_up = flags.until_caught_up;
  options.publish_graduates = flags.publish_graduates;
  Metrics metrics;
  DeclareProjectorMetrics(metrics);
  auto server = ServeMetrics("projector", flags.metrics_addr, &metrics);
  if (!server.ok()) return Fail(server.status());
  Watchdog watchdog;
  StopSignals signals;
  // Asked once per turn of the projector's loop: the watchdog's heartbeat.
  options.stop = [&watchdog] {
    watchdog.Tick();
    return StopSignals::stop().load();
  };
  Views& store = **views;
  bool said_caught_up = false;
  ProjectorProgress last;
  absl::Time last_info = absl::Now();
  options.progress = [&](const ProjectorProgress& p) {
    if (p.applied != last.applied || p.assigned != last.assigned) {
      LogDebug(absl::StrCat("projector: ", p.applied, " events applied, ",
                            p.assigned, " partitions assigned, lag ", p.lag));
      if (p.applied != last.applied &&
          absl::Now() - last_info >= absl::Seconds(10)) {
        last_info = absl::Now();
        LogInfo(absl::StrCat("projector: ", p.applied, " events applied, lag ",
                             p.lag));
      }
      last = p;
    }
    metrics.Set("xueji_projector_events_applied_total",
                static_cast<double>(p.applied));
    metrics.Set("xueji_projector_partitions_assigned", p.assigned);
    if (p.lag >= 0) {
      metrics.Set("xueji_projector_lag", static_cast<double>(p.lag));
    }
    if (auto seen = store.Checkpoints(); seen.ok()) {
      for (size_t i = 0; i < seen->size(); ++i) {
        metrics.Set("xueji_projector_checkpoint",
                    static_cast<double>((*seen)[i]), {absl::StrCat(i)});
      }
    }
    if ((p.caught_up || p.lag == 0) && !said_caught_up) {
      said_caught_up = true;
      LogInfo(absl::StrCat("projector: caught up with the events topic (",
                           p.applied, " events applied)"));
      (void)SdNotify("STATUS=caught up with the events topic");
    }
  };
  metrics.Set("xueji_projector_up", 1);
  if (auto seen = store.Checkpoints(); seen.ok()) {
    for (size_t i = 0; i < seen->size(); ++i) {
      metrics.Set("xueji_projector_checkpoint", static_cast<double>((*seen)[i]),
                  {absl::StrCat(i)});
    }
  }
  // The store is open and readable beside it: queries can be served.
  (void)SdNotify("READY=1\nSTATUS=catching up with the events topic");
  LogInfo(absl::StrCat("projector: group ", options.group_id, ", topic ",
                       kafka->events_topic(), ", views ", g.views_dir));
  absl::StatusOr<ProjectorResult> result = RunProjector(**views, options);
  (void)SdNotify("STOPPING=1");
  if (!result.ok()) {
    LogError(
        absl::StrCat("ledger: projector stopped: ", result.status().message()));
    return kExitStorage;
  }
  LogInfo(
      absl::StrCat("projector: stopped; ", result->applied, " events applied"));
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
  projector->add_flag(
      "--publish-graduates", flags->publish_graduates,
      "publish each graduate (Graduated, Promoted) to PREFIX.graduates as a "
      "xueji.v1.GraduateRecord keyed by student number (Art. 13; one "
      "projector of a deployment)");
  AddMetricsAddrOption(projector, &flags->metrics_addr, 9465);
  AddLogLevelOption(projector);
  projector->callback([&g, &run, flags] {
    run = [&g, flags] { return RunProjectorCommand(g, *flags); };
  });
}

}  // namespace xueji
