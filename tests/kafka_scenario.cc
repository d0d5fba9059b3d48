#include "tests/kafka_scenario.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "google/protobuf/util/message_differencer.h"
#include "ledger/kafka/kafka_log.h"
#include "ledger/log/event_log.h"
#include "ledger/log/hash_chain.h"
#include "ledger/storage/data_dir.h"

namespace xueji::e2e {
namespace {

namespace fs = std::filesystem;
using google::protobuf::util::MessageDifferencer;
using xueji::v1::Result;
using xueji::v1::ResultStatus_Name;

constexpr int kMaxAttempts = 6;
// When a fault is injected into a chunk in flight: after its submit started.
constexpr Millis kFaultDelay(150);

// Both runs are one development ledger: byte for byte the same log.
constexpr char kScenarioLedgerId[] = "5c3e0a1d2b4f60718293a4b5c6d7e8f9";

Workload Generate(const fs::path& dir, int children, int seed, int chunks) {
  Workload w;
  const std::string out = (dir / "gen").string();
  RunResult gen = RunLedger({"gen", "--children", std::to_string(children),
                             "--seed", std::to_string(seed), "--out", out},
                            Hermetic("2026-01-05T09:00:00Z"));
  INFO(gen.err);
  REQUIRE(gen.exit_code == 0);
  w.now = JsonField(ReadFile(out + "/summary.json"), "submitNow");
  REQUIRE(!w.now.empty());
  w.registry = out + "/registry.jsonl";
  // The year entered in one sitting on submitNow's day: every process runs
  // at that LEDGER_NOW, and the ledger's clock is the only clock
  // (docs/accountability.md), so the requests are dated on its day.
  const std::vector<std::string> lines =
      DatedOn(Lines(ReadFile(out + "/requests.jsonl")), w.now.substr(0, 10));
  w.requests = (dir / "requests.jsonl").string();
  {
    std::string all;
    for (const std::string& line : lines) all += line + "\n";
    WriteFile(w.requests, all);
  }
  REQUIRE(lines.size() >= static_cast<size_t>(chunks) * 50);
  const size_t per = (lines.size() + chunks - 1) / chunks;
  for (size_t from = 0; from < lines.size(); from += per) {
    std::string text;
    std::vector<std::string> ids;
    for (size_t i = from; i < std::min(lines.size(), from + per); ++i) {
      text += lines[i] + "\n";
      ids.push_back(JsonField(lines[i], "requestId"));
      REQUIRE(!ids.back().empty());
    }
    w.chunk_files.push_back(
        (dir / ("chunk-" + std::to_string(w.chunk_files.size()) + ".jsonl"))
            .string());
    WriteFile(w.chunk_files.back(), text);
    w.chunk_ids.push_back(std::move(ids));
  }
  return w;
}

void AddAnswers(const std::string& out, std::map<std::string, Result>* to) {
  std::vector<std::string> errors;
  for (Result& r : ParseResults(out, &errors)) to->emplace(r.request_id(), r);
  REQUIRE(errors.empty());
}

Reference EmbeddedRun(const Workload& w, const std::string& data) {
  Reference ref;
  const RunOptions options = Hermetic(w.now);
  RunResult init = RunLedger(
      {"--data", data, "init", "--dev", "--ledger-id", kScenarioLedgerId},
      options);
  INFO("init --dev: " << init.err);
  REQUIRE(init.exit_code == 0);
  RunResult load =
      RunLedger({"--data", data, "registry", "load", w.registry}, options);
  REQUIRE(load.exit_code == 0);
  AddAnswers(load.out, &ref.answers);
  RunResult submit = RunLedger({"--data", data, "submit", w.requests}, options);
  REQUIRE((submit.exit_code == 0 || submit.exit_code == 1));
  AddAnswers(submit.out, &ref.answers);
  RunResult verify = RunLedger({"--data", data, "verify"}, options);
  REQUIRE(verify.exit_code == 0);
  ref.chains = ParseVerify(verify.out);
  REQUIRE(ref.chains.intact);
  REQUIRE(ref.chains.total() > 0);
  RunResult replay = RunLedger({"--data", data, "replay"}, options);
  REQUIRE(replay.exit_code == 0);
  ref.digest = FindDigest(replay.out);
  REQUIRE(!ref.digest.empty());
  RunResult content =
      RunLedger({"--data", data, "digest", "--content"}, options);
  REQUIRE(content.exit_code == 0);
  ref.content_digest = FindDigest(content.out);
  REQUIRE(!ref.content_digest.empty());
  const std::string read = ReadSubjectEvents(data, &ref.events);
  INFO(read);
  REQUIRE(read.empty());
  return ref;
}

// Every event of `log`, by subject, envelope without its place in the log.
std::string CollectSubjectEvents(EventLog& log, SubjectEvents* out) {
  std::set<std::string> ids;
  for (int32_t p = 0; p < log.partitions(); ++p) {
    int64_t next = 0;
    for (;;) {
      absl::StatusOr<std::vector<StoredEvent>> chunk = log.Read(p, next, 4096);
      if (!chunk.ok()) return std::string(chunk.status().message());
      if (chunk->empty()) break;
      for (const StoredEvent& stored : *chunk) {
        xueji::v1::Event event = stored.event;
        if (!ids.insert(event.event_id()).second) {
          return "event " + event.event_id() + " appears twice (partition " +
                 std::to_string(p) + " offset " +
                 std::to_string(event.offset()) + ")";
        }
        event.clear_partition();
        event.clear_offset();
        event.clear_prev_hash();
        event.clear_hash();
        (*out)[event.subject()].push_back(CanonicalBytes(event));
        next = stored.event.offset() + 1;
      }
    }
  }
  return "";
}

// A unique topic prefix for a scenario on a shared cluster.
std::string FreshPrefix() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return "t" + std::to_string(::getpid()) + "x" +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(now)
                 .count() %
             100000000);
}

}  // namespace

