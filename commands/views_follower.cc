#include "commands/views_follower.h"

#include <utility>
#include <vector>

#include "commands/session.h"

namespace xueji {

ViewsFollower::ViewsFollower(Views& views, EventLog& log, int64_t min_events)
    : views_(views),
      log_(log),
      min_events_(min_events),
      appended_(AppendedEvents()),
      projected_(appended_),
      thread_([this] { Run(); }) {}

ViewsFollower::~ViewsFollower() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> hold(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

int64_t ViewsFollower::AppendedEvents() {
  absl::StatusOr<std::vector<int64_t>> heads = log_.HeadOffsets();
  if (!heads.ok()) return -1;
  int64_t sum = 0;
  for (int64_t head : *heads) sum += head;
  return sum;
}

void ViewsFollower::Moved() {
  const int64_t appended = AppendedEvents();
  bool wake = false;
  {
    std::lock_guard<std::mutex> hold(mu_);
    // -1: the heads did not read; a pass says why.
    wake = appended < 0 || appended - projected_ >= min_events_;
    appended_ = appended < 0 ? appended_ + min_events_ : appended;
  }
  if (wake) wake_.notify_one();
}

absl::Status ViewsFollower::Finish(Progress* progress) {
  if (!thread_.joinable()) return absl::FailedPreconditionError("finished");
  {
    std::lock_guard<std::mutex> hold(mu_);
    finishing_ = true;
    progress_ = progress;
  }
  wake_.notify_all();
  thread_.join();
  return status_;
}

void ViewsFollower::Run() {
  // The rows fold in memory across passes, written out as sorted files
  // (projections/views.h, BeginWriteBehind) and when the thread ends.
  views_.BeginWriteBehind(kWriteBehindBytes);
  Passes();
  absl::Status written = views_.EndWriteBehind();
  std::lock_guard<std::mutex> hold(mu_);
  if (status_.ok()) status_ = std::move(written);
}

void ViewsFollower::Passes() {
  std::unique_lock<std::mutex> hold(mu_);
  while (true) {
    wake_.wait(hold, [&] {
      return stopping_ || finishing_ || appended_ - projected_ >= min_events_;
    });
    if (stopping_) return;
    const bool last = finishing_;
    Progress* const progress = last ? progress_ : nullptr;
    projected_ = appended_;
    hold.unlock();
    // Up to the heads as CatchUp reads them (at least projected_).
    absl::StatusOr<int64_t> applied =
        views_.CatchUp(log_, [progress](const CatchUpProgress& p) {
          if (progress != nullptr) progress->Update(p.applied);
        });
    if (applied.ok() && progress != nullptr) progress->Done(*applied);
    hold.lock();
    if (!applied.ok()) {
      status_ = applied.status();
      return;  // the appends go on; Finish() reports it
    }
    if (last) return;
  }
}

}  // namespace xueji
