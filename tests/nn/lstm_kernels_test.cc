// The float gate math on every SIMD target against std:: in double.
#include "nn/lstm_kernels.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "support/simd_targets.h"
#include "util/rng.h"

namespace seqtrain::nn {
namespace {

using seqtrain::testing::ForEachSimdTarget;

// A dense sweep of the range where sigmoid and tanh are not yet saturated, a
// sweep of magnitudes from the smallest subnormal to the largest float, and
// the special values.
std::vector<float> TestPoints() {
  std::vector<float> x;
  for (float v = -100.0f; v <= 100.0f; v += 0.0137f) x.push_back(v);
  for (int k = 0; k <= 400000; ++k) x.push_back(-20.0f + 40.0f * static_cast<float>(k) / 400000.0f);
  for (int e = -149; e <= 127; ++e) {
    for (float mantissa : {1.0f, 1.37f, 1.83f}) {
      const float m = std::ldexp(mantissa, e);
      x.push_back(m);
      x.push_back(-m);
    }
  }
  for (float v : {0.0f, -0.0f, 1e-30f, -1e-30f, 1e-8f, -1e-8f, 87.0f, -87.0f, 88.7f, -88.7f, 1e30f, -1e30f,
                  FLT_MAX, -FLT_MAX, INFINITY, -INFINITY}) {
    x.push_back(v);
  }
  return x;
}

using Activation = void (*)(const float*, float*, int);

// On every target: absolute error < 2e-7 at every test point, and relative
// error < 2e-7 where relative_from(x) (the exact value is a normal float there).
// check(x, y) adds per-point properties.
template <typename Exact, typename Where, typename Check>
void ExpectWithin2e7(Activation kernel, Exact exact_of, Where relative_from, Check check) {
  const std::vector<float> x = TestPoints();
  ForEachSimdTarget([&](const simd::Target&) {
    std::vector<float> y(x.size());
    kernel(x.data(), y.data(), static_cast<int>(x.size()));
    double worst_relative = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double exact = exact_of(static_cast<double>(x[i])), error = std::fabs(y[i] - exact);
      ASSERT_LT(error, 2e-7) << x[i];
      if (relative_from(x[i])) worst_relative = std::max(worst_relative, error / std::fabs(exact));
      check(x[i], y[i]);
    }
    EXPECT_LT(worst_relative, 2e-7);
  });
}

// Saturation is exact: the kernel gives `want` for each of `x`.
void ExpectExactly(Activation kernel, const std::vector<float>& x, const std::vector<float>& want) {
  ForEachSimdTarget([&](const simd::Target&) {
    std::vector<float> y(x.size());
    kernel(x.data(), y.data(), static_cast<int>(x.size()));
    EXPECT_EQ(y, want);
  });
}

TEST(FastActivations, SigmoidMatchesStdWithin2e7OnEveryTarget) {
  ExpectWithin2e7(
      FastSigmoid, [](double x) { return 1.0 / (1.0 + std::exp(-x)); },
      [](float x) { return x >= -87.0f; },  // exp(-87) is still a normal float
      [](float x, float y) {
        ASSERT_GE(y, 0.0f) << x;
        ASSERT_LE(y, 1.0f) << x;
      });
  ExpectExactly(FastSigmoid, {INFINITY, FLT_MAX, 0.0f, -0.0f}, {1.0f, 1.0f, 0.5f, 0.5f});
}

TEST(FastActivations, TanhMatchesStdWithin2e7OnEveryTarget) {
  ExpectWithin2e7(
      FastTanh, [](double x) { return std::tanh(x); }, [](float x) { return std::fabs(x) >= FLT_MIN; },
      [](float x, float y) {
        ASSERT_LE(std::fabs(y), 1.0f) << x;
        ASSERT_EQ(std::signbit(y), std::signbit(x)) << x;  // -0 included
      });
  ExpectExactly(FastTanh, {INFINITY, -INFINITY, FLT_MAX, -20.0f}, {1.0f, -1.0f, 1.0f, -1.0f});
}

TEST(FastActivations, NanPropagatesOnEveryTarget) {
  ForEachSimdTarget([&](const simd::Target&) {
    // Every lane position of a vector and of the one-lane tail.
    for (int n = 1; n <= 40; ++n) {
      for (int at = 0; at < n; ++at) {
        std::vector<float> x(static_cast<size_t>(n), 0.25f), y(x.size());
        x[static_cast<size_t>(at)] = NAN;
        FastSigmoid(x.data(), y.data(), n);
        for (int k = 0; k < n; ++k)
          ASSERT_EQ(std::isnan(y[static_cast<size_t>(k)]), k == at) << n << " " << at;
        FastTanh(x.data(), y.data(), n);
        for (int k = 0; k < n; ++k)
          ASSERT_EQ(std::isnan(y[static_cast<size_t>(k)]), k == at) << n << " " << at;
      }
    }
  });
}

// |got - exact| within 1e-6 of `magnitude`: the same formula evaluated on the
// absolute values of its inputs, so |exact| where nothing cancels and the size
// of the cancelling terms where something does (no float code can do better).
// worst[what] keeps the largest error seen, for the test's XML report.
void ExpectRelativeWithin1e6(const std::vector<float>& got, const std::vector<double>& exact,
                             const std::vector<double>& magnitude, const char* what,
                             std::map<std::string, double>& worst) {
  ASSERT_EQ(got.size(), exact.size());
  for (size_t k = 0; k < got.size(); ++k) {
    const double scale = std::max({std::fabs(exact[k]), magnitude[k], 1e-30});
    const double error = std::fabs(got[k] - exact[k]) / scale;
    worst[what] = std::max(worst[what], error);
    ASSERT_LT(error, 1e-6) << what << "[" << k << "]: " << got[k] << " vs " << exact[k];
  }
}

struct GateCase {
  int batch, hidden;
  bool first_step;
};

std::vector<double> Abs(std::vector<double> v) {
  for (double& x : v) x = std::fabs(x);
  return v;
}

std::vector<double> ToDouble(const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); }

