// ledger-mock-kafka: librdkafka's in-memory mock Kafka cluster on loopback,
// for tests and the local quick start.
//
//   ledger-mock-kafka [--brokers N] [--partitions P] [--topic-prefix xueji]
//                     [--control PATH]
//
// Starts N mock brokers (ids 1..N, 127.0.0.1, random ports), creates the
// topics <prefix>.events, <prefix>.results, <prefix>.registry and
// <prefix>.graduates with P partitions each and <prefix>.requests and
// <prefix>.journal with one, prints the bootstrap list as the first line of
// stdout, then serves fault-injection commands, one per line, on stdin (answers
// on stdout) and, with --control, on a Unix domain socket at PATH (answers on
// the same connection):
//
//   broker-down ID | broker-up ID | leader TOPIC PARTITION BROKER |
//   error API_NAME ERROR_NAME [COUNT] | clear-errors API_NAME |
//   rtt BROKER MS | ping | quit
//
// Each command is answered `ok` or `error: <why>`. SIGTERM, SIGINT and `quit`
// stop the cluster and exit 0. The mock keeps about 5 MiB per partition in
// memory: it is for small tests only. Single-threaded (one poll loop).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"

namespace {

// Kafka protocol API keys (the RD_KAFKAP_* values of librdkafka's private
// rdkafka_proto.h; they are fixed by the Kafka protocol).
const std::map<std::string, int16_t>& ApiKeys() {
  static const auto* keys = new std::map<std::string, int16_t>{
      {"Produce", 0},          {"Fetch", 1},
      {"ListOffsets", 2},      {"Metadata", 3},
      {"OffsetCommit", 8},     {"OffsetFetch", 9},
      {"FindCoordinator", 10}, {"JoinGroup", 11},
      {"Heartbeat", 12},       {"LeaveGroup", 13},
      {"SyncGroup", 14},       {"DescribeGroups", 15},
      {"ApiVersions", 18},     {"CreateTopics", 19},
      {"InitProducerId", 22},  {"AddPartitionsToTxn", 24},
      {"AddOffsetsToTxn", 25}, {"EndTxn", 26},
      {"TxnOffsetCommit", 28},
  };
  return *keys;
}

// Error code by rd_kafka_err2name name (e.g. REQUEST_TIMED_OUT), optionally
// with the RD_KAFKA_RESP_ERR_ prefix; NOT_LEADER_OR_FOLLOWER (the current
// Kafka name) is accepted for NOT_LEADER_FOR_PARTITION.
std::optional<rd_kafka_resp_err_t> ErrorByName(std::string name) {
  const std::string prefix = "RD_KAFKA_RESP_ERR_";
  if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
  if (name == "NOT_LEADER_OR_FOLLOWER") name = "NOT_LEADER_FOR_PARTITION";
  const rd_kafka_err_desc* descs = nullptr;
  size_t count = 0;
  rd_kafka_get_err_descs(&descs, &count);
  for (size_t i = 0; i < count; ++i) {
    if (descs[i].name != nullptr && name == descs[i].name) return descs[i].code;
  }
  return std::nullopt;
}

bool ParseInt(const std::string& text, int64_t* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = v;
  return true;
}

std::string ErrText(rd_kafka_resp_err_t err) {
  return std::string("error: ") + rd_kafka_err2name(err) + " (" +
         rd_kafka_err2str(err) + ")";
}

// Executes one command line on `mock`; sets *quit for `quit`.
// The cluster and what the tool created in it.
struct Cluster {
  rd_kafka_mock_cluster_t* mock;
  int brokers;
  int partitions;
  std::vector<std::string> topics;
};

std::string Execute(const Cluster& cluster, const std::string& line,
                    bool* quit) {
  rd_kafka_mock_cluster_t* mock = cluster.mock;
  const int brokers = cluster.brokers;
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  if (words.empty()) return "error: empty command";
  const std::string& cmd = words[0];
  auto broker_arg = [&](const std::string& text, int32_t* id) {
    int64_t v = 0;
    if (!ParseInt(text, &v) || v < 1 || v > brokers) return false;
    *id = static_cast<int32_t>(v);
    return true;
  };
  int32_t broker = 0;
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (cmd == "quit" && words.size() == 1) {
    *quit = true;
    return "ok";
  } else if (cmd == "ping" && words.size() == 1) {
    return "ok";
  } else if ((cmd == "broker-down" || cmd == "broker-up") &&
             words.size() == 2) {
    if (!broker_arg(words[1], &broker)) return "error: no broker " + words[1];
    err = cmd == "broker-down" ? rd_kafka_mock_broker_set_down(mock, broker)
                               : rd_kafka_mock_broker_set_up(mock, broker);
  } else if (cmd == "leader" && words.size() == 4) {
    int64_t partition = 0;
    if (std::find(cluster.topics.begin(), cluster.topics.end(), words[1]) ==
        cluster.topics.end())
      return "error: unknown topic " + words[1];
    if (!ParseInt(words[2], &partition) || partition < 0 ||
        partition >= cluster.partitions)
      return "error: bad partition " + words[2];
    if (!broker_arg(words[3], &broker)) return "error: no broker " + words[3];
    err = rd_kafka_mock_partition_set_leader(
        mock, words[1].c_str(), static_cast<int32_t>(partition), broker);
  } else if (cmd == "error" && (words.size() == 3 || words.size() == 4)) {
    auto api = ApiKeys().find(words[1]);
    if (api == ApiKeys().end()) return "error: unknown API " + words[1];
    std::optional<rd_kafka_resp_err_t> code = ErrorByName(words[2]);
    if (!code) return "error: unknown error name " + words[2];
    int64_t count = 1;
    if (words.size() == 4 &&
        (!ParseInt(words[3], &count) || count < 1 || count > 10000))
      return "error: bad count " + words[3];
    std::vector<rd_kafka_resp_err_t> errors(count, *code);
    rd_kafka_mock_push_request_errors_array(mock, api->second, errors.size(),
                                            errors.data());
  } else if (cmd == "clear-errors" && words.size() == 2) {
    auto api = ApiKeys().find(words[1]);
    if (api == ApiKeys().end()) return "error: unknown API " + words[1];
    rd_kafka_mock_clear_request_errors(mock, api->second);
  } else if (cmd == "rtt" && words.size() == 3) {
    int64_t ms = 0;
    if (!broker_arg(words[1], &broker)) return "error: no broker " + words[1];
    if (!ParseInt(words[2], &ms) || ms < 0 || ms > 600000)
      return "error: bad milliseconds " + words[2];
    err = rd_kafka_mock_broker_set_rtt(mock, broker, static_cast<int>(ms));
  } else {
    return "error: unknown command or wrong arguments: " + cmd;
  }
  return err == RD_KAFKA_RESP_ERR_NO_ERROR ? "ok" : ErrText(err);
}

// A connection (stdin or a socket client) with its partial input line.
struct Peer {
  int in_fd;
  int out_fd;
  std::string buffer;
};

void WriteAll(int fd, const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // peer gone; its EOF closes it
    done += static_cast<size_t>(n);
  }
}

