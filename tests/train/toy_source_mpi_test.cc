// A data source added as a new format is (tests/data/toy_sequence_source.cc, one
// registration line) trains through the normal loading and trainer: loaded and agreed
// on every rank, N ranks make the updates 1 rank makes, and the model learns the task.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>

#include "app/data_loading.h"
#include "data/toy_sequence_source.h"
#include "dist/communicator.h"
#include "train/trainer.h"
#include "util/error.h"

namespace seqtrain::train {
namespace {

RunConfig ToyConfig() {
  RunConfig c;
  c.data.format = testing::kToyFormat;
  c.data.dir = "toy";
  c.seed = 5;
  c.model.time_steps = 8;
  c.model.input_size = 4;
  c.model.hidden_size = 16;
  c.model.num_classes = 4;
  c.optimizer.learning_rate = 0.01;
  c.schedule.batch_size = 32;
  c.schedule.max_steps = 40;  // 2.5 epochs of 512
  c.schedule.display_step = 1000;
  return c;
}

struct Outcome {
  std::vector<float> params;
  std::vector<StepRecord> history;
  TrainResult result;
};

Outcome Train(MPI_Comm comm) {
  const RunConfig config = ToyConfig();
  dist::Communicator c(comm);
  const app::LoadedData data = app::LoadOnEveryRank(c, app::TrainingDataOf(config));
  Trainer trainer(config, c, *data.train, *data.test);
  MetricsLog quiet(false, "");
  Outcome out;
  out.result = trainer.Run(quiet);
  out.params.assign(trainer.model().params(),
                    trainer.model().params() + trainer.model().num_params());
  out.history = trainer.history();
  return out;
}

TEST(ToySource, TrainsOnNRanksAsOnOneRank) {
  const Outcome world = Train(MPI_COMM_WORLD);
  ASSERT_EQ(world.result.steps, 40);
  EXPECT_EQ(world.result.test.count, 128);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  if (rank != 0) return;
  const Outcome single = Train(MPI_COMM_SELF);
  double max_abs = 0, max_diff = 0;
  for (size_t i = 0; i < single.params.size(); ++i) {
    max_abs = std::max(max_abs, std::fabs(double{single.params[i]}));
    max_diff = std::max(max_diff, std::fabs(double{single.params[i]} - world.params[i]));
  }
  EXPECT_LT(max_diff / max_abs, 1e-4) << "max |diff| " << max_diff << " max |param| " << max_abs;
  ASSERT_EQ(single.history.size(), world.history.size());
  for (size_t s = 0; s < single.history.size(); ++s) {
    EXPECT_NEAR(world.history[s].loss, single.history[s].loss, 1e-4) << "step " << s + 1;
  }
  RecordProperty("test_accuracy", std::to_string(world.result.test.accuracy));
  RecordProperty("loss_first_last", std::to_string(world.history.front().loss) + " " +
                                        std::to_string(world.history.back().loss));
  // Chance is 25%; the toy task is easy.
  EXPECT_GT(world.result.test.accuracy, 0.9);
  EXPECT_LT(world.history.back().loss, world.history.front().loss / 2);
}

TEST(ToySource, VaryingLengthsAreRefusedUntilTheModelMasks) {
  const RunConfig config = ToyConfig();
  dist::Communicator comm(MPI_COMM_WORLD);
  const testing::ToySequences fixed(64, 8, 4, 4, false, 1), varying(64, 8, 4, 4, true, 1);
  try {
    Trainer trainer(config, comm, varying, fixed);
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        "training set: samples of varying length need masking, which the model does not have yet");
  }
}

}  // namespace
}  // namespace seqtrain::train
