// Resuming from a checkpoint continues the same trajectory: 2N steps straight
// equal N steps, save, restore into a new trainer, N more steps, bit for bit.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <mpi.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "checkpoint/checkpoint_file.h"
#include "config/data_path.h"
#include "data/idx_source.h"
#include "data/toy_sequence_source.h"
#include "dist/communicator.h"
#include "train/trainer.h"

namespace seqtrain::train {
namespace {

// The first 1000 training images: an epoch is 8 steps of 128 (the last has 104),
// so a short run crosses epochs and resumes mid-epoch.
struct Data {
  std::unique_ptr<data::DataSource> train, test;
  TrainConfig config;
};

const Data& LoadData() {
  static const Data d = [] {
    Data out;
    const char* dir = std::getenv("SEQTRAIN_MNIST_DIR");
    if (!dir || !*dir) {
      ADD_FAILURE() << "SEQTRAIN_MNIST_DIR is not set";
      std::abort();
    }
    out.config.mutable_data()->set_dir(dir);
    out.config.set_seed(11);
    out.config.mutable_model()->set_hidden_size(48);
    out.config.mutable_schedule()->set_display_step(1000);
    out.config.mutable_optimizer()->set_name("adamw");
    out.config.mutable_optimizer()->set_weight_decay(0.01);  // the decay path resumes too
    out.config.mutable_optimizer()->set_clip_grad_norm(1.0);
    const DataConfig& c = out.config.data();
    const data::LabeledImages full = data::LoadLabeledImages(
        config::PathOf(c, c.train_images()), config::PathOf(c, c.train_labels()), 10);
    out.train = std::make_unique<data::IdxDataSource>(full.Prefix(1000), 28, 28, 10);
    // Evaluation is not under test here: 500 training images will do.
    out.test = std::make_unique<data::IdxDataSource>(full.Prefix(500), 28, 28, 10);
    return out;
  }();
  return d;
}

struct Outcome {
  std::vector<float> params;
  std::vector<StepRecord> history;
  Checkpoint checkpoint;
};

Outcome Train(int64_t steps, const Checkpoint* resume_from) {
  const Data& d = LoadData();
  TrainConfig config = d.config;
  config.mutable_schedule()->set_max_steps(steps);
  dist::Communicator comm(MPI_COMM_WORLD);
  Trainer trainer(config, comm, *d.train, *d.test);
  if (resume_from) {
    // Through the file format, as a real resume goes.
    trainer.Restore(checkpoint::Decode(checkpoint::Encode(*resume_from), "mem"), "mem");
  }
  MetricsLog quiet(false, "");
  trainer.Run(quiet);
  Outcome out;
  out.params.assign(trainer.model().params(),
                    trainer.model().params() + trainer.model().num_params());
  out.history = trainer.history();
  out.checkpoint = trainer.MakeCheckpoint();
  return out;
}

TEST(ResumeMpi, StopAndResumeIsBitIdenticalToStraightThrough) {
  for (int64_t half : {5, 8, 11}) {  // mid-epoch, at an epoch boundary, in the second epoch
    const Outcome straight = Train(2 * half, nullptr);
    const Outcome first = Train(half, nullptr);
    EXPECT_EQ(first.checkpoint.global_step(), half);
    const Outcome second = Train(2 * half, &first.checkpoint);
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

Outcome TrainBucketed(const TrainConfig& base, int64_t steps, const Checkpoint* resume_from) {
  static const testing::ToySequences train(512, 12, 4, 4, true, 1), test(64, 12, 4, 4, true, 2);
  TrainConfig config = base;
  config.mutable_schedule()->set_max_steps(steps);
  dist::Communicator comm(MPI_COMM_WORLD);
  Trainer trainer(config, comm, train, test);
  if (resume_from) trainer.Restore(checkpoint::Decode(checkpoint::Encode(*resume_from), "m"), "m");
  MetricsLog quiet(false, "");
  trainer.Run(quiet);
  Outcome out;
  out.params.assign(trainer.model().params(),
                    trainer.model().params() + trainer.model().num_params());
  out.history = trainer.history();
  out.checkpoint = trainer.MakeCheckpoint();
  return out;
}

TEST(ResumeMpi, BucketedOrderResumesBitIdentically) {
  const TrainConfig config = BucketedConfig();
  for (int64_t half : {5, 19}) {
    const Outcome straight = TrainBucketed(config, 2 * half, nullptr);
    const Outcome first = TrainBucketed(config, half, nullptr);
    const Outcome second = TrainBucketed(config, 2 * half, &first.checkpoint);
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
  const Outcome run = TrainBucketed(config, 5, nullptr);
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
  const Data& d = LoadData();
  const Outcome run = Train(2, nullptr);
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
