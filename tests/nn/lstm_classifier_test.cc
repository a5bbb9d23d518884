// The production LSTM classifier, instantiated in double, against
// (1) central finite differences of its own loss, for every parameter and every
//     input, with and without uneven lengths, and (2) a naive loop implementation
//     written independently here, which stops each sequence at its own length.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nn/model_checks.h"
#include "nn/sequence_classifier.h"
#include "support/simd_targets.h"
#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::nn {
namespace {

using testing::ExpectGradientMatchesFiniteDifferences;
using testing::Inputs;
using testing::MakeModel;
using testing::RandomInputs;
using testing::Shape;

struct Case {
  ModelConfig shape;
  int batch;
  std::vector<int32_t> lengths;  // empty: all time_steps
};

std::vector<Case> Cases() {
  return {
      {Shape(4, 3, 5, 1, 3), 2, {}},               // I=4 T=3 H=5, K=3, B=2
      {Shape(3, 1, 2, 1, 2), 1, {}},               // single step, batch 1
      {Shape(2, 4, 3, 2, 4), 3, {}},               // two layers
      {Shape(5, 2, 7, 1, 3), 5, {}},               // H not a multiple of anything in particular
      {Shape(3, 5, 4, 3, 2), 1, {}},               // three layers, batch 1
      {Shape(3, 5, 4, 1, 3), 4, {5, 2, 1, 4}},     // uneven lengths, the longest = T
      {Shape(2, 6, 3, 2, 3), 3, {3, 1, 2}},        // two layers, all shorter than T
      {Shape(4, 4, 5, 3, 2), 5, {4, 4, 1, 3, 2}},  // three layers
      // H a multiple of every target's vector of doubles: dh on nn/lstm_recurrent.h's kernel
      {Shape(3, 4, 16, 2, 3), 3, {4, 2, 3}},
  };
}

TEST(LstmClassifier, GradientMatchesFiniteDifferencesForEveryParameterAndInput) {
  for (const Case& c : Cases()) {
    SCOPED_TRACE("case with " + std::to_string(c.lengths.size()) + " lengths, T " +
                 std::to_string(c.shape.time_steps()));
    SequenceClassifier<double> model = MakeModel<double>(c.shape, 7);
    ExpectGradientMatchesFiniteDifferences(model, RandomInputs(c.shape, c.batch, 11, c.lengths));
  }
}

// Straightforward per-sample loops over the same named tensors; sequence b runs lengths[b] steps.
double ReferenceLoss(const SequenceClassifier<double>& model, const Inputs& in, int batch,
                     std::vector<int>* predictions) {
  const ModelConfig& s = model.config();
  const int H = s.hidden_size(), T = s.time_steps(), K = s.num_classes();
  auto param = [&](const std::string& name) {
    return model.params() + model.layout().Find(name).offset;
  };
  auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  double total = 0;
  for (int b = 0; b < batch; ++b) {
    const int steps = in.lengths.empty() ? T : in.lengths[b];
    // seq[t][k]: the current layer's input sequence.
    std::vector<std::vector<double>> seq(steps, std::vector<double>(s.input_size()));
    for (int t = 0; t < steps; ++t)
      for (int k = 0; k < s.input_size(); ++k)
        seq[t][k] = in.x[(static_cast<size_t>(t) * batch + b) * s.input_size() + k];
    for (int l = 0; l < s.num_layers(); ++l) {
      const std::string p = "lstm" + std::to_string(l) + "/";
      const double* wx = param(p + "w_x");
      const double* wh = param(p + "w_h");
      const double* bias = param(p + "b");
      const int in_size = static_cast<int>(seq[0].size());
      std::vector<double> h(H, 0), c(H, 0);
      std::vector<std::vector<double>> out(steps, std::vector<double>(H));
      for (int t = 0; t < steps; ++t) {
        std::vector<double> pre(4 * H);
        for (int j = 0; j < 4 * H; ++j) {
          double a = bias[j];
          for (int k = 0; k < in_size; ++k) a += seq[t][k] * wx[k * 4 * H + j];
          for (int k = 0; k < H; ++k) a += h[k] * wh[k * 4 * H + j];
          pre[j] = a;
        }
        for (int j = 0; j < H; ++j) {
          const double i = sigmoid(pre[j]), f = sigmoid(pre[H + j]);
          const double g = std::tanh(pre[2 * H + j]), o = sigmoid(pre[3 * H + j]);
          c[j] = f * c[j] + i * g;
          out[t][j] = o * std::tanh(c[j]);
        }
        h = out[t];
      }
      seq = out;
    }
    const double* w = param("out/w");
    const double* bo = param("out/b");
    std::vector<double> logits(K);
    int best = 0;
    for (int k = 0; k < K; ++k) {
      logits[k] = bo[k];
      for (int j = 0; j < H; ++j) logits[k] += seq[steps - 1][j] * w[j * K + k];
      if (logits[k] > logits[best]) best = k;
    }
    double z = 0;
    for (double v : logits) z += std::exp(v);
    total += std::log(z) - logits[in.labels[b]];
    predictions->push_back(best);
  }
  return total;
}

TEST(LstmClassifier, ForwardMatchesNaiveReference) {
  for (const Case& c : Cases()) {
    SequenceClassifier<double> model = MakeModel<double>(c.shape, 3);
    const Inputs in = RandomInputs(c.shape, c.batch, 5, c.lengths);
    std::vector<int> predictions;
    const double expected = ReferenceLoss(model, in, c.batch, &predictions);
    const BatchStats got =
        model.Forward(in.x.data(), in.labels.data(), c.batch, nullptr, in.lengths_or_null());
    EXPECT_NEAR(got.loss_sum, expected, 1e-10 * std::max(1.0, expected));
    int64_t correct = 0;
    for (int b = 0; b < c.batch; ++b) correct += predictions[b] == in.labels[b];
    EXPECT_EQ(got.correct, correct);
    EXPECT_EQ(got.count, c.batch);
  }
}

// The float model (SIMD kernels, on every target the CPU runs) against the double one.
TEST(LstmClassifier, FloatAgreesWithDouble) {
  const ModelConfig s = Shape(28, 28, 32, 1, 10);
  const int batch = 6;
  for (const std::vector<int32_t>& lengths :
       {std::vector<int32_t>{}, std::vector<int32_t>{28, 3, 17, 1, 28, 9}}) {
    SCOPED_TRACE(lengths.empty() ? "all 28 steps" : "uneven lengths");
    SequenceClassifier<double> d = MakeModel<double>(s, 9);
    const Inputs in = RandomInputs(s, batch, 4, lengths);
    const BatchStats sd =
        d.ForwardBackward(in.x.data(), in.labels.data(), batch, nullptr, in.lengths_or_null());
    seqtrain::testing::ForEachSimdTarget([&](const simd::Target&) {
      SequenceClassifier<float> f(s);
      for (size_t i = 0; i < d.num_params(); ++i) f.params()[i] = static_cast<float>(d.params()[i]);
      const std::vector<float> xf(in.x.begin(), in.x.end());
      const BatchStats sf =
          f.ForwardBackward(xf.data(), in.labels.data(), batch, nullptr, in.lengths_or_null());
      EXPECT_NEAR(sf.loss_sum, sd.loss_sum, 1e-4 * sd.loss_sum);
      double max_grad = 0, max_diff = 0;
      for (size_t i = 0; i < d.num_params(); ++i) {
        max_grad = std::max(max_grad, std::fabs(d.grads()[i]));
        max_diff = std::max(max_diff, std::fabs(d.grads()[i] - f.grads()[i]));
      }
      EXPECT_LT(max_diff, 1e-4 * max_grad);
    });
  }
}

// Lengths that pad nothing take the same path as no lengths: the same bits.
TEST(LstmClassifier, FullLengthsAreBitIdenticalToNoLengths) {
  const ModelConfig s = Shape(28, 28, 32, 2, 10);
  const int batch = 5;
  const Inputs in = RandomInputs(s, batch, 8, std::vector<int32_t>(batch, 28));
  const std::vector<float> x(in.x.begin(), in.x.end());
  SequenceClassifier<float> a = MakeModel<float>(s, 2), b = MakeModel<float>(s, 2);
  std::vector<float> dx_a(x.size()), dx_b(x.size());
  const BatchStats sa = a.ForwardBackward(x.data(), in.labels.data(), batch, dx_a.data());
  const BatchStats sb =
      b.ForwardBackward(x.data(), in.labels.data(), batch, dx_b.data(), in.lengths.data());
  EXPECT_EQ(sa.loss_sum, sb.loss_sum);
  EXPECT_TRUE(std::equal(a.grads(), a.grads() + a.num_params(), b.grads()));
  EXPECT_EQ(dx_a, dx_b);
}

// A batch whose longest sequence is L < T runs L steps, not T: its loss, gradient and dx are
// bit for bit those of a model of T = L on the first L steps, and NaN in x past L (which any
// step run over it would spread into the gradient) changes nothing. So a length-bucketed batch
// of short sequences costs only its own length.
TEST(LstmClassifier, TimeLoopStopsAtTheLongestSequence) {
  const int batch = 4, longest = 5;
  const ModelConfig full = Shape(3, 12, 8, 2, 4), cut = Shape(3, longest, 8, 2, 4);
  const std::vector<int32_t> lengths = {3, longest, 1, 4};
  const Inputs in = RandomInputs(full, batch, 21, lengths);
  std::vector<float> x(in.x.begin(), in.x.end());
  const size_t ran = static_cast<size_t>(longest) * batch * 3;
  std::fill(x.begin() + static_cast<std::ptrdiff_t>(ran), x.end(), std::nanf(""));
  SequenceClassifier<float> a = MakeModel<float>(full, 4), b(cut);
  std::copy(a.params(), a.params() + a.num_params(), b.params());
  ASSERT_EQ(a.num_params(), b.num_params());
  std::vector<float> dx_a(x.size(), 7.0f), dx_b(ran);
  const BatchStats sa =
      a.ForwardBackward(x.data(), in.labels.data(), batch, dx_a.data(), lengths.data());
  const BatchStats sb =
      b.ForwardBackward(x.data(), in.labels.data(), batch, dx_b.data(), lengths.data());
  EXPECT_TRUE(std::isfinite(sa.loss_sum));
  EXPECT_EQ(sa.loss_sum, sb.loss_sum);
  EXPECT_TRUE(std::equal(a.grads(), a.grads() + a.num_params(), b.grads()));
  EXPECT_TRUE(std::equal(dx_b.begin(), dx_b.end(), dx_a.begin()));
  for (size_t i = ran; i < dx_a.size(); ++i) ASSERT_EQ(dx_a[i], 0.0f) << i;
}

TEST(LstmClassifier, LengthOutOfRangeIsAnError) {
  const ModelConfig s = Shape(2, 4, 3, 1, 2);
  SequenceClassifier<float> model = MakeModel<float>(s, 1);
  const std::vector<float> x(4 * 2 * 2, 0.5f);
  const int32_t labels[2] = {0, 1};
  for (const int32_t bad : {0, 5, -1}) {
    const int32_t lengths[2] = {2, bad};
    try {
      model.ForwardBackward(x.data(), labels, 2, nullptr, lengths);
      ADD_FAILURE() << bad;
    } catch (const Error& e) {
      EXPECT_EQ(std::string(e.what()), "sequence length " + std::to_string(bad) +
                                           " of batch row 1 is outside 1..4 (model.time_steps)");
    }
  }
}

TEST(LstmClassifier, EmptyBatchGivesZeroGradient) {
  SequenceClassifier<float> model(Shape(3, 2, 4, 1, 3));
  model.Initialize(1);
  for (size_t i = 0; i < model.num_params(); ++i) model.grads()[i] = 5.0f;
  const BatchStats s = model.ForwardBackward(nullptr, nullptr, 0);
  EXPECT_EQ(s.count, 0);
  for (size_t i = 0; i < model.num_params(); ++i) ASSERT_EQ(model.grads()[i], 0.0f);
}

TEST(LstmClassifier, InitializationSetsForgetBiasAndIsSeeded) {
  ModelConfig s = Shape(28, 28, 16, 2, 10);
  s.set_forget_bias(1.5);
  SequenceClassifier<float> a(s), b(s), c(s);
  a.Initialize(42);
  b.Initialize(42);
  c.Initialize(43);
  EXPECT_TRUE(std::equal(a.params(), a.params() + a.num_params(), b.params()));
  EXPECT_FALSE(std::equal(a.params(), a.params() + a.num_params(), c.params()));
  for (int l = 0; l < 2; ++l) {
    const float* bias = a.params() + a.layout().Find("lstm" + std::to_string(l) + "/b").offset;
    for (int j = 0; j < 4 * 16; ++j) EXPECT_EQ(bias[j], (j >= 16 && j < 32) ? 1.5f : 0.0f) << j;
  }
}

// Checkpoints name tensors: these names, shapes and this order are a file format.
TEST(LstmClassifier, LayoutIsTheCheckpointFormat) {
  const ModelConfig s = Shape(28, 28, 16, 2, 10);
  const SequenceClassifier<float> model(s);
  const ParamLayout layout = ModelLayout(s);
  const std::vector<std::pair<std::string, std::vector<int>>> expected = {
      {"lstm0/w_x", {28, 64}}, {"lstm0/w_h", {16, 64}}, {"lstm0/b", {64}},
      {"lstm1/w_x", {16, 64}}, {"lstm1/w_h", {16, 64}}, {"lstm1/b", {64}},
      {"out/w", {16, 10}},     {"out/b", {10}}};
  for (const ParamLayout* l : {&layout, &model.layout()}) {
    ASSERT_EQ(l->tensors().size(), expected.size());
    size_t offset = 0;
    for (size_t i = 0; i < expected.size(); ++i) {
      EXPECT_EQ(l->tensors()[i].name, expected[i].first);
      EXPECT_EQ(l->tensors()[i].shape, expected[i].second);
      EXPECT_EQ(l->tensors()[i].offset, offset);
      offset += l->tensors()[i].size;
    }
    EXPECT_EQ(l->total_size(), offset);
  }
}

TEST(LstmClassifier, UnknownCellIsAnError) {
  try {
    ModelLayout(Shape(2, 2, 2, 1, 2), "nosuchcell");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(
        std::string(e.what()).rfind(
            "model cell 'nosuchcell' is not a registered recurrent layer (registered: lstm, gru",
            0),
        0u)
        << e.what();
  }
}

}  // namespace
}  // namespace seqtrain::nn
