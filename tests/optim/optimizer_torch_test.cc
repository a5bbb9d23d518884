// Every optimizer against PyTorch's (torch.optim.SGD, Adam, AdamW) on the same parameters,
// gradients and per-step learning rates: the values torch_reference.inc holds, written by
// make_torch_reference.py. Agreement to float rounding, on every SIMD target.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "optim/registry.h"
#include "support/simd_targets.h"

namespace seqtrain::optim {
namespace {

constexpr int kParams = 7, kSteps = 5;

struct TorchCase {
  const char* optimizer;
  double momentum;
  bool nesterov;
  double weight_decay;
  double learning_rates[kSteps];
  float grad_scale;
  float params_after[kSteps][kParams];  // after each step
  float state[2][kParams];              // seqtrain's state tensors after the last step
};

#include "optim/torch_reference.inc"

std::vector<float> InitialParams() {
  std::vector<float> p(kParams);
  for (int i = 0; i < kParams; ++i) p[i] = static_cast<float>(std::sin(i + 1.0));
  return p;
}

std::vector<float> RawGrads(int t) {
  std::vector<float> g(kParams);
  for (int i = 0; i < kParams; ++i) g[i] = static_cast<float>(std::cos(0.7 * i + t) * 3.0);
  return g;
}

// PyTorch fuses and orders some operations differently: a few float roundings apart.
void ExpectClose(float got, float want, const std::string& what) {
  EXPECT_NEAR(got, want, 2e-6 * std::max(1.0f, std::fabs(want))) << what;
}

TEST(OptimizerVsTorch, EveryStepAndTheFinalStateMatch) {
  for (const TorchCase* c : kTorchCases) {
    OptimizerConfig config;
    config.set_name(c->optimizer);
    config.set_momentum(c->momentum);
    config.set_nesterov(c->nesterov);
    config.set_weight_decay(c->weight_decay);
    seqtrain::testing::ForEachSimdTarget([&](const simd::Target& target) {
      SCOPED_TRACE(std::string(c->optimizer) + " momentum " + std::to_string(c->momentum) +
                   (c->nesterov ? " nesterov" : "") + " decay " + std::to_string(c->weight_decay) +
                   " on " + target.name);
      std::unique_ptr<Optimizer> optimizer = CreateOptimizer(config, kParams);
      std::vector<float> params = InitialParams();
      for (int t = 0; t < kSteps; ++t) {
        optimizer->set_learning_rate(c->learning_rates[t]);
        optimizer->Step(params.data(), RawGrads(t).data(), c->grad_scale);
        for (int i = 0; i < kParams; ++i) {
          ExpectClose(params[i], c->params_after[t][i],
                      "step " + std::to_string(t + 1) + " param " + std::to_string(i));
        }
      }
      for (size_t s = 0; s < optimizer->state().size(); ++s) {
        for (int i = 0; i < kParams; ++i) {
          ExpectClose(optimizer->state()[s].values[i], c->state[s][i],
                      optimizer->state()[s].name + " " + std::to_string(i));
        }
      }
    });
  }
}

// The cases differ where they should: L2 and decoupled decay are not the same update.
TEST(OptimizerVsTorch, AdamL2AndAdamWDiffer) {
  EXPECT_NE(k_adam_l2.params_after[kSteps - 1][0], k_adamw.params_after[kSteps - 1][0]);
  EXPECT_NE(k_adam.params_after[kSteps - 1][0], k_adamw.params_after[kSteps - 1][0]);
}

}  // namespace
}  // namespace seqtrain::optim