// Forward from the same pre-activations; backward from the float forward's own
// outputs, so each kernel is judged on its own arithmetic.
TEST(LstmKernels, ForwardAndBackwardWithin1e6OfDoubleOnEveryTarget) {
  // Odd widths exercise the one-lane tails; 128 and 64 are whole vectors on every target.
  const GateCase cases[] = {{3, 1, false},  {5, 37, true},   {5, 37, false},
                            {4, 64, false}, {2, 128, false}, {3, 133, false}};
  std::map<std::string, double> worst;
  ForEachSimdTarget([&](const simd::Target&) {
    for (const GateCase& c : cases) {
      SCOPED_TRACE("batch " + std::to_string(c.batch) + " hidden " + std::to_string(c.hidden) +
                   (c.first_step ? " first step" : ""));
      const int B = c.batch, H = c.hidden;
      const size_t n = static_cast<size_t>(B) * H, ng = 4 * n;
      Rng rng(static_cast<uint64_t>(H));
      std::vector<float> pre(ng), c_prev(n), dh(n), dc(n);
      for (auto& v : pre) v = static_cast<float>(rng.Uniform(-8, 8));
      for (auto& v : c_prev) v = static_cast<float>(rng.Uniform(-3, 3));
      for (auto& v : dh) v = static_cast<float>(rng.Uniform(-1, 1));
      for (auto& v : dc) v = static_cast<float>(rng.Uniform(-1, 1));
      const float* cp_f = c.first_step ? nullptr : c_prev.data();

      std::vector<float> gates = pre, cell(n), tanh_c(n), h(n);
      LstmGatesForward(gates.data(), cp_f, cell.data(), tanh_c.data(), h.data(), B, H);
      std::vector<double> gates_d = ToDouble(pre), cell_d(n), tanh_d(n), h_d(n);
      const std::vector<double> cp_d = ToDouble(c_prev);
      LstmGatesForward(gates_d.data(), c.first_step ? nullptr : cp_d.data(), cell_d.data(), tanh_d.data(),
                       h_d.data(), B, H);
      // Magnitudes: |f c_prev| + |i g| for c; tanh and the product by o carry its error on.
      std::vector<double> cell_mag(n), tanh_mag(n), h_mag(n);
      for (size_t r = 0; r < static_cast<size_t>(B); ++r) {
        for (size_t j = 0; j < static_cast<size_t>(H); ++j) {
          const double* g = gates_d.data() + r * 4 * H;
          const size_t k = r * H + j;
          cell_mag[k] = (c.first_step ? 0.0 : std::fabs(g[H + j] * cp_d[k])) + std::fabs(g[j] * g[2 * H + j]);
          tanh_mag[k] = std::max(std::fabs(tanh_d[k]), cell_mag[k]);
          h_mag[k] = g[3 * H + j] * tanh_mag[k];
        }
      }
      ExpectRelativeWithin1e6(gates, gates_d, Abs(gates_d), "gates", worst);
      ExpectRelativeWithin1e6(cell, cell_d, cell_mag, "c", worst);
      ExpectRelativeWithin1e6(tanh_c, tanh_d, tanh_mag, "tanh_c", worst);
      ExpectRelativeWithin1e6(h, h_d, h_mag, "h", worst);

      std::vector<float> dgates(ng), dc_f = dc;
      LstmGatesBackward(gates.data(), cp_f, tanh_c.data(), dh.data(), dc_f.data(), dgates.data(), B, H);
      const std::vector<double> in_gates = ToDouble(gates), in_tanh = ToDouble(tanh_c), in_dh = ToDouble(dh);
      std::vector<double> dgates_d(ng), dc_d = ToDouble(dc);
      LstmGatesBackward(in_gates.data(), c.first_step ? nullptr : cp_d.data(), in_tanh.data(), in_dh.data(),
                        dc_d.data(), dgates_d.data(), B, H);
      const std::vector<double> abs_gates = Abs(in_gates), abs_tanh = Abs(in_tanh), abs_dh = Abs(in_dh),
                                abs_cp = Abs(cp_d);
      std::vector<double> dgates_mag(ng), dc_mag = Abs(ToDouble(dc));
      LstmGatesBackward(abs_gates.data(), c.first_step ? nullptr : abs_cp.data(), abs_tanh.data(),
                        abs_dh.data(), dc_mag.data(), dgates_mag.data(), B, H);
      ExpectRelativeWithin1e6(dgates, dgates_d, dgates_mag, "dgates", worst);
      ExpectRelativeWithin1e6(dc_f, dc_d, dc_mag, "dc", worst);
    }
  });
  for (const auto& [what, error] : worst) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", error);
    RecordProperty("worst_relative_" + what, text);
  }
}