RunOptions Hermetic(const std::string& now) {
  RunOptions options;
  options.unset_env = {"LEDGER_DATA", "LEDGER_POLICY", "LEDGER_KAFKA",
                       "LEDGER_KAFKA_CONFIG", "LEDGER_TOPIC_PREFIX"};
  options.env = {{"LEDGER_NOW", now}};
  return options;
}

std::string ReadSubjectEvents(const std::string& data_dir, SubjectEvents* out) {
  EmbeddedLogOptions options;
  options.read_only = true;
  auto log = OpenEmbeddedLog(DataDir{data_dir}.log(), options);
  if (!log.ok()) return std::string(log.status().message());
  return CollectSubjectEvents(**log, out);
}

std::string ReadSubjectEvents(const std::string& bootstrap,
                              const std::string& prefix, SubjectEvents* out) {
  KafkaLogOptions options;
  options.bootstrap_servers = bootstrap;
  options.topic_prefix = prefix;
  options.read_only = true;
  options.properties["log_level"] = "3";
  auto log = KafkaLog::Open(options);
  if (!log.ok()) return std::string(log.status().message());
  return CollectSubjectEvents(**log, out);
}

std::string CompareSubjectEvents(const SubjectEvents& want,
                                 const SubjectEvents& got) {
  size_t want_events = 0, got_events = 0;
  for (const auto& [s, events] : want) want_events += events.size();
  for (const auto& [s, events] : got) got_events += events.size();
  std::ostringstream diff;
  diff << got_events << " events of " << got.size() << " subjects; embedded "
       << want_events << " of " << want.size() << ": ";
  for (const auto& [subject, events] : want) {
    auto it = got.find(subject);
    if (it == got.end()) {
      diff << "subject " << subject << " has no events";
      return diff.str();
    }
    if (it->second.size() != events.size()) {
      diff << "subject " << subject << " has " << it->second.size()
           << " events, embedded " << events.size();
      return diff.str();
    }
    for (size_t i = 0; i < events.size(); ++i) {
      if (it->second[i] != events[i]) {
        diff << "subject " << subject << " event " << i
             << " differs from the embedded one";
        return diff.str();
      }
    }
  }
  for (const auto& [subject, events] : got) {
    if (!want.count(subject)) {
      diff << "subject " << subject << " is not in the embedded log";
      return diff.str();
    }
  }
  return "";
}

