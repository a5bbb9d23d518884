// The optimizer seam's contract (optim/optimizer.h), for every registered optimizer:
// the registry's description matches what it builds, the step counter and state
// behave as documented, and restoring a copy of the state continues bit for bit.
#include "optim/optimizer.h"

#include <gtest/gtest.h>

#include <vector>

#include "optim/adam.h"
#include "optim/registry.h"
#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::optim {
namespace {

constexpr size_t kParams = 37;  // not a multiple of any vector width

std::vector<float> Random(Rng& rng, size_t n, double lo, double hi) {
  std::vector<float> out(n);
  for (float& x : out) x = static_cast<float>(rng.Uniform(lo, hi));
  return out;
}

std::string ErrorOf(Optimizer& optimizer, int64_t step, std::vector<StateTensor> state) {
  try {
    optimizer.Restore(step, std::move(state));
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Registry, KnowsAdamAdamWAndSgdAndSelectsAdamByDefault) {
  EXPECT_EQ(OptimizerNames(), "adam, adamw, sgd");
  ASSERT_NE(FindOptimizer("adam"), nullptr);
  EXPECT_EQ(FindOptimizer("adam")->state_names, (std::vector<std::string>{"m", "v"}));
  EXPECT_EQ(FindOptimizer("lion"), nullptr);
  EXPECT_EQ(FindOptimizer(""), nullptr);
  EXPECT_EQ(SelectedOptimizer(OptimizerConfig()), "adam");
  EXPECT_EQ(CreateOptimizer(OptimizerConfig(), 3)->name(), "adam");
  OptimizerConfig sgd;
  sgd.set_name("sgd");
  EXPECT_EQ(CreateOptimizer(sgd, 3)->name(), "sgd");
  EXPECT_EQ(FindOptimizer("sgd")->state_names, (std::vector<std::string>{"momentum_buffer"}));
  OptimizerConfig lion;
  lion.set_name("lion");
  try {
    CreateOptimizer(lion, 3);
    ADD_FAILURE() << "no error for an unknown optimizer";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "optimizer.name = 'lion' is not an optimizer of this seqtrain (adam, adamw, sgd)");
  }
}

// A config that gives every optimizer all of its state to keep (momentum, decay).
OptimizerConfig Busy() {
  OptimizerConfig config;
  config.set_momentum(0.9);
  config.set_nesterov(true);
  config.set_weight_decay(0.01);
  return config;
}

TEST(Registry, EachEntryBuildsWhatItDescribes) {
  for (const OptimizerInfo& info : Optimizers()) {
    SCOPED_TRACE(info.name);
    const std::unique_ptr<Optimizer> o = info.create(OptimizerConfig(), kParams);
    EXPECT_EQ(o->name(), info.name);
    EXPECT_EQ(o->num_params(), kParams);
    EXPECT_EQ(o->step(), 0);
    ASSERT_EQ(o->state().size(), info.state_names.size());
    for (size_t i = 0; i < info.state_names.size(); ++i) {
      EXPECT_EQ(o->state()[i].name, info.state_names[i]);
      EXPECT_EQ(o->state()[i].values, std::vector<float>(kParams, 0.0f));
      EXPECT_EQ(&o->state_values(info.state_names[i]), &o->state()[i].values);
    }
    EXPECT_THROW(o->state_values("no such state"), Error);
  }
}

TEST(Optimizer, RestoringACopyOfTheStateContinuesBitForBit) {
  for (const OptimizerInfo& info : Optimizers()) {
    SCOPED_TRACE(info.name);
    Rng rng(3);
    std::vector<float> params = Random(rng, kParams, -1, 1);
    const std::unique_ptr<Optimizer> straight = info.create(Busy(), kParams);
    for (int t = 0; t < 4; ++t) {
      straight->Step(params.data(), Random(rng, kParams, -2, 2).data(), 0.25f);
    }
    EXPECT_EQ(straight->step(), 4);
    const std::unique_ptr<Optimizer> resumed = info.create(Busy(), kParams);
    resumed->Restore(straight->step(), straight->state());
    std::vector<float> copy = params;
    const std::vector<float> grads = Random(rng, kParams, -2, 2);
    straight->Step(params.data(), grads.data(), 0.25f);
    resumed->Step(copy.data(), grads.data(), 0.25f);
    EXPECT_EQ(params, copy);
    EXPECT_EQ(resumed->step(), 5);
    for (size_t i = 0; i < straight->state().size(); ++i) {
      EXPECT_EQ(resumed->state()[i].values, straight->state()[i].values);
    }
  }
}

TEST(Optimizer, RestoreRefusesStateOfAnotherShapeAndKeepsItsOwn) {
  Adam adam(OptimizerConfig(), 4);
  std::vector<float> params(4, 1.0f);
  const std::vector<float> grads = {1, 2, 3, 4};
  adam.Step(params.data(), grads.data(), 1.0f);
  const std::vector<StateTensor> before = adam.state();
  const std::vector<float> four(4, 0.5f), three(3, 0.5f);
  EXPECT_EQ(ErrorOf(adam, -1, {{"m", four}, {"v", four}}), "optimizer adam: step -1 is negative");
  EXPECT_EQ(ErrorOf(adam, 2, {{"m", four}}), "optimizer adam keeps 2 state tensors, not 1");
  EXPECT_EQ(ErrorOf(adam, 2, {{"v", four}, {"m", four}}),
            "optimizer adam: state 0 is 'v' of 4 values, not 'm' of 4");
  EXPECT_EQ(ErrorOf(adam, 2, {{"m", four}, {"v", three}}),
            "optimizer adam: state 1 is 'v' of 3 values, not 'v' of 4");
  EXPECT_EQ(adam.step(), 1);
  EXPECT_EQ(adam.state()[0].values, before[0].values);
  EXPECT_EQ(adam.state()[1].values, before[1].values);
  EXPECT_EQ(ErrorOf(adam, 7, {{"m", four}, {"v", four}}), "(no error)");
  EXPECT_EQ(adam.step(), 7);
  EXPECT_EQ(adam.first_moment(), four);
}

// Clipping is the trainer's: a config's clip_grad_norm changes nothing in the update.
TEST(Optimizer, IgnoresClipGradNorm) {
  for (const OptimizerInfo& info : Optimizers()) {
    SCOPED_TRACE(info.name);
    OptimizerConfig clipped;
    clipped.set_clip_grad_norm(1e-3);
    Rng rng(4);
    std::vector<float> a = Random(rng, kParams, -1, 1), b = a;
    const std::unique_ptr<Optimizer> plain = info.create(OptimizerConfig(), kParams);
    const std::unique_ptr<Optimizer> with_clip = info.create(clipped, kParams);
    for (int t = 0; t < 3; ++t) {
      const std::vector<float> grads = Random(rng, kParams, -50, 50);
      plain->Step(a.data(), grads.data(), 1.0f);
      with_clip->Step(b.data(), grads.data(), 1.0f);
    }
    EXPECT_EQ(a, b);
  }
}

}  // namespace
}  // namespace seqtrain::optim
