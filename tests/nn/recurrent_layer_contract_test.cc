// The RecurrentLayer contract (recurrent_layer.h), checked for every registered cell: the
// built-in LSTM and the toy Elman cell of elman_layer.cc, which this binary links. A new cell
// gets these tests by being registered.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "nn/model_checks.h"
#include "nn/recurrent_layer_registry.h"
#include "nn/sequence_classifier.h"
#include "util/rng.h"

namespace seqtrain::nn {
namespace {

using testing::ExpectGradientMatchesFiniteDifferences;
using testing::Inputs;
using testing::MakeModel;
using testing::RandomInputs;
using testing::Shape;

class CellContract : public ::testing::TestWithParam<std::string> {};

TEST(CellRegistry, HoldsTheBuiltInFirstAndTheToyCell) {
  const std::vector<std::string> names = RecurrentLayerNames();
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "lstm");
  EXPECT_NE(std::find(names.begin(), names.end(), "elman"), names.end());
}

TEST(CellRegistry, ACellNamesItsTensors) {
  const ParamLayout layout = ModelLayout(Shape(3, 4, 5, 2, 6), "elman");
  std::vector<std::string> names;
  for (const TensorSpec& t : layout.tensors()) names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"elman0/w_x", "elman0/w_h", "elman0/b", "elman1/w_x",
                                             "elman1/w_h", "elman1/b", "out/w", "out/b"}));
  EXPECT_EQ(layout.Find("elman0/w_x").shape, (std::vector<int>{3, 5}));
  EXPECT_EQ(layout.Find("elman1/w_x").shape, (std::vector<int>{5, 5}));
}

TEST_P(CellContract, GradientMatchesFiniteDifferencesWithUnevenLengths) {
  const ModelConfig s = Shape(3, 5, 4, 2, 3);
  SequenceClassifier<double> model = MakeModel<double>(s, 5, GetParam());
  ExpectGradientMatchesFiniteDifferences(model, RandomInputs(s, 4, 13, {5, 2, 1, 3}));
}

// H 16 in two layers: a multiple of every target's vector length in double, so the cells' own
// per-step kernels (nn/lstm_recurrent.h) run in the check where they pay, and OpenBLAS where not.
TEST_P(CellContract, GradientMatchesFiniteDifferencesOnTheVectorKernels) {
  const ModelConfig s = Shape(3, 4, 16, 2, 3);
  SequenceClassifier<double> model = MakeModel<double>(s, 9, GetParam());
  ExpectGradientMatchesFiniteDifferences(model, RandomInputs(s, 3, 21, {4, 2, 3}));
}

// One sequence alone in a model whose time_steps is its length: no padding at all.
template <typename T>
struct Alone {
  BatchStats stats;
  std::vector<T> probs, grads, dx;
};

template <typename T>
Alone<T> RunAlone(const SequenceClassifier<T>& padded_model, const Inputs& in, int b) {
  const ModelConfig& s = padded_model.config();
  const int batch = static_cast<int>(in.labels.size()), I = s.input_size(), L = in.lengths[b];
  ModelConfig short_shape = s;
  short_shape.set_time_steps(L);
  SequenceClassifier<T> model(short_shape, padded_model.cell());
  std::copy(padded_model.params(), padded_model.params() + padded_model.num_params(),
            model.params());
  std::vector<T> x(static_cast<size_t>(L) * I);
  for (int t = 0; t < L; ++t)
    for (int k = 0; k < I; ++k)
      x[t * I + k] = static_cast<T>(in.x[(static_cast<size_t>(t) * batch + b) * I + k]);
  Alone<T> out;
  out.probs.resize(s.num_classes());
  out.dx.resize(x.size());
  model.Forward(x.data(), &in.labels[b], 1, out.probs.data());
  out.stats = model.ForwardBackward(x.data(), &in.labels[b], 1, out.dx.data());
  out.grads.assign(model.grads(), model.grads() + model.num_params());
  return out;
}

