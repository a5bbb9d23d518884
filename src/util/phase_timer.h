// Where a training step's time goes: wall time accumulated per phase over the
// whole run, cheap enough (two clock reads per scope) to stay on. Phases nest
// only by design of the callers: each scope covers one phase exclusively.
#pragma once

#include <chrono>

namespace seqtrain {

enum class Phase {
  kData,          // batch -> time-major floats
  kForwardGemm,   // input projection, recurrent, their operands, output layer
  kBackwardGemm,  // weight gradients, dh and dx
  kGateMath,      // elementwise LSTM gates, forward and backward
  kLoss,          // softmax cross-entropy
  kAllreduce,     // gradient and step-control allreduces (including waiting for other ranks)
  kOptimizer,     // finiteness check, clipping, Adam
  kCount
};

const char* PhaseName(Phase phase);

struct PhaseTotals {
  double seconds[static_cast<int>(Phase::kCount)] = {};
};

// Process-wide totals (one model per process).
PhaseTotals& GlobalPhaseTotals();

class ScopedPhase {
 public:
  explicit ScopedPhase(Phase phase) : phase_(phase), start_(std::chrono::steady_clock::now()) {}
  ~ScopedPhase() {
    GlobalPhaseTotals().seconds[static_cast<int>(phase_)] +=
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  ScopedPhase(const ScopedPhase&) = delete;
  ScopedPhase& operator=(const ScopedPhase&) = delete;

 private:
  Phase phase_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace seqtrain
