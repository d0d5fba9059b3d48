#include "ledger/storage/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"

namespace xueji {

absl::StatusOr<std::unique_ptr<WriterLock>> WriterLock::Acquire(
    const DataDir& dir, absl::Duration timeout) {
  std::error_code ec;
  std::filesystem::create_directories(dir.root, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot create data directory ",
                                               dir.root, ": ", ec.message()));
  }
  int fd = ::open(dir.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot open ", dir.lock(), ": ", std::strerror(errno)));
  }
  const absl::Time deadline = absl::Now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return absl::UnavailableError(
          absl::StrCat("cannot lock ", dir.lock(), ": ", std::strerror(err)));
    }
    if (absl::Now() >= deadline) {
      ::close(fd);
      return absl::UnavailableError(
          absl::StrCat("ledger is busy: another ledger process is writing ",
                       dir.root, " (waited ", absl::FormatDuration(timeout),
                       "; set LEDGER_LOCK_TIMEOUT to wait longer)"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return std::unique_ptr<WriterLock>(new WriterLock(fd));
}

WriterLock::~WriterLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace xueji
