// Bidirectional layers and dropout between layers (model.bidirectional, model.dropout), over
// every built-in cell: gradients against finite differences in double with uneven lengths, a
// padded batch against its sequences run one by one, the tensor names, and dropout's masks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nn/dropout_mask.h"
#include "nn/model_checks.h"
#include "nn/sequence_classifier.h"
#include "util/error.h"

namespace seqtrain::nn {
namespace {

using testing::ExpectClose;
using testing::ExpectGradientMatchesFiniteDifferences;
using testing::Inputs;
using testing::MakeModel;
using testing::RandomInputs;
using testing::Shape;

ModelConfig Bidirectional(ModelConfig m, ModelConfig::Cell cell) {
  m.set_cell(cell);
  m.set_bidirectional(true);
  return m;
}

class BothCells : public ::testing::TestWithParam<ModelConfig::Cell> {};

TEST_P(BothCells, BidirectionalGradientMatchesFiniteDifferencesWithUnevenLengths) {
  const ModelConfig s = Bidirectional(Shape(3, 5, 4, 2, 3), GetParam());
  SequenceClassifier<double> model = MakeModel<double>(s, 5);
  ExpectGradientMatchesFiniteDifferences(model, RandomInputs(s, 4, 13, {5, 2, 1, 3}));
}

TEST_P(BothCells, BidirectionalGradientMatchesFiniteDifferencesWithoutLengths) {
  const ModelConfig s = Bidirectional(Shape(2, 4, 3, 1, 3), GetParam());
  SequenceClassifier<double> model = MakeModel<double>(s, 8);
  ExpectGradientMatchesFiniteDifferences(model, RandomInputs(s, 3, 2));
}

// Each sequence of a padded batch alone in a model as long as it is: the reverse direction
// starts at the sequence's own last step, whatever the batch's longest.
TEST_P(BothCells, BidirectionalPaddedBatchEqualsSequencesRunOneByOne) {
  const ModelConfig s = Bidirectional(Shape(4, 7, 6, 2, 5), GetParam());
  const std::vector<int32_t> lengths = {7, 2, 1, 5, 3};
  const int batch = static_cast<int>(lengths.size()), I = 4, K = 5;
  SequenceClassifier<double> model = MakeModel<double>(s, 21);
  const Inputs in = RandomInputs(s, batch, 17, lengths);
  std::vector<double> probs(static_cast<size_t>(batch) * K), dx(in.x.size());
  model.Forward(in.x.data(), in.labels.data(), batch, probs.data(), lengths.data());
  model.ForwardBackward(in.x.data(), in.labels.data(), batch, dx.data(), lengths.data());
  const std::vector<double> grads(model.grads(), model.grads() + model.num_params());
  std::vector<double> summed(grads.size(), 0.0);
  for (int b = 0; b < batch; ++b) {
    SCOPED_TRACE("sequence " + std::to_string(b));
    const int L = lengths[b];
    ModelConfig short_shape = s;
    short_shape.set_time_steps(L);
    SequenceClassifier<double> alone(short_shape);
    std::copy(model.params(), model.params() + model.num_params(), alone.params());
    std::vector<double> x(static_cast<size_t>(L) * I), p(K), dx_alone(x.size());
    for (int t = 0; t < L; ++t)
      for (int k = 0; k < I; ++k) x[t * I + k] = in.x[(static_cast<size_t>(t) * batch + b) * I + k];
    alone.Forward(x.data(), &in.labels[b], 1, p.data());
    alone.ForwardBackward(x.data(), &in.labels[b], 1, dx_alone.data());
    for (int k = 0; k < K; ++k) EXPECT_NEAR(probs[b * K + k], p[k], 1e-12);
    for (int t = 0; t < s.time_steps(); ++t) {
      for (int k = 0; k < I; ++k) {
        const double got = dx[(static_cast<size_t>(t) * batch + b) * I + k];
        EXPECT_NEAR(got, t < L ? dx_alone[t * I + k] : 0.0, 1e-12) << "t " << t;
      }
    }
    for (size_t i = 0; i < summed.size(); ++i) summed[i] += alone.grads()[i];
  }
  for (size_t i = 0; i < grads.size(); ++i) EXPECT_NEAR(grads[i], summed[i], 1e-11) << i;
}

TEST_P(BothCells, BidirectionalPaddingIsNeverRead) {
  testing::ExpectPaddingIsNeverRead(Bidirectional(Shape(3, 6, 5, 2, 4), GetParam()), "", {2, 6, 4});
}

INSTANTIATE_TEST_SUITE_P(Cells, BothCells, ::testing::Values(ModelConfig::LSTM, ModelConfig::GRU),
                         [](const ::testing::TestParamInfo<ModelConfig::Cell>& info) {
                           return ModelConfig::Cell_Name(info.param);
                         });

TEST(ModelVariants, BidirectionalLayoutNamesBothDirectionsAndWidensTheNextLayer) {
  const ParamLayout layout = ModelLayout(Bidirectional(Shape(3, 4, 5, 2, 6), ModelConfig::GRU));
  std::vector<std::string> names;
  for (const TensorSpec& t : layout.tensors()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{
                       "gru0/w_x", "gru0/w_h", "gru0/b_x", "gru0/b_h", "gru0_reverse/w_x",
                       "gru0_reverse/w_h", "gru0_reverse/b_x", "gru0_reverse/b_h", "gru1/w_x",
                       "gru1/w_h", "gru1/b_x", "gru1/b_h", "gru1_reverse/w_x", "gru1_reverse/w_h",
                       "gru1_reverse/b_x", "gru1_reverse/b_h", "out/w", "out/b"}));
  EXPECT_EQ(layout.Find("gru0/w_x").shape, (std::vector<int>{3, 15}));
  EXPECT_EQ(layout.Find("gru1_reverse/w_x").shape, (std::vector<int>{10, 15}));
  EXPECT_EQ(layout.Find("out/w").shape, (std::vector<int>{10, 6}));
}

TEST(ModelVariants, CellFieldChoosesTheLayers) {
  ModelConfig m = Shape(3, 4, 5, 1, 2);
  EXPECT_EQ(SequenceClassifier<float>(m).cell(), "lstm");
  m.set_cell(ModelConfig::GRU);
  EXPECT_EQ(SequenceClassifier<float>(m).cell(), "gru");
  EXPECT_EQ(ModelLayout(m).Find("gru0/w_h").shape, (std::vector<int>{5, 15}));
}

// Dropout ------------------------------------------------------------------------------------

ModelConfig WithDropout(ModelConfig m, double p) {
  m.set_dropout(p);
  return m;
}

std::vector<uint64_t> Keys(int batch, uint64_t salt) {
  std::vector<uint64_t> keys;
  for (int b = 0; b < batch; ++b) keys.push_back(DeriveSeed(salt, 9, static_cast<uint64_t>(b)));
  return keys;
}

TEST(Dropout, MaskDropsAboutPAndScalesTheRest) {
  const int steps = 10, batch = 20, width = 50;
  const std::vector<uint64_t> keys = Keys(batch, 1);
  std::vector<double> mask(static_cast<size_t>(steps) * batch * width);
  FillDropoutMask(keys.data(), 0, steps, batch, width, 0.3, mask.data());
  const size_t dropped = static_cast<size_t>(std::count(mask.begin(), mask.end(), 0.0));
  for (double v : mask) ASSERT_TRUE(v == 0.0 || v == 1.0 / 0.7) << v;
  EXPECT_NEAR(static_cast<double>(dropped) / mask.size(), 0.3, 0.02);
  // Another layer draws other masks.
  std::vector<double> other(mask.size());
  FillDropoutMask(keys.data(), 1, steps, batch, width, 0.3, other.data());
  EXPECT_NE(mask, other);
}

// The gradient of the loss with the masks held fixed (same keys every call).
TEST_P(BothCells, DropoutGradientMatchesFiniteDifferencesWithAFixedMask) {
  ModelConfig s = WithDropout(Shape(3, 5, 4, 3, 3), 0.4);
  s.set_cell(GetParam());
  SequenceClassifier<double> model = MakeModel<double>(s, 6);
  Inputs in = RandomInputs(s, 4, 11, {5, 3, 1, 4});
  const int batch = 4;
  const std::vector<uint64_t> keys = Keys(batch, 3);
  std::vector<double> dx(in.x.size());
  model.SetDropoutKeys(keys.data(), batch);
  model.ForwardBackward(in.x.data(), in.labels.data(), batch, dx.data(), in.lengths.data());
  const std::vector<double> grads(model.grads(), model.grads() + model.num_params());
  SequenceClassifier<double>& probe = model;
  auto loss = [&] {
    probe.SetDropoutKeys(keys.data(), batch);
    return probe.ForwardBackward(in.x.data(), in.labels.data(), batch, nullptr, in.lengths.data())
        .loss_sum;
  };
  const double h = 1e-6;
  for (size_t i = 0; i < grads.size(); ++i) {
    const double saved = probe.params()[i];
    probe.params()[i] = saved + h;
    const double up = loss();
    probe.params()[i] = saved - h;
    const double down = loss();
    probe.params()[i] = saved;
    ExpectClose(grads[i], (up - down) / (2 * h), "param " + std::to_string(i));
  }
  for (size_t i = 0; i < in.x.size(); i += 3) {
    const double saved = in.x[i];
    in.x[i] = saved + h;
    const double up = loss();
    in.x[i] = saved - h;
    const double down = loss();
    in.x[i] = saved;
    ExpectClose(dx[i], (up - down) / (2 * h), "x " + std::to_string(i));
  }
  // The masks did something: without dropout the gradient differs.
  SequenceClassifier<double> plain(WithDropout(s, 0));
  std::copy(model.params(), model.params() + model.num_params(), plain.params());
  plain.ForwardBackward(in.x.data(), in.labels.data(), batch, nullptr, in.lengths.data());
  EXPECT_FALSE(std::equal(grads.begin(), grads.end(), plain.grads()));
}

// A row's masks follow from its key alone: a batch's gradient is the sum of its rows' run one
// by one (as N ranks, each with a slice of the batch, give 1 rank's update).
TEST(Dropout, ARowsMasksDoNotDependOnItsBatch) {
  const ModelConfig s = WithDropout(Bidirectional(Shape(3, 5, 4, 2, 3), ModelConfig::GRU), 0.5);
  SequenceClassifier<double> model = MakeModel<double>(s, 2);
  const Inputs in = RandomInputs(s, 3, 5, {5, 5, 5});
  const std::vector<uint64_t> keys = Keys(3, 8);
  model.SetDropoutKeys(keys.data(), 3);
  const double loss =
      model.ForwardBackward(in.x.data(), in.labels.data(), 3, nullptr, nullptr).loss_sum;
  const std::vector<double> grads(model.grads(), model.grads() + model.num_params());
  std::vector<double> summed(grads.size(), 0.0);
  double summed_loss = 0;
  const size_t row = 3;  // I
  for (int b = 0; b < 3; ++b) {
    std::vector<double> x;
    for (int t = 0; t < 5; ++t)
      x.insert(x.end(), in.x.begin() + (t * 3 + b) * row, in.x.begin() + (t * 3 + b + 1) * row);
    model.SetDropoutKeys(&keys[b], 1);
    summed_loss += model.ForwardBackward(x.data(), &in.labels[b], 1, nullptr, nullptr).loss_sum;
    for (size_t i = 0; i < summed.size(); ++i) summed[i] += model.grads()[i];
  }
  EXPECT_NEAR(loss, summed_loss, 1e-12);
  for (size_t i = 0; i < grads.size(); ++i) EXPECT_NEAR(grads[i], summed[i], 1e-12) << i;
}

// Evaluation never drops; training without keys is refused.
TEST(Dropout, ForwardNeverDropsAndTrainingNeedsKeys) {
  const ModelConfig s = WithDropout(Shape(3, 4, 5, 2, 3), 0.5);
  SequenceClassifier<float> a = MakeModel<float>(s, 3);
  SequenceClassifier<float> b = MakeModel<float>(WithDropout(s, 0), 3);
  const Inputs in = RandomInputs(s, 4, 1);
  const std::vector<float> x(in.x.begin(), in.x.end());
  std::vector<float> pa(12), pb(12);
  a.Forward(x.data(), in.labels.data(), 4, pa.data());
  b.Forward(x.data(), in.labels.data(), 4, pb.data());
  EXPECT_EQ(pa, pb);
  try {
    a.ForwardBackward(x.data(), in.labels.data(), 4);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "model.dropout needs one dropout key per batch row (SetDropoutKeys): 0 keys for 4 "
              "rows");
  }
}

}  // namespace
}  // namespace seqtrain::nn
