// Metrics text, the metrics HTTP server over a real socket, and sd_notify
// over a real unix datagram socket.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <string>

#include "commands/ops/metrics.h"
#include "commands/ops/metrics_server.h"
#include "commands/ops/sd_notify.h"
#include "tests/support/process.h"

namespace xueji {
namespace {

using ::xueji::testing::HttpExchange;

TEST_CASE("metrics: counters, gauges and histograms as Prometheus text") {
  Metrics m;
  m.Counter("x_requests_total", "Requests answered.", {"status"});
  m.Gauge("x_lag", "Lag.", {"partition"});
  m.Histogram("x_batch_size", "Batch sizes.", {1, 10, 100});
  m.Counter("x_plain_total", "Never touched.");
  m.Add("x_requests_total", 2, {"APPLIED"});
  m.Add("x_requests_total", 1, {"REJECTED"});
  m.Add("x_requests_total", 1, {"APPLIED"});
  m.Set("x_lag", 7, {"0"});
  m.Set("x_lag", 3, {"0"});
  m.Observe("x_batch_size", 5);
  m.Observe("x_batch_size", 50);
  m.Observe("x_batch_size", 500);
  m.Add("no_such_family", 1);  // ignored
  const std::string text = m.Render();
  CHECK(text ==
        "# HELP x_requests_total Requests answered.\n"
        "# TYPE x_requests_total counter\n"
        "x_requests_total{status=\"APPLIED\"} 3\n"
        "x_requests_total{status=\"REJECTED\"} 1\n"
        "# HELP x_lag Lag.\n"
        "# TYPE x_lag gauge\n"
        "x_lag{partition=\"0\"} 3\n"
        "# HELP x_batch_size Batch sizes.\n"
        "# TYPE x_batch_size histogram\n"
        "x_batch_size_bucket{le=\"1\"} 0\n"
        "x_batch_size_bucket{le=\"10\"} 1\n"
        "x_batch_size_bucket{le=\"100\"} 2\n"
        "x_batch_size_bucket{le=\"+Inf\"} 3\n"
        "x_batch_size_sum 555\n"
        "x_batch_size_count 3\n"
        "# HELP x_plain_total Never touched.\n"
        "# TYPE x_plain_total counter\n"
        "x_plain_total 0\n");
  CHECK(EscapeLabelValue("a\"b\\c\nd") == "a\\\"b\\\\c\\nd");
  m.Observe("x_batch_size", 0.25);
  CHECK(m.Render().find("x_batch_size_sum 555.25\n") != std::string::npos);
}

TEST_CASE("metrics server: GET /metrics, 404, 405, bad addresses") {
  Metrics m;
  m.Counter("x_total", "X.");
  m.Add("x_total", 41);
  auto server = MetricsServer::Start("127.0.0.1:0", &m);
  REQUIRE(server.ok());
  const int port = (*server)->port();
  REQUIRE(port > 0);
  CHECK((*server)->url() ==
        "http://127.0.0.1:" + std::to_string(port) + "/metrics");
  std::string ok =
      HttpExchange(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(ok.starts_with("HTTP/1.0 200 OK\r\n"));
  CHECK(ok.find("Content-Type: text/plain; version=0.0.4") !=
        std::string::npos);
  CHECK(
      ok.ends_with("\r\n\r\n# HELP x_total X.\n# TYPE x_total counter\n"
                   "x_total 41\n"));
  m.Add("x_total", 1);  // read live
  CHECK(HttpExchange(port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n")
            .ends_with("x_total 42\n"));
  CHECK(
      HttpExchange(port, "GET / HTTP/1.0\r\n\r\n").starts_with("HTTP/1.0 404"));
  CHECK(HttpExchange(port, "POST /metrics HTTP/1.0\r\n\r\n")
            .starts_with("HTTP/1.0 405"));
  CHECK(HttpExchange(port, "\r\n\r\n").starts_with("HTTP/1.0 400"));
  // A second server on the same port cannot bind; bad addresses are refused.
  auto again = MetricsServer::Start("127.0.0.1:" + std::to_string(port), &m);
  CHECK(absl::IsFailedPrecondition(again.status()));
  CHECK(absl::IsInvalidArgument(MetricsServer::Start("9464", &m).status()));
  CHECK(absl::IsInvalidArgument(
      MetricsServer::Start("host.example:9464", &m).status()));
  CHECK(absl::IsInvalidArgument(
      MetricsServer::Start("127.0.0.1:70000", &m).status()));
  server->reset();  // stops cleanly
}

// A unix datagram socket bound at `path` ("@..." abstract).
int Listen(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::memcpy(sa.sun_path, path.data(), path.size());
  if (path[0] == '@') sa.sun_path[0] = '\0';
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&sa),
                 offsetof(sockaddr_un, sun_path) + path.size()) == 0);
  return fd;
}

std::string Receive(int fd) {
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256];
  const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, n) : "";
}

TEST_CASE("sd_notify: READY=1 and the watchdog reach NOTIFY_SOCKET") {
  ::unsetenv("NOTIFY_SOCKET");
  CHECK(SdNotify("READY=1").ok());  // outside systemd: nothing
  char dir[] = "/tmp/sd-notify-test.XXXXXX";
  REQUIRE(::mkdtemp(dir) != nullptr);
  const std::string path = std::string(dir) + "/notify";
  const int fd = Listen(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  REQUIRE(SdNotify("READY=1").ok());
  CHECK(Receive(fd) == "READY=1");

  ::setenv("WATCHDOG_USEC", "200000", 1);  // 0.2 s: a ping every 0.1 s
  ::unsetenv("WATCHDOG_PID");
  Watchdog dog;
  REQUIRE(dog.enabled());
  dog.Tick();
  CHECK(Receive(fd) == "WATCHDOG=1");
  dog.Tick();  // too soon: nothing sent
  ::usleep(120000);
  dog.Tick();
  CHECK(Receive(fd) == "WATCHDOG=1");
  ::setenv("WATCHDOG_PID", "1", 1);  // for another process
  CHECK_FALSE(Watchdog().enabled());
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  ::close(fd);
  ::unlink(path.c_str());
  ::rmdir(dir);

  const std::string abstract =
      "@xueji-sd-notify-test-" + std::to_string(::getpid());
  const int afd = Listen(abstract);
  ::setenv("NOTIFY_SOCKET", abstract.c_str(), 1);
  REQUIRE(SdNotify("STOPPING=1").ok());
  CHECK(Receive(afd) == "STOPPING=1");
  ::close(afd);
  ::setenv("NOTIFY_SOCKET", "relative/path", 1);
  CHECK_FALSE(SdNotify("READY=1").ok());
  ::unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace xueji
