#include "nn/gru_kernels.h"

#include <cstddef>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "nn/gru_kernels.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "nn/activations-inl.h"

// Templates on the Highway tag, for float and double alike: the gradient check (double) runs
// the float kernel's formulas.

HWY_BEFORE_NAMESPACE();
namespace seqtrain::nn {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <typename T>
struct GruForwardRow {
  T* HWY_RESTRICT gx;        // x projection in, r z n out: blocks at +0, +H, +2H
  const T* HWY_RESTRICT gh;  // h projection, same blocks
  const T* HWY_RESTRICT h_prev;
  T* HWY_RESTRICT hn_saved;
  T* HWY_RESTRICT h;
  size_t H;
};

// r and z: 2H sigmoid lanes with no dependency between them.
template <class D, typename T = hn::TFromD<D>>
void ResetUpdateFrom(D d, const GruForwardRow<T>& row, size_t& j) {
  const size_t n = 2 * row.H;
  for (const size_t lanes = hn::Lanes(d); j + lanes <= n; j += lanes) {
    const auto a = hn::Add(hn::LoadU(d, row.gx + j), hn::LoadU(d, row.gh + j));
    hn::StoreU(Sigmoid(d, a), d, row.gx + j);
  }
}

template <class D, typename T = hn::TFromD<D>>
void CandidateFrom(D d, const GruForwardRow<T>& row, size_t& j) {
  const size_t H = row.H;
  for (const size_t lanes = hn::Lanes(d); j + lanes <= H; j += lanes) {
    const auto r = hn::LoadU(d, row.gx + j), z = hn::LoadU(d, row.gx + H + j);
    const auto hn_ = hn::LoadU(d, row.gh + 2 * H + j);
    const auto n = Tanh(d, hn::MulAdd(r, hn_, hn::LoadU(d, row.gx + 2 * H + j)));
    hn::StoreU(n, d, row.gx + 2 * H + j);
    hn::StoreU(hn_, d, row.hn_saved + j);
    // (1 - z) n + z h_prev = n + z (h_prev - n)
    hn::StoreU(hn::MulAdd(z, hn::Sub(hn::LoadU(d, row.h_prev + j), n), n), d, row.h + j);
  }
}

template <typename T>
void GruForwardRows(T* gates, const T* hproj, const T* h_prev, T* hn_out, T* h, int batch,
                    int hidden) {
  const size_t H = static_cast<size_t>(hidden);
  for (size_t b = 0; b < static_cast<size_t>(batch); ++b) {
    const GruForwardRow<T> row{gates + b * 3 * H, hproj + b * 3 * H, h_prev + b * H,
                               hn_out + b * H,    h + b * H,         H};
    size_t j = 0;
    ResetUpdateFrom(hn::ScalableTag<T>(), row, j);
    ResetUpdateFrom(hn::CappedTag<T, 1>(), row, j);
    j = 0;
    CandidateFrom(hn::ScalableTag<T>(), row, j);
    CandidateFrom(hn::CappedTag<T, 1>(), row, j);
  }
}

template <typename T>
struct GruBackwardRow {
  // g and dx may be the same memory: an iteration loads its lanes of the three gates before it
  // stores theirs, and iterations touch disjoint lanes.
  const T* g;
  const T* HWY_RESTRICT hn_saved;
  const T* HWY_RESTRICT h_prev;
  const T* HWY_RESTRICT dh;
  T* dx;
  T* HWY_RESTRICT dhp;  // dgates_h
  T* HWY_RESTRICT dh_prev;
  size_t H;
};

template <class D, typename T = hn::TFromD<D>>
void GruBackwardFrom(D d, const GruBackwardRow<T>& row, size_t& j) {
  const size_t H = row.H;
  const auto one = hn::Set(d, T(1));
  for (const size_t lanes = hn::Lanes(d); j + lanes <= H; j += lanes) {
    const auto r = hn::LoadU(d, row.g + j), z = hn::LoadU(d, row.g + H + j),
               n = hn::LoadU(d, row.g + 2 * H + j);
    const auto dh = hn::LoadU(d, row.dh + j), hp = hn::LoadU(d, row.h_prev + j);
    const auto da_n = hn::Mul(hn::Mul(dh, hn::Sub(one, z)), OneMinusSquare(d, n));
    const auto da_z = hn::Mul(hn::Mul(dh, hn::Sub(hp, n)), hn::Mul(z, hn::Sub(one, z)));
    const auto da_r =
        hn::Mul(hn::Mul(da_n, hn::LoadU(d, row.hn_saved + j)), hn::Mul(r, hn::Sub(one, r)));
    hn::StoreU(da_r, d, row.dx + j);
    hn::StoreU(da_z, d, row.dx + H + j);
    hn::StoreU(da_n, d, row.dx + 2 * H + j);
    hn::StoreU(da_r, d, row.dhp + j);
    hn::StoreU(da_z, d, row.dhp + H + j);
    hn::StoreU(hn::Mul(da_n, r), d, row.dhp + 2 * H + j);
    hn::StoreU(hn::Mul(dh, z), d, row.dh_prev + j);
  }
}

template <typename T>
void GruBackwardRows(const T* gates, const T* hn_in, const T* h_prev, const T* dh, T* dgates_x,
                     T* dgates_h, T* dh_prev, int batch, int hidden) {
  const size_t H = static_cast<size_t>(hidden);
  for (size_t b = 0; b < static_cast<size_t>(batch); ++b) {
    const GruBackwardRow<T> row{
        gates + b * 3 * H,    hn_in + b * H,        h_prev + b * H,  dh + b * H,
        dgates_x + b * 3 * H, dgates_h + b * 3 * H, dh_prev + b * H, H};
    size_t j = 0;
    GruBackwardFrom(hn::ScalableTag<T>(), row, j);
    GruBackwardFrom(hn::CappedTag<T, 1>(), row, j);
  }
}

// HWY_EXPORT takes plain functions: one per lane type.
void GruForwardF32(float* gates, const float* hproj, const float* h_prev, float* hn_out, float* h,
                   int batch, int hidden) {
  GruForwardRows(gates, hproj, h_prev, hn_out, h, batch, hidden);
}
void GruForwardF64(double* gates, const double* hproj, const double* h_prev, double* hn_out,
                   double* h, int batch, int hidden) {
  GruForwardRows(gates, hproj, h_prev, hn_out, h, batch, hidden);
}
void GruBackwardF32(const float* gates, const float* hn_in, const float* h_prev, const float* dh,
                    float* dgates_x, float* dgates_h, float* dh_prev, int batch, int hidden) {
  GruBackwardRows(gates, hn_in, h_prev, dh, dgates_x, dgates_h, dh_prev, batch, hidden);
}
void GruBackwardF64(const double* gates, const double* hn_in, const double* h_prev,
                    const double* dh, double* dgates_x, double* dgates_h, double* dh_prev,
                    int batch, int hidden) {
  GruBackwardRows(gates, hn_in, h_prev, dh, dgates_x, dgates_h, dh_prev, batch, hidden);
}

}  // namespace HWY_NAMESPACE
}  // namespace seqtrain::nn
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace seqtrain::nn {

HWY_EXPORT(GruForwardF32);
HWY_EXPORT(GruForwardF64);
HWY_EXPORT(GruBackwardF32);
HWY_EXPORT(GruBackwardF64);

void GruGatesForward(float* gates, const float* hproj, const float* h_prev, float* hn, float* h,
                     int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GruForwardF32)(gates, hproj, h_prev, hn, h, batch, hidden);
}
void GruGatesForward(double* gates, const double* hproj, const double* h_prev, double* hn,
                     double* h, int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GruForwardF64)(gates, hproj, h_prev, hn, h, batch, hidden);
}
void GruGatesBackward(const float* gates, const float* hn, const float* h_prev, const float* dh,
                      float* dgates_x, float* dgates_h, float* dh_prev, int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GruBackwardF32)
  (gates, hn, h_prev, dh, dgates_x, dgates_h, dh_prev, batch, hidden);
}
void GruGatesBackward(const double* gates, const double* hn, const double* h_prev, const double* dh,
                      double* dgates_x, double* dgates_h, double* dh_prev, int batch, int hidden) {
  HWY_DYNAMIC_DISPATCH(GruBackwardF64)
  (gates, hn, h_prev, dh, dgates_x, dgates_h, dh_prev, batch, hidden);
}

}  // namespace seqtrain::nn
#endif  // HWY_ONCE
