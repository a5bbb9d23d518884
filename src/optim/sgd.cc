#include "optim/sgd.h"

namespace seqtrain::optim {

const std::vector<std::string>& Sgd::StateNames() {
  static const std::vector<std::string> names = {"momentum_buffer"};
  return names;
}

Sgd::Sgd(const OptimizerConfig& config, size_t num_params)
    : Optimizer(kName, num_params, StateNames(), config.learning_rate()), config_(config) {}

// Plain float arithmetic with no dispatch, built with -ffp-contract=off: one instruction
// sequence for every node, so replicas on different CPUs stay identical.
void Sgd::Update(float* params, const float* grads, float grad_scale, int64_t) {
  const auto lr = static_cast<float>(learning_rate());
  const auto decay = static_cast<float>(config_.weight_decay());
  const auto momentum = static_cast<float>(config_.momentum());
  const bool nesterov = config_.nesterov();
  float* buffer = state_data(0);
  const size_t n = num_params();
  for (size_t i = 0; i < n; ++i) {
    float g = grads[i] * grad_scale;
    if (decay > 0) g += decay * params[i];
    if (momentum > 0) {
      buffer[i] = momentum * buffer[i] + g;
      g = nesterov ? g + momentum * buffer[i] : buffer[i];
    } else {
      buffer[i] = g;
    }
    params[i] -= lr * g;
  }
}

}  // namespace seqtrain::optim
