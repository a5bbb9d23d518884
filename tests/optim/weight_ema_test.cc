// The moving average of the weights against a hand computation.
#include "optim/weight_ema.h"

#include <gtest/gtest.h>

#include <vector>

namespace seqtrain::optim {
namespace {

TEST(WeightEma, StartsAtTheWeightsAndFollowsTheFormula) {
  WeightEma ema(0.75);
  const std::vector<float> start = {1.0f, -2.0f, 8.0f};
  ema.Reset(start.data(), start.size());
  EXPECT_EQ(ema.values(), start);
  // 0.75 ema + 0.25 p, by hand (all exact in float): 1 -> 0.75 + 0.25 * 5 = 2, then
  // 0.75 * 2 + 0.25 * -2 = 1; -2 -> -1.5 + 0.5 = -1, then -0.75 + 0 = -0.75;
  // 8 -> 6 + 0 = 6, then 4.5 + 1.5 = 6.
  const std::vector<float> p1 = {5.0f, 2.0f, 0.0f}, p2 = {-2.0f, 0.0f, 6.0f};
  ema.Update(p1.data());
  EXPECT_EQ(ema.values(), (std::vector<float>{2.0f, -1.0f, 6.0f}));
  ema.Update(p2.data());
  EXPECT_EQ(ema.values(), (std::vector<float>{1.0f, -0.75f, 6.0f}));
}

TEST(WeightEma, ConvergesToConstantWeights) {
  WeightEma ema(0.9);
  const std::vector<float> zero = {0.0f}, one = {1.0f};
  ema.Reset(zero.data(), 1);
  for (int t = 0; t < 50; ++t) ema.Update(one.data());
  // 1 - 0.9^50 = 0.99484622...
  EXPECT_NEAR(ema.values()[0], 0.994846224, 1e-6);
}

}  // namespace
}  // namespace seqtrain::optim