std::vector<BackgroundProcess*> Raw(
    const std::vector<std::unique_ptr<BackgroundProcess>>& processes) {
  std::vector<BackgroundProcess*> out;
  for (const auto& p : processes) out.push_back(p.get());
  return out;
}

KafkaScenario::KafkaScenario(const KafkaCluster& cluster,
                             ScenarioOptions options)
    : cluster_(cluster),
      options_(std::move(options)),
      work_(Generate(tmp_.path(), options_.children, options_.seed,
                     options_.chunks)),
      ref_(EmbeddedRun(work_, tmp_.Sub("embedded"))),
      kafka_(cluster, tmp_.path(), work_.now, "15s",
             !options_.prefix.empty()
                 ? options_.prefix
                 : (cluster.real() ? FreshPrefix() : "xueji")) {
  INFO(cluster_.Logs());
  REQUIRE(!cluster_.bootstrap().empty());
  if (const auto* real = dynamic_cast<const RealKafka*>(&cluster_)) {
    const std::string created = real->CreateTopics(kafka_.prefix());
    INFO(created);
    REQUIRE(created.empty());
  }
  if (options_.transactions) kafka_.set_processor_args({"--transactions"});
  if (options_.before_start) options_.before_start();
  processors_.push_back(kafka_.StartProcessor("p1"));
  processors_.push_back(kafka_.StartProcessor("p2"));
  projectors_.push_back(kafka_.StartProjector("v1"));
  projectors_.push_back(kafka_.StartProjector("v2"));
  kafka_.InitDev(kScenarioLedgerId);
  RunResult load = kafka_.Run({"registry", "load", work_.registry});
  Require(
      load.exit_code == 0,
      "registry load exit " + std::to_string(load.exit_code) + ": " + load.err);
}

KafkaScenario::~KafkaScenario() {
  for (auto& p : processors_) p->Terminate(Millis(5000));
  for (auto& p : projectors_) p->Terminate(Millis(5000));
}

int KafkaScenario::Active() {
  int active = -1;
  WaitFor([&] { return (active = ActiveProcessor(Raw(processors_))) >= 0; },
          Millis(30000));
  Require(active >= 0, "no processor says it owns the requests partition");
  return active;
}

void KafkaScenario::Require(bool ok, const std::string& what) const {
  if (!ok) FAIL(what << "\n" << Logs());
}

void KafkaScenario::Check(bool ok, const std::string& what) const {
  if (!ok) FAIL_CHECK(what << "\n" << Logs());
}

int KafkaScenario::SubmitChunk(size_t i, const ChunkFault& fault) {
  int failed = 0;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    const std::string name =
        "submit-" + std::to_string(i) + "-" + std::to_string(++runs_);
    // The fault's (short) timeout for the first attempt only: a retry
    // waits as long as recovery may take.
    auto submit = kafka_.StartRun(name, {"submit", work_.chunk_files[i]},
                                  attempt == 1 ? fault.timeout : "");
    if (attempt == 1 && fault.during) {
      std::this_thread::sleep_for(kFaultDelay);
      fault.during();
    }
    std::optional<int> code = submit->Wait(Millis(120000));
    if (!code) submit->Kill();
    Require(code.has_value(),
            "chunk " + std::to_string(i) + ": submit did not end within 120 s");
    if (*code == 3) {
      ++failed;
      ++failed_attempts_;
      UNSCOPED_INFO("chunk " << i << " attempt " << attempt
                             << " exited 3: " << Tail(submit->Stderr(), 3));
      if (fault.after_failure) fault.after_failure();
      continue;
    }
    Require(*code == 0 || *code == 1,
            "chunk " + std::to_string(i) + ": submit exit " +
                std::to_string(*code) + "\n" + Tail(submit->Stderr()));
    CheckAnswers(i, submit->Stdout(), attempt > 1);
    return failed;
  }
  Require(false, "chunk " + std::to_string(i) + ": not answered in " +
                     std::to_string(kMaxAttempts) + " attempts");
  return failed;
}