// End to end: the float chain against the double chain from the same inputs.
TEST(LstmKernels, FloatMatchesDoubleReferenceOnEveryTarget) {
  ForEachSimdTarget([&](const simd::Target&) {
    for (const bool first_step : {true, false}) {
      const int batch = 5, H = 37;
      Rng rng(3);
      std::vector<double> gates_d(static_cast<size_t>(batch) * 4 * H),
          c_prev_d(static_cast<size_t>(batch) * H);
      for (auto& v : gates_d) v = rng.Uniform(-6, 6);
      for (auto& v : c_prev_d) v = rng.Uniform(-3, 3);
      std::vector<float> gates_f(gates_d.begin(), gates_d.end()), c_prev_f(c_prev_d.begin(), c_prev_d.end());
      const size_t n = c_prev_d.size();
      std::vector<double> c_d(n), t_d(n), h_d(n);
      std::vector<float> c_f(n), t_f(n), h_f(n);
      LstmGatesForward(gates_d.data(), first_step ? nullptr : c_prev_d.data(), c_d.data(), t_d.data(),
                       h_d.data(), batch, H);
      LstmGatesForward(gates_f.data(), first_step ? nullptr : c_prev_f.data(), c_f.data(), t_f.data(),
                       h_f.data(), batch, H);
      for (size_t i = 0; i < gates_d.size(); ++i) ASSERT_NEAR(gates_f[i], gates_d[i], 3e-7) << i;
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(c_f[i], c_d[i], 1e-6) << i;
        ASSERT_NEAR(h_f[i], h_d[i], 1e-6) << i;
      }
      std::vector<double> dh_d(n), dc_d(n), dg_d(gates_d.size());
      for (auto& v : dh_d) v = rng.Uniform(-1, 1);
      for (auto& v : dc_d) v = rng.Uniform(-1, 1);
      std::vector<float> dh_f(dh_d.begin(), dh_d.end()), dc_f(dc_d.begin(), dc_d.end()), dg_f(gates_d.size());
      LstmGatesBackward(gates_d.data(), first_step ? nullptr : c_prev_d.data(), t_d.data(), dh_d.data(),
                        dc_d.data(), dg_d.data(), batch, H);
      LstmGatesBackward(gates_f.data(), first_step ? nullptr : c_prev_f.data(), t_f.data(), dh_f.data(),
                        dc_f.data(), dg_f.data(), batch, H);
      for (size_t i = 0; i < dg_d.size(); ++i) ASSERT_NEAR(dg_f[i], dg_d[i], 2e-6) << i;
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(dc_f[i], dc_d[i], 2e-6) << i;
    }
  });
}

// Targets differ by float rounding only: a few units in the last place.
TEST(LstmKernels, TargetsAgreeToRounding) {
  const int B = 4, H = 53;
  const size_t n = static_cast<size_t>(B) * H;
  Rng rng(11);
  std::vector<float> pre(4 * n), c_prev(n);
  for (auto& v : pre) v = static_cast<float>(rng.Uniform(-5, 5));
  for (auto& v : c_prev) v = static_cast<float>(rng.Uniform(-2, 2));
  std::vector<std::vector<float>> h_of_target;
  ForEachSimdTarget([&](const simd::Target&) {
    std::vector<float> gates = pre, cell(n), tanh_c(n), h(n);
    LstmGatesForward(gates.data(), c_prev.data(), cell.data(), tanh_c.data(), h.data(), B, H);
    h_of_target.push_back(h);
  });
  for (size_t t = 1; t < h_of_target.size(); ++t) {
    for (size_t k = 0; k < n; ++k) ASSERT_NEAR(h_of_target[t][k], h_of_target[0][k], 1e-6) << t << " " << k;
  }
}

}  // namespace
}  // namespace seqtrain::nn
