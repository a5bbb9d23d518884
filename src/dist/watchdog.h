// Ends a job that would otherwise hang: a rank that waits in one collective
// longer than the limit (a peer stalled, died without the launcher noticing,
// or is stuck in I/O) prints which step and which operation it waited in and
// exits with kExitWatchdog (util/exit_codes.h); the launcher then ends the other ranks. Runs a
// thread that never calls MPI.
//
// The limit fits the run: until a step has been timed (start-up: loading data
// and checkpoints, the first step) and around pauses whose length no rank can
// predict (a save on rank 0, an evaluation) it is the fixed start-up bound;
// in between it is max(kMinDerivedSeconds, kDerivedFactor x the slowest of
// the last kTimedSteps steps), unless a fixed limit is configured.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace seqtrain::dist {

struct WatchdogLimits {
  bool enabled = true;
  double fixed_seconds = 0;      // > 0: this limit throughout; 0: derived from the step times
  double startup_seconds = 120;  // before a step is timed and around pauses (when derived)
};

class Watchdog {
 public:
  static constexpr double kMinDerivedSeconds = 30;
  static constexpr double kDerivedFactor = 20;
  static constexpr int kTimedSteps = 100;

  Watchdog(const WatchdogLimits& limits, int rank, int world_size);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Brackets one collective; operation must be a string literal.
  void Enter(const char* operation, int64_t step);
  void Leave();

  // Called by every rank after each training step: times it from the previous call.
  void StepDone();
  // Every rank calls this before work of unforeseeable length between steps (a
  // save, an evaluation): until the next StepDone the start-up bound applies and
  // that step is not timed.
  void Pause();

  enum class LimitKind { kFixed, kStartup, kDerived };
  // The limit a collective entered now would get, in seconds (0: disabled).
  double CurrentLimit(LimitKind* kind = nullptr) const;
  // One line for the start of the run, e.g. "watchdog: 120 s per collective until a step ...".
  std::string Describe() const;

 private:
  void Watch();
  std::string LimitReason(LimitKind kind) const;

  const WatchdogLimits limits_;
  const int rank_, world_size_;
  std::atomic<int64_t> entered_ns_{0};    // 0: not inside a collective
  std::atomic<double> limit_seconds_{0};  // of the collective entered
  std::atomic<LimitKind> limit_kind_{LimitKind::kStartup};
  std::atomic<const char*> operation_{""};
  std::atomic<int64_t> step_{0};
  // Step timing, used only by the calling thread.
  int64_t last_step_done_ns_ = 0;  // 0: not yet, or paused
  double recent_[kTimedSteps] = {};
  int recent_count_ = 0, recent_next_ = 0;
  std::atomic<double> slowest_recent_{0};  // 0: no step timed yet
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace seqtrain::dist