void KafkaScenario::CheckAnswers(size_t chunk, const std::string& out,
                                 bool retried) {
  std::vector<std::string> errors;
  std::vector<Result> results = ParseResults(out, &errors);
  const std::vector<std::string>& ids = work_.chunk_ids[chunk];
  Require(errors.empty() && results.size() == ids.size(),
          "chunk " + std::to_string(chunk) + ": " +
              std::to_string(results.size()) + " answers (" +
              std::to_string(errors.size()) + " unparsable) for " +
              std::to_string(ids.size()) + " requests");
  int differ = 0;
  std::string first;
  for (size_t j = 0; j < ids.size(); ++j) {
    const Result& got = results[j];
    const Result& want = ref_.answers.at(ids[j]);
    const bool same =
        got.request_id() == ids[j] && MessageDifferencer::Equals(got, want);
    // After a failed attempt a request may have been decided already: then
    // it is answered as a duplicate of the very answer the embedded run gave.
    const bool duplicate = retried && got.request_id() == ids[j] &&
                           got.status() == xueji::v1::DUPLICATE_REQUEST &&
                           got.original_status() == want.status();
    if (!same && !duplicate && differ++ == 0) {
      first = ids[j] + " answered " + ResultStatus_Name(got.status()) + "/" +
              xueji::v1::ReasonCode_Name(got.code()) + " (original " +
              ResultStatus_Name(got.original_status()) + "), embedded " +
              ResultStatus_Name(want.status()) + "/" +
              xueji::v1::ReasonCode_Name(want.code());
    }
  }
  Check(differ == 0,
        "chunk " + std::to_string(chunk) + ": " + std::to_string(differ) +
            " answers differ from the embedded run; first: " + first);
}

void KafkaScenario::CheckChains(const std::string& when) {
  RunResult verify = kafka_.Run({"verify"});
  Require(verify.exit_code == 0, when + ": ledger --kafka verify exit " +
                                     std::to_string(verify.exit_code) + ": " +
                                     verify.err + verify.out);
  ChainReport got = ParseVerify(verify.out);
  Check(got.intact, when +
                        ": the Kafka events topic's chains are not intact:\n" +
                        verify.out);
  Check(got.checked == ref_.chains.total(),
        when + ": verify checked " + std::to_string(got.checked) +
            " events; the embedded log has " +
            std::to_string(ref_.chains.total()));
  SubjectEvents events;
  const std::string read =
      ReadSubjectEvents(cluster_.bootstrap(), kafka_.prefix(), &events);
  Require(read.empty(), when + ": reading the events topic: " + read);
  const std::string differ = CompareSubjectEvents(ref_.events, events);
  Check(differ.empty(),
        when + ": the events topic differs from the embedded log: " + differ);
  if (options_.transactions) return;  // offsets count commit markers
  // Without transactions the log is byte-identical: offsets and hashes too.
  std::ostringstream diff;
  for (const auto& [p, n] : ref_.chains.events) {
    if (got.events[p] != n || got.head_hash[p] != ref_.chains.head_hash[p]) {
      diff << "partition " << p << ": " << got.events[p] << " events, head "
           << got.head_hash[p].substr(0, 12) << "; embedded " << n
           << " events, head " << ref_.chains.head_hash.at(p).substr(0, 12)
           << "\n";
    }
  }
  Check(got.events.size() == ref_.chains.events.size() && diff.str().empty(),
        when + ": the events topic differs from the embedded log (" +
            std::to_string(got.total()) + " vs " +
            std::to_string(ref_.chains.total()) + " events):\n" + diff.str());
}

