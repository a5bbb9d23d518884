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

namespace seqtrain::optim {

struct AdamConfig {
  double learning_rate = 0.001;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0;    // decoupled (AdamW): p -= learning_rate * weight_decay * p
  double clip_grad_norm = 0;  // applied by the trainer to the reduced gradient
};

class Adam {
 public:
  Adam(size_t num_params, const AdamConfig& config);

  // grads * grad_scale is the gradient to apply (e.g. scale = 1 / batch size).
  void Step(float* params, const float* grads, float grad_scale);

  int64_t step() const { return step_; }
  const std::vector<float>& first_moment() const { return m_; }
  const std::vector<float>& second_moment() const { return v_; }
  // For resuming: moments and step count as saved.
  void Restore(int64_t step, std::vector<float> m, std::vector<float> v);

 private:
  AdamConfig config_;
  int64_t step_ = 0;
  std::vector<float> m_;
  std::vector<float> v_;
};

}  // namespace seqtrain::optim
