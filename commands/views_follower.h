// ViewsFollower: projects the views on a thread of their own while a write
// session goes on deciding and appending (`ledger submit`, `registry load`;
// issue 12: decide, append+fsync and projection on the two cores).
//
// The thread catches the views up (Views::CatchUp) to the log's heads
// whenever at least `min_events` have been appended since its last pass;
// the appending thread says so with Moved() after each Append (no polling).
// Finish() makes one last pass to the heads as they are then, joins the
// thread and returns its first error. The views' checkpoints never get ahead
// of the log: CatchUp stops at HeadOffsets(), which the embedded log
// publishes only after the append is durable (event_log.h, "Thread-safety").
// A process killed at any point leaves views a checkpoint behind, which the
// next command catches up. The views are written behind while followed
// (Views::BeginWriteBehind): folded in memory across passes, written out as
// sorted files every kWriteBehindBytes of rows and when the thread ends.
//
// Thread-safety: `views` is the thread's alone from construction until
// Finish() returns (or the destructor, which also joins). Moved() and
// Finish() are called from the one thread that appends to `log`.
#ifndef XUEJI_COMMANDS_VIEWS_FOLLOWER_H_
#define XUEJI_COMMANDS_VIEWS_FOLLOWER_H_

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "absl/status/status.h"
#include "ledger/log/event_log.h"
#include "projections/views.h"

namespace xueji {

class Progress;  // commands/session.h

class ViewsFollower {
 public:
  // Starts the thread. `views` and `log` must outlive the follower.
  ViewsFollower(Views& views, EventLog& log, int64_t min_events);
  // Stops without the last pass (an error path) and joins.
  ~ViewsFollower();
  ViewsFollower(const ViewsFollower&) = delete;
  ViewsFollower& operator=(const ViewsFollower&) = delete;

  // After an Append returned: wakes the thread once enough has moved.
  void Moved();
  // Waits for the views to reach the heads as they are now (progress, if
  // given, reports this last pass), joins, and returns the first error of
  // any pass. Once only.
  absl::Status Finish(Progress* progress);

 private:
  // Rows of the views changed before a write-out (Views::BeginWriteBehind).
  static constexpr size_t kWriteBehindBytes = size_t{32} << 20;
  void Run();     // the thread: Passes() with the views written behind
  void Passes();  // a pass each time enough has moved, the last on Finish
  int64_t AppendedEvents();  // sum of the log's heads; an error: -1

  Views& views_;
  EventLog& log_;
  const int64_t min_events_;
  std::mutex mu_;
  std::condition_variable wake_;
  int64_t appended_ = 0;   // events in the log as Moved() last saw them
  int64_t projected_ = 0;  // ... as the thread's last pass started
  bool finishing_ = false;
  bool stopping_ = false;
  Progress* progress_ = nullptr;  // for the last pass
  absl::Status status_;           // the first error
  std::thread thread_;            // last: starts once the rest is built
};

}  // namespace xueji

#endif  // XUEJI_COMMANDS_VIEWS_FOLLOWER_H_
