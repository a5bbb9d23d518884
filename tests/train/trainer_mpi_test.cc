// Data parallelism on real MNIST, run under mpiexec with 1..4 ranks:
// N ranks make the update 1 rank makes on the same global batch, runs repeat
// bit for bit, and sharded evaluation counts every test image exactly once.
#include <gtest/gtest.h>
#include <mpi.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "train/trainer_runs.h"

namespace seqtrain::train {
namespace {

using testing::RunOutcome;
using testing::WorldRank;

struct Mnist {
  std::unique_ptr<data::DataSource> train, test;
  TrainConfig config;
};

const Mnist& LoadMnist() {
  static const Mnist mnist = [] {
    Mnist m;
    m.config.mutable_data()->set_dir(testing::MnistDirOrAbort());
    m.config.set_seed(3);
    m.config.mutable_schedule()->set_max_steps(20);
    m.config.mutable_schedule()->set_display_step(1000);
    const DataConfig& d = m.config.data();
    using config::PathOf;
    m.train = std::make_unique<data::IdxDataSource>(
        data::LoadLabeledImages(PathOf(d, d.train_images()), PathOf(d, d.train_labels()), 10), 28,
        28, 10);
    m.test = std::make_unique<data::IdxDataSource>(
        data::LoadLabeledImages(PathOf(d, d.test_images()), PathOf(d, d.test_labels()), 10), 28, 28,
        10);
    return m;
  }();
  return mnist;
}

RunOutcome Train(MPI_Comm comm, const TrainConfig& config) {
  const Mnist& m = LoadMnist();
  dist::Communicator c(comm);
  return testing::RunQuietly(config, c, *m.train, *m.test);
}

TEST(TrainerMpi, NRanksMatchOneRankOnTheSameGlobalBatches) {
  const TrainConfig& config = LoadMnist().config;
  const RunOutcome world = Train(MPI_COMM_WORLD, config);
  ASSERT_EQ(world.result.steps, 20);
  if (WorldRank() != 0) return;
  const RunOutcome single = Train(MPI_COMM_SELF, config);
  RecordProperty("max_param_relative_diff",
                 std::to_string(testing::MaxRelativeDifference(single.params, world.params)));
  testing::ExpectSameRun(world, single);
  EXPECT_EQ(world.result.test.count, 10000);
  EXPECT_NEAR(world.result.test.accuracy, single.result.test.accuracy, 2e-4);
  EXPECT_NEAR(world.result.test.loss, single.result.test.loss, 1e-4);
  // The run learned something: a sanity bound far from chance (10%).
  EXPECT_GT(world.result.test.accuracy, 0.3);
}

TEST(TrainerMpi, SameSeedRepeatsBitForBit) {
  TrainConfig config = LoadMnist().config;
  config.mutable_schedule()->set_max_steps(12);
  const RunOutcome a = Train(MPI_COMM_WORLD, config);
  const RunOutcome b = Train(MPI_COMM_WORLD, config);
  ASSERT_EQ(a.params.size(), b.params.size());
  EXPECT_EQ(std::memcmp(a.params.data(), b.params.data(), a.params.size() * sizeof(float)), 0);
  ASSERT_EQ(a.history.size(), b.history.size());
  for (size_t s = 0; s < a.history.size(); ++s) {
    EXPECT_EQ(a.history[s].loss, b.history[s].loss);
    EXPECT_EQ(a.history[s].train_accuracy, b.history[s].train_accuracy);
  }
  EXPECT_EQ(a.result.test.accuracy, b.result.test.accuracy);
  EXPECT_EQ(a.result.test.loss, b.result.test.loss);
  // A different seed takes a different path.
  config.set_seed(4);
  const RunOutcome c = Train(MPI_COMM_WORLD, config);
  EXPECT_NE(std::memcmp(a.params.data(), c.params.data(), a.params.size() * sizeof(float)), 0);
}

TEST(TrainerMpi, ReplicasStayIdenticalOnEveryRank) {
  TrainConfig config = LoadMnist().config;
  config.mutable_schedule()->set_max_steps(5);
  const RunOutcome mine = Train(MPI_COMM_WORLD, config);
  std::vector<float> root = mine.params;
  MPI_Bcast(root.data(), static_cast<int>(root.size()), MPI_FLOAT, 0, MPI_COMM_WORLD);
  EXPECT_EQ(std::memcmp(root.data(), mine.params.data(), root.size() * sizeof(float)), 0);
}

TEST(TrainerMpi, ShardedEvaluationCountsEveryImageOnce) {
  const Mnist& m = LoadMnist();
  TrainConfig config = m.config;
  config.mutable_schedule()->set_eval_batch_size(97);  // does not divide any shard
  dist::Communicator world(MPI_COMM_WORLD);
  Trainer sharded(config, world, *m.train, *m.test);
  const EvalResult all = sharded.Evaluate(*m.test);
  EXPECT_EQ(all.count, 10000);
  if (WorldRank() != 0) return;
  dist::Communicator self(MPI_COMM_SELF);
  config.mutable_schedule()->set_eval_batch_size(1000);
  Trainer whole(config, self, *m.train, *m.test);
  const EvalResult one = whole.Evaluate(*m.test);
  EXPECT_EQ(one.count, 10000);
  EXPECT_NEAR(all.accuracy, one.accuracy, 1e-4);
  EXPECT_NEAR(all.loss, one.loss, 1e-5 * one.loss);
}

}  // namespace
}  // namespace seqtrain::train
