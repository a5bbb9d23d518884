// The gate kernels as they were at commit 478fb4c (degree-7 Taylor exp, vdivps,
// sign handling by abs/blend), kept only so bench/kernels_bench times the old and
// the new code side by side in one process. Not linked into seqtrain.
#include "legacy/lstm_kernels_v1.h"

#include <cmath>
#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "legacy/lstm_kernels_v1.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace seqtrain::bench_legacy {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// exp(x) for x <= 0 (all the gates need) as 2^n * (1 + q(r)), with r = x - n ln2
// in [-ln2/2, ln2/2] and q(r) = p(r) - 1, p the degree-7 Taylor polynomial
// (relative error < 8e-9 before rounding). Returns scale = 2^n and q, so that
// callers get exp(x) = scale * (1 + q) and expm1(x) = scale * q + (scale - 1)
// without cancellation near 0.
template <class D, class V = hn::Vec<D>>
HWY_INLINE void ExpNonPositiveParts(D d, V x, V& scale, V& q) {
  const hn::RebindToUnsigned<D> du;
  // Clamp so 2^n stays a normal float; a NaN compares false and stays NaN.
  const V lowest = hn::Set(d, -87.0f);
  x = hn::IfThenElse(hn::Lt(x, lowest), lowest, x);
  // Adding 1.5 * 2^23 rounds to an integer n and leaves it in the low mantissa bits.
  const V magic = hn::Set(d, 12582912.0f);
  const V shifted = hn::MulAdd(x, hn::Set(d, 1.44269504f), magic);
  const V n = hn::Sub(shifted, magic);
  // ln2 = hi - lo with hi exact in 9 bits, so n * hi is exact for every n here.
  const V r = hn::MulAdd(n, hn::Set(d, 2.12194440e-4f), hn::NegMulAdd(n, hn::Set(d, 0.693359375f), x));
  V p = hn::Set(d, 1.0f / 5040.0f);
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 720.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 120.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 24.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f / 6.0f));
  p = hn::MulAdd(p, r, hn::Set(d, 0.5f));
  p = hn::MulAdd(p, r, hn::Set(d, 1.0f));
  q = hn::Mul(p, r);
  // 2^n from the bits of `shifted` (unsigned arithmetic wraps, so NaN input is defined too).
  const auto bits = hn::Sub(hn::BitCast(du, shifted), hn::Set(du, 0x4B400000u - 127u));
  scale = hn::BitCast(d, hn::ShiftLeft<23>(bits));
}

// Relative error below 2e-7 for every x: for x < 0 the result is e / (1 + e)
// rather than 1 - 1 / (1 + e), which would lose the small values to cancellation.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Sigmoid(D d, V x) {
  V scale, q;
  ExpNonPositiveParts(d, hn::Neg(hn::Abs(x)), scale, q);
  const V e = hn::MulAdd(scale, q, scale);  // exp(-|x|) <= 1: never overflows
  const V s = hn::Div(hn::Set(d, 1.0f), hn::Add(hn::Set(d, 1.0f), e));
  return hn::IfThenElse(hn::Lt(x, hn::Zero(d)), hn::Mul(e, s), s);
}

// tanh|x| = -expm1(-2|x|) / (2 + expm1(-2|x|)), with the sign of x; relative
// error below 2e-7 even near 0, where (1 - e) / (1 + e) would cancel.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Tanh(D d, V x) {
  V scale, q;
  ExpNonPositiveParts(d, hn::Mul(hn::Set(d, -2.0f), hn::Abs(x)), scale, q);
  // scale is a power of two, so scale * q is exact and the FMA rounds once on every target.
  const V em1 = hn::MulAdd(scale, q, hn::Sub(scale, hn::Set(d, 1.0f)));
  const V t = hn::Div(hn::Neg(em1), hn::Add(hn::Set(d, 2.0f), em1));
  return hn::CopySign(t, x);
}

// 1 - a^2 as (1 - a)(1 + a): one of the factors is exact for |a| >= 0.5, so the
// result keeps its relative accuracy as |a| -> 1, with or without FMA.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V OneMinusSquare(D d, V a) {
  const V one = hn::Set(d, 1.0f);
  return hn::Mul(hn::Sub(one, a), hn::Add(one, a));
}

struct ForwardRow {
  float* HWY_RESTRICT gi;            // the row's i gates; f, g, o follow at +H, +2H, +3H
  const float* HWY_RESTRICT c_prev;  // null at the first step
  float* HWY_RESTRICT c;
  float* HWY_RESTRICT tanh_c;
  float* HWY_RESTRICT h;
  size_t H;
};

