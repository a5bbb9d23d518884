// The gate math (float and double: one Highway implementation) on every SIMD
// target against std:: in double, written out here as the independent reference.
#include "nn/lstm_kernels.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "support/simd_targets.h"
#include "util/rng.h"

namespace seqtrain::nn {
namespace {

using seqtrain::testing::ForEachSimdTarget;

// The textbook formulas with std:: functions, in double.
void ReferenceForward(double* gates, const double* c_prev, double* c, double* tanh_c, double* h,
                      int batch, int H) {
  for (int b = 0; b < batch; ++b) {
    double* gi = gates + static_cast<size_t>(b) * 4 * H;
    const size_t row = static_cast<size_t>(b) * H;
    for (int j = 0; j < H; ++j) {
      const double i = 1 / (1 + std::exp(-gi[j]));
      const double f = 1 / (1 + std::exp(-gi[H + j]));
      const double g = std::tanh(gi[2 * H + j]);
      const double o = 1 / (1 + std::exp(-gi[3 * H + j]));
      gi[j] = i;
      gi[H + j] = f;
      gi[2 * H + j] = g;
      gi[3 * H + j] = o;
      const double cell = (c_prev ? f * c_prev[row + j] : 0.0) + i * g;
      c[row + j] = cell;
      tanh_c[row + j] = std::tanh(cell);
      h[row + j] = o * tanh_c[row + j];
    }
  }
}

void ReferenceBackward(const double* gates, const double* c_prev, const double* tanh_c,
                       const double* dh, double* dc, double* dgates, int batch, int H) {
  for (int b = 0; b < batch; ++b) {
    const double* gi = gates + static_cast<size_t>(b) * 4 * H;
    double* di = dgates + static_cast<size_t>(b) * 4 * H;
    const size_t row = static_cast<size_t>(b) * H;
    for (int j = 0; j < H; ++j) {
      const double i = gi[j], f = gi[H + j], g = gi[2 * H + j], o = gi[3 * H + j];
      const double t = tanh_c[row + j], d = dh[row + j];
      // 1 - t^2 as (1 - t)(1 + t): t * t rounded first would cancel as |t| -> 1.
      const double dcell = dc[row + j] + d * o * ((1 - t) * (1 + t));
      di[j] = dcell * g * i * (1 - i);
      di[H + j] = c_prev ? dcell * (c_prev[row + j] * f * (1 - f)) : 0.0;
      di[2 * H + j] = dcell * i * ((1 - g) * (1 + g));
      di[3 * H + j] = d * t * o * (1 - o);
      dc[row + j] = dcell * f;
    }
  }
}

// A dense sweep of the range where sigmoid and tanh are not yet saturated, a
// sweep of magnitudes from the smallest subnormal to the largest value of T,
// and the special values.
template <typename T>
std::vector<T> TestPoints() {
  using Limits = std::numeric_limits<T>;
  std::vector<T> x;
  for (T v = -100; v <= 100; v += T(0.0137)) x.push_back(v);
  for (int k = 0; k <= 400000; ++k) x.push_back(T(-20) + T(40) * static_cast<T>(k) / T(400000));
  for (int e = Limits::min_exponent - Limits::digits; e < Limits::max_exponent; ++e) {
    for (T mantissa : {T(1), T(1.37), T(1.83)}) {
      const T m = std::ldexp(mantissa / 2, e);  // in [0.5, 1) * 2^e: below max() for every e here
      x.push_back(m);
      x.push_back(-m);
    }
  }
  for (T v : {T(0), T(-0.0), T(1e-30), T(-1e-30), T(1e-8), T(-1e-8), T(87), T(-87), T(88.7),
              T(-88.7), T(700), T(-700), T(710), T(-710), Limits::max(), -Limits::max(),
              Limits::infinity(), -Limits::infinity()}) {
    x.push_back(v);
  }
  return x;
}

template <typename T>
using Activation = void (*)(const T*, T*, int);

// On every target: absolute error < tolerance at every test point, and relative
// error < tolerance where relative_from(x) (the exact value is a normal T there),
// against exact_of in long double. check(x, y) adds per-point properties.
template <typename T, typename Exact, typename Where, typename Check>
void ExpectWithin(double tolerance, Activation<T> kernel, Exact exact_of, Where relative_from,
                  Check check) {
  const std::vector<T> x = TestPoints<T>();
  ForEachSimdTarget([&](const simd::Target&) {
    std::vector<T> y(x.size());
    kernel(x.data(), y.data(), static_cast<int>(x.size()));
    long double worst_relative = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const long double exact = exact_of(static_cast<long double>(x[i]));
      const long double error = std::fabs(y[i] - exact);
      ASSERT_LT(error, tolerance) << x[i];
      if (relative_from(x[i])) worst_relative = std::max(worst_relative, error / std::fabs(exact));
      check(x[i], y[i]);
    }
    EXPECT_LT(worst_relative, tolerance);
  });
}

// Saturation is exact: the kernel gives `want` for each of `x`.
template <typename T>
void ExpectExactly(Activation<T> kernel, const std::vector<T>& x, const std::vector<T>& want) {
  ForEachSimdTarget([&](const simd::Target&) {
    std::vector<T> y(x.size());
    kernel(x.data(), y.data(), static_cast<int>(x.size()));
    EXPECT_EQ(y, want);
  });
}

long double ExactSigmoid(long double x) { return 1 / (1 + std::exp(-x)); }
long double ExactTanh(long double x) { return std::tanh(x); }

template <typename T>
void ExpectSigmoidWithin(double tolerance, T lowest_normal_exp_arg) {
  ExpectWithin<T>(
      tolerance, FastSigmoid, ExactSigmoid, [&](T x) { return x >= lowest_normal_exp_arg; },
      [](T x, T y) {
        ASSERT_GE(y, T(0)) << x;
        ASSERT_LE(y, T(1)) << x;
      });
  const T inf = std::numeric_limits<T>::infinity(), max = std::numeric_limits<T>::max();
  ExpectExactly<T>(FastSigmoid, {inf, max, T(0), T(-0.0)}, {T(1), T(1), T(0.5), T(0.5)});
}

template <typename T>
void ExpectTanhWithin(double tolerance) {
  ExpectWithin<T>(
      tolerance, FastTanh, ExactTanh,
      [](T x) { return std::fabs(x) >= std::numeric_limits<T>::min(); },
      [](T x, T y) {
        ASSERT_LE(std::fabs(y), T(1)) << x;
        ASSERT_EQ(std::signbit(y), std::signbit(x)) << x;  // -0 included
      });
  const T inf = std::numeric_limits<T>::infinity(), max = std::numeric_limits<T>::max();
  ExpectExactly<T>(FastTanh, {inf, -inf, max, T(-20)}, {T(1), T(-1), T(1), T(-1)});
}

TEST(FastActivations, SigmoidMatchesStdWithin2e7OnEveryTarget) {
  ExpectSigmoidWithin<float>(2e-7, -87.0f);  // exp(87) is still a normal float
}

TEST(FastActivations, TanhMatchesStdWithin2e7OnEveryTarget) { ExpectTanhWithin<float>(2e-7); }

// The double versions run the same code with double constants: within a few units
// of double rounding (2.2e-16), which the gradient check's finite differences need.
TEST(FastActivations, DoubleSigmoidWithin1e15OnEveryTarget) {
  ExpectSigmoidWithin<double>(1e-15, -708.0);
}

TEST(FastActivations, DoubleTanhWithin1e15OnEveryTarget) { ExpectTanhWithin<double>(1e-15); }

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

// |got - exact| within `tolerance` of `magnitude`: the same formula evaluated on the
// absolute values of its inputs, so |exact| where nothing cancels and the size
// of the cancelling terms where something does (no float code can do better).
// worst[what] keeps the largest error seen, for the test's XML report.
template <typename T>
void ExpectRelativeWithin(double tolerance, const std::vector<T>& got,
                          const std::vector<double>& exact, const std::vector<double>& magnitude,
                          const std::string& what, std::map<std::string, double>& worst) {
  ASSERT_EQ(got.size(), exact.size());
  for (size_t k = 0; k < got.size(); ++k) {
    const double scale = std::max({std::fabs(exact[k]), magnitude[k], 1e-300});
    const double error = std::fabs(got[k] - exact[k]) / scale;
    worst[what] = std::max(worst[what], error);
    ASSERT_LT(error, tolerance) << what << "[" << k << "]: " << got[k] << " vs " << exact[k];
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

template <typename T>
std::vector<double> ToDouble(const std::vector<T>& v) {
  return std::vector<double>(v.begin(), v.end());
}

// Forward from the same pre-activations; backward from the kernel forward's own
// outputs, so each kernel is judged on its own arithmetic. Returns the worst errors.
template <typename T>
std::map<std::string, double> ExpectGatesWithin(double tolerance) {
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
      std::vector<T> pre(ng), c_prev(n), dh(n), dc(n);
      for (auto& v : pre) v = static_cast<T>(rng.Uniform(-8, 8));
      for (auto& v : c_prev) v = static_cast<T>(rng.Uniform(-3, 3));
      for (auto& v : dh) v = static_cast<T>(rng.Uniform(-1, 1));
      for (auto& v : dc) v = static_cast<T>(rng.Uniform(-1, 1));
      const T* cp_f = c.first_step ? nullptr : c_prev.data();

      std::vector<T> gates = pre, cell(n), tanh_c(n), h(n);
      LstmGatesForward(gates.data(), cp_f, cell.data(), tanh_c.data(), h.data(), B, H);
      std::vector<double> gates_d = ToDouble(pre), cell_d(n), tanh_d(n), h_d(n);
      const std::vector<double> cp_d = ToDouble(c_prev);
      ReferenceForward(gates_d.data(), c.first_step ? nullptr : cp_d.data(), cell_d.data(),
                       tanh_d.data(), h_d.data(), B, H);
      // Magnitudes: |f c_prev| + |i g| for c; tanh and the product by o carry its error on.
      std::vector<double> cell_mag(n), tanh_mag(n), h_mag(n);
      for (size_t r = 0; r < static_cast<size_t>(B); ++r) {
        for (size_t j = 0; j < static_cast<size_t>(H); ++j) {
          const double* g = gates_d.data() + r * 4 * H;
          const size_t k = r * H + j;
          cell_mag[k] =
              (c.first_step ? 0.0 : std::fabs(g[H + j] * cp_d[k])) + std::fabs(g[j] * g[2 * H + j]);
          tanh_mag[k] = std::max(std::fabs(tanh_d[k]), cell_mag[k]);
          h_mag[k] = g[3 * H + j] * tanh_mag[k];
        }
      }
      ExpectRelativeWithin(tolerance, gates, gates_d, Abs(gates_d), "gates", worst);
      ExpectRelativeWithin(tolerance, cell, cell_d, cell_mag, "c", worst);
      ExpectRelativeWithin(tolerance, tanh_c, tanh_d, tanh_mag, "tanh_c", worst);
      ExpectRelativeWithin(tolerance, h, h_d, h_mag, "h", worst);

      std::vector<T> dgates(ng), dc_f = dc;
      LstmGatesBackward(gates.data(), cp_f, tanh_c.data(), dh.data(), dc_f.data(), dgates.data(), B,
                        H);
      const std::vector<double> in_gates = ToDouble(gates), in_tanh = ToDouble(tanh_c),
                                in_dh = ToDouble(dh);
      std::vector<double> dgates_d(ng), dc_d = ToDouble(dc);
      ReferenceBackward(in_gates.data(), c.first_step ? nullptr : cp_d.data(), in_tanh.data(),
                        in_dh.data(), dc_d.data(), dgates_d.data(), B, H);
      const std::vector<double> abs_gates = Abs(in_gates), abs_tanh = Abs(in_tanh),
                                abs_dh = Abs(in_dh), abs_cp = Abs(cp_d);
      std::vector<double> dgates_mag(ng), dc_mag = Abs(ToDouble(dc));
      ReferenceBackward(abs_gates.data(), c.first_step ? nullptr : abs_cp.data(), abs_tanh.data(),
                        abs_dh.data(), dc_mag.data(), dgates_mag.data(), B, H);
      ExpectRelativeWithin(tolerance, dgates, dgates_d, dgates_mag, "dgates", worst);
      ExpectRelativeWithin(tolerance, dc_f, dc_d, dc_mag, "dc", worst);
    }
  });
  return worst;
}

