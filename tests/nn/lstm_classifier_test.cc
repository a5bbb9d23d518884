// The production LSTM classifier, instantiated in double, against
// (1) central finite differences of its own loss, for every parameter and every
//     input, and (2) a naive loop implementation written independently here.
#include "nn/lstm_classifier.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/model_config.h"
#include "support/simd_targets.h"
#include "util/rng.h"

namespace seqtrain::nn {
namespace {

struct Case {
  ModelConfig shape;
  int batch;
};

std::vector<Case> Cases() {
  return {
      {testing::MakeModelConfig(4, 3, 5, 1, 3), 2},  // I=4 T=3 H=5, K=3, B=2
      {testing::MakeModelConfig(3, 1, 2, 1, 2), 1},  // single step, batch 1
      {testing::MakeModelConfig(2, 4, 3, 2, 4), 3},  // two layers
      {testing::MakeModelConfig(5, 2, 7, 1, 3), 5},  // H not a multiple of anything in particular
      {testing::MakeModelConfig(3, 5, 4, 3, 2), 1},  // three layers, batch 1
  };
}

struct Inputs {
  std::vector<double> x;
  std::vector<int32_t> labels;
};

Inputs RandomInputs(const ModelConfig& s, int batch, uint64_t seed) {
  Rng rng(seed);
  Inputs in;
  in.x.resize(static_cast<size_t>(s.time_steps()) * batch * s.input_size());
  for (auto& v : in.x) v = rng.Uniform(-1, 1);
  for (int b = 0; b < batch; ++b) in.labels.push_back(static_cast<int32_t>(rng.Below(s.num_classes())));
  return in;
}

// Asymmetric, non-trivial weights so every gate path carries gradient.
LstmClassifier<double> MakeModel(const ModelConfig& s, uint64_t seed) {
  LstmClassifier<double> model(s);
  model.Initialize(seed, 1.0);
  Rng rng(seed + 99);
  for (size_t i = 0; i < model.num_params(); ++i) model.params()[i] += rng.Uniform(-0.3, 0.3);
  return model;
}

// |a - n| <= tol * max(1, |a|, |n|), as Caffe's GradientChecker.
void ExpectClose(double analytic, double numeric, const std::string& what) {
  const double scale = std::max({1.0, std::fabs(analytic), std::fabs(numeric)});
  EXPECT_LE(std::fabs(analytic - numeric), 1e-6 * scale)
      << what << ": analytic " << analytic << " numeric " << numeric;
}

TEST(LstmClassifier, GradientMatchesFiniteDifferencesForEveryParameterAndInput) {
  const double h = 1e-6;
  for (const Case& c : Cases()) {
    LstmClassifier<double> model = MakeModel(c.shape, 7);
    Inputs in = RandomInputs(c.shape, c.batch, 11);
    std::vector<double> dx(in.x.size());
    model.ForwardBackward(in.x.data(), in.labels.data(), c.batch, dx.data());
    const std::vector<double> grads(model.grads(), model.grads() + model.num_params());
    auto loss = [&] { return model.Forward(in.x.data(), in.labels.data(), c.batch).loss_sum; };

    for (const TensorSpec& t : model.layout().tensors()) {
      for (size_t i = 0; i < t.size; ++i) {
        double& p = model.params()[t.offset + i];
        const double saved = p;
        p = saved + h;
        const double up = loss();
        p = saved - h;
        const double down = loss();
        p = saved;
        ExpectClose(grads[t.offset + i], (up - down) / (2 * h), t.name + "[" + std::to_string(i) + "]");
      }
    }
    for (size_t i = 0; i < in.x.size(); ++i) {
      const double saved = in.x[i];
      in.x[i] = saved + h;
      const double up = loss();
      in.x[i] = saved - h;
      const double down = loss();
      in.x[i] = saved;
      ExpectClose(dx[i], (up - down) / (2 * h), "x[" + std::to_string(i) + "]");
    }
  }
}

// Straightforward per-sample loops over the same named tensors.
double ReferenceLoss(const LstmClassifier<double>& model, const Inputs& in, int batch,
                     std::vector<int>* predictions) {
  const ModelConfig& s = model.shape();
  const int H = s.hidden_size(), T = s.time_steps();
  auto param = [&](const std::string& name) { return model.params() + model.layout().Find(name).offset; };
  auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  double total = 0;
  for (int b = 0; b < batch; ++b) {
    // seq[t][k]: the current layer's input sequence.
    std::vector<std::vector<double>> seq(T, std::vector<double>(s.input_size()));
    for (int t = 0; t < T; ++t)
      for (int k = 0; k < s.input_size(); ++k)
        seq[t][k] = in.x[(static_cast<size_t>(t) * batch + b) * s.input_size() + k];
    for (int l = 0; l < s.num_layers(); ++l) {
      const std::string p = "lstm" + std::to_string(l) + "/";
      const double* wx = param(p + "w_x");
      const double* wh = param(p + "w_h");
      const double* bias = param(p + "b");
      const int in_size = static_cast<int>(seq[0].size());
      std::vector<double> h(H, 0), c(H, 0);
      std::vector<std::vector<double>> out(T, std::vector<double>(H));
      for (int t = 0; t < T; ++t) {
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
    std::vector<double> logits(s.num_classes());
    int best = 0;
    for (int k = 0; k < s.num_classes(); ++k) {
      logits[k] = bo[k];
      for (int j = 0; j < H; ++j) logits[k] += seq[T - 1][j] * w[j * s.num_classes() + k];
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
    LstmClassifier<double> model = MakeModel(c.shape, 3);
    const Inputs in = RandomInputs(c.shape, c.batch, 5);
    std::vector<int> predictions;
    const double expected = ReferenceLoss(model, in, c.batch, &predictions);
    const BatchStats got = model.Forward(in.x.data(), in.labels.data(), c.batch);
    EXPECT_NEAR(got.loss_sum, expected, 1e-10 * std::max(1.0, expected));
    int64_t correct = 0;
    for (int b = 0; b < c.batch; ++b) correct += predictions[b] == in.labels[b];
    EXPECT_EQ(got.correct, correct);
    EXPECT_EQ(got.count, c.batch);
  }
}

// The float model (SIMD kernels, on every target the CPU runs) against the double one.
TEST(LstmClassifier, FloatAgreesWithDouble) {
  const ModelConfig s = testing::MakeModelConfig(28, 28, 32, 1, 10);
  const int batch = 6;
  LstmClassifier<double> d = MakeModel(s, 9);
  const Inputs in = RandomInputs(s, batch, 4);
  const BatchStats sd = d.ForwardBackward(in.x.data(), in.labels.data(), batch);
  seqtrain::testing::ForEachSimdTarget([&](const simd::Target&) {
    LstmClassifier<float> f(s);
    for (size_t i = 0; i < d.num_params(); ++i) f.params()[i] = static_cast<float>(d.params()[i]);
    const std::vector<float> xf(in.x.begin(), in.x.end());
    const BatchStats sf = f.ForwardBackward(xf.data(), in.labels.data(), batch);
    EXPECT_NEAR(sf.loss_sum, sd.loss_sum, 1e-4 * sd.loss_sum);
    double max_grad = 0, max_diff = 0;
    for (size_t i = 0; i < d.num_params(); ++i) {
      max_grad = std::max(max_grad, std::fabs(d.grads()[i]));
      max_diff = std::max(max_diff, std::fabs(d.grads()[i] - f.grads()[i]));
    }
    EXPECT_LT(max_diff, 1e-4 * max_grad);
  });
}

TEST(LstmClassifier, EmptyBatchGivesZeroGradient) {
  LstmClassifier<float> model(testing::MakeModelConfig(3, 2, 4, 1, 3), 2);
  model.Initialize(1, 1.0);
  for (size_t i = 0; i < model.num_params(); ++i) model.grads()[i] = 5.0f;
  const BatchStats s = model.ForwardBackward(nullptr, nullptr, 0);
  EXPECT_EQ(s.count, 0);
  for (size_t i = 0; i < model.num_params(); ++i) ASSERT_EQ(model.grads()[i], 0.0f);
}

TEST(LstmClassifier, InitializationSetsForgetBiasAndIsSeeded) {
  const ModelConfig s = testing::MakeModelConfig(28, 28, 16, 2, 10);
  LstmClassifier<float> a(s), b(s), c(s);
  a.Initialize(42, 1.0);
  b.Initialize(42, 1.0);
  c.Initialize(43, 1.0);
  EXPECT_TRUE(std::equal(a.params(), a.params() + a.num_params(), b.params()));
  EXPECT_FALSE(std::equal(a.params(), a.params() + a.num_params(), c.params()));
  for (int l = 0; l < 2; ++l) {
    const float* bias = a.params() + a.layout().Find("lstm" + std::to_string(l) + "/b").offset;
    for (int j = 0; j < 4 * 16; ++j) EXPECT_EQ(bias[j], (j >= 16 && j < 32) ? 1.0f : 0.0f) << j;
  }
}

}  // namespace
}  // namespace seqtrain::nn
