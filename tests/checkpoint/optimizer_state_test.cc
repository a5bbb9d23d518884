// Optimizer state in checkpoints (checkpoint/optimizer_state.h): every registered
// optimizer's state written to a file and read back restores the same state and the same
// next step; version-2 files (Adam's own fields) still load, the kept fixture among them;
// state that does not fit is refused with one line naming the file and the field.
#include "checkpoint/optimizer_state.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cstring>

#include "checkpoint/checkpoint_file.h"
#include "checkpoint/model_tensors.h"
#include "optim/adam.h"
#include "optim/registry.h"
#include "support/idx_writer.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::checkpoint {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr char kLineage[] = "0123456789ab";

nn::ParamLayout SmallLayout() {
  nn::ParamLayout layout;
  layout.Add("a/w", {3, 5});
  layout.Add("b", {7});
  return layout;
}

std::vector<float> Random(Rng& rng, size_t n) {
  std::vector<float> out(n);
  for (float& x : out) x = static_cast<float>(rng.Uniform(-2, 2));
  return out;
}

// An optimizer after a few steps from random parameters and gradients.
std::unique_ptr<optim::Optimizer> Trained(const optim::OptimizerInfo& info,
                                          const nn::ParamLayout& layout,
                                          std::vector<float>* params) {
  Rng rng(11);
  *params = Random(rng, layout.total_size());
  std::unique_ptr<optim::Optimizer> o = info.create(OptimizerConfig(), layout.total_size());
  for (int t = 0; t < 3; ++t)
    o->Step(params->data(), Random(rng, layout.total_size()).data(), 0.5f);
  return o;
}

OptimizerState PackedAdam() {
  const nn::ParamLayout layout = SmallLayout();
  std::vector<float> params;
  OptimizerState state;
  PackOptimizerState(*Trained(*optim::FindOptimizer("adam"), layout, &params), layout, &state);
  return state;
}

