// The learning rate of each optimizer step, from OptimizerConfig: the peak is learning_rate
// (times batch_size / 128 with scale_lr_with_batch), and schedule (LrSchedule, config.proto)
// shapes it over the steps. With s = step - 1 updates done before this one:
//   warmup (s < W = warmup_steps):  peak * (s + 1) / W
//   after it, u = s - W:
//     CONSTANT      peak
//     COSINE        min_lr + (peak - min_lr) * (1 + cos(pi * min(u, D) / D)) / 2,
//                   D = decay_steps, or last_step - W when 0
//     STEP          max(min_lr, peak * gamma^floor(u / step_size))
//     INVERSE_SQRT  max(min_lr, peak * sqrt(max(W, 1) / (s + 1)))
// CONSTANT without warmup (the defaults) gives every step the peak: exactly learning_rate
// without the scaling, as before schedules existed.
#pragma once

#include <cstdint>

#include "config.pb.h"

namespace seqtrain::optim {

class LrSchedule {
 public:
  // last_step: the run's final optimizer step (for COSINE without decay_steps).
  LrSchedule(const OptimizerConfig& config, int64_t batch_size, int64_t last_step);

  // The learning rate of optimizer step `step` (1-based).
  double At(int64_t step) const;
  double peak() const { return peak_; }
  // Whether the learning rate differs from learning_rate at some step (then the metrics
  // report it per step).
  static bool Varies(const OptimizerConfig& config);

 private:
  OptimizerConfig config_;
  double peak_;
  int64_t last_step_;
};

}  // namespace seqtrain::optim