template <class D>
void GatesForwardFrom(D d, const ForwardRow& row, size_t& j) {
  const size_t H = row.H;
  for (const size_t lanes = hn::Lanes(d); j + lanes <= H; j += lanes) {
    float* const pi = row.gi + j;
    const auto i = Sigmoid(d, hn::LoadU(d, pi));
    const auto f = Sigmoid(d, hn::LoadU(d, pi + H));
    const auto g = Tanh(d, hn::LoadU(d, pi + 2 * H));
    const auto o = Sigmoid(d, hn::LoadU(d, pi + 3 * H));
    hn::StoreU(i, d, pi);
    hn::StoreU(f, d, pi + H);
    hn::StoreU(g, d, pi + 2 * H);
    hn::StoreU(o, d, pi + 3 * H);
    auto c = hn::Mul(i, g);
    if (row.c_prev) c = hn::MulAdd(f, hn::LoadU(d, row.c_prev + j), c);
    const auto t = Tanh(d, c);
    hn::StoreU(c, d, row.c + j);
    hn::StoreU(t, d, row.tanh_c + j);
    hn::StoreU(hn::Mul(o, t), d, row.h + j);
  }
}

void GatesForwardImpl(float* gates, const float* c_prev, float* c, float* tanh_c, float* h, int batch,
                      int hidden) {
  const size_t H = static_cast<size_t>(hidden);
  for (size_t b = 0; b < static_cast<size_t>(batch); ++b) {
    const ForwardRow row{
        gates + b * 4 * H, c_prev ? c_prev + b * H : nullptr, c + b * H, tanh_c + b * H, h + b * H, H};
    size_t j = 0;
    GatesForwardFrom(hn::ScalableTag<float>(), row, j);
    GatesForwardFrom(hn::CappedTag<float, 1>(), row, j);
  }
}

struct BackwardRow {
  const float* HWY_RESTRICT gi;      // i, f, g, o after their nonlinearities at +0, +H, +2H, +3H
  const float* HWY_RESTRICT c_prev;  // null at the first step
  const float* HWY_RESTRICT tanh_c;
  const float* HWY_RESTRICT dh;
  float* HWY_RESTRICT dc;
  float* HWY_RESTRICT di;  // dgates of the row, same layout as gi
  size_t H;
};

template <class D>
void GatesBackwardFrom(D d, const BackwardRow& row, size_t& j) {
  const size_t H = row.H;
  const auto one = hn::Set(d, 1.0f);
  for (const size_t lanes = hn::Lanes(d); j + lanes <= H; j += lanes) {
    const float* const pi = row.gi + j;
    float* const pd = row.di + j;
    const auto i = hn::LoadU(d, pi), f = hn::LoadU(d, pi + H), g = hn::LoadU(d, pi + 2 * H);
    const auto o = hn::LoadU(d, pi + 3 * H), t = hn::LoadU(d, row.tanh_c + j), dh = hn::LoadU(d, row.dh + j);
    const auto dcell = hn::MulAdd(hn::Mul(dh, o), OneMinusSquare(d, t), hn::LoadU(d, row.dc + j));
    hn::StoreU(hn::Mul(hn::Mul(dcell, g), hn::Mul(i, hn::Sub(one, i))), d, pd);
    hn::StoreU(hn::Mul(hn::Mul(dcell, i), OneMinusSquare(d, g)), d, pd + 2 * H);
    hn::StoreU(hn::Mul(hn::Mul(dh, t), hn::Mul(o, hn::Sub(one, o))), d, pd + 3 * H);
    hn::StoreU(hn::Mul(dcell, f), d, row.dc + j);
    const auto df = row.c_prev
                        ? hn::Mul(hn::Mul(dcell, hn::LoadU(d, row.c_prev + j)), hn::Mul(f, hn::Sub(one, f)))
                        : hn::Zero(d);
    hn::StoreU(df, d, pd + H);
  }
}

void GatesBackwardImpl(const float* gates, const float* c_prev, const float* tanh_c, const float* dh,
                       float* dc, float* dgates, int batch, int hidden) {
  const size_t H = static_cast<size_t>(hidden);
  for (size_t b = 0; b < static_cast<size_t>(batch); ++b) {
    const BackwardRow row{gates + b * 4 * H,
                          c_prev ? c_prev + b * H : nullptr,
                          tanh_c + b * H,
                          dh + b * H,
                          dc + b * H,
                          dgates + b * 4 * H,
                          H};
    size_t j = 0;
    GatesBackwardFrom(hn::ScalableTag<float>(), row, j);
    GatesBackwardFrom(hn::CappedTag<float, 1>(), row, j);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace seqtrain::bench_legacy
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace seqtrain::bench_legacy {

HWY_EXPORT(GatesForwardImpl);
HWY_EXPORT(GatesBackwardImpl);

void LstmGatesForwardV1(float* gates, const float* c_prev, float* c, float* tanh_c, float* h, int batch,
                        int hidden) {
  HWY_DYNAMIC_DISPATCH(GatesForwardImpl)(gates, c_prev, c, tanh_c, h, batch, hidden);
}

void LstmGatesBackwardV1(const float* gates, const float* c_prev, const float* tanh_c, const float* dh,
                         float* dc, float* dgates, int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GatesBackwardImpl)(gates, c_prev, tanh_c, dh, dc, dgates, batch, hidden);
}

}  // namespace seqtrain::bench_legacy
#endif  // HWY_ONCE
