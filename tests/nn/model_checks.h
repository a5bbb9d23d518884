// Checks shared by the classifier tests and the recurrent-layer contract tests.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "config.pb.h"
#include "nn/sequence_classifier.h"
#include "support/model_config.h"
#include "util/rng.h"

namespace seqtrain::nn::testing {

// The shape of a test model, {I, T, H, layers, K}: support/model_config.h's, by a short name.
inline ModelConfig Shape(int input_size, int time_steps, int hidden_size, int num_layers,
                         int num_classes) {
  return seqtrain::testing::MakeModelConfig(input_size, time_steps, hidden_size, num_layers,
                                            num_classes);
}

// A batch and its targets, of the kind the model's head reads (head_registry.h).
struct Inputs {
  int batch = 0;
  std::vector<double> x;         // (T, B, I)
  std::vector<int32_t> labels;   // classifiers: (B), per step (T, B)
  std::vector<double> values;    // regression: (B, K), per step (T, B, K)
  std::vector<int32_t> lengths;  // empty: every sequence is T long
  const int32_t* lengths_or_null() const { return lengths.empty() ? nullptr : lengths.data(); }
  HeadTargets<double> targets() const {
    return {labels.empty() ? nullptr : labels.data(), values.empty() ? nullptr : values.data()};
  }
};

// Targets at padded steps are drawn too: a per-step head must never read them.
inline Inputs RandomInputs(const ModelConfig& m, int batch, uint64_t seed,
                           std::vector<int32_t> lengths = {}) {
  Rng rng(seed);
  Inputs in;
  in.batch = batch;
  in.x.resize(static_cast<size_t>(m.time_steps()) * batch * m.input_size());
  for (auto& v : in.x) v = rng.Uniform(-1, 1);
  const HeadEntry& head = FindHead(m.head());
  const int rows = head.per_step ? m.time_steps() * batch : batch;
  for (int r = 0; r < rows; ++r) {
    if (!head.regression) {
      in.labels.push_back(static_cast<int32_t>(rng.Below(m.num_classes())));
      continue;
    }
    for (int k = 0; k < m.output_size(); ++k) in.values.push_back(rng.Uniform(-1, 1));
  }
  in.lengths = std::move(lengths);
  return in;
}

// Asymmetric, non-trivial weights so every path carries gradient.
template <typename T>
SequenceClassifier<T> MakeModel(const ModelConfig& m, uint64_t seed, const std::string& cell = "") {
  SequenceClassifier<T> model(m, cell);
  model.Initialize(seed);
  Rng rng(seed + 99);
  for (size_t i = 0; i < model.num_params(); ++i) {
    model.params()[i] = static_cast<T>(model.params()[i] + rng.Uniform(-0.3, 0.3));
  }
  return model;
}

// |a - n| <= tol * max(1, |a|, |n|), as Caffe's GradientChecker.
inline void ExpectClose(double analytic, double numeric, const std::string& what,
                        double tol = 1e-6) {
  const double scale = std::max({1.0, std::fabs(analytic), std::fabs(numeric)});
  EXPECT_LE(std::fabs(analytic - numeric), tol * scale)
      << what << ": analytic " << analytic << " numeric " << numeric;
}

// The analytic gradient of every parameter and every input (padding included, where it must be
// 0) against central differences of the model's own loss.
inline void ExpectGradientMatchesFiniteDifferences(SequenceClassifier<double>& model, Inputs in) {
  const double h = 1e-6;
  const int batch = in.batch;
  std::vector<double> dx(in.x.size());
  model.ForwardBackward(in.x.data(), in.targets(), batch, dx.data(), in.lengths_or_null());
  const std::vector<double> grads(model.grads(), model.grads() + model.num_params());
  auto loss = [&] {
    return model.Forward(in.x.data(), in.targets(), batch, nullptr, in.lengths_or_null()).loss_sum;
  };
  size_t nonzero = 0;
  for (const TensorSpec& t : model.layout().tensors()) {
    for (size_t i = 0; i < t.size; ++i) {
      double& p = model.params()[t.offset + i];
      const double saved = p;
      p = saved + h;
      const double up = loss();
      p = saved - h;
      const double down = loss();
      p = saved;
      ExpectClose(grads[t.offset + i], (up - down) / (2 * h),
                  t.name + "[" + std::to_string(i) + "]");
      nonzero += grads[t.offset + i] != 0;
    }
  }
  EXPECT_GT(nonzero, model.num_params() / 2);  // a zero gradient would pass the comparison
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

// Whatever the padding past each length holds (NaN and 1e30 here), loss, parameter gradients
// and input gradients are those of zero padding, bit for bit.
inline void ExpectPaddingIsNeverRead(const ModelConfig& s, const std::string& cell,
                                     const std::vector<int32_t>& lengths) {
  const int batch = static_cast<int>(lengths.size()), I = s.input_size();
  const Inputs in = RandomInputs(s, batch, 3, lengths);
  std::vector<float> zeros(in.x.begin(), in.x.end()), junk = zeros;
  for (int t = 0; t < s.time_steps(); ++t) {
    for (int b = 0; b < batch; ++b) {
      if (t < lengths[b]) continue;
      for (int k = 0; k < I; ++k) {
        const size_t i = (static_cast<size_t>(t) * batch + b) * I + k;
        zeros[i] = 0;
        junk[i] = (k % 2) ? std::numeric_limits<float>::quiet_NaN() : 1e30f;
      }
    }
  }
  SequenceClassifier<float> a = MakeModel<float>(s, 4, cell), b = MakeModel<float>(s, 4, cell);
  std::vector<float> dx_a(zeros.size()), dx_b(zeros.size());
  const BatchStats sa =
      a.ForwardBackward(zeros.data(), in.labels.data(), batch, dx_a.data(), lengths.data());
  const BatchStats sb =
      b.ForwardBackward(junk.data(), in.labels.data(), batch, dx_b.data(), lengths.data());
  EXPECT_EQ(sa.loss_sum, sb.loss_sum);
  EXPECT_TRUE(std::isfinite(sb.loss_sum));
  EXPECT_TRUE(std::equal(a.grads(), a.grads() + a.num_params(), b.grads()));
  EXPECT_EQ(dx_a, dx_b);
}

}  // namespace seqtrain::nn::testing
