#include "commands/ops/sd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace xueji {

absl::Status SdNotify(std::string_view state) {
  const char* path = std::getenv("NOTIFY_SOCKET");
  if (path == nullptr || *path == '\0') return absl::OkStatus();
  const size_t len = std::strlen(path);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if ((path[0] != '/' && path[0] != '@') || len >= sizeof sa.sun_path) {
    return absl::InvalidArgumentError(
        absl::StrCat("NOTIFY_SOCKET ", path, ": not a socket path"));
  }
  std::memcpy(sa.sun_path, path, len);
  if (path[0] == '@') sa.sun_path[0] = '\0';  // the abstract namespace
  const socklen_t sa_len =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + len);
  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return absl::UnknownError(
        absl::StrCat("sd_notify: socket: ", std::strerror(errno)));
  }
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL,
                                reinterpret_cast<const sockaddr*>(&sa), sa_len);
  const int err = errno;
  ::close(fd);
  if (sent < 0) {
    return absl::UnknownError(
        absl::StrCat("sd_notify to ", path, ": ", std::strerror(err)));
  }
  return absl::OkStatus();
}

Watchdog::Watchdog() {
  const char* usec = std::getenv("WATCHDOG_USEC");
  int64_t value = 0;
  if (usec == nullptr || !absl::SimpleAtoi(usec, &value) || value <= 0) return;
  if (const char* pid = std::getenv("WATCHDOG_PID"); pid != nullptr) {
    int64_t for_pid = 0;
    if (!absl::SimpleAtoi(pid, &for_pid) || for_pid != ::getpid()) return;
  }
  interval_ = std::chrono::microseconds(value);
}

void Watchdog::Tick() {
  if (!enabled()) return;
  const auto now = std::chrono::steady_clock::now();
  if (last_ != std::chrono::steady_clock::time_point{} &&
      now - last_ < interval_ / 2) {
    return;
  }
  last_ = now;
  (void)SdNotify("WATCHDOG=1");
}

}  // namespace xueji
