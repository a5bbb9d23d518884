// Ends a job that would otherwise hang: a rank that waits in one collective
// longer than the timeout (a peer stalled, died without the launcher
// noticing, or is stuck in I/O) prints which step and which operation it
// waited in and exits with kExitWatchdog; the launcher then ends the other
// ranks. Runs a thread that never calls MPI.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace seqtrain::dist {

// Like timeout(1).
constexpr int kExitWatchdog = 124;

class Watchdog {
 public:
  // timeout_seconds <= 0: disabled (no thread).
  Watchdog(double timeout_seconds, int rank);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  // Brackets one collective; operation must be a string literal.
  void Enter(const char* operation, int64_t step);
  void Leave();

 private:
  void Watch();

  const double timeout_seconds_;
  const int rank_;
  std::atomic<int64_t> entered_ns_{0};  // 0: not inside a collective
  std::atomic<const char*> operation_{""};
  std::atomic<int64_t> step_{0};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace seqtrain::dist
