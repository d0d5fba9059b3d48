// A tiny HTTP/1.0 server for Prometheus (`--metrics-addr HOST:PORT` of the
// processor and the projector, issue 13): GET /metrics answers the
// exposition text of a Metrics; any other path is 404, any other method
// 405. One connection at a time, each read with a deadline and a size cap,
// then closed: a scraper is all it serves. Bind it to a local address
// (127.0.0.1, or an address only the monitoring network reaches): it has no
// authentication, and it serves counts only, never personal data.
//
// Ownership: a MetricsServer owns its listening socket and its thread, and
// borrows the Metrics (which must outlive it). Thread-safety: Start and the
// destructor from the owning thread; the server thread only reads Metrics.
#ifndef XUEJI_COMMANDS_OPS_METRICS_SERVER_H_
#define XUEJI_COMMANDS_OPS_METRICS_SERVER_H_

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "commands/ops/metrics.h"

namespace xueji {

class MetricsServer {
 public:
  // Listens on `addr`, "HOST:PORT" (an IPv4 address or "localhost"; port 0
  // picks a free one). InvalidArgument for a malformed address;
  // FailedPrecondition naming the address when it cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsServer>> Start(
      const std::string& addr, const Metrics* metrics);
  ~MetricsServer();  // stops the thread, closes the socket

  int port() const { return port_; }
  // "http://HOST:PORT/metrics".
  std::string url() const;

 private:
  MetricsServer() = default;
  void Serve();
  void Answer(int fd);

  const Metrics* metrics_ = nullptr;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};  // a pipe: the destructor wakes the thread
  std::string host_;
  int port_ = 0;
  std::thread thread_;
};

}  // namespace xueji

#endif  // XUEJI_COMMANDS_OPS_METRICS_SERVER_H_
