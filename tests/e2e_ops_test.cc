// End-to-end tests of operating the services (issue 13): a running
// processor and projector (on librdkafka's mock cluster) serve Prometheus
// metrics on --metrics-addr, scraped over HTTP here, whose counts agree with
// what the clients were answered; and both tell systemd through
// $NOTIFY_SOCKET (a socket this test binds) that they are ready, and that
// they stop. Their log lines carry a time and a level, --log-level filters
// them, and none holds a child's name or ID number.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <map>
#include <regex>
#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tests/e2e_support.h"
#include "tests/kafka_e2e.h"

namespace xueji::e2e {
namespace {

// systemd's side of sd_notify: a datagram socket at a path.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof sa.sun_path);
    std::memcpy(sa.sun_path, path_.data(), path_.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);
  }
  ~NotifySocket() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const std::string& path() const { return path_; }
  // The next datagram, or "" after `seconds`.
  std::string Next(int seconds) {
    timeval tv{seconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    char buf[512];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  // Waits (up to `seconds` per datagram) for one that starts with `prefix`.
  bool WaitFor(const std::string& prefix, int seconds = 30) {
    for (int i = 0; i < 50; ++i) {
      const std::string got = Next(seconds);
      if (got.empty()) return false;
      seen_.push_back(got);
      if (got.starts_with(prefix)) return true;
    }
    return false;
  }
  const std::vector<std::string>& seen() const { return seen_; }

 private:
  std::string path_;
  int fd_ = -1;
  std::vector<std::string> seen_;
};

// GET `path` from 127.0.0.1:port: the whole response.
std::string HttpGet(int port, const std::string& path) {
  return HttpExchange(port, "GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n");
}

// The samples of a /metrics body: "name{labels}" -> value.
std::map<std::string, double> Samples(const std::string& response) {
  std::map<std::string, double> out;
  const size_t body = response.find("\r\n\r\n");
  REQUIRE(body != std::string::npos);
  const std::vector<std::string> lines =
      absl::StrSplit(response.substr(body + 4), '\n', absl::SkipEmpty());
  for (const std::string& line : lines) {
    if (line.starts_with("#")) continue;
    const size_t space = line.rfind(' ');
    REQUIRE(space != std::string::npos);
    double value = 0;
    REQUIRE(absl::SimpleAtod(line.substr(space + 1), &value));
    out[line.substr(0, space)] = value;
  }
  return out;
}

// A sample's value; -1 when the series is not there.
double Get(const std::map<std::string, double>& samples,
           const std::string& series) {
  auto it = samples.find(series);
  return it == samples.end() ? -1 : it->second;
}

// The port a service logged ("<what>: metrics on http://127.0.0.1:PORT/...").
int LoggedPort(const BackgroundProcess& p, const std::string& what) {
  int port = 0;
  const std::regex re(what + ": metrics on http://127\\.0\\.0\\.1:([0-9]+)/");
  const bool found = WaitFor(
      [&] {
        std::smatch m;
        const std::string err = p.Stderr();
        if (!std::regex_search(err, m, re)) return false;
        port = std::stoi(m[1]);
        return true;
      },
      Millis(30000), Millis(100));
  INFO(Tail(p.Stderr()));
  REQUIRE(found);
  return port;
}

TEST_CASE("ops: a running processor serves /metrics and notifies systemd",
          "[kafka][ops]") {
  TempDir tmp("xueji-ops");
  MockKafka mock(tmp.path(), 1, 6);
  INFO(mock.Logs());
  REQUIRE(!mock.bootstrap().empty());
  // The ledger's clock on the evening of the term's first day.
  KafkaDeployment kafka(mock, tmp.path(), EndOfDay("2025-09-01"));
  NotifySocket systemd((tmp.path() / "notify").string());
  RunOptions options = kafka.Options("30s");
  options.env.emplace_back("NOTIFY_SOCKET", systemd.path());
  auto p1 = BackgroundProcess::Start(
      "p1", LedgerBinary(),
      {"--kafka", mock.bootstrap(), "--topic-prefix", kafka.prefix(), "--data",
       kafka.DataDir("p1"), "processor", "--metrics-addr", "127.0.0.1:0"},
      options, kafka.log_dir());
  INFO(Tail(p1->Stderr()));
  // Type=notify: READY=1 once it has joined the group.
  REQUIRE(systemd.WaitFor("READY=1"));
  const int port = LoggedPort(*p1, "processor");
  kafka.InitDev();  // a development ledger: one answer, APPLIED

  RunResult load = kafka.Run({"registry", "load", DemoFile("registry.jsonl")});
  REQUIRE(load.exit_code == 0);
  // The term's first day, and one admission to a kindergarten that is not.
  std::vector<std::string> lines = LinesByDay(DemoRequestLines())[0].second;
  lines.push_back(
      R"({"requestId":"ops-bad","actor":"reg-sm1","occurredOn":"2025-09-01",)"
      R"("admit":{"kindergarten":"350203999","child":{"name":"王某",)"
      R"("gender":"MALE","birthDate":"2021-03-14","idType":"NONE"},)"
      R"("entryDate":"2025-09-01"}})");
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  WriteFile(tmp.path() / "day1.jsonl", text);
  RunResult submit =
      kafka.Run({"submit", (tmp.path() / "day1.jsonl").string()});
  INFO("submit: " << submit.err);
  REQUIRE(submit.exit_code == 1);
  std::map<std::string, int> by_status;
  for (const auto& r : ResultsOf(submit)) {
    ++by_status[xueji::v1::ResultStatus_Name(r.status())];
  }
  REQUIRE(by_status["PENDING_APPROVAL"] > 0);
  REQUIRE(by_status["REJECTED"] == 1);

  // The counts: init and the registry's 14 lines applied, then the day's
  // answers.
  std::map<std::string, double> m;
  const bool settled = WaitFor(
      [&] {
        m = Samples(HttpGet(port, "/metrics"));
        return Get(m,
                   "xueji_processor_consumer_lag{topic=\"xueji.requests\","
                   "partition=\"0\"}") == 0 &&
               Get(m, "xueji_processor_requests_total{status=\"REJECTED\"}") ==
                   1;
      },
      Millis(20000), Millis(200));
  INFO(HttpGet(port, "/metrics"));
  REQUIRE(settled);
  CHECK(m["xueji_processor_up"] == 1);
  CHECK(m["xueji_processor_active"] == 1);
  CHECK(m["xueji_processor_requests_total{status=\"APPLIED\"}"] ==
        15 + by_status["APPLIED"]);
  CHECK(m["xueji_processor_requests_total{status=\"PENDING_APPROVAL\"}"] ==
        by_status["PENDING_APPROVAL"]);
  CHECK(m["xueji_processor_requests_total{status=\"REJECTED\"}"] == 1);
  CHECK(m["xueji_processor_rejected_total{code=\"UNKNOWN_KINDERGARTEN\"}"] ==
        1);
  const double decided = 15 + static_cast<double>(lines.size());
  CHECK(m["xueji_processor_batch_size_sum"] == decided);
  CHECK(m["xueji_processor_batch_size_count"] >= 3);  // init, registry, day
  CHECK(m["xueji_processor_decide_seconds_count"] ==
        m["xueji_processor_batch_size_count"]);
  CHECK(m["xueji_processor_append_seconds_count"] ==
        m["xueji_processor_batch_size_count"]);
  CHECK(m["xueji_processor_decide_seconds_bucket{le=\"+Inf\"}"] ==
        m["xueji_processor_decide_seconds_count"]);
  CHECK(m["xueji_processor_append_seconds_sum"] <=
        m["xueji_processor_decide_seconds_sum"]);
  // Only /metrics is served.
  CHECK(HttpGet(port, "/").starts_with("HTTP/1.0 404"));

  // A projector: its checkpoints are the events it applied.
  NotifySocket projector_systemd((tmp.path() / "notify-v").string());
  RunOptions v_options = kafka.Options("30s");
  v_options.env.emplace_back("NOTIFY_SOCKET", projector_systemd.path());
  auto v1 = BackgroundProcess::Start(
      "v1", LedgerBinary(),
      {"--kafka", mock.bootstrap(), "--topic-prefix", kafka.prefix(),
       "projector", "--views", kafka.ViewsDir("v1"), "--group",
       kafka.prefix() + ".v1", "--metrics-addr", "127.0.0.1:0"},
      v_options, kafka.log_dir());
  INFO(Tail(v1->Stderr()));
  REQUIRE(projector_systemd.WaitFor("READY=1"));
  const int v_port = LoggedPort(*v1, "projector");
  std::map<std::string, double> v;
  const bool caught_up = WaitFor(
      [&] {
        v = Samples(HttpGet(v_port, "/metrics"));
        // (The lag is by cached high watermarks: 0 may come before the
        // watermarks of every partition are known.)
        return Get(v, "xueji_projector_lag") == 0 &&
               Get(v, "xueji_projector_partitions_assigned") == 6 &&
               Get(v, "xueji_projector_events_applied_total") > 14;
      },
      Millis(30000), Millis(200));
  REQUIRE(caught_up);
  CHECK(v["xueji_projector_up"] == 1);
  CHECK(v["xueji_projector_partitions_assigned"] == 6);
  double checkpoints = 0;
  for (int p = 0; p < 6; ++p) {
    checkpoints += v["xueji_projector_checkpoint{partition=\"" +
                     std::to_string(p) + "\"}"];
  }
  CHECK(v["xueji_projector_events_applied_total"] > 14);
  // Offsets count transaction markers too on Kafka; on the mock without
  // transactions every offset is an event.
  CHECK(checkpoints == v["xueji_projector_events_applied_total"]);

  // Stopping: STOPPING=1, then the scrape port is closed.
  CHECK(v1->Terminate() == 0);
  CHECK(projector_systemd.WaitFor("STOPPING=1", 10));
  CHECK(p1->Terminate() == 0);
  CHECK(systemd.WaitFor("STOPPING=1", 10));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  CHECK(::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0);
  ::close(fd);
}

TEST_CASE("ops: a bad --metrics-addr stops the service at once",
          "[kafka][ops]") {
  TempDir tmp("xueji-ops-addr");
  MockKafka mock(tmp.path(), 1, 6);
  REQUIRE(!mock.bootstrap().empty());
  KafkaDeployment kafka(mock, tmp.path(), kEndOfTerm);
  RunResult bad = kafka.Run(
      {"--data", kafka.DataDir("p"), "processor", "--metrics-addr", "9464"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("expected HOST:PORT") != std::string::npos);
  RunResult projector = kafka.Run({"projector", "--views", kafka.ViewsDir("v"),
                                   "--metrics-addr", "example.org:1"});
  CHECK(projector.exit_code == 2);
}

// The level of each line of a service's stderr ("" for a line not in the
// log format "<RFC 3339 UTC with ms> <LEVEL> <text>").
std::vector<std::string> LogLevels(const std::string& err,
                                   std::vector<std::string>* bad) {
  static const std::regex line_re(
      R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO|WARN|ERROR) \S.*$)");
  std::vector<std::string> levels;
  for (const std::string& line : Lines(err)) {
    std::smatch m;
    if (std::regex_match(line, m, line_re)) {
      levels.push_back(m[1]);
    } else {
      bad->push_back(line);
    }
  }
  return levels;
}

size_t Count(const std::vector<std::string>& levels, const std::string& level) {
  return static_cast<size_t>(std::count(levels.begin(), levels.end(), level));
}

TEST_CASE("ops: log lines have a time and a level and no personal data",
          "[kafka][ops]") {
  TempDir tmp("xueji-ops-log");
  MockKafka mock(tmp.path(), 1, 6);
  REQUIRE(!mock.bootstrap().empty());
  KafkaDeployment kafka(mock, tmp.path(), EndOfDay("2025-09-01"));
  const std::vector<std::string> service = {"--kafka", mock.bootstrap(),
                                            "--topic-prefix", kafka.prefix()};
  auto start = [&](const std::string& name, std::vector<std::string> args,
                   const std::string& env_level) {
    args.insert(args.begin(), service.begin(), service.end());
    RunOptions options = kafka.Options("30s");
    if (!env_level.empty()) {
      options.env.emplace_back("LEDGER_LOG_LEVEL", env_level);
    }
    return BackgroundProcess::Start(name, LedgerBinary(), args, options,
                                    kafka.log_dir());
  };
  // The day's requests of the demo: the children's names and ID numbers.
  const std::vector<std::string> lines =
      LinesByDay(DemoRequestLines())[0].second;
  std::set<std::string> personal;
  const std::regex field_re(R"re("(idNumber|name)":"([^"]+)")re");
  for (const std::string& line : lines) {
    for (std::sregex_iterator it(line.begin(), line.end(), field_re), end;
         it != end; ++it) {
      personal.insert((*it)[2]);
      if ((*it)[1] == "idNumber") personal.insert("G" + (*it)[2].str());
    }
  }
  REQUIRE(personal.size() > 10);
  std::string text;
  for (const auto& line : lines) text += line + "\n";
  WriteFile(tmp.path() / "day1.jsonl", text);

  // DEBUG: a line per decided batch, as well as the INFO ones.
  auto p1 = start(
      "p1",
      {"--data", kafka.DataDir("p1"), "processor", "--log-level", "DEBUG"},
      "error");  // the flag wins over LEDGER_LOG_LEVEL
  auto v1 = start("v1",
                  {"projector", "--views", kafka.ViewsDir("v1"), "--group",
                   kafka.prefix() + ".v1", "--log-level", "debug"},
                  "");
  INFO(Tail(p1->Stderr()));
  REQUIRE(WaitFor(
      [&] {
        return p1->Stderr().find("joined the group") != std::string::npos;
      },
      Millis(30000), Millis(100)));
  kafka.InitDev();
  REQUIRE(
      kafka.Run({"registry", "load", DemoFile("registry.jsonl")}).exit_code ==
      0);
  RunResult submit =
      kafka.Run({"submit", (tmp.path() / "day1.jsonl").string()});
  INFO("submit: " << submit.err);
  REQUIRE(submit.exit_code <= 1);
  // The projector has applied the day (its DEBUG progress line).
  const std::regex applied_re(
      "DEBUG projector: [1-9][0-9]* events applied, 6 partitions assigned, "
      "lag 0");
  REQUIRE(WaitFor([&] { return std::regex_search(v1->Stderr(), applied_re); },
                  Millis(30000), Millis(200)));
  CHECK(v1->Terminate() == 0);
  CHECK(p1->Terminate() == 0);
  for (BackgroundProcess* p : {p1.get(), v1.get()}) {
    const std::string err = p->Stderr();
    INFO(p->name() << ":\n" << err);
    std::vector<std::string> bad;
    const auto levels = LogLevels(err, &bad);
    CHECK(bad.empty());
    CHECK(Count(levels, "DEBUG") > 0);
    CHECK(Count(levels, "INFO") > 0);
    for (const std::string& word : personal) {
      INFO(word);
      CHECK(err.find(word) == std::string::npos);
    }
  }
  CHECK(p1->Stderr().find(" DEBUG processor ") != std::string::npos);
  CHECK(p1->Stderr().find("decided requests at offsets") != std::string::npos);
  CHECK(p1->Stderr().find(" INFO processor: stopped") != std::string::npos);

  // LEDGER_LOG_LEVEL=warn: the same processor, restarted, says nothing of
  // joining or deciding, yet decides.
  auto p2 = start("p2", {"--data", kafka.DataDir("p1"), "processor"}, "warn");
  RunResult again = kafka.Run({"submit", (tmp.path() / "day1.jsonl").string()});
  CHECK(again.exit_code == 0);  // every request a DUPLICATE_REQUEST
  CHECK(again.out.find("DUPLICATE_REQUEST") != std::string::npos);
  CHECK(p2->Terminate() == 0);
  {
    const std::string err = p2->Stderr();
    INFO(err);
    std::vector<std::string> bad;
    const auto levels = LogLevels(err, &bad);
    CHECK(bad.empty());
    CHECK(Count(levels, "DEBUG") == 0);
    CHECK(Count(levels, "INFO") == 0);
  }

  // A service that cannot start says why in an ERROR line (exit 2).
  RunOptions options = kafka.Options("30s");
  RunResult missing =
      RunLedger({"--kafka", mock.bootstrap(), "--topic-prefix", "nosuch",
                 "--data", kafka.DataDir("p3"), "processor"},
                options);
  INFO(missing.err);
  CHECK(missing.exit_code == 2);
  std::vector<std::string> bad;
  const auto levels = LogLevels(missing.err, &bad);
  CHECK(bad.empty());
  CHECK(Count(levels, "ERROR") == 1);
  CHECK(missing.err.find("nosuch.requests does not exist") !=
        std::string::npos);
}

}  // namespace
}  // namespace xueji::e2e