template <typename T>
void ExpectPaddedBatchEqualsOneByOne(const std::string& cell, double tol) {
  const ModelConfig s = Shape(4, 7, 6, 2, 5);
  const std::vector<int32_t> lengths = {7, 2, 1, 5, 3, 7};
  const int batch = static_cast<int>(lengths.size()), I = s.input_size(), K = s.num_classes();
  SequenceClassifier<T> model = MakeModel<T>(s, 21, cell);
  const Inputs in = RandomInputs(s, batch, 17, lengths);
  const std::vector<T> x(in.x.begin(), in.x.end());
  std::vector<T> probs(static_cast<size_t>(batch) * K), dx(x.size());
  model.Forward(x.data(), in.labels.data(), batch, probs.data(), lengths.data());
  const BatchStats stats =
      model.ForwardBackward(x.data(), in.labels.data(), batch, dx.data(), lengths.data());

  double loss_sum = 0;
  int64_t correct = 0;
  std::vector<double> grads(model.num_params(), 0.0);
  double grad_scale = 0;
  for (int b = 0; b < batch; ++b) {
    SCOPED_TRACE("sequence " + std::to_string(b) + " of length " + std::to_string(lengths[b]));
    const Alone<T> alone = RunAlone(model, in, b);
    loss_sum += alone.stats.loss_sum;
    correct += alone.stats.correct;
    for (size_t i = 0; i < grads.size(); ++i) grads[i] += alone.grads[i];
    for (int k = 0; k < K; ++k) EXPECT_NEAR(probs[b * K + k], alone.probs[k], tol) << "prob " << k;
    for (int t = 0; t < s.time_steps(); ++t) {
      for (int k = 0; k < I; ++k) {
        const T got = dx[(static_cast<size_t>(t) * batch + b) * I + k];
        if (t < lengths[b]) {
          EXPECT_NEAR(got, alone.dx[t * I + k],
                      tol * std::max(1.0, std::fabs(double(alone.dx[t * I + k]))));
        } else {
          ASSERT_EQ(got, T(0)) << "dx at padded step " << t;
        }
      }
    }
  }
  EXPECT_NEAR(stats.loss_sum, loss_sum, tol * std::max(1.0, loss_sum));
  EXPECT_EQ(stats.correct, correct);
  for (double g : grads) grad_scale = std::max(grad_scale, std::fabs(g));
  ASSERT_GT(grad_scale, 0);
  for (size_t i = 0; i < grads.size(); ++i) {
    EXPECT_NEAR(model.grads()[i], grads[i], tol * grad_scale)
        << model.layout().tensors().size() << " " << i;
  }
}

TEST_P(CellContract, PaddedBatchEqualsSequencesRunOneByOneInDouble) {
  ExpectPaddedBatchEqualsOneByOne<double>(GetParam(), 1e-12);
}

TEST_P(CellContract, PaddedBatchEqualsSequencesRunOneByOneInFloat) {
  ExpectPaddedBatchEqualsOneByOne<float>(GetParam(), 2e-5);
}

// Whatever the padding holds (NaN here), the results are those of zero padding, bit for bit.
TEST_P(CellContract, PaddingIsNeverRead) {
  testing::ExpectPaddingIsNeverRead(Shape(3, 6, 5, 2, 4), GetParam(), {2, 6, 4});
}

