// Resuming from a checkpoint continues the same trajectory: 2N steps straight
// equal N steps, save, restore into a new trainer, N more steps, bit for bit.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "data/toy_sequence_source.h"
#include "train/trainer_runs.h"

namespace seqtrain::train {
namespace {

using testing::RunOutcome;

// The first 1000 training images: an epoch is 8 steps of 128 (the last has 104),
// so a short run crosses epochs and resumes mid-epoch. Evaluation is not under test here:
// 500 training images will do.
const testing::MnistPrefix& LoadData() {
  static const testing::MnistPrefix d = [] {
    testing::MnistPrefix out = testing::LoadMnistPrefix(1000, 500);
    out.config.set_seed(11);
    out.config.mutable_model()->set_hidden_size(48);
    out.config.mutable_schedule()->set_display_step(1000);
    out.config.mutable_optimizer()->set_name("adamw");
    out.config.mutable_optimizer()->set_weight_decay(0.01);  // the decay path resumes too
    out.config.mutable_optimizer()->set_clip_grad_norm(1.0);
    return out;
  }();
  return d;
}

RunOutcome Train(int64_t steps, const Checkpoint* resume_from) {
  const testing::MnistPrefix& d = LoadData();
  TrainConfig config = d.config;
  config.mutable_schedule()->set_max_steps(steps);
  dist::Communicator comm(MPI_COMM_WORLD);
  return testing::RunQuietly(config, comm, *d.train, *d.test, resume_from);
}

TEST(ResumeMpi, StopAndResumeIsBitIdenticalToStraightThrough) {
  for (int64_t half : {5, 8, 11}) {  // mid-epoch, at an epoch boundary, in the second epoch
    const RunOutcome straight = Train(2 * half, nullptr);
    const RunOutcome first = Train(half, nullptr);
    EXPECT_EQ(first.checkpoint.global_step(), half);
    const RunOutcome second = Train(2 * half, &first.checkpoint);
    ASSERT_EQ(second.params.size(), straight.params.size());
    EXPECT_EQ(std::memcmp(second.params.data(), straight.params.data(),
                          straight.params.size() * sizeof(float)),
              0)
        << "resumed at step " << half;
    ASSERT_EQ(second.history.size(), static_cast<size_t>(half));
    for (int64_t s = 0; s < half; ++s) {
      const StepRecord& a = straight.history[static_cast<size_t>(half + s)];
      const StepRecord& b = second.history[static_cast<size_t>(s)];
      EXPECT_EQ(a.step, b.step);
      EXPECT_EQ(a.epoch, b.epoch);
      EXPECT_EQ(a.loss, b.loss) << "step " << a.step;
      EXPECT_EQ(a.train_accuracy, b.train_accuracy) << "step " << a.step;
    }
    // The saved optimizer state matches too.
    using google::protobuf::util::MessageDifferencer;
    EXPECT_TRUE(
        MessageDifferencer::Equals(second.checkpoint.optimizer(), straight.checkpoint.optimizer()));
    EXPECT_EQ(second.checkpoint.optimizer().step(), 2 * half);
    EXPECT_EQ(second.checkpoint.epoch(), straight.checkpoint.epoch());
    EXPECT_EQ(second.checkpoint.epoch_position(), straight.checkpoint.epoch_position());
  }
}

// Length-bucketed batches over sequences of lengths 1..12 resume exactly too: 512 samples, 16
// batches of 32 per epoch in windows of 4, stopped mid-epoch and in the second epoch.
TrainConfig BucketedConfig() {
  TrainConfig c;
  c.set_seed(3);
  ModelConfig& m = *c.mutable_model();
  m.set_time_steps(12);
  m.set_input_size(4);
  m.set_hidden_size(16);
  m.set_num_classes(4);
  c.mutable_data()->set_bucket_window(4);
  c.mutable_schedule()->set_batch_size(32);
  c.mutable_schedule()->set_display_step(1000);
  c.mutable_optimizer()->set_learning_rate(0.01);
  return c;
}

RunOutcome TrainBucketed(const TrainConfig& base, int64_t steps, const Checkpoint* resume_from) {
  static const testing::ToySequences train(512, 12, 4, 4, true, 1), test(64, 12, 4, 4, true, 2);
  TrainConfig config = base;
  config.mutable_schedule()->set_max_steps(steps);
  dist::Communicator comm(MPI_COMM_WORLD);
  return testing::RunQuietly(config, comm, train, test, resume_from);
}

TEST(ResumeMpi, BucketedOrderResumesBitIdentically) {
  const TrainConfig config = BucketedConfig();
  for (int64_t half : {5, 19}) {
    const RunOutcome straight = TrainBucketed(config, 2 * half, nullptr);
    const RunOutcome first = TrainBucketed(config, half, nullptr);
    const RunOutcome second = TrainBucketed(config, 2 * half, &first.checkpoint);
    ASSERT_EQ(second.params.size(), straight.params.size());
    EXPECT_EQ(std::memcmp(second.params.data(), straight.params.data(),
                          straight.params.size() * sizeof(float)),
              0)
        << "resumed at step " << half;
    for (int64_t s = 0; s < half; ++s) {
      EXPECT_EQ(straight.history[static_cast<size_t>(half + s)].loss,
                second.history[static_cast<size_t>(s)].loss)
          << "step " << half + s + 1;
    }
  }
  // Bucketing changed the trajectory (the test would pass vacuously otherwise).
  TrainConfig plain = config;
  plain.mutable_data()->set_bucket_window(0);
  EXPECT_NE(TrainBucketed(plain, 5, nullptr).params, TrainBucketed(config, 5, nullptr).params);
}

// Mid-epoch, another window or batch size would continue another order: refused.
TEST(ResumeMpi, ChangedBucketingMidEpochIsRejected) {
  const TrainConfig config = BucketedConfig();
  const RunOutcome run = TrainBucketed(config, 5, nullptr);
  TrainConfig other = config;
  other.mutable_data()->set_bucket_window(2);
  static const testing::ToySequences train(512, 12, 4, 4, true, 1);
  dist::Communicator comm(MPI_COMM_WORLD);
  Trainer trainer(other, comm, train, train);
  try {
    trainer.Restore(run.checkpoint, "b.ckpt");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "b.ckpt: saved mid-epoch with data.bucket_window = 4 and schedule.batch_size = "
                 "32, resumed with 2 and 32: the rest of the epoch would skip or repeat samples "
                 "(keep both until the epoch ends)");
  }
}

TEST(ResumeMpi, CheckpointOfAnotherModelIsRejected) {
  const testing::MnistPrefix& d = LoadData();
  const RunOutcome run = Train(2, nullptr);
  TrainConfig other = d.config;
  other.mutable_model()->set_hidden_size(16);
  dist::Communicator comm(MPI_COMM_WORLD);
  Trainer trainer(other, comm, *d.train, *d.test);
  try {
    trainer.Restore(run.checkpoint, "x.ckpt");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "x.ckpt: model.hidden_size = 48 in the checkpoint but 16 in the config: the "
                 "checkpoint is for "
                 "another model");
  }
}

}  // namespace
}  // namespace seqtrain::train
