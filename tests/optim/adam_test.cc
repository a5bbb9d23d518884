#include "optim/adam.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "support/simd_targets.h"
#include "util/rng.h"

namespace seqtrain::optim {
namespace {

void ExpectSameBitsOnEveryTarget(bool decoupled);

OptimizerConfig Config(double learning_rate, double beta1, double beta2, double epsilon) {
  OptimizerConfig config;
  config.set_learning_rate(learning_rate);
  config.set_beta1(beta1);
  config.set_beta2(beta2);
  config.set_epsilon(epsilon);
  return config;
}

// Algorithm 1 of Kingma & Ba, in double, written out step by step.
TEST(Adam, MatchesHandComputedSteps) {
  const OptimizerConfig config = Config(0.01, 0.8, 0.95, 1e-6);
  std::vector<float> params = {1.0f, -2.0f, 0.5f};
  const std::vector<std::vector<float>> grad_sums = {{4, -2, 0}, {1, 6, 0}, {-3, 0.5, 0}};
  const float scale = 0.5f;  // the grads above are sums over a batch of 2

  std::vector<double> p(params.begin(), params.end()), m(3, 0), v(3, 0);
  Adam adam(config, params.size());
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
  Adam adam(OptimizerConfig(), 2);
  std::vector<float> params = {0, 0};
  const std::vector<float> grads = {3e-3f, -7.0f};
  adam.Step(params.data(), grads.data(), 1.0f);
  EXPECT_NEAR(params[0], -0.001, 1e-7);
  EXPECT_NEAR(params[1], 0.001, 1e-7);
}

TEST(Adam, RestoreContinuesTheSameTrajectory) {
  const std::vector<float> g1 = {1, -1}, g2 = {0.5, 2};
  Adam straight(OptimizerConfig(), 2);
  std::vector<float> p = {1, 1};
  straight.Step(p.data(), g1.data(), 1.0f);
  Adam resumed(OptimizerConfig(), 2);
  resumed.Restore(straight.step(), straight.state());
  std::vector<float> q = p;
  straight.Step(p.data(), g2.data(), 1.0f);
  resumed.Step(q.data(), g2.data(), 1.0f);
  EXPECT_EQ(p, q);
  EXPECT_EQ(resumed.step(), 2);
}

// (1 - beta2) g^2 for beta2 = 0.999: with 1 - float(0.999) = 0.00099998713 the
// second moment would start 1.3e-5 too small; from the double it is within rounding.
TEST(Adam, OneMinusBetaComesFromTheDoubleBeta) {
  seqtrain::testing::ForEachSimdTarget([&](const simd::Target&) {
    Adam adam(OptimizerConfig(), 3);
    std::vector<float> params = {0, 0, 0};
    const std::vector<float> grads = {0.5f, -3.0f, 1e-3f};
    adam.Step(params.data(), grads.data(), 1.0f);
    for (size_t i = 0; i < grads.size(); ++i) {
      const double g = grads[i];
      EXPECT_NEAR(adam.second_moment()[i], 0.001 * g * g, 3e-7 * 0.001 * g * g) << i;
      EXPECT_NEAR(adam.first_moment()[i], 0.1 * g, 3e-7 * 0.1 * std::fabs(g)) << i;
    }
  });
}

// Many steps of AdamW (decoupled decay) against the same steps in double, with the betas the
// float moments decay by (float(beta), as PyTorch's float tensors use) but the
// complements and bias corrections from the double betas. The float moments
// stay unbiased (errors of both signs, mean near 0; 1 - float(0.999) would put
// them all 1.3e-5 low), and each step's update, computed in double from the
// float state before it, is what the float step did, within the rounding of
// the parameter itself. On every target.
TEST(Adam, LongRunMatchesDoubleReplayOnEveryTarget) {
  const size_t n = 203;  // not a multiple of any vector width
  const int steps = 2000;
  OptimizerConfig config;
  config.set_weight_decay(0.01);
  // Constants as the step rounds them: once, from double.
  const double keep = static_cast<float>(1 - config.learning_rate() * config.weight_decay());
  const double beta1 = static_cast<float>(config.beta1());
  const double beta2 = static_cast<float>(config.beta2());
  seqtrain::testing::ForEachSimdTarget([&](const simd::Target&) {
    Rng rng(5);
    std::vector<float> params(n);
    for (float& p : params) p = static_cast<float>(rng.Uniform(-1, 1));
    std::vector<double> m(n, 0), v(n, 0);
    AdamW adam(config, n);
    std::vector<float> grads(n);
    const float scale = 1.0f / 64;
    for (int t = 1; t <= steps; ++t) {
      for (float& g : grads)
        g = static_cast<float>(rng.Uniform(0.5, 2.0) * 64);  // sums over a batch of 64
      const std::vector<float> p_before = params, m_before = adam.first_moment(),
                               v_before = adam.second_moment();
      adam.Step(params.data(), grads.data(), scale);
      const double bias1 = 1 - std::pow(config.beta1(), t), bias2 = 1 - std::pow(config.beta2(), t);
      for (size_t i = 0; i < n; ++i) {
        const double g = double{grads[i]} * scale;
        m[i] = beta1 * m[i] + (1 - config.beta1()) * g;
        v[i] = beta2 * v[i] + (1 - config.beta2()) * g * g;
        // This step in double from the float state.
        const double m_i = beta1 * m_before[i] + (1 - config.beta1()) * g;
        const double v_i = beta2 * v_before[i] + (1 - config.beta2()) * g * g;
        const double update = 0.001 * (m_i / bias1) / (std::sqrt(v_i / bias2) + 1e-8);
        const double want = p_before[i] * keep - update;
        const float p = params[i], larger = std::max(std::fabs(p), std::fabs(p_before[i]));
        const double ulp =
            std::nextafter(larger, INFINITY) - larger;  // two roundings of half an ulp
        const double error = std::fabs(p - want);
        ASSERT_LE(error, ulp + 1e-6 * update) << "step " << t << " param " << i;
      }
    }
    double mean_v_error = 0;
    for (size_t i = 0; i < n; ++i) {
      const double v_error = (adam.second_moment()[i] - v[i]) / v[i];
      mean_v_error += v_error / n;
      EXPECT_LT(std::fabs(v_error), 3e-6) << i;
      EXPECT_LT(std::fabs(adam.first_moment()[i] - m[i]) / std::fabs(m[i]), 3e-6) << i;
    }
    EXPECT_LT(std::fabs(mean_v_error), 5e-7);
    RecordProperty("mean_v_error", std::to_string(mean_v_error * 1e6) + "e-6");
  });
}

// The replicas of a job that spans AVX2 and AVX-512 nodes must stay identical:
// every target makes the same update, bit for bit.
// Both kinds of decay: adamw's decoupled one and adam's L2.
TEST(Adam, EveryTargetGivesTheSameBits) {
  for (const bool decoupled : {true, false}) {
    SCOPED_TRACE(decoupled ? "adamw" : "adam with L2");
    ExpectSameBitsOnEveryTarget(decoupled);
  }
}

// Without decay adam and adamw are the same optimizer, bit for bit.
TEST(Adam, AdamWWithoutDecayIsAdam) {
  const size_t n = 101;
  Rng rng(2);
  std::vector<float> a(n), grads(n);
  for (float& p : a) p = static_cast<float>(rng.Uniform(-1, 1));
  std::vector<float> b = a;
  Adam adam(OptimizerConfig(), n);
  AdamW adamw(OptimizerConfig(), n);
  for (int t = 0; t < 20; ++t) {
    for (float& g : grads) g = static_cast<float>(rng.Uniform(-3, 3));
    adam.Step(a.data(), grads.data(), 0.5f);
    adamw.Step(b.data(), grads.data(), 0.5f);
  }
  EXPECT_EQ(a, b);
  EXPECT_EQ(adam.second_moment(), adamw.second_moment());
}

void ExpectSameBitsOnEveryTarget(bool decoupled) {
  const size_t n = 1000 + 13;
  OptimizerConfig config;
  config.set_weight_decay(0.01);
  std::vector<std::vector<float>> results;
  seqtrain::testing::ForEachSimdTarget([&](const simd::Target&) {
    Rng rng(9);
    std::vector<float> params(n), grads(n);
    for (float& p : params) p = static_cast<float>(rng.Uniform(-1, 1));
    std::unique_ptr<Adam> made =
        decoupled ? std::make_unique<AdamW>(config, n) : std::make_unique<Adam>(config, n);
    Adam& adam = *made;
    for (int t = 0; t < 50; ++t) {
      for (float& g : grads) g = static_cast<float>(rng.Uniform(-3, 3));
      adam.Step(params.data(), grads.data(), 0.125f);
    }
    params.insert(params.end(), adam.first_moment().begin(), adam.first_moment().end());
    params.insert(params.end(), adam.second_moment().begin(), adam.second_moment().end());
    results.push_back(params);
  });
  for (size_t t = 1; t < results.size(); ++t) EXPECT_EQ(results[t], results[0]) << "target " << t;
}

}  // namespace
}  // namespace seqtrain::optim
