// The learning rate of each step against tables computed by hand (optim/lr_schedule.h).
#include "optim/lr_schedule.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace seqtrain::optim {
namespace {

using Table = std::vector<std::pair<int64_t, double>>;  // step, learning rate

OptimizerConfig Scheduled(seqtrain::LrSchedule::Kind kind, int64_t warmup, double min_lr) {
  OptimizerConfig config;
  config.set_learning_rate(0.1);
  config.mutable_schedule()->set_kind(kind);
  config.mutable_schedule()->set_warmup_steps(warmup);
  config.mutable_schedule()->set_min_lr(min_lr);
  return config;
}

void ExpectTable(const LrSchedule& schedule, const Table& table) {
  for (const auto& [step, want] : table) EXPECT_NEAR(schedule.At(step), want, 1e-12) << step;
}

TEST(LrSchedule, WithoutAScheduleEveryStepHasExactlyTheLearningRate) {
  OptimizerConfig config;
  config.set_learning_rate(0.001);
  const LrSchedule schedule(config, 128, 1000);
  for (int64_t step : {1, 2, 500, 1000, 5000}) EXPECT_EQ(schedule.At(step), 0.001);
  config.set_scale_lr_with_batch(true);  // at batch 128 the rule changes nothing
  EXPECT_EQ(LrSchedule(config, 128, 1000).At(7), 0.001);
}

TEST(LrSchedule, LinearScalingRule) {
  OptimizerConfig config;
  config.set_learning_rate(0.001);
  config.set_scale_lr_with_batch(true);
  EXPECT_DOUBLE_EQ(LrSchedule(config, 512, 10).At(3), 0.004);
  EXPECT_DOUBLE_EQ(LrSchedule(config, 32, 10).At(3), 0.00025);
  // The scaled rate is the peak the schedule shapes: half of it after 1 of 2 warmup steps.
  config.mutable_schedule()->set_warmup_steps(2);
  EXPECT_DOUBLE_EQ(LrSchedule(config, 512, 10).At(1), 0.002);
  config.set_scale_lr_with_batch(false);
  EXPECT_DOUBLE_EQ(LrSchedule(config, 512, 10).At(1), 0.0005);
}

TEST(LrSchedule, WarmupThenConstant) {
  const LrSchedule schedule(Scheduled(seqtrain::LrSchedule::CONSTANT, 4, 0), 128, 100);
  ExpectTable(schedule, {{1, 0.025}, {2, 0.05}, {3, 0.075}, {4, 0.1}, {5, 0.1}, {100, 0.1}});
}

TEST(LrSchedule, WarmupThenCosineOverDecaySteps) {
  OptimizerConfig config = Scheduled(seqtrain::LrSchedule::COSINE, 4, 0.01);
  config.mutable_schedule()->set_decay_steps(4);
  // 0.01 + 0.09 (1 + cos(pi u / 4)) / 2 for u = 0..4 steps after the warmup, then 0.01.
  ExpectTable(LrSchedule(config, 128, 100), {{3, 0.075},
                                             {4, 0.1},
                                             {5, 0.1},
                                             {6, 0.0868198051533946},
                                             {7, 0.055},
                                             {8, 0.0231801948466054},
                                             {9, 0.01},
                                             {50, 0.01}});
}

TEST(LrSchedule, CosineWithoutDecayStepsEndsWithTheRun) {
  // Last step 12, warmup 2: 10 steps of decay, u = 0..9, from the peak towards 0.
  const LrSchedule schedule(Scheduled(seqtrain::LrSchedule::COSINE, 2, 0), 128, 12);
  ExpectTable(schedule, {{1, 0.05},
                         {2, 0.1},
                         {3, 0.1},
                         {4, 0.0975528258147577},
                         {8, 0.05},
                         {12, 0.00244717418524232},
                         {13, 0}});
}

TEST(LrSchedule, StepDecayDownToMinLr) {
  OptimizerConfig config = Scheduled(seqtrain::LrSchedule::STEP, 0, 0.02);
  config.mutable_schedule()->set_step_size(3);
  config.mutable_schedule()->set_gamma(0.5);
  ExpectTable(
      LrSchedule(config, 128, 100),
      {{1, 0.1}, {3, 0.1}, {4, 0.05}, {6, 0.05}, {7, 0.025}, {9, 0.025}, {10, 0.02}, {99, 0.02}});
  // With a warmup the steps count from its end.
  config.mutable_schedule()->set_warmup_steps(2);
  ExpectTable(LrSchedule(config, 128, 100), {{1, 0.05}, {2, 0.1}, {5, 0.1}, {6, 0.05}});
}

TEST(LrSchedule, InverseSquareRoot) {
  // Continuous at the end of the warmup: 0.1 sqrt(4 / step).
  ExpectTable(LrSchedule(Scheduled(seqtrain::LrSchedule::INVERSE_SQRT, 4, 0), 128, 100),
              {{2, 0.05}, {4, 0.1}, {5, 0.0894427190999916}, {16, 0.05}, {64, 0.025}});
  ExpectTable(LrSchedule(Scheduled(seqtrain::LrSchedule::INVERSE_SQRT, 0, 0.03), 128, 100),
              {{1, 0.1}, {4, 0.05}, {9, 0.1 / 3}, {16, 0.03}, {100, 0.03}});
}

}  // namespace
}  // namespace seqtrain::optim
