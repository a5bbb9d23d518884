#include "dist/watchdog.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace seqtrain::dist {
namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Watchdog::Watchdog(double timeout_seconds, int rank) : timeout_seconds_(timeout_seconds), rank_(rank) {
  if (timeout_seconds_ > 0) thread_ = std::thread([this] { Watch(); });
}

Watchdog::~Watchdog() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Watchdog::Enter(const char* operation, int64_t step) {
  operation_.store(operation, std::memory_order_relaxed);
  step_.store(step, std::memory_order_relaxed);
  entered_ns_.store(NowNs(), std::memory_order_release);
}

void Watchdog::Leave() { entered_ns_.store(0, std::memory_order_release); }

void Watchdog::Watch() {
  // Check often enough that the overshoot is a small part of the timeout.
  const auto period = std::chrono::duration<double>(std::min(1.0, std::max(0.01, timeout_seconds_ / 20)));
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    const int64_t entered = entered_ns_.load(std::memory_order_acquire);
    if (entered == 0) continue;
    const double waited = (NowNs() - entered) * 1e-9;
    if (waited < timeout_seconds_) continue;
    std::fprintf(stderr,
                 "seqtrain: error: [rank %d] watchdog: waited %.1f s in %s at step %lld (limit "
                 "failure.collective_timeout_seconds = %g); another rank is stalled or gone. Aborting.\n",
                 rank_, waited, operation_.load(), static_cast<long long>(step_.load()), timeout_seconds_);
    std::fflush(stderr);
    // No MPI from this thread; the launcher notices the exit and ends the other ranks.
    _exit(kExitWatchdog);
  }
}

}  // namespace seqtrain::dist
