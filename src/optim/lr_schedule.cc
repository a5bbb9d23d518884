#include "optim/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace seqtrain::optim {

LrSchedule::LrSchedule(const OptimizerConfig& config, int64_t batch_size, int64_t last_step)
    : config_(config),
      peak_(config.scale_lr_with_batch()
                ? config.learning_rate() * static_cast<double>(batch_size) / 128.0
                : config.learning_rate()),
      last_step_(last_step) {}

bool LrSchedule::Varies(const OptimizerConfig& config) {
  const seqtrain::LrSchedule& s = config.schedule();
  return config.scale_lr_with_batch() || s.warmup_steps() > 0 ||
         s.kind() != seqtrain::LrSchedule::CONSTANT;
}

double LrSchedule::At(int64_t step) const {
  const seqtrain::LrSchedule& s = config_.schedule();
  const int64_t done = std::max<int64_t>(step - 1, 0);
  const int64_t warmup = s.warmup_steps();
  if (done < warmup) return peak_ * static_cast<double>(done + 1) / static_cast<double>(warmup);
  const int64_t after = done - warmup;
  switch (s.kind()) {
    case seqtrain::LrSchedule::COSINE: {
      const int64_t span = s.decay_steps() > 0 ? s.decay_steps() : last_step_ - warmup;
      if (span <= 0) return peak_;
      const double progress =
          static_cast<double>(std::min(after, span)) / static_cast<double>(span);
      return s.min_lr() + (peak_ - s.min_lr()) * 0.5 * (1.0 + std::cos(M_PI * progress));
    }
    case seqtrain::LrSchedule::STEP:
      return std::max(s.min_lr(),
                      peak_ * std::pow(s.gamma(), static_cast<double>(after / s.step_size())));
    case seqtrain::LrSchedule::INVERSE_SQRT:
      return std::max(s.min_lr(),
                      peak_ * std::sqrt(static_cast<double>(std::max<int64_t>(warmup, 1)) /
                                        static_cast<double>(done + 1)));
    case seqtrain::LrSchedule::CONSTANT:
    default:
      return peak_;
  }
}

}  // namespace seqtrain::optim
