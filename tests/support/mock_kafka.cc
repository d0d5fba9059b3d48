// MockKafka (kafka_cluster.h): ledger-mock-kafka as a child process.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "tests/support/kafka_cluster.h"

namespace xueji::testing {

namespace fs = std::filesystem;

MockKafka::MockKafka(int brokers, int partitions)
    : own_dir_(std::make_unique<TempDir>("xueji-mock-kafka")),
      brokers_(brokers),
      partitions_(partitions) {
  Start(own_dir_->path());
}

MockKafka::MockKafka(const fs::path& dir, int brokers, int partitions)
    : brokers_(brokers), partitions_(partitions) {
  Start(dir);
}

void MockKafka::Start(const fs::path& dir) {
  socket_ = dir / "mock.sock";
  process_ = BackgroundProcess::Start(
      "mock", MockKafkaBinary(),
      {"--brokers", std::to_string(brokers_), "--partitions",
       std::to_string(partitions_), "--control", socket_.string()},
      RunOptions{}, dir / "logs");
  WaitFor(
      [this] {
        std::string out = process_->Stdout();
        size_t eol = out.find('\n');
        if (eol != std::string::npos) bootstrap_ = out.substr(0, eol);
        return !bootstrap_.empty() || !process_->Running();
      },
      Millis(20000), Millis(20));
  // The socket is listening before the bootstrap line is printed.
  if (!bootstrap_.empty() && Command("ping") != "ok") bootstrap_.clear();
}

MockKafka::~MockKafka() { process_->Terminate(Millis(5000)); }

std::optional<int> MockKafka::WaitExit(Millis limit) {
  return process_->Wait(limit);
}

std::string MockKafka::Command(const std::string& line) const {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::string("error: socket: ") + std::strerror(errno);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket_.c_str(), sizeof(addr.sun_path) - 1);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd);
    return "error: connect " + socket_.string() + ": " + why;
  }
  const std::string text = line + "\n";
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n =
        ::send(fd, text.data() + done, text.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  std::string answer;
  char c;
  while (answer.size() < 4096) {
    ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    answer.push_back(c);
  }
  ::close(fd);
  return answer.empty() ? "error: no answer from the mock cluster" : answer;
}

std::string MockKafka::Logs() const {
  return "--- mock stderr:\n" + Tail(process_->Stderr());
}

}  // namespace xueji::testing