void KafkaScenario::CheckEnd() {
  // (1) All chunks were answered, so their events are on the topic.
  CheckChains("after the stream");
  // (3) Everything again: the first answers, as duplicates; no new event.
  for (const auto& [args, what] :
       std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"registry", "load", work_.registry}, "registry"},
           {{"submit", work_.requests}, "requests"}}) {
    RunResult again = kafka_.Run(args);
    Require(again.exit_code == 0 || again.exit_code == 1,
            "resubmitting the " + what + " exit " +
                std::to_string(again.exit_code) + ": " + Tail(again.err, 5));
    std::vector<std::string> errors;
    std::vector<Result> results = ParseResults(again.out, &errors);
    int wrong = 0;
    std::string first;
    for (const Result& r : results) {
      auto want = ref_.answers.find(r.request_id());
      const bool ok = want != ref_.answers.end() &&
                      r.status() == xueji::v1::DUPLICATE_REQUEST &&
                      r.original_status() == want->second.status();
      if (!ok && wrong++ == 0) {
        first = r.request_id() + " " + ResultStatus_Name(r.status()) +
                " original " + ResultStatus_Name(r.original_status());
      }
    }
    Check(errors.empty() && wrong == 0 && !results.empty(),
          "resubmitting the " + what + ": " + std::to_string(wrong) + " of " +
              std::to_string(results.size()) +
              " answers are not DUPLICATE_REQUEST of the embedded status; "
              "first: " +
              first);
  }
  CheckChains("after resubmitting everything");
  // (2)
  CheckViews();
}

// Byte for byte without transactions (Digest); with them, offsets count
// commit markers, so what the views answer (ContentDigest).
void KafkaScenario::CheckViews() {
  const bool content = options_.transactions;
  const std::string want = content ? ref_.content_digest : ref_.digest;
  std::map<std::string, std::string> digests;
  auto digest_of = [&](const std::string& who, const std::string& dir) {
    std::vector<std::string> args = {"digest", "--views", dir};
    if (content) args.push_back("--content");
    RunResult digest = RunLedger(args, Hermetic(work_.now));
    Require(digest.exit_code == 0,
            "ledger digest --views " + dir + ": " + digest.err);
    digests[who] = FindDigest(digest.out);
  };
  for (auto& projector : projectors_) {
    const std::string name = projector->name();
    const int code = projector->Terminate();
    Check(code == 0,
          "projector " + name + " stopped with exit " + std::to_string(code));
    RunResult caught_up = kafka_.CatchUpProjector(name);
    Require(caught_up.exit_code == 0, "projector " + name +
                                          " --until-caught-up exit " +
                                          std::to_string(caught_up.exit_code) +
                                          ": " + Tail(caught_up.err, 10));
    digest_of("projector " + name, kafka_.ViewsDir(name));
  }
  RunResult replay =
      kafka_.Run({"replay", "--views", kafka_.ViewsDir("rebuild")});
  Require(replay.exit_code == 0, "ledger --kafka replay exit " +
                                     std::to_string(replay.exit_code) + ": " +
                                     Tail(replay.err, 10));
  digest_of("clean rebuild", kafka_.ViewsDir("rebuild"));
  std::string table;
  bool same = true;
  for (const auto& [who, digest] : digests) {
    table += who + ": " + digest + "\n";
    same = same && digest == want;
  }
  Check(same, std::string(content ? "content " : "") +
                  "views digests differ from the embedded views (" + want +
                  "):\n" + table);
}

std::string KafkaScenario::Logs() const {
  std::string out = cluster_.Logs();
  for (const auto* group : {&processors_, &projectors_}) {
    for (const auto& p : *group) {
      out += "--- " + p->name() + " stderr:\n" + Tail(p->Stderr());
    }
  }
  return out;
}

}  // namespace xueji::e2e
