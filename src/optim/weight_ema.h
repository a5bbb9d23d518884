// The exponential moving average of the weights (OptimizerConfig.ema_decay), as
// torch.optim.swa_utils.get_ema_multi_avg_fn computes it, after each optimizer step:
//   ema = decay * ema + (1 - decay) * params
// starting at the weights it is reset to (the initial ones, or those of a checkpoint without
// an average).
#pragma once

#include <cstddef>
#include <vector>

namespace seqtrain::optim {

class WeightEma {
 public:
  // decay in (0, 1).
  explicit WeightEma(double decay) : decay_(decay) {}

  void Reset(const float* params, size_t n) { values_.assign(params, params + n); }
  // After an optimizer step; params has values().size() entries.
  void Update(const float* params);

  double decay() const { return decay_; }
  const std::vector<float>& values() const { return values_; }
  std::vector<float>& values() { return values_; }

 private:
  double decay_;
  std::vector<float> values_;
};

}  // namespace seqtrain::optim
