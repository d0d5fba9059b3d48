// StopSignals: SIGTERM/SIGINT handling for the long-running subcommands
// (`processor`, `projector`). The first signal sets a flag the service polls
// between batches and arms a watchdog (alarm, 15 s) so that a service blocked
// in a Kafka call that ignores its timeouts (a broker gone for good) still
// exits; a second signal exits at once. Dying mid-batch loses nothing: the
// processor's journal and the projector's checkpoints make a restart exact.
//
// One StopSignals at a time per process; handlers restored on destruction.
#ifndef XUEJI_COMMANDS_STOP_SIGNALS_H_
#define XUEJI_COMMANDS_STOP_SIGNALS_H_

#include <signal.h>
#include <unistd.h>

#include <atomic>

namespace xueji {

class StopSignals {
 public:
  StopSignals() {
    Flag().store(false);
    struct sigaction action {};
    action.sa_handler = &StopSignals::OnSignal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGTERM, &action, &old_term_);
    sigaction(SIGINT, &action, &old_int_);
  }
  ~StopSignals() {
    alarm(0);
    sigaction(SIGTERM, &old_term_, nullptr);
    sigaction(SIGINT, &old_int_, nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Set once a stop was asked for.
  static const std::atomic<bool>& stop() { return Flag(); }

 private:
  static std::atomic<bool>& Flag() {
    static std::atomic<bool> flag{false};
    return flag;
  }
  static void OnSignal(int signal) {
    if (Flag().exchange(true)) _exit(128 + signal);  // asked twice
    alarm(15);  // SIGALRM's default action ends the process
  }

  struct sigaction old_term_ {};
  struct sigaction old_int_ {};
};

}  // namespace xueji

#endif  // XUEJI_COMMANDS_STOP_SIGNALS_H_
