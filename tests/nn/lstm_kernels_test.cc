// The fast float gate math against std:: in double.
#include "nn/lstm_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "util/rng.h"

namespace seqtrain::nn {
namespace {

std::vector<float> TestPoints() {
  std::vector<float> x;
  for (float v = -100.0f; v <= 100.0f; v += 0.0137f) x.push_back(v);
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 87.0f, -87.0f, 88.7f, -88.7f, 1e30f, -1e30f,
                  INFINITY, -INFINITY}) {
    x.push_back(v);
  }
  return x;
}

TEST(FastActivations, SigmoidMatchesStdWithin2e7) {
  const std::vector<float> x = TestPoints();
  std::vector<float> y(x.size());
  FastSigmoid(x.data(), y.data(), static_cast<int>(x.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double exact = 1.0 / (1.0 + std::exp(-static_cast<double>(x[i])));
    worst = std::max(worst, std::fabs(y[i] - exact));
    ASSERT_GE(y[i], 0.0f) << x[i];
    ASSERT_LE(y[i], 1.0f) << x[i];
  }
  EXPECT_LT(worst, 2e-7);
}

TEST(FastActivations, TanhMatchesStdWithin2e7) {
  const std::vector<float> x = TestPoints();
  std::vector<float> y(x.size());
  FastTanh(x.data(), y.data(), static_cast<int>(x.size()));
  double worst = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double exact = std::tanh(static_cast<double>(x[i]));
    worst = std::max(worst, std::fabs(y[i] - exact));
    ASSERT_LE(std::fabs(y[i]), 1.0f) << x[i];
    if (x[i] != 0) ASSERT_EQ(std::signbit(y[i]), std::signbit(x[i])) << x[i];
  }
  EXPECT_LT(worst, 2e-7);
}

TEST(FastActivations, NanPropagates) {
  const float x[] = {NAN};
  float y[1];
  FastSigmoid(x, y, 1);
  EXPECT_TRUE(std::isnan(y[0]));
  FastTanh(x, y, 1);
  EXPECT_TRUE(std::isnan(y[0]));
}

// Float kernels (fast math) against double kernels (std::) on the same inputs.
TEST(LstmKernels, FloatMatchesDoubleReference) {
  for (const bool first_step : {true, false}) {
    const int batch = 5, H = 37;  // odd sizes exercise the vector remainders
    Rng rng(3);
    std::vector<double> gates_d(static_cast<size_t>(batch) * 4 * H), c_prev_d(static_cast<size_t>(batch) * H);
    for (auto& v : gates_d) v = rng.Uniform(-6, 6);
    for (auto& v : c_prev_d) v = rng.Uniform(-3, 3);
    std::vector<float> gates_f(gates_d.begin(), gates_d.end()), c_prev_f(c_prev_d.begin(), c_prev_d.end());
    const size_t n = c_prev_d.size();
    std::vector<double> c_d(n), t_d(n), h_d(n);
    std::vector<float> c_f(n), t_f(n), h_f(n);
    LstmGatesForward(gates_d.data(), first_step ? nullptr : c_prev_d.data(), c_d.data(), t_d.data(), h_d.data(),
                     batch, H);
    LstmGatesForward(gates_f.data(), first_step ? nullptr : c_prev_f.data(), c_f.data(), t_f.data(), h_f.data(),
                     batch, H);
    for (size_t i = 0; i < gates_d.size(); ++i) ASSERT_NEAR(gates_f[i], gates_d[i], 3e-7) << i;
    for (size_t i = 0; i < n; ++i) {
      ASSERT_NEAR(c_f[i], c_d[i], 1e-6) << i;
      ASSERT_NEAR(h_f[i], h_d[i], 1e-6) << i;
    }
    std::vector<double> dh_d(n), dc_d(n), dg_d(gates_d.size());
    for (auto& v : dh_d) v = rng.Uniform(-1, 1);
    for (auto& v : dc_d) v = rng.Uniform(-1, 1);
    std::vector<float> dh_f(dh_d.begin(), dh_d.end()), dc_f(dc_d.begin(), dc_d.end()), dg_f(gates_d.size());
    LstmGatesBackward(gates_d.data(), first_step ? nullptr : c_prev_d.data(), t_d.data(), dh_d.data(), dc_d.data(),
                      dg_d.data(), batch, H);
    LstmGatesBackward(gates_f.data(), first_step ? nullptr : c_prev_f.data(), t_f.data(), dh_f.data(), dc_f.data(),
                      dg_f.data(), batch, H);
    for (size_t i = 0; i < dg_d.size(); ++i) ASSERT_NEAR(dg_f[i], dg_d[i], 2e-6) << i;
    for (size_t i = 0; i < n; ++i) ASSERT_NEAR(dc_f[i], dc_d[i], 2e-6) << i;
  }
}

}  // namespace
}  // namespace seqtrain::nn
