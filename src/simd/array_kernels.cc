#include "simd/array_kernels.h"

#include <algorithm>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "simd/array_kernels.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
namespace seqtrain::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Each loop runs over whole vectors of tag D from i, then again with a one-lane
// tag for the rest: the same operations on every element, and no access past n.
template <class D>
void AddToFrom(D d, float* HWY_RESTRICT y, const float* HWY_RESTRICT x, size_t& i, size_t n) {
  const size_t lanes = hn::Lanes(d);
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(hn::Add(hn::LoadU(d, y + i), hn::LoadU(d, x + i)), d, y + i);
  }
}

void AddToImpl(float* HWY_RESTRICT y, const float* HWY_RESTRICT x, size_t n) {
  size_t i = 0;
  AddToFrom(hn::ScalableTag<float>(), y, x, i, n);
  AddToFrom(hn::CappedTag<float, 1>(), y, x, i, n);
}

// y[j] += m[0][j], then m[1][j], ...: the sums of repeated AddTo, but a block of y's columns stays
// in registers over all the rows instead of being loaded and stored once per row.
template <size_t kVectors, class D>
void AddRowsToFrom(D d, float* HWY_RESTRICT y, const float* HWY_RESTRICT m, size_t rows,
                   size_t cols, size_t& j) {
  using V = hn::Vec<D>;
  const size_t lanes = hn::Lanes(d);
  for (; j + kVectors * lanes <= cols; j += kVectors * lanes) {
    V acc[kVectors];
    for (size_t v = 0; v < kVectors; ++v) acc[v] = hn::LoadU(d, y + j + v * lanes);
    for (size_t r = 0; r < rows; ++r) {
      const float* row = m + r * cols + j;
      for (size_t v = 0; v < kVectors; ++v) acc[v] = hn::Add(acc[v], hn::LoadU(d, row + v * lanes));
    }
    for (size_t v = 0; v < kVectors; ++v) hn::StoreU(acc[v], d, y + j + v * lanes);
  }
}

void AddRowsToImpl(float* HWY_RESTRICT y, const float* HWY_RESTRICT m, size_t rows, size_t cols) {
  size_t j = 0;
  AddRowsToFrom<4>(hn::ScalableTag<float>(), y, m, rows, cols, j);
  AddRowsToFrom<1>(hn::ScalableTag<float>(), y, m, rows, cols, j);
  AddRowsToFrom<1>(hn::CappedTag<float, 1>(), y, m, rows, cols, j);
}

void SumRowsImpl(const float* HWY_RESTRICT m, size_t rows, size_t cols, float* HWY_RESTRICT out) {
  std::fill(out, out + cols, 0.0f);
  AddRowsToImpl(out, m, rows, cols);
}

template <class D>
void ScaleFrom(D d, float* HWY_RESTRICT x, float factor, size_t& i, size_t n) {
  const size_t lanes = hn::Lanes(d);
  const auto f = hn::Set(d, factor);
  for (; i + lanes <= n; i += lanes) hn::StoreU(hn::Mul(hn::LoadU(d, x + i), f), d, x + i);
}

void ScaleImpl(float* HWY_RESTRICT x, size_t n, float factor) {
  size_t i = 0;
  ScaleFrom(hn::ScalableTag<float>(), x, factor, i, n);
  ScaleFrom(hn::CappedTag<float, 1>(), x, factor, i, n);
}

// 16 partial sums, element i in partial i % 16, added up in a fixed order at the
// end: the same bits on every target whatever its vector width (a float squared
// is exact in double, so there is no FMA to differ by). The clip norm it feeds
// scales the replicated gradient, which must not depend on the node.
constexpr size_t kPartials = 16;

double SumOfSquaresImpl(const float* HWY_RESTRICT x, size_t n) {
  const hn::CappedTag<double, kPartials> dd;
  const hn::Rebind<float, decltype(dd)> df;
  const size_t lanes = hn::Lanes(dd);
  HWY_ALIGN double partial[kPartials] = {};
  size_t i = 0;
  for (; i + kPartials <= n; i += kPartials) {
    for (size_t k = 0; k < kPartials; k += lanes) {
      const auto v = hn::PromoteTo(dd, hn::LoadU(df, x + i + k));
      hn::Store(hn::Add(hn::Load(dd, partial + k), hn::Mul(v, v)), dd, partial + k);
    }
  }
  for (size_t k = 0; i + k < n; ++k) partial[k] += double{x[i + k]} * x[i + k];
  double sum = 0;
  for (double p : partial) sum += p;
  return sum;
}

// NaN and +-Inf are the floats whose exponent bits are all ones.
template <class D>
bool AnyNonFiniteFrom(D d, const float* HWY_RESTRICT x, size_t& i, size_t n) {
  const hn::RebindToUnsigned<D> du;
  const size_t lanes = hn::Lanes(d);
  const auto exponent = hn::Set(du, 0x7F800000u);
  auto bad = hn::Zero(du);
  for (; i + lanes <= n; i += lanes) {
    const auto bits = hn::BitCast(du, hn::LoadU(d, x + i));
    bad = hn::Or(bad, hn::VecFromMask(du, hn::Eq(hn::And(bits, exponent), exponent)));
  }
  return !hn::AllFalse(du, hn::MaskFromVec(bad));
}

bool AllFiniteImpl(const float* HWY_RESTRICT x, size_t n) {
  size_t i = 0;
  const bool bad_main = AnyNonFiniteFrom(hn::ScalableTag<float>(), x, i, n);
  const bool bad_tail = AnyNonFiniteFrom(hn::CappedTag<float, 1>(), x, i, n);
  return !bad_main && !bad_tail;
}

}  // namespace HWY_NAMESPACE
}  // namespace seqtrain::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace seqtrain::simd {

HWY_EXPORT(AddToImpl);
HWY_EXPORT(AddRowsToImpl);
HWY_EXPORT(SumRowsImpl);
HWY_EXPORT(ScaleImpl);
HWY_EXPORT(SumOfSquaresImpl);
HWY_EXPORT(AllFiniteImpl);

void AddTo(float* y, const float* x, size_t n) { HWY_DYNAMIC_DISPATCH(AddToImpl)(y, x, n); }

void AddTo(double* y, const double* x, size_t n) {
  for (size_t i = 0; i < n; ++i) y[i] += x[i];
}

void AddRowsTo(float* y, const float* m, size_t rows, size_t cols) {
  HWY_DYNAMIC_DISPATCH(AddRowsToImpl)(y, m, rows, cols);
}

void AddRowsTo(double* y, const double* m, size_t rows, size_t cols) {
  for (size_t r = 0; r < rows; ++r) AddTo(y, m + r * cols, cols);
}

void SumRows(const float* m, size_t rows, size_t cols, float* out) {
  HWY_DYNAMIC_DISPATCH(SumRowsImpl)(m, rows, cols, out);
}

void SumRows(const double* m, size_t rows, size_t cols, double* out) {
  std::fill(out, out + cols, 0.0);
  AddRowsTo(out, m, rows, cols);
}

void Scale(float* x, size_t n, float factor) { HWY_DYNAMIC_DISPATCH(ScaleImpl)(x, n, factor); }

double SumOfSquares(const float* x, size_t n) {
  return HWY_DYNAMIC_DISPATCH(SumOfSquaresImpl)(x, n);
}

bool AllFinite(const float* x, size_t n) { return HWY_DYNAMIC_DISPATCH(AllFiniteImpl)(x, n); }

}  // namespace seqtrain::simd
#endif  // HWY_ONCE
