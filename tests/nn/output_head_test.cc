// Every output head (model.head, head_registry.h) in the model, in double: its gradient against
// central finite differences with uneven lengths, a padded batch against the same sequences run
// one by one (so padded steps and their targets count nowhere), and its loss against its own
// predictions (cross-entropy of the probabilities, squared error of the values).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "nn/head_registry.h"
#include "nn/model_checks.h"
#include "nn/sequence_classifier.h"
#include "util/error.h"

namespace seqtrain::nn {
namespace {

using testing::ExpectGradientMatchesFiniteDifferences;
using testing::Inputs;
using testing::MakeModel;
using testing::RandomInputs;
using testing::Shape;

ModelConfig WithHead(ModelConfig m, ModelConfig::Head head, int output_size) {
  m.set_head(head);
  if (FindHead(head).regression) m.set_output_size(output_size);
  return m;
}

class HeadContract : public ::testing::TestWithParam<ModelConfig::Head> {};

TEST_P(HeadContract, GradientMatchesFiniteDifferencesWithUnevenLengths) {
  for (const int layers : {1, 2}) {
    SCOPED_TRACE(std::to_string(layers) + " layer(s)");
    const ModelConfig s = WithHead(Shape(3, 5, 4, layers, 3), GetParam(), 2);
    SequenceClassifier<double> model = MakeModel<double>(s, 5);
    ExpectGradientMatchesFiniteDifferences(model, RandomInputs(s, 4, 13, {5, 2, 1, 3}));
    // All of one length below T: the unmasked path over fewer steps.
    ExpectGradientMatchesFiniteDifferences(model, RandomInputs(s, 2, 14, {3, 3}));
    ExpectGradientMatchesFiniteDifferences(model, RandomInputs(s, 3, 15));
  }
}

// Sequence b alone, in a model whose time_steps is its length: no padding at all.
struct Alone {
  BatchStats stats;
  std::vector<double> predictions, grads, dx;
};

Alone RunAlone(const SequenceClassifier<double>& padded_model, const Inputs& in, int b) {
  const ModelConfig& s = padded_model.config();
  const HeadEntry& head = FindHead(s.head());
  const int batch = in.batch, I = s.input_size(), L = in.lengths[b], K = HeadOutputs(s);
  ModelConfig short_shape = s;
  short_shape.set_time_steps(L);
  SequenceClassifier<double> model(short_shape, padded_model.cell());
  std::copy(padded_model.params(), padded_model.params() + padded_model.num_params(),
            model.params());
  std::vector<double> x(static_cast<size_t>(L) * I);
  for (int t = 0; t < L; ++t)
    for (int k = 0; k < I; ++k) x[t * I + k] = in.x[(static_cast<size_t>(t) * batch + b) * I + k];
  // Its targets: row b, or row b of each of its steps.
  const int rows = head.per_step ? L : 1;
  std::vector<int32_t> labels;
  std::vector<double> values;
  for (int t = 0; t < rows; ++t) {
    const size_t row = static_cast<size_t>(t) * batch + b;
    if (!head.regression) labels.push_back(in.labels[row]);
    for (int k = 0; k < K && head.regression; ++k) values.push_back(in.values[row * K + k]);
  }
  const HeadTargets<double> targets{labels.empty() ? nullptr : labels.data(),
                                    values.empty() ? nullptr : values.data()};
  Alone out;
  out.predictions.resize(static_cast<size_t>(rows) * K);
  out.dx.resize(x.size());
  model.Forward(x.data(), targets, 1, out.predictions.data());
  out.stats = model.ForwardBackward(x.data(), targets, 1, out.dx.data());
  out.grads.assign(model.grads(), model.grads() + model.num_params());
  return out;
}

TEST_P(HeadContract, PaddedBatchEqualsSequencesRunOneByOne) {
  const double tol = 1e-12;
  const ModelConfig s = WithHead(Shape(4, 7, 6, 2, 5), GetParam(), 3);
  const HeadEntry& head = FindHead(s.head());
  const std::vector<int32_t> lengths = {7, 2, 1, 5, 3, 6};
  const int batch = static_cast<int>(lengths.size()), I = s.input_size(), K = HeadOutputs(s);
  const int T = s.time_steps();
  SequenceClassifier<double> model = MakeModel<double>(s, 21);
  const Inputs in = RandomInputs(s, batch, 17, lengths);
  std::vector<double> predictions(static_cast<size_t>(head.per_step ? T : 1) * batch * K, -9);
  std::vector<double> dx(in.x.size());
  model.Forward(in.x.data(), in.targets(), batch, predictions.data(), lengths.data());
  const BatchStats stats =
      model.ForwardBackward(in.x.data(), in.targets(), batch, dx.data(), lengths.data());

  BatchStats summed;
  std::vector<double> grads(model.num_params(), 0.0);
  for (int b = 0; b < batch; ++b) {
    SCOPED_TRACE("sequence " + std::to_string(b) + " of length " + std::to_string(lengths[b]));
    const Alone alone = RunAlone(model, in, b);
    summed.loss_sum += alone.stats.loss_sum;
    summed.correct += alone.stats.correct;
    summed.count += alone.stats.count;
    for (size_t i = 0; i < grads.size(); ++i) grads[i] += alone.grads[i];
    for (int t = 0; t < (head.per_step ? T : 1); ++t) {
      for (int k = 0; k < K; ++k) {
        const double got = predictions[(static_cast<size_t>(t) * batch + b) * K + k];
        if (head.per_step && t >= lengths[b]) {
          ASSERT_EQ(got, 0.0) << "prediction at padded step " << t;
        } else {
          EXPECT_NEAR(got, alone.predictions[t * K + k], tol) << "step " << t << " output " << k;
        }
      }
    }
    for (int t = 0; t < T; ++t) {
      for (int k = 0; k < I; ++k) {
        const double got = dx[(static_cast<size_t>(t) * batch + b) * I + k];
        if (t < lengths[b]) {
          EXPECT_NEAR(got, alone.dx[t * I + k],
                      tol * std::max(1.0, std::fabs(alone.dx[t * I + k])));
        } else {
          ASSERT_EQ(got, 0.0) << "dx at padded step " << t;
        }
      }
    }
  }
  EXPECT_NEAR(stats.loss_sum, summed.loss_sum, tol * std::max(1.0, summed.loss_sum));
  EXPECT_EQ(stats.correct, summed.correct);
  EXPECT_EQ(stats.count, summed.count);
  // The real targets: a value counts K times, a per-step head counts real steps only.
  int64_t real = 0;
  for (const int32_t length : lengths) real += head.per_step ? length : 1;
  EXPECT_EQ(stats.count, real * (head.regression ? K : 1));
  double grad_scale = 0;
  for (double g : grads) grad_scale = std::max(grad_scale, std::fabs(g));
  ASSERT_GT(grad_scale, 0);
  for (size_t i = 0; i < grads.size(); ++i) {
    EXPECT_NEAR(model.grads()[i], grads[i], tol * grad_scale) << i;
  }
}

// The loss from the head's own predictions, summed here over the real targets.
TEST_P(HeadContract, LossIsThatOfItsPredictions) {
  const ModelConfig s = WithHead(Shape(3, 6, 5, 1, 4), GetParam(), 2);
  const HeadEntry& head = FindHead(s.head());
  const std::vector<int32_t> lengths = {6, 1, 4, 2};
  const int batch = 4, K = HeadOutputs(s), T = s.time_steps();
  SequenceClassifier<double> model = MakeModel<double>(s, 8);
  const Inputs in = RandomInputs(s, batch, 9, lengths);
  std::vector<double> predictions(static_cast<size_t>(head.per_step ? T : 1) * batch * K);
  const BatchStats stats =
      model.Forward(in.x.data(), in.targets(), batch, predictions.data(), lengths.data());
  double loss = 0;
  int64_t correct = 0;
  for (int t = 0; t < (head.per_step ? T : 1); ++t) {
    for (int b = 0; b < batch; ++b) {
      if (head.per_step && t >= lengths[b]) continue;
      const size_t row = static_cast<size_t>(t) * batch + b;
      const double* p = predictions.data() + row * K;
      if (head.regression) {
        for (int k = 0; k < K; ++k)
          loss += (p[k] - in.values[row * K + k]) * (p[k] - in.values[row * K + k]);
        continue;
      }
      loss -= std::log(p[in.labels[row]]);
      correct += std::max_element(p, p + K) - p == in.labels[row];
    }
  }
  EXPECT_NEAR(stats.loss_sum, loss, 1e-10 * std::max(1.0, loss));
  EXPECT_EQ(stats.correct, correct);
  if (head.regression) EXPECT_EQ(stats.correct, 0);
}

INSTANTIATE_TEST_SUITE_P(EveryHead, HeadContract,
                         ::testing::Values(ModelConfig::LAST_STEP_CLASSIFIER,
                                           ModelConfig::LAST_STEP_REGRESSION,
                                           ModelConfig::PER_STEP_CLASSIFIER,
                                           ModelConfig::PER_STEP_REGRESSION),
                         [](const auto& info) { return HeadName(info.param); });

// The head is part of the layout only through its shape: "out/w" (H, K), "out/b" (K).
TEST(HeadLayout, RegressionHeadsHaveOutputSizeColumns) {
  for (const auto head : {ModelConfig::LAST_STEP_REGRESSION, ModelConfig::PER_STEP_REGRESSION}) {
    const ParamLayout layout = ModelLayout(WithHead(Shape(3, 4, 5, 1, 10), head, 3));
    EXPECT_EQ(layout.Find("out/w").shape, (std::vector<int>{5, 3}));
    EXPECT_EQ(layout.Find("out/b").shape, (std::vector<int>{3}));
  }
  const ParamLayout classifier =
      ModelLayout(WithHead(Shape(3, 4, 5, 1, 10), ModelConfig::PER_STEP_CLASSIFIER, 1));
  EXPECT_EQ(classifier.Find("out/w").shape, (std::vector<int>{5, 10}));
}

TEST(HeadRegistry, AValueNoEntryHasIsAnError) {
  try {
    FindHead(static_cast<ModelConfig::Head>(77));
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "model.head = 77: not a head this build has");
  }
}

}  // namespace
}  // namespace seqtrain::nn
