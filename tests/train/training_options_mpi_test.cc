// The training options of optimizer and schedule on real MNIST, under mpiexec with 1 and 2
// ranks: every optimizer, a schedule and the moving average of the weights resume bit for
// bit (also in the middle of the warmup); gradient accumulation makes the update of one step
// on the whole batch, on N ranks as on 1; the average follows its formula.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>
#include <mpi.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "train/trainer_runs.h"

namespace seqtrain::train {
namespace {

using testing::MaxRelativeDifference;
using testing::RunOutcome;
using testing::WorldRank;

// The first 1000 training images: an epoch is 8 steps of 128 (the last has 104).
const testing::MnistPrefix& LoadData() {
  static const testing::MnistPrefix d = [] {
    testing::MnistPrefix out = testing::LoadMnistPrefix(1000, 300);
    out.config.set_seed(5);
    out.config.mutable_model()->set_hidden_size(32);
    out.config.mutable_schedule()->set_display_step(1000);
    return out;
  }();
  return d;
}

RunOutcome Train(MPI_Comm comm, TrainConfig config, int64_t steps, const Checkpoint* resume_from) {
  const testing::MnistPrefix& d = LoadData();
  config.mutable_schedule()->set_max_steps(steps);
  dist::Communicator c(comm);
  return testing::RunQuietly(config, c, *d.train, *d.test, resume_from);
}

struct Variant {
  const char* what;
  TrainConfig config;
};

// Each optimizer with all of its state in use, each under a warmup that the resume falls into.
std::vector<Variant> Variants() {
  std::vector<Variant> out;
  const auto add = [&](const char* what, const char* name) {
    TrainConfig c = LoadData().config;
    OptimizerConfig& o = *c.mutable_optimizer();
    o.set_name(name);
    o.set_weight_decay(0.01);
    if (std::string(name) == "sgd") {
      o.set_learning_rate(0.1);
      o.set_momentum(0.9);
      o.set_nesterov(true);
    }
    o.mutable_schedule()->set_kind(seqtrain::LrSchedule::COSINE);
    o.mutable_schedule()->set_warmup_steps(8);
    o.mutable_schedule()->set_min_lr(1e-5);
    o.set_ema_decay(0.9);
    c.mutable_schedule()->set_accumulation_steps(3);
    out.push_back({what, c});
  };
  add("adam (L2)", "adam");
  add("adamw", "adamw");
  add("sgd (Nesterov momentum, L2)", "sgd");
  return out;
}

// Resumed at step 5 of an 8-step warmup (mid-epoch), 12 steps in all: the learning rates,
// the losses, the weights, the optimizer state and the average are those of one run.
TEST(TrainingOptions, ResumeInTheWarmupIsBitIdenticalForEveryOptimizer) {
  for (const Variant& v : Variants()) {
    SCOPED_TRACE(v.what);
    const RunOutcome straight = Train(MPI_COMM_WORLD, v.config, 12, nullptr);
    const RunOutcome first = Train(MPI_COMM_WORLD, v.config, 5, nullptr);
    // A run of 5 steps has a cosine of its own after the warmup, but not before: the
    // checkpoint of step 5 holds the same state as the straight run's at step 5.
    const RunOutcome second = Train(MPI_COMM_WORLD, v.config, 12, &first.checkpoint);
    EXPECT_EQ(std::memcmp(second.params.data(), straight.params.data(),
                          straight.params.size() * sizeof(float)),
              0);
    ASSERT_EQ(second.history.size(), 7u);
    for (size_t s = 0; s < 7; ++s) {
      const StepRecord& a = straight.history[5 + s];
      const StepRecord& b = second.history[s];
      EXPECT_EQ(a.step, b.step);
      EXPECT_EQ(a.loss, b.loss) << "step " << a.step;
      EXPECT_EQ(a.learning_rate, b.learning_rate) << "step " << a.step;
    }
    // The warmup's rates, as the schedule defines them: 0.1 or 0.001 x step / 8.
    const double peak = v.config.optimizer().learning_rate();
    EXPECT_DOUBLE_EQ(straight.history[2].learning_rate, peak * 3 / 8);
    EXPECT_DOUBLE_EQ(straight.history[7].learning_rate, peak);
    using google::protobuf::util::MessageDifferencer;
    EXPECT_TRUE(
        MessageDifferencer::Equals(second.checkpoint.optimizer(), straight.checkpoint.optimizer()));
    ASSERT_GT(straight.checkpoint.ema_params_size(), 0);
    ASSERT_EQ(second.checkpoint.ema_params_size(), straight.checkpoint.ema_params_size());
    for (int i = 0; i < straight.checkpoint.ema_params_size(); ++i) {
      EXPECT_EQ(second.checkpoint.ema_params(i).data(), straight.checkpoint.ema_params(i).data());
    }
    EXPECT_EQ(second.result.ema_test.accuracy, straight.result.ema_test.accuracy);
    EXPECT_EQ(second.result.ema_test.loss, straight.result.ema_test.loss);
  }
}

// Batch 128 in one step == 4 micro-batches of 32 (== on N ranks, each rank a slice of each).
TEST(TrainingOptions, AccumulationMakesTheUpdateOfOneStepOnTheWholeBatch) {
  TrainConfig one = LoadData().config;
  one.mutable_optimizer()->set_clip_grad_norm(1.0);  // on the accumulated gradient
  TrainConfig four = one;
  four.mutable_schedule()->set_accumulation_steps(4);
  // 10 steps: the epoch's last batch of 104 splits into micro-batches of 26.
  const RunOutcome accumulated = Train(MPI_COMM_WORLD, four, 10, nullptr);
  ASSERT_EQ(accumulated.result.steps, 10);
  if (WorldRank() != 0) return;
  const RunOutcome whole = Train(MPI_COMM_SELF, one, 10, nullptr);
  const double diff = MaxRelativeDifference(whole.params, accumulated.params);
  RecordProperty("max_relative_param_diff", std::to_string(diff));
  EXPECT_LT(diff, 1e-4);
  EXPECT_GT(diff, 0) << "no float reordering at all: were the micro-batches used?";
  ASSERT_EQ(whole.history.size(), accumulated.history.size());
  for (size_t s = 0; s < whole.history.size(); ++s) {
    EXPECT_NEAR(whole.history[s].loss, accumulated.history[s].loss, 1e-4) << "step " << s + 1;
    EXPECT_EQ(whole.history[s].train_accuracy, accumulated.history[s].train_accuracy)
        << "step " << s + 1;
  }
  // Same optimizer step count: micro-batches are not steps.
  EXPECT_EQ(accumulated.checkpoint.optimizer().step(), 10);
}

// ema = d ema + (1 - d) params after every step, from the initial weights, in float.
TEST(TrainingOptions, MovingAverageFollowsTheHandComputation) {
  TrainConfig config = LoadData().config;
  config.mutable_optimizer()->set_ema_decay(0.8);
  const testing::MnistPrefix& d = LoadData();
  dist::Communicator c(MPI_COMM_WORLD);
  Trainer initial(config, c, *d.train, *d.test);
  std::vector<double> want(initial.model().params(),
                           initial.model().params() + initial.model().num_params());
  for (int64_t steps = 1; steps <= 3; ++steps) {
    const RunOutcome run = Train(MPI_COMM_WORLD, config, steps, nullptr);
    for (size_t i = 0; i < want.size(); ++i) want[i] = 0.8 * want[i] + 0.2 * run.params[i];
    TrainConfig replay = config;
    Trainer t(replay, c, *d.train, *d.test);
    t.Restore(run.checkpoint, "run");
    ASSERT_NE(t.ema(), nullptr);
    const std::vector<float>& got = t.ema()->values();
    double worst = 0;
    for (size_t i = 0; i < want.size(); ++i) {
      worst = std::max(worst, std::fabs(got[i] - want[i]) / (std::fabs(want[i]) + 1e-3));
    }
    EXPECT_LT(worst, 1e-5) << "after " << steps << " steps";
  }
  // Evaluated beside the weights: a decay near 0 evaluates (almost) the weights themselves.
  config.mutable_optimizer()->set_ema_decay(1e-9);
  const RunOutcome near_raw = Train(MPI_COMM_WORLD, config, 4, nullptr);
  EXPECT_EQ(near_raw.result.ema_test.count, 300);
  EXPECT_NEAR(near_raw.result.ema_test.loss, near_raw.result.test.loss, 1e-5);
  config.mutable_optimizer()->set_ema_decay(0.99);
  const RunOutcome slow = Train(MPI_COMM_WORLD, config, 4, nullptr);
  EXPECT_GT(std::fabs(slow.result.ema_test.loss - slow.result.test.loss), 1e-3);
}

// An average turned on at a resume starts at the checkpoint's weights.
TEST(TrainingOptions, AverageTurnedOnAtAResumeStartsAtTheWeights) {
  TrainConfig plain = LoadData().config;
  const RunOutcome first = Train(MPI_COMM_WORLD, plain, 3, nullptr);
  EXPECT_EQ(first.checkpoint.ema_params_size(), 0);
  TrainConfig with_ema = plain;
  with_ema.mutable_optimizer()->set_ema_decay(0.5);
  const testing::MnistPrefix& d = LoadData();
  dist::Communicator c(MPI_COMM_WORLD);
  with_ema.mutable_schedule()->set_max_steps(3);  // nothing left to train
  Trainer t(with_ema, c, *d.train, *d.test);
  t.Restore(first.checkpoint, "first");
  MetricsLog quiet(false, "");
  t.Run(quiet);
  ASSERT_NE(t.ema(), nullptr);
  EXPECT_EQ(t.ema()->values(), first.params);
}

}  // namespace
}  // namespace seqtrain::train
