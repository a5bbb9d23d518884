// The activations the gate kernels share (lstm_kernels.cc, gru_kernels.cc): sigmoid and tanh from
// one exp polynomial, as Highway code for the including file's targets. Include it after
// <hwy/highway.h> in a file built per target through foreach_target.h.
#if defined(SEQTRAIN_NN_ACTIVATIONS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef SEQTRAIN_NN_ACTIVATIONS_INL_H_
#undef SEQTRAIN_NN_ACTIVATIONS_INL_H_
#else
#define SEQTRAIN_NN_ACTIVATIONS_INL_H_
#endif

#include <cstddef>

#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace seqtrain::nn {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T>
struct ExpConstants;

// exp(x) = 2^n * exp(r), x = n ln2 + r, |r| <= ln2/2; expm1(r) = r * P(r).
template <>
struct ExpConstants<float> {
  static constexpr int kMantissaBits = 23;
  // 1.5 * 2^23 + 127: x log2e + kShifter rounds to an integer n and leaves n + 127,
  // the biased exponent of 2^n, in the low mantissa bits.
  static constexpr float kShifter = 12583039.0f;
  static constexpr float kMaxArg = 87.0f;  // 2^n stays a normal float
  static constexpr float kLog2e = 1.44269504088896341f;
  // ln2 = kLn2Hi + kLn2Lo with kLn2Hi exact in 9 bits: n * kLn2Hi is exact for every n here.
  static constexpr float kLn2Hi = 0.693359375f;
  static constexpr float kLn2Lo = -2.12194440e-4f;
  // P of degree 5 fitted for relative error on |r| <= ln2/2: 1.7e-8 with these float
  // coefficients (the degree-6 Taylor P it replaces: 8e-9, one FMA more).
  static constexpr int kTerms = 6;
  static constexpr float kPoly[kTerms] = {1.0f,          0.49999997f,    0.166665435f,
                                          0.0416672006f, 0.00836651493f, 0.00138824689f};
};

template <>
struct ExpConstants<double> {
  static constexpr int kMantissaBits = 52;
  static constexpr double kShifter = 6755399441056767.0;  // 1.5 * 2^52 + 1023
  static constexpr double kMaxArg = 708.0;
  static constexpr double kLog2e = 1.4426950408889634074;
  // Cephes' split: kLn2Hi has 14 bits, n at most 11.
  static constexpr double kLn2Hi = 6.93145751953125e-1;
  static constexpr double kLn2Lo = 1.42860682030941723212e-6;
  // Taylor P of degree 12: relative error 1.2e-17 on |r| <= ln2/2, below double rounding
  // (the finite differences of the gradient check need a smooth, double-exact function).
  static constexpr int kTerms = 13;
  static constexpr double kPoly[kTerms] = {1.0,
                                           1.0 / 2,
                                           1.0 / 6,
                                           1.0 / 24,
                                           1.0 / 120,
                                           1.0 / 720,
                                           1.0 / 5040,
                                           1.0 / 40320,
                                           1.0 / 362880,
                                           1.0 / 3628800,
                                           1.0 / 39916800,
                                           1.0 / 479001600,
                                           1.0 / 6227020800};
};

constexpr double Power(double base, int exponent) {
  return exponent == 0 ? 1.0 : base * Power(base, exponent - 1);
}

// x clamped to [-limit, limit], NaN kept. x86 min/max return their second operand when
// either is NaN, and NEON/SVE return NaN; Highway's emulated targets return the other one.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V ClampKeepingNaN(D d, V x, hn::TFromD<D> limit) {
#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128
  const V hi = hn::Set(d, limit), lo = hn::Neg(hi);
  x = hn::IfThenElse(hn::Gt(x, hi), hi, x);
  return hn::IfThenElse(hn::Lt(x, lo), lo, x);
#else
  return hn::Min(hn::Set(d, limit), hn::Max(hn::Set(d, -limit), x));
#endif
}

// For y = kScale * x with |y| <= kMaxArg: y = n ln2 + r, |r| <= ln2/2. Returns r / kScale
// and sets scale = 2^n, read off the rounding's bits (no float-to-int conversion).
template <int kScale, class D, class V = hn::Vec<D>>
HWY_INLINE V Reduce(D d, V x, V& scale) {
  using T = hn::TFromD<D>;
  using C = ExpConstants<T>;
  const V shifter = hn::Set(d, C::kShifter);
  const V shifted = hn::MulAdd(x, hn::Set(d, static_cast<T>(kScale * C::kLog2e)), shifter);
  const V n = hn::Sub(shifted, shifter);
  const hn::RebindToUnsigned<D> du;
  scale = hn::BitCast(d, hn::ShiftLeft<C::kMantissaBits>(hn::BitCast(du, shifted)));
  // Dividing the split constants by kScale (a power of two, or -1) is exact.
  const V r = hn::NegMulAdd(n, hn::Set(d, C::kLn2Hi / kScale), x);
  return hn::NegMulAdd(n, hn::Set(d, C::kLn2Lo / kScale), r);
}

