// Stochastic gradient descent with momentum, optionally Nesterov's, as torch.optim.SGD
// computes it (dampening 0); state "momentum_buffer":
//   g = grad + weight_decay * p                      (L2, when weight_decay > 0)
//   b = momentum * b + g                             (b = g at the first step: b starts at 0)
//   p -= lr * (nesterov ? g + momentum * b : b)      (momentum 0: p -= lr * g)
// It reads momentum, nesterov and weight_decay of OptimizerConfig; the learning rate is the
// optimizer's learning_rate().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config.pb.h"
#include "optim/optimizer.h"

namespace seqtrain::optim {

class Sgd : public Optimizer {
 public:
  static constexpr char kName[] = "sgd";
  static const std::vector<std::string>& StateNames();  // "momentum_buffer"

  Sgd(const OptimizerConfig& config, size_t num_params);

  const std::vector<float>& momentum_buffer() const { return state()[0].values; }

 private:
  void Update(float* params, const float* grads, float grad_scale, int64_t step) override;

  OptimizerConfig config_;
};

}  // namespace seqtrain::optim