std::string CheckError(const OptimizerState& state) {
  try {
    CheckOptimizerState(state, SmallLayout(), "ck");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

std::string DecodeError(const Checkpoint& c) {
  try {
    Decode(Encode(c), "ck");
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
// A checkpoint as format version 2 wrote Adam's state.
Checkpoint Version2(const OptimizerState& adam) {
  Checkpoint c;
  c.set_format_version(2);
  c.set_adam_step(adam.step());
  *c.mutable_adam_m() = adam.state(0).tensors();
  *c.mutable_adam_v() = adam.state(1).tensors();
  return c;
}
#pragma GCC diagnostic pop

TEST(OptimizerState, EveryOptimizerRoundTripsThroughAFile) {
  const std::string dir = testing::MakeTempDir("optimizer_state");
  const nn::ParamLayout layout = SmallLayout();
  for (const optim::OptimizerInfo& info : optim::Optimizers()) {
    SCOPED_TRACE(info.name);
    std::vector<float> params;
    const std::unique_ptr<optim::Optimizer> saved = Trained(info, layout, &params);
    Checkpoint c;
    c.set_format_version(kFormatVersion);
    c.set_lineage(kLineage);
    c.set_global_step(saved->step());
    PackOptimizerState(*saved, layout, c.mutable_optimizer());
    const Checkpoint back = ReadCheckpoint(SaveCheckpoint(dir, c, 1));
    EXPECT_TRUE(MessageDifferencer::Equals(back, c));
    EXPECT_EQ(back.optimizer().name(), info.name);
    ASSERT_EQ(back.optimizer().state_size(), static_cast<int>(info.state_names.size()));

    const std::unique_ptr<optim::Optimizer> restored =
        info.create(OptimizerConfig(), layout.total_size());
    RestoreOptimizerState(back.optimizer(), layout, restored.get(), "ck");
    EXPECT_EQ(restored->step(), saved->step());
    for (size_t i = 0; i < info.state_names.size(); ++i) {
      EXPECT_EQ(back.optimizer().state(static_cast<int>(i)).name(), info.state_names[i]);
      EXPECT_EQ(restored->state()[i].name, saved->state()[i].name);
      EXPECT_EQ(restored->state()[i].values, saved->state()[i].values);
    }
    // The same next step, bit for bit.
    std::vector<float> copy = params;
    Rng rng(12);
    const std::vector<float> grads = Random(rng, layout.total_size());
    saved->Step(params.data(), grads.data(), 0.5f);
    restored->Step(copy.data(), grads.data(), 0.5f);
    EXPECT_EQ(params, copy);
    for (size_t i = 0; i < info.state_names.size(); ++i) {
      EXPECT_EQ(restored->state()[i].values, saved->state()[i].values);
    }
  }
}

TEST(OptimizerState, Version2FieldsReadAsAdamState) {
  const OptimizerState adam = PackedAdam();
  const Checkpoint old = Version2(adam);
  const Checkpoint read = Decode(Encode(old), "ck");
  EXPECT_EQ(read.format_version(), 2u);
  EXPECT_TRUE(MessageDifferencer::Equals(read.optimizer(), adam));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(read.adam_m_size(), 0);  // moved, not copied
  EXPECT_EQ(read.adam_v_size(), 0);
  EXPECT_FALSE(read.has_adam_step());
  // Only one moment saved: the other is named missing.
  Checkpoint half = old;
  half.clear_adam_v();
  EXPECT_EQ(CheckError(Decode(Encode(half), "ck").optimizer()),
            "ck: optimizer.state 'v' is missing (adam keeps m, v)");
  // No Adam fields at all: no optimizer state.
  Checkpoint none;
  none.set_format_version(2);
  EXPECT_FALSE(Decode(Encode(none), "ck").has_optimizer());
  // Each format holds the optimizer state in its own fields only.
  Checkpoint both = old;
  *both.mutable_optimizer() = adam;
  EXPECT_EQ(DecodeError(both),
            "ck: optimizer set in a format version 2 checkpoint, which keeps Adam's state in "
            "adam_m, adam_v and adam_step");
  Checkpoint v3 = old;
  v3.set_format_version(3);
  EXPECT_EQ(DecodeError(v3),
            "ck: adam_m, adam_v or adam_step set in a format version 3 checkpoint, which keeps "
            "them in optimizer");
  v3.clear_adam_m();
  v3.clear_adam_v();
  EXPECT_NE(DecodeError(v3), "(no error)");  // adam_step alone
#pragma GCC diagnostic pop
}

// The fixture of tests/data/golden, written by format version 2: its Adam fields come back
// as the optimizer state, value for value, and restore into Adam.
TEST(OptimizerState, TheVersion2FixtureLoads) {
  const std::string path = SEQTRAIN_GOLDEN_CHECKPOINT;
  const Checkpoint c = ReadCheckpoint(path);
  EXPECT_EQ(c.format_version(), 2u);
  EXPECT_EQ(c.global_step(), 20);
  ASSERT_TRUE(c.has_optimizer());
  EXPECT_EQ(c.optimizer().name(), "adam");
  ASSERT_EQ(c.optimizer().state_size(), 2);
  EXPECT_EQ(c.optimizer().state(0).name(), "m");
  EXPECT_EQ(c.optimizer().state(1).name(), "v");
  const nn::ParamLayout layout = LayoutOf(ModelConfigOf(c, path));
  CheckTensors(c, ModelConfigOf(c, path), true, path);

  // The payload parsed as it is on disk, without Decode's reading of the old fields.
  const std::string bytes = ReadWholeFile(path, kMaxCheckpointBytes);
  Checkpoint raw;
  ASSERT_TRUE(raw.ParseFromString(bytes.substr(kHeaderBytes)));
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
  EXPECT_EQ(c.optimizer().step(), raw.adam_step());
  EXPECT_EQ(raw.adam_step(), 20);
  ASSERT_EQ(raw.adam_m_size(), raw.params_size());
  optim::Adam adam(OptimizerConfig(), layout.total_size());
  RestoreOptimizerState(c.optimizer(), layout, &adam, path);
  EXPECT_EQ(adam.step(), 20);
  for (int i = 0; i < raw.params_size(); ++i) {
    const nn::TensorSpec& spec = layout.tensors()[static_cast<size_t>(i)];
    EXPECT_EQ(raw.adam_m(i).name(), spec.name);
    EXPECT_EQ(std::memcmp(raw.adam_m(i).data().data(), adam.first_moment().data() + spec.offset,
                          spec.size * sizeof(float)),
              0)
        << spec.name;
    EXPECT_EQ(std::memcmp(raw.adam_v(i).data().data(), adam.second_moment().data() + spec.offset,
                          spec.size * sizeof(float)),
              0)
        << spec.name;
  }
#pragma GCC diagnostic pop
}

TEST(OptimizerState, StateThatDoesNotFitIsRefusedWithOneLine) {
  const OptimizerState good = PackedAdam();
  EXPECT_EQ(CheckError(good), "(no error)");
  OptimizerState s = good;
  s.set_name("lion");
  EXPECT_EQ(CheckError(s),
            "ck: optimizer.name = 'lion' is not an optimizer of this seqtrain (adam, adamw, sgd)");
  s.set_name("li\non");  // a hostile name stays on one line
  EXPECT_EQ(CheckError(s),
            "ck: optimizer.name = 'li?on' is not an optimizer of this seqtrain (adam, adamw, sgd)");
  s.set_name(std::string(1000, 'x'));  // and is cut short
  EXPECT_EQ(CheckError(s), "ck: optimizer.name = '" + std::string(40, 'x') +
                               "' is not an optimizer of this seqtrain (adam, adamw, sgd)");
  s = good;
  s.set_step(-1);
  EXPECT_EQ(CheckError(s), "ck: optimizer.step = -1 is negative");
  s = good;
  s.mutable_state()->RemoveLast();
  EXPECT_EQ(CheckError(s), "ck: optimizer.state 'v' is missing (adam keeps m, v)");
  s = good;
  s.mutable_state(1)->set_name("w");
  EXPECT_EQ(CheckError(s), "ck: optimizer.state 'w' is not a state of adam (adam keeps m, v)");
  s = good;
  *s.add_state() = good.state(0);
  EXPECT_EQ(CheckError(s), "ck: optimizer.state 'm' appears more than once");
  s = good;
  s.mutable_state(0)->mutable_tensors(1)->set_shape(0, 8);
  EXPECT_EQ(CheckError(s), "ck: optimizer.state 'm' tensor 'b' has shape [8], the model has [7]");
  s = good;
  s.mutable_state(1)->mutable_tensors()->RemoveLast();
  EXPECT_EQ(CheckError(s), "ck: optimizer.state 'v' holds 1 tensors, the model has 2");
  s = good;
  s.mutable_state(1)->mutable_tensors(0)->set_name("a/x");
  EXPECT_EQ(CheckError(s), "ck: optimizer.state 'v' tensor 0 is 'a/x', the model expects 'a/w'");
  s = good;
  s.mutable_state(1)->mutable_tensors(0)->mutable_data()->resize(4);
  EXPECT_EQ(CheckError(s),
            "ck: optimizer.state 'v' tensor 'a/w' holds 4 bytes, its shape needs 60");
  // Restoring checks the same, and leaves the optimizer as it was.
  optim::Adam adam(OptimizerConfig(), SmallLayout().total_size());
  try {
    RestoreOptimizerState(s, SmallLayout(), &adam, "ck");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "ck: optimizer.state 'v' tensor 'a/w' holds 4 bytes, its shape needs 60");
  }
  EXPECT_EQ(adam.step(), 0);
  EXPECT_EQ(adam.first_moment(), std::vector<float>(SmallLayout().total_size(), 0.0f));
}

// An optimizer the registry knows, but not the one resuming.
class Toy : public optim::Optimizer {
 public:
  explicit Toy(size_t n) : Optimizer("toy", n, {"m", "v"}, 0.001) {}

 private:
  void Update(float*, const float*, float, int64_t) override {}
};

// Before optimizer.name, "adam" with weight_decay > 0 made AdamW's update: read as adamw's.
TEST(OptimizerState, AnUnnamedAdamWithDecayReadsAsAdamW) {
  Checkpoint c;
  c.set_format_version(kFormatVersion);
  *c.mutable_optimizer() = PackedAdam();
  c.mutable_config()->mutable_optimizer()->set_weight_decay(0.01);
  Checkpoint back = Decode(Encode(c), "ck");
  EXPECT_EQ(back.optimizer().name(), "adamw");
  EXPECT_EQ(back.config().optimizer().name(), "adamw");
  EXPECT_EQ(back.optimizer().state_size(), 2);
  // Named, or without decay: as saved.
  c.mutable_config()->mutable_optimizer()->set_name("adam");
  EXPECT_EQ(Decode(Encode(c), "ck").optimizer().name(), "adam");
  c.mutable_config()->mutable_optimizer()->clear_name();
  c.mutable_config()->mutable_optimizer()->set_weight_decay(0);
  back = Decode(Encode(c), "ck");
  EXPECT_EQ(back.optimizer().name(), "adam");
  EXPECT_FALSE(back.config().optimizer().has_name());
}

TEST(OptimizerState, AnotherOptimizersStateIsRefused) {
  Toy toy(SmallLayout().total_size());
  try {
    RestoreOptimizerState(PackedAdam(), SmallLayout(), &toy, "ck");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(
        e.what(),
        "ck: optimizer.name = 'adam' in the checkpoint but 'toy' in the config: resume with "
        "the optimizer that saved it");
  }
  EXPECT_EQ(toy.step(), 0);
}

}  // namespace
}  // namespace seqtrain::checkpoint
