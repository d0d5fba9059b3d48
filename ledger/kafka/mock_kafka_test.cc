// Tests of the ledger-mock-kafka tool as a child process: the bootstrap
// line, the topics it creates, and its control socket.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "ledger/kafka/kafka_log.h"

namespace xueji {
namespace {

namespace fs = std::filesystem;

// The tool running with a control socket in a fresh temp directory.
class MockKafkaProcess {
 public:
  MockKafkaProcess() {
    dir_ = fs::temp_directory_path() /
           ("xueji-mock-kafka-" + std::to_string(getpid()) + "-" +
            std::to_string(std::chrono::steady_clock::now()
                               .time_since_epoch()
                               .count()));
    fs::create_directories(dir_);
    socket_path_ = (dir_ / "control.sock").string();
    int out[2];
    REQUIRE(pipe(out) == 0);
    pid_ = fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      close(out[1]);
      execl(XUEJI_MOCK_KAFKA_BIN, XUEJI_MOCK_KAFKA_BIN, "--brokers", "3",
            "--partitions", "6", "--control", socket_path_.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    stdout_ = fdopen(out[0], "r");
    char line[1024] = {0};
    if (fgets(line, sizeof(line), stdout_) != nullptr) bootstrap_ = line;
    if (!bootstrap_.empty() && bootstrap_.back() == '\n') bootstrap_.pop_back();
  }
  ~MockKafkaProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) fclose(stdout_);
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  const std::string& bootstrap() const { return bootstrap_; }

  // Connects to the control socket; -1 on failure.
  int Connect() const {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof(addr.sun_path), "%s",
                  socket_path_.c_str());
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      close(fd);
      return -1;
    }
    return fd;
  }

  // Waits for the process to exit; its exit status or -1.
  int Wait() {
    int status = 0;
    if (waitpid(pid_, &status, 0) != pid_) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  fs::path dir_;
  std::string socket_path_;
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
  std::string bootstrap_;
};

// Sends one command line and returns the answer line.
std::string Command(int fd, const std::string& command) {
  std::string line = command + "\n";
  if (write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
    return "write failed";
  std::string answer;
  char c;
  while (read(fd, &c, 1) == 1 && c != '\n') answer.push_back(c);
  return answer;
}

TEST_CASE("ledger-mock-kafka prints its bootstrap list and obeys commands") {
  MockKafkaProcess tool;
  REQUIRE(tool.bootstrap().rfind("127.0.0.1:", 0) == 0);
  CHECK(std::count(tool.bootstrap().begin(), tool.bootstrap().end(), ',') == 2);

  // The events topic exists with 6 partitions and takes appends.
  KafkaLogOptions options;
  options.bootstrap_servers = tool.bootstrap();
  {
    auto log = OpenKafkaLog(options);
    REQUIRE(log.ok());
    CHECK((*log)->partitions() == 6);
  }

  int fd = tool.Connect();
  REQUIRE(fd >= 0);
  CHECK(Command(fd, "broker-down 1") == "ok");
  CHECK(Command(fd, "broker-up 1") == "ok");
  CHECK(Command(fd, "leader xueji.events 0 2") == "ok");
  CHECK(Command(fd, "error Produce NOT_LEADER_OR_FOLLOWER 3") == "ok");
  CHECK(Command(fd, "error JoinGroup COORDINATOR_NOT_AVAILABLE") == "ok");
  CHECK(Command(fd, "rtt 2 20") == "ok");
  CHECK(Command(fd, "broker-down 7").rfind("error: ", 0) == 0);
  CHECK(Command(fd, "error Produce NO_SUCH_ERROR").rfind("error: ", 0) == 0);
  CHECK(Command(fd, "leader xueji.nosuch 0 1").rfind("error: ", 0) == 0);
  CHECK(Command(fd, "dance").rfind("error: ", 0) == 0);
  CHECK(Command(fd, "quit") == "ok");
  close(fd);
  CHECK(tool.Wait() == 0);
}

}  // namespace
}  // namespace xueji
