// Adam (Kingma & Ba 2015, Algorithm 1) with bias correction, over one flat parameter
// buffer; state "m" and "v", the moments:
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps)
// Weight decay, when > 0, as PyTorch has it:
//   "adam"  (torch.optim.Adam):  g += weight_decay * p   (L2, coupled to the moments)
//   "adamw" (torch.optim.AdamW): p -= lr * weight_decay * p (Loshchilov & Hutter: decoupled,
//                                 before the Adam update, on the old p)
// It reads beta1, beta2, epsilon and weight_decay of OptimizerConfig; the learning rate is
// the optimizer's learning_rate().
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "config.pb.h"
#include "optim/optimizer.h"

namespace seqtrain::optim {

class Adam : public Optimizer {
 public:
  static constexpr char kName[] = "adam";
  static const std::vector<std::string>& StateNames();  // "m", "v"

  Adam(const OptimizerConfig& config, size_t num_params) : Adam(kName, false, config, num_params) {}

  const std::vector<float>& first_moment() const { return state()[0].values; }
  const std::vector<float>& second_moment() const { return state()[1].values; }

 protected:
  Adam(const char* name, bool decoupled_decay, const OptimizerConfig& config, size_t num_params);

 private:
  void Update(float* params, const float* grads, float grad_scale, int64_t step) override;

  OptimizerConfig config_;
  bool decoupled_decay_;
};

class AdamW : public Adam {
 public:
  static constexpr char kName[] = "adamw";
  AdamW(const OptimizerConfig& config, size_t num_params) : Adam(kName, true, config, num_params) {}
};

}  // namespace seqtrain::optim
