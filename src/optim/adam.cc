#include "optim/adam.h"

#include <cmath>

#include "util/error.h"

namespace seqtrain::optim {

Adam::Adam(size_t num_params, const AdamConfig& config)
    : config_(config), m_(num_params, 0.0f), v_(num_params, 0.0f) {}

void Adam::Step(float* params, const float* grads, float grad_scale) {
  ++step_;
  const double t = static_cast<double>(step_);
  const auto step_size =
      static_cast<float>(config_.learning_rate / (1.0 - std::pow(config_.beta1, t)));
  const auto inv_sqrt_bias2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(config_.beta2, t)));
  const auto b1 = static_cast<float>(config_.beta1);
  const auto b2 = static_cast<float>(config_.beta2);
  const auto eps = static_cast<float>(config_.epsilon);
  float* __restrict m = m_.data();
  float* __restrict v = v_.data();
  const size_t n = m_.size();
  if (config_.weight_decay > 0) {
    const auto keep = static_cast<float>(1.0 - config_.learning_rate * config_.weight_decay);
    for (size_t i = 0; i < n; ++i) params[i] *= keep;
  }
  for (size_t i = 0; i < n; ++i) {
    const float g = grads[i] * grad_scale;
    m[i] = b1 * m[i] + (1.0f - b1) * g;
    v[i] = b2 * v[i] + (1.0f - b2) * g * g;
    params[i] -= step_size * m[i] / (std::sqrt(v[i]) * inv_sqrt_bias2 + eps);
  }
}

void Adam::Restore(int64_t step, std::vector<float> m, std::vector<float> v) {
  SEQ_CHECK(m.size() == m_.size() && v.size() == v_.size() && step >= 0);
  step_ = step;
  m_ = std::move(m);
  v_ = std::move(v);
}

}  // namespace seqtrain::optim
