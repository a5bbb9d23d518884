// The GRU gate math (float and double: one Highway implementation) on every SIMD target
// against the formulas written out with std:: in double.
#include "nn/gru_kernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/simd_targets.h"
#include "util/rng.h"

namespace seqtrain::nn {
namespace {

using seqtrain::testing::ForEachSimdTarget;

double Sigmoid(double a) { return 1 / (1 + std::exp(-a)); }

// PyTorch's nn.GRU step (linear_before_reset): gates (B, 3H) in x W_x + b_x, out r z n.
void ReferenceForward(std::vector<double>& gates, const std::vector<double>& hproj,
                      const std::vector<double>& h_prev, std::vector<double>& hn,
                      std::vector<double>& h, int batch, int H) {
  for (int b = 0; b < batch; ++b) {
    double* g = gates.data() + static_cast<size_t>(b) * 3 * H;
    const double* p = hproj.data() + static_cast<size_t>(b) * 3 * H;
    for (int j = 0; j < H; ++j) {
      const size_t at = static_cast<size_t>(b) * H + j;
      const double r = Sigmoid(g[j] + p[j]), z = Sigmoid(g[H + j] + p[H + j]);
      const double n = std::tanh(g[2 * H + j] + r * p[2 * H + j]);
      g[j] = r;
      g[H + j] = z;
      g[2 * H + j] = n;
      hn[at] = p[2 * H + j];
      h[at] = (1 - z) * n + z * h_prev[at];
    }
  }
}

// The chain rule through that step, term by term.
void ReferenceBackward(const std::vector<double>& gates, const std::vector<double>& hn,
                       const std::vector<double>& h_prev, const std::vector<double>& dh,
                       std::vector<double>& dgx, std::vector<double>& dgh,
                       std::vector<double>& dh_prev, int batch, int H) {
  for (int b = 0; b < batch; ++b) {
    const size_t g0 = static_cast<size_t>(b) * 3 * H;
    for (int j = 0; j < H; ++j) {
      const size_t at = static_cast<size_t>(b) * H + j;
      const double r = gates[g0 + j], z = gates[g0 + H + j], n = gates[g0 + 2 * H + j];
      const double dn = dh[at] * (1 - z), dz = dh[at] * (h_prev[at] - n);
      const double dan = dn * (1 - n * n), dar = dan * hn[at] * r * (1 - r), daz = dz * z * (1 - z);
      dgx[g0 + j] = dgh[g0 + j] = dar;
      dgx[g0 + H + j] = dgh[g0 + H + j] = daz;
      dgx[g0 + 2 * H + j] = dan;
      dgh[g0 + 2 * H + j] = dan * r;
      dh_prev[at] = dh[at] * z;
    }
  }
}

template <typename T>
void ExpectKernelsNearReference(double tol) {
  ForEachSimdTarget([&](const simd::Target&) {
    for (const int H : {1, 7, 37, 128}) {
      const int batch = 3;
      const size_t n = static_cast<size_t>(batch) * H;
      Rng rng(static_cast<uint64_t>(H));
      std::vector<double> gates(3 * n), hproj(3 * n), h_prev(n), dh(n);
      for (auto& v : gates) v = rng.Uniform(-5, 5);
      for (auto& v : hproj) v = rng.Uniform(-3, 3);
      for (auto& v : h_prev) v = rng.Uniform(-1, 1);
      for (auto& v : dh) v = rng.Uniform(-1, 1);
      std::vector<T> g(gates.begin(), gates.end()), p(hproj.begin(), hproj.end()),
          hp(h_prev.begin(), h_prev.end()), d(dh.begin(), dh.end());
      // The reference starts from the inputs as T holds them.
      for (size_t i = 0; i < gates.size(); ++i) gates[i] = g[i], hproj[i] = p[i];
      for (size_t i = 0; i < n; ++i) h_prev[i] = hp[i], dh[i] = d[i];
      std::vector<double> hn(n), h(n), dgx(3 * n), dgh(3 * n), dhp(n);
      ReferenceForward(gates, hproj, h_prev, hn, h, batch, H);
      std::vector<T> hn_k(n), h_k(n);
      GruGatesForward(g.data(), p.data(), hp.data(), hn_k.data(), h_k.data(), batch, H);
      for (size_t i = 0; i < 3 * n; ++i) ASSERT_NEAR(g[i], gates[i], tol) << "gate " << i;
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(hn_k[i], static_cast<T>(hn[i])) << i;
        ASSERT_NEAR(h_k[i], h[i], tol) << "h " << i;
      }
      ReferenceBackward(gates, hn, h_prev, dh, dgx, dgh, dhp, batch, H);
      std::vector<T> dgx_k(3 * n), dgh_k(3 * n), dhp_k(n), in_place = g;
      GruGatesBackward(g.data(), hn_k.data(), hp.data(), d.data(), dgx_k.data(), dgh_k.data(),
                       dhp_k.data(), batch, H);
      for (size_t i = 0; i < 3 * n; ++i) {
        ASSERT_NEAR(dgx_k[i], dgx[i], 4 * tol) << "dgates_x " << i;
        ASSERT_NEAR(dgh_k[i], dgh[i], 4 * tol) << "dgates_h " << i;
      }
      for (size_t i = 0; i < n; ++i) ASSERT_NEAR(dhp_k[i], dhp[i], tol) << "dh_prev " << i;
      // In place over the gates: the same bits.
      std::vector<T> dgh_2(3 * n), dhp_2(n);
      GruGatesBackward(in_place.data(), hn_k.data(), hp.data(), d.data(), in_place.data(),
                       dgh_2.data(), dhp_2.data(), batch, H);
      ASSERT_EQ(in_place, dgx_k);
      ASSERT_EQ(dgh_2, dgh_k);
    }
  });
}

TEST(GruKernels, FloatWithin1e6OfDoubleReferenceOnEveryTarget) {
  ExpectKernelsNearReference<float>(1e-6);
}

TEST(GruKernels, DoubleWithin1e14OfStdOnEveryTarget) { ExpectKernelsNearReference<double>(1e-14); }

}  // namespace
}  // namespace seqtrain::nn