int ListenUnix(const std::string& path) {
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return -1;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  unlink(path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      listen(fd, 8) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

// Serves commands until quit, a signal on `signal_fd`, or an I/O failure.
void Serve(const Cluster& cluster, int signal_fd, int listen_fd) {
  std::vector<Peer> peers = {{STDIN_FILENO, STDOUT_FILENO, ""}};
  bool quit = false;
  while (!quit) {
    std::vector<pollfd> fds = {{signal_fd, POLLIN, 0}};
    if (listen_fd >= 0) fds.push_back({listen_fd, POLLIN, 0});
    const size_t first_peer = fds.size();
    for (const Peer& p : peers) fds.push_back({p.in_fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents != 0) return;  // SIGTERM / SIGINT
    if (listen_fd >= 0 && (fds[1].revents & POLLIN)) {
      int client = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (client >= 0) peers.push_back({client, client, ""});
    }
    std::vector<size_t> closed;
    for (size_t i = first_peer; i < fds.size() && !quit; ++i) {
      if (fds[i].revents == 0) continue;
      Peer& peer = peers[i - first_peer];
      char chunk[4096];
      ssize_t n = read(peer.in_fd, chunk, sizeof(chunk));
      if (n <= 0) {
        closed.push_back(i - first_peer);
        continue;
      }
      peer.buffer.append(chunk, static_cast<size_t>(n));
      size_t eol;
      while (!quit && (eol = peer.buffer.find('\n')) != std::string::npos) {
        std::string line = peer.buffer.substr(0, eol);
        peer.buffer.erase(0, eol + 1);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        WriteAll(peer.out_fd, Execute(cluster, line, &quit) + "\n");
      }
    }
    for (auto it = closed.rbegin(); it != closed.rend(); ++it) {
      if (peers[*it].in_fd != STDIN_FILENO) close(peers[*it].in_fd);
      peers.erase(peers.begin() + static_cast<long>(*it));
    }
  }
  for (const Peer& p : peers)
    if (p.in_fd != STDIN_FILENO) close(p.in_fd);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"librdkafka mock Kafka cluster on loopback, for tests"};
  int brokers = 3;
  int partitions = 6;
  std::string prefix = "xueji";
  std::string control;
  app.add_option("--brokers", brokers, "number of brokers")
      ->check(CLI::Range(1, 16));
  app.add_option("--partitions", partitions, "partitions per topic")
      ->check(CLI::Range(1, 64));
  app.add_option("--topic-prefix", prefix, "topic name prefix");
  app.add_option("--control", control, "Unix socket for commands");
  CLI11_PARSE(app, argc, argv);

  // Block the stop signals before librdkafka starts threads; read them
  // from a signalfd in the poll loop.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);
  signal(SIGPIPE, SIG_IGN);
  int signal_fd = signalfd(-1, &stop, SFD_CLOEXEC);

  char errstr[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr));
  rd_kafka_t* rk =
      rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
  if (rk == nullptr) {
    std::fprintf(stderr, "ledger-mock-kafka: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t* mock = rd_kafka_mock_cluster_new(rk, brokers);
  if (mock == nullptr) {
    std::fprintf(stderr, "ledger-mock-kafka: cannot start the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  Cluster cluster{mock, brokers, partitions, {}};
  int replication = std::min(brokers, 3);
  // requests and journal have one partition: one active processor decides
  // everything (docs/kafka-design.md).
  for (const char* name :
       {"requests", "events", "results", "registry", "journal", "graduates"}) {
    std::string topic = prefix + "." + name;
    cluster.topics.push_back(topic);
    const bool single =
        std::string(name) == "requests" || std::string(name) == "journal";
    rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
        mock, topic.c_str(), single ? 1 : partitions, replication);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::fprintf(stderr, "ledger-mock-kafka: topic %s: %s\n", topic.c_str(),
                   rd_kafka_err2str(err));
      return 1;
    }
  }
  int listen_fd = -1;
  if (!control.empty()) {
    listen_fd = ListenUnix(control);
    if (listen_fd < 0) {
      std::fprintf(stderr, "ledger-mock-kafka: cannot listen on %s: %s\n",
                   control.c_str(), std::strerror(errno));
      return 1;
    }
  }
  std::printf("%s\n", rd_kafka_mock_cluster_bootstraps(mock));
  std::fflush(stdout);

  Serve(cluster, signal_fd, listen_fd);

  if (listen_fd >= 0) {
    close(listen_fd);
    unlink(control.c_str());
  }
  rd_kafka_mock_cluster_destroy(mock);
  rd_kafka_destroy(rk);
  return 0;
}
