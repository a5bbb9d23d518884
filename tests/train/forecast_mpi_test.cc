// Regression through the trainer on a synthetic forecasting task (tests/data/
// sine_forecast_source.h): noisy sines of random amplitude, frequency and phase, of lengths 20
// to 40, and the next value to predict, after the last step or after every step. The trained
// model must beat the naive last-value forecast on the test set by a stated margin.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>

#include "data/sine_forecast_source.h"
#include "dist/communicator.h"
#include "train/trainer.h"

namespace seqtrain::train {
namespace {

// The noise (0.05) alone leaves an RMSE of 0.05 for any forecast; the last value misses by
// the series' change per step too (about 0.3 here).
constexpr double kNoise = 0.05;
// The model's test RMSE must be below this fraction of the naive forecast's.
constexpr double kMargin = 0.5;  // measured: 0.25 last step, 0.32 per step

TrainConfig ForecastConfig(ModelConfig::Head head) {
  TrainConfig c;
  c.mutable_data()->set_dir("unused");
  c.set_seed(3);
  ModelConfig& m = *c.mutable_model();
  m.set_time_steps(40);
  m.set_input_size(1);
  m.set_hidden_size(32);
  m.set_head(head);
  m.set_output_size(1);
  c.mutable_optimizer()->set_learning_rate(0.01);
  ScheduleConfig& s = *c.mutable_schedule();
  s.set_batch_size(64);
  s.set_max_steps(400);
  s.set_display_step(100000);
  return c;
}

void ExpectBeatsLastValue(ModelConfig::Head head, bool per_step) {
  dist::Communicator comm(MPI_COMM_WORLD);
  const testing::SineForecast train(4096, 40, 20, per_step, kNoise, 1);
  const testing::SineForecast test(512, 40, 20, per_step, kNoise, 2);
  Trainer trainer(ForecastConfig(head), comm, train, test);
  MetricsLog quiet(false, "");
  const TrainResult result = trainer.Run(quiet);
  const double naive = test.NaiveRmse();
  ::testing::Test::RecordProperty("test_rmse", std::to_string(result.test.rmse));
  ::testing::Test::RecordProperty("naive_rmse", std::to_string(naive));
  std::printf("%s: test RMSE %.4f, last-value RMSE %.4f (ratio %.3f)\n", nn::HeadName(head).c_str(),
              result.test.rmse, naive, result.test.rmse / naive);
  ASSERT_TRUE(result.test.regression);
  EXPECT_NEAR(result.test.rmse, std::sqrt(result.test.loss), 1e-12);
  EXPECT_LT(result.test.rmse, kMargin * naive);
  EXPECT_GT(result.test.rmse, kNoise * 0.5);  // no forecast beats the noise by much
  const std::vector<StepRecord>& history = trainer.history();
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().quality, metrics::Quality::kRmse);
  EXPECT_NEAR(history.back().train_rmse, std::sqrt(history.back().loss), 1e-12);
}

TEST(Forecast, LastStepRegressionBeatsTheLastValue) {
  ExpectBeatsLastValue(ModelConfig::LAST_STEP_REGRESSION, false);
}

TEST(Forecast, PerStepRegressionBeatsTheLastValue) {
  ExpectBeatsLastValue(ModelConfig::PER_STEP_REGRESSION, true);
}

}  // namespace
}  // namespace seqtrain::train
