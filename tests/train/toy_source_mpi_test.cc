// A data source added as a new format is (tests/data/toy_sequence_source.cc, one
// registration line) trains through the normal loading and trainer: loaded and agreed
// on every rank, N ranks make the updates 1 rank makes, and the model learns the task.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>

#include "app/data_loading.h"
#include "data/toy_sequence_source.h"
#include "train/trainer_runs.h"
#include "util/error.h"

namespace seqtrain::train {
namespace {

TrainConfig ToyConfig() {
  TrainConfig c;
  c.mutable_data()->set_format(testing::kToyFormat);
  c.mutable_data()->set_dir("toy");
  c.set_seed(5);
  ModelConfig& m = *c.mutable_model();
  m.set_time_steps(8);
  m.set_input_size(4);
  m.set_hidden_size(16);
  m.set_num_classes(4);
  c.mutable_optimizer()->set_learning_rate(0.01);
  ScheduleConfig& s = *c.mutable_schedule();
  s.set_batch_size(32);
  s.set_max_steps(40);  // 2.5 epochs of 512
  s.set_display_step(1000);
  return c;
}

using testing::ExpectSameRun;
using testing::RunOutcome;

// The toy format through the normal loading and rank agreement.
RunOutcome Train(MPI_Comm comm) {
  const TrainConfig config = ToyConfig();
  dist::Communicator c(comm);
  const app::LoadedData data = app::LoadOnEveryRank(c, app::TrainingDataOf(config));
  return testing::RunQuietly(config, c, *data.train, *data.test);
}

TEST(ToySource, TrainsOnNRanksAsOnOneRank) {
  const RunOutcome world = Train(MPI_COMM_WORLD);
  ASSERT_EQ(world.result.steps, 40);
  EXPECT_EQ(world.result.test.count, 128);
  if (testing::WorldRank() != 0) return;
  const RunOutcome single = Train(MPI_COMM_SELF);
  ExpectSameRun(world, single);
  RecordProperty("test_accuracy", std::to_string(world.result.test.accuracy));
  RecordProperty("loss_first_last", std::to_string(world.history.front().loss) + " " +
                                        std::to_string(world.history.back().loss));
  // Chance is 25%; the toy task is easy.
  EXPECT_GT(world.result.test.accuracy, 0.9);
  EXPECT_LT(world.history.back().loss, world.history.front().loss / 2);
}

// Sequences of lengths 1..8 in one batch: the trainer passes the lengths to the model, and
// N ranks (each with its own slice of every batch) make the updates of 1 rank.
RunOutcome TrainVarying(MPI_Comm comm, int64_t bucket_window = 0) {
  TrainConfig config = ToyConfig();
  config.mutable_data()->set_bucket_window(bucket_window);
  config.mutable_schedule()->set_max_steps(24);
  dist::Communicator c(comm);
  const testing::ToySequences train(512, 8, 4, 4, true, 1), test(128, 8, 4, 4, true, 2);
  return testing::RunQuietly(config, c, train, test);
}

TEST(ToySource, VaryingLengthsTrainOnNRanksAsOnOneRank) {
  const RunOutcome world = TrainVarying(MPI_COMM_WORLD);
  ASSERT_EQ(world.result.steps, 24);
  if (testing::WorldRank() != 0) return;
  const RunOutcome single = TrainVarying(MPI_COMM_SELF);
  ExpectSameRun(world, single);
  EXPECT_LT(world.history.back().loss, world.history.front().loss);
}

// The other heads on lengths 1..8: the loss and the update are means over the global batch's
// real targets (steps, values), so N ranks, each with its own share of them, make the updates
// of 1 rank.
RunOutcome TrainHead(MPI_Comm comm, ModelConfig::Head head, data::TargetSpec targets) {
  TrainConfig config = ToyConfig();
  config.mutable_schedule()->set_max_steps(24);
  config.mutable_model()->set_head(head);
  if (!targets.is_class()) config.mutable_model()->set_output_size(targets.width);
  dist::Communicator c(comm);
  const testing::ToySequences train(512, 8, 4, 4, true, 1, targets),
      test(128, 8, 4, 4, true, 2, targets);
  return testing::RunQuietly(config, c, train, test);
}

TEST(ToySource, EveryHeadTrainsOnNRanksAsOnOneRankWithVaryingLengths) {
  using data::TargetKind;
  const std::vector<std::pair<ModelConfig::Head, data::TargetSpec>> heads = {
      {ModelConfig::LAST_STEP_REGRESSION, {TargetKind::kValue, 2}},
      {ModelConfig::PER_STEP_CLASSIFIER, {TargetKind::kStepClass, 1}},
      {ModelConfig::PER_STEP_REGRESSION, {TargetKind::kStepValue, 2}},
  };
  const int rank = testing::WorldRank();
  for (const auto& [head, targets] : heads) {
    SCOPED_TRACE(nn::HeadName(head));
    const RunOutcome world = TrainHead(MPI_COMM_WORLD, head, targets);
    ASSERT_EQ(world.result.steps, 24);
    EXPECT_EQ(world.result.test.regression, !targets.is_class());
    if (rank != 0) continue;
    const RunOutcome single = TrainHead(MPI_COMM_SELF, head, targets);
    ExpectSameRun(world, single);
    EXPECT_NEAR(world.result.test.loss, single.result.test.loss, 1e-4);
    EXPECT_LT(world.history.back().loss, world.history.front().loss);
    for (const StepRecord& r : world.history) {
      ASSERT_EQ(r.quality,
                targets.is_class() ? metrics::Quality::kAccuracy : metrics::Quality::kRmse);
    }
  }
}

// A set whose targets are not what the head reads is refused before training.
TEST(ToySource, TargetsOfAnotherKindAreRefused) {
  TrainConfig config = ToyConfig();
  config.mutable_model()->set_head(ModelConfig::PER_STEP_REGRESSION);
  config.mutable_model()->set_output_size(3);
  dist::Communicator c(MPI_COMM_WORLD);
  const testing::ToySequences classes(64, 8, 4, 4, true, 1),
      values(64, 8, 4, 4, true, 1, {data::TargetKind::kStepValue, 2});
  try {
    Trainer trainer(config, c, classes, classes);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "training set: targets are a class per sequence but model.head = "
                 "PER_STEP_REGRESSION reads 3 values per step");
  }
  try {
    Trainer trainer(config, c, values, values);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "training set: targets are 2 values per step but model.head = "
                 "PER_STEP_REGRESSION reads 3 values per step (model.output_size = 3)");
  }
}

}  // namespace
}  // namespace seqtrain::train

namespace seqtrain::train {
namespace {

// Length-bucketed batches: every rank derives the same order, so N ranks still make 1 rank's
// updates.
TEST(ToySource, BucketedBatchesTrainOnNRanksAsOnOneRank) {
  const RunOutcome world = TrainVarying(MPI_COMM_WORLD, 4);
  ASSERT_EQ(world.result.steps, 24);
  if (testing::WorldRank() != 0) return;
  ExpectSameRun(world, TrainVarying(MPI_COMM_SELF, 4));
  EXPECT_LT(world.history.back().loss, world.history.front().loss);
}

}  // namespace
}  // namespace seqtrain::train
