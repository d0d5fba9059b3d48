// systemd's readiness and watchdog protocol (sd_notify(3)), written to
// $NOTIFY_SOCKET ourselves: no libsystemd. With Type=notify in a unit,
// systemd counts the service started when it sends READY=1; with
// WatchdogSec= it restarts a service that stops sending WATCHDOG=1 in time.
// Outside systemd (no $NOTIFY_SOCKET) every call does nothing.
//
// Ownership: a Watchdog holds its interval and the time of its last ping.
// Thread-safety: SdNotify may be called from any thread; a Watchdog from
// one thread (the service loop whose liveness it vouches for).
#ifndef XUEJI_COMMANDS_OPS_SD_NOTIFY_H_
#define XUEJI_COMMANDS_OPS_SD_NOTIFY_H_

#include <chrono>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace xueji {

// Sends `state` ("READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1") as
// one datagram to $NOTIFY_SOCKET (a path, or "@name" for the abstract
// namespace). OK without $NOTIFY_SOCKET; an error if sending fails.
absl::Status SdNotify(std::string_view state);

// The watchdog systemd asks for ($WATCHDOG_USEC, for this process when
// $WATCHDOG_PID is set): Tick() sends WATCHDOG=1 when half the interval has
// passed since the last one. Call it from the service's loop, so that a
// stuck loop stops the pings.
class Watchdog {
 public:
  Watchdog();  // reads the environment
  bool enabled() const { return interval_.count() > 0; }
  void Tick();

 private:
  std::chrono::microseconds interval_{0};
  std::chrono::steady_clock::time_point last_{};
};

}  // namespace xueji

#endif  // XUEJI_COMMANDS_OPS_SD_NOTIFY_H_
