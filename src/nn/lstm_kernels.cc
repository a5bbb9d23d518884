#include "nn/lstm_kernels.h"

#include <cmath>
#include <cstdint>
#include <cstring>

// One binary for every x86-64 node: GCC compiles the hot loops for several ISAs
// and picks one at load time. Elsewhere the plain build is used.
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define SEQTRAIN_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define SEQTRAIN_MULTIVERSION
#endif

namespace seqtrain::nn {
namespace {

// exp(x) for x <= 0 (the only case the gates need): 2^n * p(r) with
// r = x - n ln2 in [-ln2/2, ln2/2], p a degree-6 Taylor polynomial
// (relative error < 3e-8 before rounding). Written without calls or
// branches so the loops around it vectorize.
inline float ExpNonPositive(float x) {
  x = x < -87.0f ? -87.0f : x;  // 2^n stays a normal float
  // Adding 1.5 * 2^23 rounds to an integer n and leaves it in the low mantissa bits.
  const float shifted = x * 1.44269504f + 12582912.0f;
  const float n = shifted - 12582912.0f;
  const float r = (x - n * 0.693359375f) + n * 2.12194440e-4f;  // ln2 = hi - lo, hi exact
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  // 2^n from the bits of `shifted` (unsigned math: defined even for NaN input).
  uint32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  bits = (bits - 0x4B400000u + 127u) << 23;
  float scale;
  std::memcpy(&scale, &bits, sizeof scale);
  return p * scale;
}

inline float SigmoidApprox(float x) {
  // e = exp(-|x|) <= 1 never overflows; use symmetry for x < 0.
  const float e = ExpNonPositive(x < 0 ? x : -x);
  const float s = 1.0f / (1.0f + e);
  return x < 0 ? 1.0f - s : s;
}

inline float TanhApprox(float x) {
  const float e = ExpNonPositive(x < 0 ? 2.0f * x : -2.0f * x);
  const float t = (1.0f - e) / (1.0f + e);
  return x < 0 ? -t : t;
}

}  // namespace

SEQTRAIN_MULTIVERSION
void FastSigmoid(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = SigmoidApprox(x[i]);
}

SEQTRAIN_MULTIVERSION
void FastTanh(const float* x, float* y, int n) {
  for (int i = 0; i < n; ++i) y[i] = TanhApprox(x[i]);
}

SEQTRAIN_MULTIVERSION
void LstmGatesForward(float* gates, const float* c_prev, float* c, float* tanh_c, float* h, int batch,
                      int hidden) {
  const int H = hidden;
  for (int b = 0; b < batch; ++b) {
    float* __restrict gi = gates + static_cast<size_t>(b) * 4 * H;
    float* __restrict gf = gi + H;
    float* __restrict gg = gi + 2 * H;
    float* __restrict go = gi + 3 * H;
    const size_t row = static_cast<size_t>(b) * H;
    float* __restrict cb = c + row;
    float* __restrict tb = tanh_c + row;
    float* __restrict hb = h + row;
    const float* __restrict cp = c_prev ? c_prev + row : nullptr;
    for (int j = 0; j < H; ++j) {
      const float i = SigmoidApprox(gi[j]);
      const float f = SigmoidApprox(gf[j]);
      const float g = TanhApprox(gg[j]);
      const float o = SigmoidApprox(go[j]);
      gi[j] = i;
      gf[j] = f;
      gg[j] = g;
      go[j] = o;
      cb[j] = i * g;
    }
    if (cp) {
      for (int j = 0; j < H; ++j) cb[j] += gf[j] * cp[j];
    }
    for (int j = 0; j < H; ++j) {
      const float t = TanhApprox(cb[j]);
      tb[j] = t;
      hb[j] = go[j] * t;
    }
  }
}

void LstmGatesForward(double* gates, const double* c_prev, double* c, double* tanh_c, double* h, int batch,
                      int hidden) {
  const int H = hidden;
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

namespace {

// Shared by float and double: pure arithmetic, so the float instance vectorizes.
template <typename T>
inline void GatesBackwardRows(const T* gates, const T* c_prev, const T* tanh_c, const T* dh, T* dc,
                              T* dgates, int batch, int H) {
  for (int b = 0; b < batch; ++b) {
    const T* __restrict gi = gates + static_cast<size_t>(b) * 4 * H;
    const T* __restrict gf = gi + H;
    const T* __restrict gg = gi + 2 * H;
    const T* __restrict go = gi + 3 * H;
    T* __restrict di = dgates + static_cast<size_t>(b) * 4 * H;
    T* __restrict df = di + H;
    T* __restrict dg = di + 2 * H;
    T* __restrict dout = di + 3 * H;
    const size_t row = static_cast<size_t>(b) * H;
    const T* __restrict tc = tanh_c + row;
    const T* __restrict dhb = dh + row;
    T* __restrict dcb = dc + row;
    for (int j = 0; j < H; ++j) {
      const T i = gi[j], f = gf[j], g = gg[j], o = go[j], t = tc[j], d = dhb[j];
      const T dcell = dcb[j] + d * o * (T(1) - t * t);
      di[j] = dcell * g * i * (T(1) - i);
      dg[j] = dcell * i * (T(1) - g * g);
      dout[j] = d * t * o * (T(1) - o);
      dcb[j] = dcell * f;
      df[j] = dcell;  // times c_prev * f * (1 - f) below
    }
    if (c_prev) {
      const T* __restrict cp = c_prev + row;
      for (int j = 0; j < H; ++j) df[j] *= cp[j] * gf[j] * (T(1) - gf[j]);
    } else {
      for (int j = 0; j < H; ++j) df[j] = T(0);
    }
  }
}

}  // namespace

SEQTRAIN_MULTIVERSION
void LstmGatesBackward(const float* gates, const float* c_prev, const float* tanh_c, const float* dh, float* dc,
                       float* dgates, int batch, int hidden) {
  GatesBackwardRows(gates, c_prev, tanh_c, dh, dc, dgates, batch, hidden);
}

void LstmGatesBackward(const double* gates, const double* c_prev, const double* tanh_c, const double* dh,
                       double* dc, double* dgates, int batch, int hidden) {
  GatesBackwardRows(gates, c_prev, tanh_c, dh, dc, dgates, batch, hidden);
}

}  // namespace seqtrain::nn
