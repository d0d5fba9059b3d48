#include "ledger/storage/data_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace xueji {

absl::StatusOr<std::unique_ptr<WriterLock>> WriterLock::Acquire(
    const DataDir& dir, absl::Duration timeout) {
  std::error_code ec;
  std::filesystem::create_directories(dir.root, ec);
  if (ec) {
    return absl::UnavailableError(absl::StrCat("cannot create data directory ",
                                               dir.root, ": ", ec.message()));
  }
  int fd = ::open(dir.lock().c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
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

bool StoreExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(std::filesystem::path(path) / "CURRENT", ec);
}

absl::Status MarkDamaged(const DataDir& dir, const absl::Status& found) {
  std::string line = absl::StrCat(
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()),
      " ", found.message());
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::optional<std::string> known = DamageMark(dir);
  if (known.has_value() &&
      known->find(std::string(found.message())) != std::string::npos) {
    return absl::OkStatus();  // already marked for this
  }
  if (known.has_value() &&
      std::count(known->begin(), known->end(), '\n') >= 20) {
    return absl::OkStatus();  // enough said
  }
  const std::string tmp = dir.damage_mark() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << known.value_or("") << line << "\n";
    out.flush();
    if (!out) {
      return absl::InternalError(absl::StrCat("cannot write ", tmp));
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, dir.damage_mark(), ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot write ", dir.damage_mark(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

std::optional<std::string> DamageMark(const DataDir& dir) {
  std::ifstream in(dir.damage_mark());
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

absl::Status ClearDamageMark(const DataDir& dir) {
  std::error_code ec;
  std::filesystem::remove(dir.damage_mark(), ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("cannot remove ", dir.damage_mark(), ": ", ec.message()));
  }
  return absl::OkStatus();
}

std::vector<std::string> RemoveLeftovers(const DataDir& dir) {
  std::vector<std::string> removed;
  for (const std::string& path :
       {dir.views_rebuild(), dir.state_rebuild(), dir.views() + ".old"}) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) continue;
    std::filesystem::remove_all(path, ec);
    if (!ec) removed.push_back(path);
  }
  return removed;
}

WriterLock::~WriterLock() {
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
}

}  // namespace xueji
