// The recurrent layers' per-step kernels on packed panels (backward dh [+]= dgates W_h^T, forward
// gates = b + [x | h] [W_x; W_h]) on every SIMD target this CPU runs, the scalar baseline included,
// against double-precision products written out here (error relative to the sum of the terms'
// magnitudes, the scale a dot product's rounding has), and against the one summation order they
// promise (one multiply-add chain over k per element, onto the bias forward).
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

// Where a product's sums start: nothing, a bias (one value per column) or the output's values.
template <typename T>
T InitOf(const std::vector<T>& init, size_t N, int b, size_t n) {
  if (init.empty()) return T(0);
  return init.size() == N ? init[n] : init[b * N + n];
}

// out[b][n] = init + sum over k < K of a(b, k) w(k, n), in double, with the sum of the terms'
// magnitudes beside it: a float sum of K terms is exact to a few units of rounding of that, in any
// order.
template <typename T, typename A, typename W>
std::vector<double> ReferenceProduct(int B, size_t N, int K, A a, W w, const std::vector<T>& init,
                                     std::vector<double>* magnitude) {
  std::vector<double> out(static_cast<size_t>(B) * N);
  magnitude->assign(out.size(), 0.0);
  for (int b = 0; b < B; ++b) {
    for (size_t n = 0; n < N; ++n) {
      double sum = InitOf(init, N, b, n), abs_sum = std::fabs(sum);
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
      T acc = InitOf(init, N, b, n);
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

// The backward product: dh (B, H) [+]= dgates (B, gates H) W_h^T. An LSTM's has 4 gates and
// overwrites dh; a GRU's 3 and adds to it (dh_0 set: the chain starts from it).
template <typename T>
struct Problem {
  int B, H, gates;
  std::vector<T> w_h;     // (H, gates H)
  std::vector<T> dgates;  // (B, gates H)
  std::vector<T> dh_0;    // (B, H), empty: overwrite dh
  Problem(int batch, int hidden, uint64_t seed, int gate_count = 4, bool accumulate = false)
      : B(batch), H(hidden), gates(gate_count) {
    Rng rng(seed);
    w_h.resize(static_cast<size_t>(H) * K());
    dgates.resize(static_cast<size_t>(B) * K());
    for (T& w : w_h) w = static_cast<T>(rng.Uniform(-1, 1));
    for (T& g : dgates) g = static_cast<T>(rng.Uniform(-1, 1));
    if (accumulate) {
      dh_0.resize(static_cast<size_t>(B) * H);
      for (T& v : dh_0) v = static_cast<T>(rng.Uniform(-1, 1));
    }
  }
  int K() const { return gates * H; }
  // dh[b][j] = dh_0[b][j] + sum_k dgates[b][k] w_h[j][k].
  std::vector<double> Reference(std::vector<double>* magnitude) const {
    return ReferenceProduct<T>(B, H, K(), DgatesAt(), WhTransposedAt(), dh_0, magnitude);
  }
  std::vector<T> Chain(bool fused) const {
    return ChainProduct<T>(B, H, K(), DgatesAt(), WhTransposedAt(), dh_0, fused);
  }
  auto DgatesAt() const {
    return [this](int b, int k) { return dgates[static_cast<size_t>(b) * K() + k]; };
  }
  auto WhTransposedAt() const {
    return [this](int k, size_t j) { return w_h[j * K() + k]; };
  }
  std::vector<T> Run() const {
    WeightPanels<T> panels;
    PackRecurrentBackward(w_h.data(), H, gates, &panels);
    // Overwritten, not added to, unless accumulating.
    std::vector<T> dh = dh_0.empty() ? std::vector<T>(static_cast<size_t>(B) * H, T(12345)) : dh_0;
    RecurrentStepBackward(panels, dgates.data(), dh.data(), B, !dh_0.empty());
    return dh;
  }
};

// Hidden sizes: one vector of units, an odd number of vectors (a last panel one vector wide), the
// reference shape; batches below, at and past a tile's rows, and the reference batch; the LSTM's
// product (4 gates, overwriting) and the GRU's (3, adding).
template <typename T>
void ExpectMatchesReference(double tolerance) {
  ForEachSimdTarget([&](const simd::Target& target) {
    for (int H : {16, 48, 128}) {
      if (!RecurrentKernelSupports(H, sizeof(T) == 8)) {
        ADD_FAILURE() << "hidden " << H << " unsupported on " << target.name;
        continue;
      }
      for (const auto [gates, accumulate] : {std::pair<int, bool>{4, false}, {3, true}}) {
        for (int B : {1, 5, 8, 13, 64}) {
          SCOPED_TRACE("gates " + std::to_string(gates) + ", H " + std::to_string(H) + ", B " +
                       std::to_string(B));
          const Problem<T> p(B, H, 100 + H + B, gates, accumulate);
          const std::vector<T> dh = p.Run();
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
    }
  });
}

TEST(RecurrentStepBackward, FloatMatchesDoubleReferenceOnEveryTarget) {
  ExpectMatchesReference<float>(1e-6);
}

TEST(RecurrentStepBackward, DoubleMatchesReferenceOnEveryTarget) {
  ExpectMatchesReference<double>(1e-14);
}

// Panels are per target: the best target's layout differs from the baseline's, and each one's
// kernel reads its own correctly after packing again (the layer packs in every Backward).
TEST(RecurrentStepBackward, RepackingForAnotherTargetGivesTheSameResult) {
  const Problem<float> p(8, 32, 5);
  std::vector<std::vector<float>> results;
  ForEachSimdTarget([&](const simd::Target&) { results.push_back(p.Run()); });
  const std::vector<float> fused = p.Chain(true), unfused = p.Chain(false);
  for (const std::vector<float>& dh : results) EXPECT_TRUE(dh == fused || dh == unfused);
}

// The layers' gate, forward and backward: every vector target where the vector length divides H,
// at every H (past 256 too with 16 registers), never the scalar baseline.
TEST(RecurrentKernels, PayOnEveryVectorTarget) {
  ForEachSimdTarget([&](const simd::Target& target) {
    for (int H : {128, 512, 1024}) {
      EXPECT_EQ(RecurrentKernelPays(H, false), target.name != "scalar") << H;
      EXPECT_EQ(RecurrentKernelPays(H, true), target.name != "scalar") << H;
    }
    EXPECT_FALSE(RecurrentKernelPays(0, false));
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

}  // namespace
}  // namespace seqtrain::nn