void RecordWorst(const std::map<std::string, double>& worst, const std::string& prefix) {
  for (const auto& [what, error] : worst) {
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", error);
    ::testing::Test::RecordProperty(prefix + what, text);
  }
}

TEST(LstmKernels, FloatForwardAndBackwardWithin1e6OfDoubleOnEveryTarget) {
  RecordWorst(ExpectGatesWithin<float>(1e-6), "worst_relative_");
}

// The double kernels are the float ones' code: near double rounding, which the
// gradient check's finite differences need.
TEST(LstmKernels, DoubleForwardAndBackwardWithin1e14OfStdOnEveryTarget) {
  RecordWorst(ExpectGatesWithin<double>(1e-14), "double_worst_relative_");
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
      std::vector<float> gates_f(gates_d.begin(), gates_d.end()),
          c_prev_f(c_prev_d.begin(), c_prev_d.end());
      const size_t n = c_prev_d.size();
      std::vector<double> c_d(n), t_d(n), h_d(n);
      std::vector<float> c_f(n), t_f(n), h_f(n);
      ReferenceForward(gates_d.data(), first_step ? nullptr : c_prev_d.data(), c_d.data(),
                       t_d.data(), h_d.data(), batch, H);
      LstmGatesForward(gates_f.data(), first_step ? nullptr : c_prev_f.data(), c_f.data(),
                       t_f.data(), h_f.data(), batch, H);
      for (size_t i = 0; i < gates_d.size(); ++i) ASSERT_NEAR(gates_f[i], gates_d[i], 3e-7) << i;
      for (size_t i = 0; i < n; ++i) {
        ASSERT_NEAR(c_f[i], c_d[i], 1e-6) << i;
        ASSERT_NEAR(h_f[i], h_d[i], 1e-6) << i;
      }
      std::vector<double> dh_d(n), dc_d(n), dg_d(gates_d.size());
      for (auto& v : dh_d) v = rng.Uniform(-1, 1);
      for (auto& v : dc_d) v = rng.Uniform(-1, 1);
      std::vector<float> dh_f(dh_d.begin(), dh_d.end()), dc_f(dc_d.begin(), dc_d.end()),
          dg_f(gates_d.size());
      ReferenceBackward(gates_d.data(), first_step ? nullptr : c_prev_d.data(), t_d.data(),
                        dh_d.data(), dc_d.data(), dg_d.data(), batch, H);
      LstmGatesBackward(gates_f.data(), first_step ? nullptr : c_prev_f.data(), t_f.data(),
                        dh_f.data(), dc_f.data(), dg_f.data(), batch, H);
      for (size_t i = 0; i < dg_d.size(); ++i) ASSERT_NEAR(dg_f[i], dg_d[i], 2e-6) << i;
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(dc_f[i], dc_d[i], 2e-6) << i;
    }
  });
}

