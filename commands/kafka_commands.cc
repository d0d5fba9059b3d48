// ledger processor: the Kafka-mode request processor service.
#include "commands/kafka_commands.h"

#include <csignal>
#include <cstdlib>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "commands/jsonl_batch.h"
#include "commands/ops/metrics.h"
#include "commands/ops/metrics_server.h"
#include "commands/ops/sd_notify.h"
#include "commands/output/output.h"
#include "commands/stop_signals.h"
#include "ledger/base/dates.h"
#include "ledger/base/log.h"
#include "ledger/decide/decider.h"
#include "ledger/service/kafka_processor.h"
#include "ledger/service/kafka_requests.h"

namespace xueji {
namespace {

// The processor's metrics (docs: deploy/README.md, "Metrics").
void DeclareProcessorMetrics(Metrics& m) {
  m.Gauge("xueji_processor_up",
          "1 once the processor has joined the consumer group");
  m.Gauge("xueji_processor_active",
          "1 while this processor is the active decider, 0 standing by");
  m.Counter("xueji_processor_requests_total",
            "Requests and registry lines answered, by status", {"status"});
  m.Counter("xueji_processor_rejected_total",
            "Requests and registry lines refused, by reason code", {"code"});
  m.Histogram("xueji_processor_batch_size",
              "Requests decided together (one run of a batch)",
              {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096});
  m.Histogram(
      "xueji_processor_decide_seconds",
      "Time to decide a run of requests, the append included",
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  m.Histogram(
      "xueji_processor_append_seconds",
      "Time of the durable append of a run (journal and events, "
      "acknowledged by the brokers)",
      {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10});
  m.Gauge("xueji_processor_consumer_lag",
          "Records of the requests partition not yet taken (the active "
          "decider only)",
          {"topic", "partition"});
}

int RunProcessor(const GlobalOptions& g, bool transactions, int batch,
                 const std::string& group, const std::string& metrics_addr) {
  FailAsLogLine();
  auto kafka = KafkaFrom(g);
  if (!kafka.ok()) return Fail(kafka.status());
  if (!kafka->enabled()) {
    return Fail(absl::InvalidArgumentError(
        "processor needs Kafka: --kafka BOOTSTRAP, $LEDGER_KAFKA or "
        "--kafka-config FILE"));
  }
  ProcessorServiceOptions options;
  options.kafka = *kafka;
  options.data_dir = g.data_dir;
  options.clock = [] {
    auto now = LedgerNow();
    return now.ok() ? *now : absl::Now();
  };
  // A production ledger's clock is the system's (LEDGER_NOW is ignored).
  options.production_clock = [] { return absl::Now(); };
  options.group_id = group;
  options.transactions = transactions;
  options.batch_size = static_cast<size_t>(batch);
  options.timeout = KafkaTimeout();
  StopSignals signals;
  options.stop = &StopSignals::stop();

  Metrics metrics;
  DeclareProcessorMetrics(metrics);
  auto server = ServeMetrics("processor", metrics_addr, &metrics);
  if (!server.ok()) return Fail(server.status());
  Watchdog watchdog;
  const std::string topic = kafka->requests_topic();
  ProcessorObserver& o = options.observer;
  o.on_ready = [&metrics] {
    metrics.Set("xueji_processor_up", 1);
    (void)SdNotify("READY=1\nSTATUS=joined the group; standing by");
  };
  o.on_role = [&metrics](bool active) {
    metrics.Set("xueji_processor_active", active ? 1 : 0);
    (void)SdNotify(active ? "STATUS=active: deciding requests"
                          : "STATUS=standing by");
  };
  o.on_answer = [&metrics](const xueji::v1::Result& r) {
    metrics.Add("xueji_processor_requests_total", 1,
                {xueji::v1::ResultStatus_Name(r.status())});
    if (r.status() == xueji::v1::REJECTED) {
      metrics.Add("xueji_processor_rejected_total", 1,
                  {xueji::v1::ReasonCode_Name(r.code())});
    }
  };
  o.on_run = [&metrics](size_t n, absl::Duration decide,
                        absl::Duration append) {
    metrics.Observe("xueji_processor_batch_size", static_cast<double>(n));
    metrics.Observe("xueji_processor_decide_seconds",
                    absl::ToDoubleSeconds(decide));
    metrics.Observe("xueji_processor_append_seconds",
                    absl::ToDoubleSeconds(append));
  };
  o.on_turn = [&metrics, &watchdog, &topic](int64_t lag) {
    watchdog.Tick();
    if (lag >= 0) {
      metrics.Set("xueji_processor_consumer_lag", static_cast<double>(lag),
                  {topic, "0"});
    }
  };
  absl::Status status = RunProcessorService(options);
  (void)SdNotify("STOPPING=1");
  if (!status.ok()) return Fail(status);  // an ERROR line (FailAsLogLine)
  LogInfo("processor: stopped");
  return kExitOk;
}

}  // namespace

void AddLogLevelOption(CLI::App* service) {
  service
      ->add_option_function<std::string>(
          "--log-level",
          [](const std::string& name) {
            SetLogLevel(ParseLogLevel(name).value_or(LogLevel::kInfo));
          },
          "the least level of the log lines on stderr: debug, info, warn or "
          "error (default info)")
      ->envname("LEDGER_LOG_LEVEL")
      ->transform(
          CLI::IsMember({"debug", "info", "warn", "error"}, CLI::ignore_case));
}

void AddMetricsAddrOption(CLI::App* service, std::string* addr,
                          int example_port) {
  service->add_option(
      "--metrics-addr", *addr,
      absl::StrCat("serve Prometheus metrics on HOST:PORT (GET /metrics; e.g. "
                   "127.0.0.1:",
                   example_port,
                   "; port 0 picks one and logs it); default off"));
}

absl::StatusOr<std::unique_ptr<MetricsServer>> ServeMetrics(
    const std::string& name, const std::string& addr, const Metrics* metrics) {
  if (addr.empty()) return nullptr;
  auto started = MetricsServer::Start(addr, metrics);
  if (!started.ok()) return started.status();
  LogInfo(absl::StrCat(name, ": metrics on ", (*started)->url()));
  return started;
}

void AddProcessorCommands(CLI::App& app, GlobalOptions& g, RunFn& run) {
  auto* processor = app.add_subcommand(
      "processor",
      "Kafka mode: run a request processor, a member of the consumer group "
      "on PREFIX.requests. The member owning the partition decides every "
      "request (state in DATA/state, restored from PREFIX.events), journals "
      "and appends the events and answers on PREFIX.results; others stand "
      "by. Runs until SIGTERM/SIGINT.");
  auto transactions = std::make_shared<bool>(false);
  auto batch = std::make_shared<int>(512);
  auto group = std::make_shared<std::string>();
  processor->add_flag("--transactions", *transactions,
                      "use Kafka transactions (transactional.id "
                      "PREFIX.processor fences a replaced processor)");
  processor->add_option("--batch", *batch, "requests decided per batch")
      ->check(CLI::Range(1, 100000));
  processor->add_option("--group", *group,
                        "consumer group (default PREFIX.processor)");
  auto metrics_addr = std::make_shared<std::string>();
  AddMetricsAddrOption(processor, metrics_addr.get(), 9464);
  AddLogLevelOption(processor);
  processor->callback([&g, &run, transactions, batch, group, metrics_addr] {
    run = [&g, transactions, batch, group, metrics_addr] {
      return RunProcessor(g, *transactions, *batch, *group, *metrics_addr);
    };
  });
}

}  // namespace xueji
