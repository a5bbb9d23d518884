// The LSTM's per-step kernels on packed panels (backward dh = dgates W_h^T, forward gates = b +
// [x | h] [W_x; W_h]) on every SIMD target this CPU runs, the scalar baseline included, against
// double-precision products written out here (error relative to the sum of the terms' magnitudes,
// the scale a dot product's rounding has), and against the one summation order they promise (one
// multiply-add chain over k per element, onto the bias forward).
#include "nn/lstm_recurrent.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "support/simd_targets.h"
#include "util/rng.h"

namespace seqtrain::nn {
namespace {

using seqtrain::testing::ForEachSimdTarget;

// out[b][n] = init[n] + sum over k < K of a(b, k) w(k, n) (init empty: 0), in double, with the sum
// of the terms' magnitudes beside it: a float sum of K terms is exact to a few units of rounding
// of that, in any order.
template <typename T, typename A, typename W>
std::vector<double> ReferenceProduct(int B, size_t N, int K, A a, W w, const std::vector<T>& init,
                                     std::vector<double>* magnitude) {
  std::vector<double> out(static_cast<size_t>(B) * N);
  magnitude->assign(out.size(), 0.0);
  for (int b = 0; b < B; ++b) {
    for (size_t n = 0; n < N; ++n) {
      double sum = init.empty() ? 0.0 : init[n], abs_sum = std::fabs(sum);
      for (int k = 0; k < K; ++k) {
        const double product = static_cast<double>(a(b, k)) * w(k, n);
        sum += product;
        abs_sum += std::fabs(product);
      }
      out[b * N + n] = sum;
      (*magnitude)[b * N + n] = abs_sum;
    }
  }
  return out;
}

// The same sums in T, k = 0, 1, ... in order onto init, fused or not.
template <typename T, typename A, typename W>
std::vector<T> ChainProduct(int B, size_t N, int K, A a, W w, const std::vector<T>& init,
                            bool fused) {
  std::vector<T> out(static_cast<size_t>(B) * N);
  for (int b = 0; b < B; ++b) {
    for (size_t n = 0; n < N; ++n) {
      T acc = init.empty() ? T(0) : init[n];
      for (int k = 0; k < K; ++k) {
        const T x = a(b, k), v = w(k, n);
        if (fused) {
          acc = std::fma(x, v, acc);
        } else {
          const volatile T product = x * v;  // rounded before the add
          acc = acc + product;
        }
      }
      out[b * N + n] = acc;
    }
  }
  return out;
}

template <typename T>
struct Problem {
  int B, H;
  std::vector<T> w_h;     // (H, 4H)
  std::vector<T> dgates;  // (B, 4H)
  Problem(int batch, int hidden, uint64_t seed) : B(batch), H(hidden) {
    Rng rng(seed);
    w_h.resize(static_cast<size_t>(H) * 4 * H);
    dgates.resize(static_cast<size_t>(B) * 4 * H);
    for (T& w : w_h) w = static_cast<T>(rng.Uniform(-1, 1));
    for (T& g : dgates) g = static_cast<T>(rng.Uniform(-1, 1));
  }
  // dh[b][j] = sum_k dgates[b][k] w_h[j][k].
  std::vector<double> Reference(std::vector<double>* magnitude) const {
    return ReferenceProduct<T>(B, H, 4 * H, DgatesAt(), WhTransposedAt(), {}, magnitude);
  }
  std::vector<T> Chain(bool fused) const {
    return ChainProduct<T>(B, H, 4 * H, DgatesAt(), WhTransposedAt(), {}, fused);
  }
  auto DgatesAt() const {
    return [this](int b, int k) { return dgates[static_cast<size_t>(b) * 4 * H + k]; };
  }
  auto WhTransposedAt() const {
    return [this](int k, size_t j) { return w_h[j * 4 * H + k]; };
  }
};

// Hidden sizes: one vector of units, an odd number of vectors (a last panel one vector wide), the
// reference shape; batches below, at and past a tile's rows, and the reference batch.
template <typename T>
void ExpectMatchesReference(double tolerance) {
  ForEachSimdTarget([&](const simd::Target& target) {
    for (int H : {16, 48, 128}) {
      if (!RecurrentKernelSupports(H, sizeof(T) == 8)) {
        ADD_FAILURE() << "hidden " << H << " unsupported on " << target.name;
        continue;
      }
      for (int B : {1, 5, 8, 13, 64}) {
        SCOPED_TRACE("H " + std::to_string(H) + ", B " + std::to_string(B));
        const Problem<T> p(B, H, 100 + H + B);
        WeightPanels<T> panels;
        PackRecurrentBackward(p.w_h.data(), H, &panels);
        std::vector<T> dh(static_cast<size_t>(B) * H, T(12345));  // overwritten, not added to
        LstmRecurrentBackward(panels, p.dgates.data(), dh.data(), B);
        std::vector<double> magnitude;
        const std::vector<double> ref = p.Reference(&magnitude);
        double worst = 0;  // error relative to the sum of the terms' magnitudes
        for (size_t i = 0; i < ref.size(); ++i) {
          worst = std::max(worst, std::fabs(dh[i] - ref[i]) / magnitude[i]);
        }
        EXPECT_LT(worst, tolerance);
        // One chain over k in order per element: the bits of the fused chain on targets with
        // FMA, of the unfused one on the others, for every element alike.
        const std::vector<T> fused = p.Chain(true), unfused = p.Chain(false);
        EXPECT_TRUE(dh == fused || dh == unfused);
      }
    }
  });
}

TEST(LstmRecurrentBackward, FloatMatchesDoubleReferenceOnEveryTarget) {
  ExpectMatchesReference<float>(1e-6);
}

TEST(LstmRecurrentBackward, DoubleMatchesReferenceOnEveryTarget) {
  ExpectMatchesReference<double>(1e-14);
}

// Panels are per target: the best target's layout differs from the baseline's, and each one's
// kernel reads its own correctly after packing again (the layer packs in every Backward).
TEST(LstmRecurrentBackward, RepackingForAnotherTargetGivesTheSameResult) {
  const Problem<float> p(8, 32, 5);
  std::vector<std::vector<float>> results;
  ForEachSimdTarget([&](const simd::Target&) {
    WeightPanels<float> panels;
    PackRecurrentBackward(p.w_h.data(), p.H, &panels);
    std::vector<float> dh(static_cast<size_t>(p.B) * p.H);
    LstmRecurrentBackward(panels, p.dgates.data(), dh.data(), p.B);
    results.push_back(dh);
  });
  const std::vector<float> fused = p.Chain(true), unfused = p.Chain(false);
  for (const std::vector<float>& dh : results) EXPECT_TRUE(dh == fused || dh == unfused);
}

// The layer's gate: not on the scalar baseline, only where the vector length divides H, and
// past H 256 only with 32 registers (AVX-512).
TEST(LstmRecurrentBackward, PaysWhereItMeasuredFaster) {
  ForEachSimdTarget([&](const simd::Target& target) {
    EXPECT_EQ(RecurrentKernelPays(128, false), target.name != "scalar");
    EXPECT_EQ(RecurrentKernelPays(256, true), target.name != "scalar");
    EXPECT_FALSE(RecurrentKernelPays(0, false));
    if (target.name == "avx512") EXPECT_TRUE(RecurrentKernelPays(512, false));
    if (target.name == "avx2" || target.name == "sse4")
      EXPECT_FALSE(RecurrentKernelPays(512, false));
    if (target.name == "avx512" || target.name == "avx2") {
      EXPECT_FALSE(RecurrentKernelPays(5, false));
      EXPECT_FALSE(RecurrentKernelSupports(5, true));
    }
  });
}

// The forward product: out (B, gates H) = bias + inputs[:, :K] w[:K, :], inputs with row stride
// I + H. An LSTM's has 4 gates and K = I or I + H; a GRU's recurrent one 3, I = 0 and K = 0 or H.
template <typename T>
struct ForwardProblem {
  int B, H, gates, rows, K;
  std::vector<T> w;       // (rows, gates H)
  std::vector<T> inputs;  // (B, rows), only the first K columns read
  std::vector<T> bias;    // (gates H)
  ForwardProblem(int batch, int hidden, int inputs_size, bool with_hidden, uint64_t seed,
                 int gate_count = 4)
      : B(batch),
        H(hidden),
        gates(gate_count),
        rows(inputs_size + hidden),
        K(with_hidden ? rows : inputs_size) {
    Rng rng(seed);
    w.resize(static_cast<size_t>(rows) * gates * H);
    inputs.resize(static_cast<size_t>(B) * rows);
    bias.resize(static_cast<size_t>(gates) * H);
    for (T& v : w) v = static_cast<T>(rng.Uniform(-1, 1));
    for (T& v : inputs) v = static_cast<T>(rng.Uniform(-1, 1));
    for (T& v : bias) v = static_cast<T>(rng.Uniform(-1, 1));
    // Columns past K must not be read: a NaN there would show in every output.
    if (K < rows) {
      for (int b = 0; b < B; ++b) inputs[static_cast<size_t>(b) * rows + K] = std::nan("");
    }
  }
  size_t N() const { return static_cast<size_t>(gates) * H; }
  std::vector<double> Reference(std::vector<double>* magnitude) const {
    return ReferenceProduct<T>(B, N(), K, InputsAt(), WAt(), bias, magnitude);
  }
  std::vector<T> Chain(bool fused) const {
    return ChainProduct<T>(B, N(), K, InputsAt(), WAt(), bias, fused);
  }
  auto InputsAt() const {
    return [this](int b, int k) { return inputs[static_cast<size_t>(b) * rows + k]; };
  }
  auto WAt() const {
    return [this](int k, size_t n) { return w[k * N() + n]; };
  }
  std::vector<T> Run() const {
    WeightPanels<T> panels;
    PackStepForward(w.data(), rows, static_cast<int>(N()), &panels);
    std::vector<T> gates(static_cast<size_t>(B) * N(), T(12345));  // overwritten, not added to
    RecurrentStepForward(panels, inputs.data(), rows, K, bias.data(), gates.data(), B);
    return gates;
  }
};

// Hidden sizes from one vector of units to the reference; LSTM products with inputs of 1 and 28
// (the first step's K = I alone, the others' I + H) and the GRU's (3 gates, K = 0 or H); batches
// below, at and past a tile's rows, and the reference.
template <typename T>
void ExpectForwardMatchesReference(double tolerance) {
  ForEachSimdTarget([&](const simd::Target& target) {
    for (int H : {16, 48, 128}) {
      if (!RecurrentKernelSupports(H, sizeof(T) == 8)) {
        ADD_FAILURE() << "hidden " << H << " unsupported on " << target.name;
        continue;
      }
      for (const auto [gates, I] : {std::pair<int, int>{4, 1}, {4, 28}, {3, 0}}) {
        for (bool with_hidden : {false, true}) {
          for (int B : {1, 5, 8, 13, 64}) {
            SCOPED_TRACE("gates " + std::to_string(gates) + ", H " + std::to_string(H) + ", I " +
                         std::to_string(I) + ", B " + std::to_string(B) +
                         (with_hidden ? ", K = I + H" : ", K = I"));
            const ForwardProblem<T> p(B, H, I, with_hidden, 7 * H + I + B, gates);
            const std::vector<T> gates = p.Run();
            std::vector<double> magnitude;
            const std::vector<double> ref = p.Reference(&magnitude);
            double worst = 0;
            for (size_t i = 0; i < ref.size(); ++i) {
              worst = std::max(worst, std::fabs(gates[i] - ref[i]) / magnitude[i]);
            }
            EXPECT_LT(worst, tolerance);
            const std::vector<T> fused = p.Chain(true), unfused = p.Chain(false);
            EXPECT_TRUE(gates == fused || gates == unfused);
          }
        }
      }
    }
  });
}

TEST(RecurrentStepForward, FloatMatchesDoubleReferenceOnEveryTarget) {
  ExpectForwardMatchesReference<float>(1e-6);
}

TEST(RecurrentStepForward, DoubleMatchesReferenceOnEveryTarget) {
  ExpectForwardMatchesReference<double>(1e-14);
}

// A row's result does not depend on the rows beside it: the same bits at any rank count.
TEST(RecurrentStepForward, RowsDoNotDependOnTheBatch) {
  ForEachSimdTarget([&](const simd::Target&) {
    const ForwardProblem<float> whole(64, 32, 28, true, 11);
    const std::vector<float> all = whole.Run();
    ForwardProblem<float> half = whole;
    half.B = 29;
    half.inputs.resize(static_cast<size_t>(half.B) * half.rows);
    const std::vector<float> part = half.Run();
    EXPECT_TRUE(std::equal(part.begin(), part.end(), all.begin()));
  });
}

TEST(RecurrentStepForward, RepackingForAnotherTargetGivesTheSameResult) {
  const ForwardProblem<float> p(8, 32, 28, true, 5);
  std::vector<std::vector<float>> results;
  ForEachSimdTarget([&](const simd::Target&) { results.push_back(p.Run()); });
  const std::vector<float> fused = p.Chain(true), unfused = p.Chain(false);
  for (const std::vector<float>& gates : results) EXPECT_TRUE(gates == fused || gates == unfused);
}

TEST(RecurrentStepForward, PaysOnEveryVectorTarget) {
  ForEachSimdTarget([&](const simd::Target& target) {
    EXPECT_EQ(StepForwardKernelPays(128, false), target.name != "scalar");
    EXPECT_EQ(StepForwardKernelPays(512, true), target.name != "scalar");
    EXPECT_FALSE(StepForwardKernelPays(0, false));
    if (target.name == "avx512" || target.name == "avx2")
      EXPECT_FALSE(StepForwardKernelPays(5, false));
  });
}

}  // namespace
}  // namespace seqtrain::nn
