#include "nn/lstm_kernels.h"

#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "nn/lstm_kernels.cc"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "nn/activations-inl.h"

// One implementation for float and double: every function below is a template on
// the Highway tag, so the gradient check (double) runs the float kernel's logic.
// Only the constants differ by type (ExpConstants).

HWY_BEFORE_NAMESPACE();
namespace seqtrain::nn {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T>
struct ForwardRow {
  T* HWY_RESTRICT gi;            // the row's i gates; f, g, o follow at +H, +2H, +3H
  const T* HWY_RESTRICT c_prev;  // null at the first step
  T* HWY_RESTRICT c;
  T* HWY_RESTRICT tanh_c;
  T* HWY_RESTRICT h;
  size_t H;
};

// The cell's part of the row, after the gates' activations: c, tanh c and h.
template <class D, typename T = hn::TFromD<D>>
void CellFrom(D d, const ForwardRow<T>& row, size_t& j) {
  const size_t H = row.H;
  for (const size_t lanes = hn::Lanes(d); j + lanes <= H; j += lanes) {
    const T* const pi = row.gi + j;
    auto c = hn::Mul(hn::LoadU(d, pi), hn::LoadU(d, pi + 2 * H));
    if (row.c_prev) c = hn::MulAdd(hn::LoadU(d, pi + H), hn::LoadU(d, row.c_prev + j), c);
    const auto t = Tanh(d, c);
    hn::StoreU(c, d, row.c + j);
    hn::StoreU(t, d, row.tanh_c + j);
    hn::StoreU(hn::Mul(hn::LoadU(d, pi + 3 * H), t), d, row.h + j);
  }
}

// Two passes over each row (2 KiB at H = 128, so the second reads L1): first the
// gates' activations, then the cell. In one pass, tanh(c) waited on three other
// exp chains and an iteration's dependency chain was ~120 cycles long, more than
// the out-of-order window could overlap; now each pass has short independent chains.
template <typename T>
void GatesForwardRows(T* gates, const T* c_prev, T* c, T* tanh_c, T* h, int batch, int hidden) {
  const size_t H = static_cast<size_t>(hidden);
  for (size_t b = 0; b < static_cast<size_t>(batch); ++b) {
    T* const gi = gates + b * 4 * H;
    SigmoidAll(gi, gi, 2 * H);  // i and f
    TanhAll(gi + 2 * H, gi + 2 * H, H);
    SigmoidAll(gi + 3 * H, gi + 3 * H, H);
    const ForwardRow<T> row{
        gi, c_prev ? c_prev + b * H : nullptr, c + b * H, tanh_c + b * H, h + b * H, H};
    size_t j = 0;
    CellFrom(hn::ScalableTag<T>(), row, j);
    CellFrom(hn::CappedTag<T, 1>(), row, j);
  }
}

template <typename T>
struct BackwardRow {
  // gi and di may be the same memory: an iteration loads its lanes of the four gates before
  // it stores theirs, and iterations touch disjoint lanes.
  const T* gi;                   // i, f, g, o after their nonlinearities at +0, +H, +2H, +3H
  const T* HWY_RESTRICT c_prev;  // null at the first step
  const T* HWY_RESTRICT tanh_c;
  const T* HWY_RESTRICT dh;
  T* HWY_RESTRICT dc;
  T* di;  // dgates of the row, same layout as gi
  size_t H;
};

template <class D, typename T = hn::TFromD<D>>
void GatesBackwardFrom(D d, const BackwardRow<T>& row, size_t& j) {
  const size_t H = row.H;
  const auto one = hn::Set(d, T(1));
  for (const size_t lanes = hn::Lanes(d); j + lanes <= H; j += lanes) {
    const T* const pi = row.gi + j;
    T* const pd = row.di + j;
    const auto i = hn::LoadU(d, pi), f = hn::LoadU(d, pi + H), g = hn::LoadU(d, pi + 2 * H);
    const auto o = hn::LoadU(d, pi + 3 * H), t = hn::LoadU(d, row.tanh_c + j),
               dh = hn::LoadU(d, row.dh + j);
    const auto dcell = hn::MulAdd(hn::Mul(dh, o), OneMinusSquare(d, t), hn::LoadU(d, row.dc + j));
    hn::StoreU(hn::Mul(hn::Mul(dcell, g), hn::Mul(i, hn::Sub(one, i))), d, pd);
    hn::StoreU(hn::Mul(hn::Mul(dcell, i), OneMinusSquare(d, g)), d, pd + 2 * H);
    hn::StoreU(hn::Mul(hn::Mul(dh, t), hn::Mul(o, hn::Sub(one, o))), d, pd + 3 * H);
    hn::StoreU(hn::Mul(dcell, f), d, row.dc + j);
    const auto df = row.c_prev ? hn::Mul(hn::Mul(dcell, hn::LoadU(d, row.c_prev + j)),
                                         hn::Mul(f, hn::Sub(one, f)))
                               : hn::Zero(d);
    hn::StoreU(df, d, pd + H);
  }
}

// The backward reads each step's gates, tanh c and c_{t-1}, written by the forward long before
// and fallen out to L3 (3.6 MiB of gates per rank at the reference shape); the row's 8 read
// streams outrun the hardware prefetcher. Fetching the next row's lines while this one computes
// cut the phase by ~20% with AVX2 (1 rank x 128) for a process free to move between cores (whose
// L2 then holds little of its data), ~2% for one bound to its core (mpirun's default for a few
// ranks); two or four rows ahead gained less.
template <typename T>
void PrefetchBackwardRow(const T* gates, const T* c_prev, const T* tanh_c, size_t row, size_t H) {
  constexpr size_t kLine = 64 / sizeof(T);
  for (size_t k = 0; k < 4 * H; k += kLine) hwy::Prefetch(gates + row * 4 * H + k);
  for (size_t k = 0; k < H; k += kLine) {
    hwy::Prefetch(tanh_c + row * H + k);
    if (c_prev) hwy::Prefetch(c_prev + row * H + k);
  }
}

template <typename T>
void GatesBackwardRows(const T* gates, const T* c_prev, const T* tanh_c, const T* dh, T* dc,
                       T* dgates, int batch, int hidden) {
  const size_t H = static_cast<size_t>(hidden), B = static_cast<size_t>(batch);
  for (size_t b = 0; b < B; ++b) {
    if (b + 1 < B) PrefetchBackwardRow(gates, c_prev, tanh_c, b + 1, H);
    const BackwardRow<T> row{gates + b * 4 * H,
                             c_prev ? c_prev + b * H : nullptr,
                             tanh_c + b * H,
                             dh + b * H,
                             dc + b * H,
                             dgates + b * 4 * H,
                             H};
    size_t j = 0;
    GatesBackwardFrom(hn::ScalableTag<T>(), row, j);
    GatesBackwardFrom(hn::CappedTag<T, 1>(), row, j);
  }
}

// HWY_EXPORT takes plain functions: one per lane type.
void SigmoidF32(const float* x, float* y, size_t n) { SigmoidAll(x, y, n); }
void SigmoidF64(const double* x, double* y, size_t n) { SigmoidAll(x, y, n); }
void TanhF32(const float* x, float* y, size_t n) { TanhAll(x, y, n); }
void TanhF64(const double* x, double* y, size_t n) { TanhAll(x, y, n); }

void GatesForwardF32(float* gates, const float* c_prev, float* c, float* tanh_c, float* h,
                     int batch, int hidden) {
  GatesForwardRows(gates, c_prev, c, tanh_c, h, batch, hidden);
}
void GatesForwardF64(double* gates, const double* c_prev, double* c, double* tanh_c, double* h,
                     int batch, int hidden) {
  GatesForwardRows(gates, c_prev, c, tanh_c, h, batch, hidden);
}

void GatesBackwardF32(const float* gates, const float* c_prev, const float* tanh_c, const float* dh,
                      float* dc, float* dgates, int batch, int hidden) {
  GatesBackwardRows(gates, c_prev, tanh_c, dh, dc, dgates, batch, hidden);
}
void GatesBackwardF64(const double* gates, const double* c_prev, const double* tanh_c,
                      const double* dh, double* dc, double* dgates, int batch, int hidden) {
  GatesBackwardRows(gates, c_prev, tanh_c, dh, dc, dgates, batch, hidden);
}

}  // namespace HWY_NAMESPACE
}  // namespace seqtrain::nn
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace seqtrain::nn {

HWY_EXPORT(SigmoidF32);
HWY_EXPORT(SigmoidF64);
HWY_EXPORT(TanhF32);
HWY_EXPORT(TanhF64);
HWY_EXPORT(GatesForwardF32);
HWY_EXPORT(GatesForwardF64);
HWY_EXPORT(GatesBackwardF32);
HWY_EXPORT(GatesBackwardF64);

void FastSigmoid(const float* x, float* y, int n) {
  HWY_DYNAMIC_DISPATCH(SigmoidF32)(x, y, static_cast<size_t>(n));
}
void FastSigmoid(const double* x, double* y, int n) {
  HWY_DYNAMIC_DISPATCH(SigmoidF64)(x, y, static_cast<size_t>(n));
}

void FastTanh(const float* x, float* y, int n) {
  HWY_DYNAMIC_DISPATCH(TanhF32)(x, y, static_cast<size_t>(n));
}
void FastTanh(const double* x, double* y, int n) {
  HWY_DYNAMIC_DISPATCH(TanhF64)(x, y, static_cast<size_t>(n));
}

void LstmGatesForward(float* gates, const float* c_prev, float* c, float* tanh_c, float* h,
                      int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GatesForwardF32)(gates, c_prev, c, tanh_c, h, batch, hidden);
}
void LstmGatesForward(double* gates, const double* c_prev, double* c, double* tanh_c, double* h,
                      int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GatesForwardF64)(gates, c_prev, c, tanh_c, h, batch, hidden);
}

void LstmGatesBackward(const float* gates, const float* c_prev, const float* tanh_c,
                       const float* dh, float* dc, float* dgates, int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GatesBackwardF32)(gates, c_prev, tanh_c, dh, dc, dgates, batch, hidden);
}
void LstmGatesBackward(const double* gates, const double* c_prev, const double* tanh_c,
                       const double* dh, double* dc, double* dgates, int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GatesBackwardF64)(gates, c_prev, tanh_c, dh, dc, dgates, batch, hidden);
}

}  // namespace seqtrain::nn
#endif  // HWY_ONCE