// dgates over gates (in place) gives the same bits as a separate buffer.
template <typename T>
void ExpectBackwardInPlaceSameBits() {
  for (const int H : {1, 37, 128}) {
    const int B = 3;
    const size_t n = static_cast<size_t>(B) * H;
    Rng rng(static_cast<uint64_t>(H) + 5);
    std::vector<T> gates(4 * n), c_prev(n), tanh_c(n), dh(n), dc(n);
    for (auto& v : gates) v = static_cast<T>(rng.Uniform(0, 1));
    for (auto& v : c_prev) v = static_cast<T>(rng.Uniform(-3, 3));
    for (auto& v : tanh_c) v = static_cast<T>(rng.Uniform(-1, 1));
    for (auto& v : dh) v = static_cast<T>(rng.Uniform(-1, 1));
    for (auto& v : dc) v = static_cast<T>(rng.Uniform(-1, 1));
    std::vector<T> dgates(4 * n), dc_apart = dc;
    LstmGatesBackward(gates.data(), c_prev.data(), tanh_c.data(), dh.data(), dc_apart.data(),
                      dgates.data(), B, H);
    std::vector<T> in_place = gates, dc_in_place = dc;
    LstmGatesBackward(in_place.data(), c_prev.data(), tanh_c.data(), dh.data(), dc_in_place.data(),
                      in_place.data(), B, H);
    ASSERT_EQ(in_place, dgates) << "hidden " << H;
    ASSERT_EQ(dc_in_place, dc_apart) << "hidden " << H;
  }
}

TEST(LstmKernels, BackwardInPlaceGivesTheSameBitsOnEveryTarget) {
  ForEachSimdTarget([&](const simd::Target&) {
    ExpectBackwardInPlaceSameBits<float>();
    ExpectBackwardInPlaceSameBits<double>();
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
    for (size_t k = 0; k < n; ++k)
      ASSERT_NEAR(h_of_target[t][k], h_of_target[0][k], 1e-6) << t << " " << k;
  }
}

}  // namespace
}  // namespace seqtrain::nn
