#include "dist/watchdog.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "util/exit_codes.h"

namespace seqtrain::dist {
namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string Seconds(double s) {
  char text[32];
  std::snprintf(text, sizeof text, s < 10 ? "%.2g s" : "%.0f s", s);
  return text;
}
}  // namespace

Watchdog::Watchdog(const WatchdogLimits& limits, int rank, int world_size)
    : limits_(limits), rank_(rank), world_size_(world_size) {
  if (limits_.enabled) thread_ = std::thread([this] { Watch(); });
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

double Watchdog::CurrentLimit(LimitKind* kind) const {
  LimitKind unused;
  if (!kind) kind = &unused;
  *kind = LimitKind::kFixed;
  if (!limits_.enabled) return 0;
  if (limits_.fixed_seconds > 0) return limits_.fixed_seconds;
  const double slowest = slowest_recent_.load(std::memory_order_relaxed);
  *kind = slowest <= 0 || last_step_done_ns_ == 0 ? LimitKind::kStartup : LimitKind::kDerived;
  if (*kind == LimitKind::kStartup) return limits_.startup_seconds;
  return std::max(kMinDerivedSeconds, kDerivedFactor * slowest);
}

void Watchdog::Enter(const char* operation, int64_t step) {
  operation_.store(operation, std::memory_order_relaxed);
  step_.store(step, std::memory_order_relaxed);
  LimitKind kind;
  limit_seconds_.store(CurrentLimit(&kind), std::memory_order_relaxed);
  limit_kind_.store(kind, std::memory_order_relaxed);
  entered_ns_.store(NowNs(), std::memory_order_release);
}

void Watchdog::Leave() { entered_ns_.store(0, std::memory_order_release); }

void Watchdog::StepDone() {
  const int64_t now = NowNs();
  if (last_step_done_ns_ != 0) {
    recent_[recent_next_] = (now - last_step_done_ns_) * 1e-9;
    recent_next_ = (recent_next_ + 1) % kTimedSteps;
    recent_count_ = std::min(recent_count_ + 1, kTimedSteps);
    slowest_recent_.store(*std::max_element(recent_, recent_ + recent_count_),
                          std::memory_order_relaxed);
  }
  last_step_done_ns_ = now;
}

void Watchdog::Pause() { last_step_done_ns_ = 0; }

std::string Watchdog::LimitReason(LimitKind kind) const {
  switch (kind) {
    case LimitKind::kFixed:
      return "failure.collective_timeout_seconds";
    case LimitKind::kStartup:
      return "failure.startup_timeout_seconds, no step timed yet since the start or a pause";
    case LimitKind::kDerived:
      break;
  }
  return std::to_string(static_cast<int>(kDerivedFactor)) + " x the slowest of the last " +
         std::to_string(kTimedSteps) + " steps (" +
         Seconds(slowest_recent_.load(std::memory_order_relaxed)) + "), at least " +
         Seconds(kMinDerivedSeconds);
}

std::string Watchdog::Describe() const {
  if (!limits_.enabled) return "watchdog: off (failure.watchdog = false)";
  if (limits_.fixed_seconds > 0) {
    return "watchdog: " + Seconds(limits_.fixed_seconds) +
           " per collective (failure.collective_timeout_seconds)";
  }
  return "watchdog: " + Seconds(limits_.startup_seconds) +
         " per collective until a step is timed (failure.startup_timeout_seconds), then max(" +
         Seconds(kMinDerivedSeconds) + ", " + std::to_string(static_cast<int>(kDerivedFactor)) +
         " x the slowest of the last " + std::to_string(kTimedSteps) + " steps)";
}

void Watchdog::Watch() {
  // Check often enough that the overshoot is a small part of the shortest limit.
  const double shortest = limits_.fixed_seconds > 0
                              ? limits_.fixed_seconds
                              : std::min(kMinDerivedSeconds, limits_.startup_seconds);
  const auto period = std::chrono::duration<double>(std::min(1.0, std::max(0.01, shortest / 20)));
  // A wake-up this much later than due means the process was not running.
  constexpr int64_t kFrozenNs = 2'000'000'000;
  const auto period_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(period).count();
  int64_t last_wake = NowNs();
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stopping_; })) {
    const int64_t now = NowNs();
    const int64_t frozen = now - last_wake - period_ns;
    last_wake = now;
    int64_t entered = entered_ns_.load(std::memory_order_acquire);
    if (frozen > kFrozenNs && entered != 0) {
      // This process itself was stopped (SIGSTOP, then SIGCONT from the launcher ending the
      // job): that time is not another rank's fault, so it does not count.
      entered_ns_.compare_exchange_strong(entered, entered + frozen, std::memory_order_acq_rel);
      continue;
    }
    if (entered == 0) continue;
    const double waited = (now - entered) * 1e-9;
    const double limit = limit_seconds_.load(std::memory_order_relaxed);
    if (waited < limit) continue;
    // The rank that is stuck cannot say so; with two ranks it is the other one.
    const std::string stuck =
        world_size_ == 2
            ? "rank " + std::to_string(1 - rank_) + " has not completed it (stalled or gone)"
            : "the ranks that do not report this are stalled or gone";
    std::fprintf(stderr,
                 "seqtrain: error: [rank %d] watchdog: waited %.1f s in %s at step %lld (limit %s: "
                 "%s); %s\n",
                 rank_, waited, operation_.load(), static_cast<long long>(step_.load()),
                 Seconds(limit).c_str(),
                 LimitReason(limit_kind_.load(std::memory_order_relaxed)).c_str(), stuck.c_str());
    std::fflush(stderr);
    // No MPI from this thread; the launcher notices the exit and ends the other ranks.
    _exit(kExitWatchdog);
  }
}

}  // namespace seqtrain::dist