// sum over k >= kFirst of kPoly[k] kScale^(k + kShift) r^(k - kFirst), by Horner. The
// constants are constexpr, so they are folded at compile time on every target.
template <int kScale, int kShift, int kFirst, class D, class V = hn::Vec<D>>
HWY_INLINE V ScaledHorner(D d, V r) {
  using T = hn::TFromD<D>;
  using C = ExpConstants<T>;
  constexpr T c = static_cast<T>(C::kPoly[kFirst] * Power(kScale, kFirst + kShift));
  if constexpr (kFirst == C::kTerms - 1) {
    return hn::Set(d, c);
  } else {
    return hn::MulAdd(ScaledHorner<kScale, kShift, kFirst + 1>(d, r), r, hn::Set(d, c));
  }
}

// exp(kScale * r) for r = Reduce's result: the polynomial 1 + y P(y) in y = kScale * r,
// kScale folded into the coefficients (exact: powers of 2).
template <int kScale, class D, class V = hn::Vec<D>>
HWY_INLINE V ExpOfReduced(D d, V r) {
  return hn::MulAdd(ScaledHorner<kScale, 1, 0>(d, r), r, hn::Set(d, hn::TFromD<D>(1)));
}

// expm1(kScale * r) / kScale = r + r * (r * sum_k c_k kScale^k r^(k-1)), k >= 1: the
// leading r enters the last FMA exactly, so near 0 the result is rounded once.
template <int kScale, class D, class V = hn::Vec<D>>
HWY_INLINE V Expm1OfReducedOverScale(D d, V r) {
  return hn::MulAdd(r, hn::Mul(ScaledHorner<kScale, 0, 1>(d, r), r), r);
}

// 1 / (1 + exp(-x)). For x < 0 that is a quotient of two accurate terms, so the
// relative error stays below 2e-7 where the result is small; exp(-x) never overflows
// after the clamp, and past it the result is 1 or below 2e-38 (absolute error).
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Sigmoid(D d, V x) {
  using T = hn::TFromD<D>;
  V scale;
  const V r = Reduce<-1>(d, ClampKeepingNaN(d, x, ExpConstants<T>::kMaxArg), scale);
  const V e_over_scale = ExpOfReduced<-1>(d, r);
  return hn::Div(hn::Set(d, T(1)), hn::MulAdd(scale, e_over_scale, hn::Set(d, T(1))));
}

// tanh x = u / (u + 1) with u = expm1(2x) / 2: the relative error stays below 2e-7
// near 0, where (e - 1) / (e + 1) would cancel, and nothing cancels for either sign.
// Past the clamp the result is +-1. -0 keeps its sign bit from x.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V Tanh(D d, V x) {
  using T = hn::TFromD<D>;
  V scale;
  const V r = Reduce<2>(d, ClampKeepingNaN(d, x, ExpConstants<T>::kMaxArg / 2), scale);
  // u = scale * expm1(r') / 2 + (scale - 1) / 2: scale is a power of two, so the
  // product is exact and the FMA rounds once on every target.
  const V half = hn::Set(d, T(0.5));
  const V u = hn::MulAdd(scale, Expm1OfReducedOverScale<2>(d, r), hn::MulSub(scale, half, half));
  const V t = hn::Div(u, hn::Add(u, hn::Set(d, T(1))));
  return hn::OrAnd(t, x, hn::SignBit(d));
}

// 1 - a^2 as (1 - a)(1 + a): one of the factors is exact for |a| >= 0.5, so the
// result keeps its relative accuracy as |a| -> 1, with or without FMA.
template <class D, class V = hn::Vec<D>>
HWY_INLINE V OneMinusSquare(D d, V a) {
  const V one = hn::Set(d, hn::TFromD<D>(1));
  return hn::Mul(hn::Sub(one, a), hn::Add(one, a));
}

// Each loop runs over whole vectors, then over the rest one lane at a time with
// the same operations, so an element's result does not depend on the length.
template <class D, typename T = hn::TFromD<D>>
void SigmoidFrom(D d, const T* x, T* y, size_t& i, size_t n) {
  for (const size_t lanes = hn::Lanes(d); i + lanes <= n; i += lanes) {
    hn::StoreU(Sigmoid(d, hn::LoadU(d, x + i)), d, y + i);
  }
}

template <class D, typename T = hn::TFromD<D>>
void TanhFrom(D d, const T* x, T* y, size_t& i, size_t n) {
  for (const size_t lanes = hn::Lanes(d); i + lanes <= n; i += lanes) {
    hn::StoreU(Tanh(d, hn::LoadU(d, x + i)), d, y + i);
  }
}

template <typename T>
void SigmoidAll(const T* x, T* y, size_t n) {
  size_t i = 0;
  SigmoidFrom(hn::ScalableTag<T>(), x, y, i, n);
  SigmoidFrom(hn::CappedTag<T, 1>(), x, y, i, n);
}

template <typename T>
void TanhAll(const T* x, T* y, size_t n) {
  size_t i = 0;
  TanhFrom(hn::ScalableTag<T>(), x, y, i, n);
  TanhFrom(hn::CappedTag<T, 1>(), x, y, i, n);
}

}  // namespace HWY_NAMESPACE
}  // namespace seqtrain::nn
HWY_AFTER_NAMESPACE();

#endif  // SEQTRAIN_NN_ACTIVATIONS_INL_H_
