#include "optim/adam.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace seqtrain::optim {
namespace {

// Algorithm 1 of Kingma & Ba, in double, written out step by step.
TEST(Adam, MatchesHandComputedSteps) {
  const AdamConfig config{0.01, 0.8, 0.95, 1e-6};
  std::vector<float> params = {1.0f, -2.0f, 0.5f};
  const std::vector<std::vector<float>> grad_sums = {{4, -2, 0}, {1, 6, 0}, {-3, 0.5, 0}};
  const float scale = 0.5f;  // the grads above are sums over a batch of 2

  std::vector<double> p(params.begin(), params.end()), m(3, 0), v(3, 0);
  Adam adam(params.size(), config);
  for (size_t t = 1; t <= grad_sums.size(); ++t) {
    adam.Step(params.data(), grad_sums[t - 1].data(), scale);
    for (size_t i = 0; i < 3; ++i) {
      const double g = grad_sums[t - 1][i] * 0.5;
      m[i] = 0.8 * m[i] + 0.2 * g;
      v[i] = 0.95 * v[i] + 0.05 * g * g;
      const double m_hat = m[i] / (1 - std::pow(0.8, t));
      const double v_hat = v[i] / (1 - std::pow(0.95, t));
      p[i] -= 0.01 * m_hat / (std::sqrt(v_hat) + 1e-6);
    }
    EXPECT_EQ(adam.step(), static_cast<int64_t>(t));
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(params[i], p[i], 1e-6) << "step " << t << " param " << i;
      EXPECT_NEAR(adam.first_moment()[i], m[i], 1e-6);
      EXPECT_NEAR(adam.second_moment()[i], v[i], 1e-6);
    }
  }
  // A zero gradient from the start leaves the parameter where it was.
  EXPECT_EQ(params[2], 0.5f);
}

TEST(Adam, FirstStepMovesEachParameterByTheLearningRate) {
  Adam adam(2, AdamConfig{});
  std::vector<float> params = {0, 0};
  const std::vector<float> grads = {3e-3f, -7.0f};
  adam.Step(params.data(), grads.data(), 1.0f);
  EXPECT_NEAR(params[0], -0.001, 1e-7);
  EXPECT_NEAR(params[1], 0.001, 1e-7);
}

TEST(Adam, RestoreContinuesTheSameTrajectory) {
  const std::vector<float> g1 = {1, -1}, g2 = {0.5, 2};
  Adam straight(2, AdamConfig{});
  std::vector<float> p = {1, 1};
  straight.Step(p.data(), g1.data(), 1.0f);
  Adam resumed(2, AdamConfig{});
  resumed.Restore(straight.step(), straight.first_moment(), straight.second_moment());
  std::vector<float> q = p;
  straight.Step(p.data(), g2.data(), 1.0f);
  resumed.Step(q.data(), g2.data(), 1.0f);
  EXPECT_EQ(p, q);
  EXPECT_EQ(resumed.step(), 2);
}

}  // namespace
}  // namespace seqtrain::optim