// The layer alone: the state is carried past each length, and the gradient arriving on padded
// outputs is dropped.
TEST_P(CellContract, LayerCarriesTheStateAndIgnoresGradientOnPadding) {
  const ModelConfig s = Shape(3, 5, 4, 1, 2);
  const int steps = 5, batch = 3, I = 3;
  const std::vector<int32_t> lengths = {1, 5, 3};
  auto layer = MakeRecurrentLayer<double>(GetParam(), s, I);
  const int H = layer->output_size();
  size_t layer_size = 0;
  for (const ParamSpec& spec : layer->Params()) {
    size_t size = 1;
    for (int d : spec.shape) size *= static_cast<size_t>(d);
    layer_size += size;
  }
  std::vector<double> params(layer_size);
  Rng rng(6);
  layer->Initialize(rng, params.data());
  std::vector<double> x(static_cast<size_t>(steps) * batch * I);
  for (double& v : x) v = rng.Uniform(-1, 1);
  layer->Forward(params.data(), x.data(), lengths.data(), steps, batch);
  const double* out = layer->output();
  for (int b = 0; b < batch; ++b) {
    const double* last = out + (static_cast<size_t>(lengths[b] - 1) * batch + b) * H;
    for (int t = lengths[b]; t < steps; ++t) {
      const double* at = out + (static_cast<size_t>(t) * batch + b) * H;
      EXPECT_TRUE(std::equal(last, last + H, at)) << "row " << b << " step " << t;
    }
  }
  std::vector<double> dy(static_cast<size_t>(steps) * batch * H),
      dy_last(static_cast<size_t>(batch) * H);
  for (double& v : dy) v = rng.Uniform(-1, 1);
  for (double& v : dy_last) v = rng.Uniform(-1, 1);
  std::vector<double> dy_junk = dy;
  for (int b = 0; b < batch; ++b)
    for (int t = lengths[b]; t < steps; ++t)
      for (int j = 0; j < H; ++j) {
        dy[(static_cast<size_t>(t) * batch + b) * H + j] = 0;
        dy_junk[(static_cast<size_t>(t) * batch + b) * H + j] = 1e3;
      }
  std::vector<double> grads_a(params.size()), grads_b(params.size()), dx_a(x.size()),
      dx_b(x.size());
  layer->Backward(params.data(), dy.data(), dy_last.data(), grads_a.data(), dx_a.data());
  // Backward may use the forward's activations as scratch: one Backward per Forward.
  layer->Forward(params.data(), x.data(), lengths.data(), steps, batch);
  layer->Backward(params.data(), dy_junk.data(), dy_last.data(), grads_b.data(), dx_b.data());
  for (size_t i = 0; i < grads_a.size(); ++i) EXPECT_NEAR(grads_a[i], grads_b[i], 1e-14) << i;
  for (size_t i = 0; i < dx_a.size(); ++i) EXPECT_NEAR(dx_a[i], dx_b[i], 1e-14) << i;
  EXPECT_TRUE(std::any_of(grads_a.begin(), grads_a.end(), [](double g) { return g != 0; }));
}

INSTANTIATE_TEST_SUITE_P(EveryCell, CellContract, ::testing::ValuesIn(RecurrentLayerNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

// A model of the toy cell learns a task that needs its recurrence and the lengths: is the first
// feature, +-1 at each step, positive in most of the sequence's own steps? Lengths are odd, 3 to
// 9, in a batch padded to 10 steps; the padding holds the same kind of values, which must not
// count.
TEST(ElmanModel, LearnsAMajorityVoteOverUnevenLengths) {
  const ModelConfig s = Shape(2, 10, 8, 1, 2);
  const int batch = 32, T = 10, I = 2;
  SequenceClassifier<float> model(s, "elman");
  model.Initialize(1);
  Rng rng(2);
  auto make_batch = [&](std::vector<float>* x, std::vector<int32_t>* labels,
                        std::vector<int32_t>* lengths) {
    x->assign(static_cast<size_t>(T) * batch * I, 0.0f);
    labels->resize(batch);
    lengths->resize(batch);
    for (int b = 0; b < batch; ++b) {
      (*lengths)[b] = 3 + 2 * static_cast<int32_t>(rng.Below(4));
      int votes = 0;
      for (int t = 0; t < T; ++t) {
        const float vote = rng.Below(2) ? 1.0f : -1.0f;
        (*x)[(static_cast<size_t>(t) * batch + b) * I] = vote;
        (*x)[(static_cast<size_t>(t) * batch + b) * I + 1] = static_cast<float>(rng.Uniform(-1, 1));
        if (t < (*lengths)[b]) votes += vote > 0 ? 1 : -1;
      }
      (*labels)[b] = votes > 0;
    }
  };
  std::vector<float> x;
  std::vector<int32_t> labels, lengths;
  auto accuracy = [&] {
    int64_t correct = 0, count = 0;
    for (int i = 0; i < 20; ++i) {
      make_batch(&x, &labels, &lengths);
      const BatchStats st = model.Forward(x.data(), labels.data(), batch, nullptr, lengths.data());
      correct += st.correct;
      count += st.count;
    }
    return static_cast<double>(correct) / static_cast<double>(count);
  };
  const double before = accuracy();
  for (int step = 0; step < 1500; ++step) {
    make_batch(&x, &labels, &lengths);
    model.ForwardBackward(x.data(), labels.data(), batch, nullptr, lengths.data());
    for (size_t i = 0; i < model.num_params(); ++i)
      model.params()[i] -= 0.1f / batch * model.grads()[i];
  }
  const double after = accuracy();
  EXPECT_LT(before, 0.75);
  EXPECT_GE(after, 0.97) << "before training " << before;
}

}  // namespace
}  // namespace seqtrain::nn
