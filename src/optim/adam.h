// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction and an explicit
// step counter, over one flat parameter buffer:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// and, when weight_decay > 0, the decoupled decay of AdamW (Loshchilov & Hutter):
//   p -= lr * weight_decay * p   (before the Adam update, on the old p)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "config.pb.h"

namespace seqtrain::optim {

class Adam {
 public:
  Adam(size_t num_params, const OptimizerConfig& config);

  // grads * grad_scale is the gradient to apply (e.g. scale = 1 / batch size).
  void Step(float* params, const float* grads, float grad_scale);

  int64_t step() const { return step_; }
  const std::vector<float>& first_moment() const { return m_; }
  const std::vector<float>& second_moment() const { return v_; }
  // For resuming: moments and step count as saved.
  void Restore(int64_t step, std::vector<float> m, std::vector<float> v);

 private:
  OptimizerConfig config_;  // clip_grad_norm is applied by the trainer
  int64_t step_ = 0;
  std::vector<float> m_;
  std::vector<float> v_;
};

}  // namespace seqtrain::optim
