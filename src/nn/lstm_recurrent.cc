#include "nn/lstm_recurrent.h"

#include <algorithm>
#include <cstddef>

#include "util/error.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "nn/lstm_recurrent.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

// Panels (L = the target's vector length): a K x N operand in column blocks of 2L (the last one L
// wide when N / L is odd), each K x width, k-major, so a kernel reads a panel front to back. A
// tile is MR rows x NV vectors of the output: MR NV accumulators, NV loads and MR broadcasts per k.

HWY_BEFORE_NAMESPACE();
namespace seqtrain::nn {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

#if !HWY_HAVE_SCALABLE  // arrays of vectors need sized vector types

// Rows per tile: 2 MR accumulators, 2 panel vectors and a broadcast fit the register file.
#if HWY_ARCH_X86 && HWY_TARGET > HWY_AVX3
constexpr size_t kMaxRows = 6;  // of 16 registers (AVX2, SSE4, the baseline)
#else
constexpr size_t kMaxRows = 8;  // of 32; 8 divides the usual batches, 12 measured no faster
#endif

// Row r, vector v of the tile: (bias ? bias's vector v : accumulate ? out's : 0) plus, over
// k < K, a[r lda + k] times vector v of the panel's row k.
template <size_t MR, size_t NV, class D, typename T = hn::TFromD<D>>
HWY_NOINLINE void Tile(D d, const T* HWY_RESTRICT a, size_t lda, size_t K,
                       const T* HWY_RESTRICT panel, const T* HWY_RESTRICT bias, bool accumulate,
                       T* HWY_RESTRICT out, size_t ldo) {
  using V = hn::Vec<D>;
  const size_t L = hn::Lanes(d);
  V acc[MR * NV];
  for (size_t v = 0; v < NV; ++v) {
    const V init = bias ? hn::LoadU(d, bias + v * L) : hn::Zero(d);
    for (size_t r = 0; r < MR; ++r) {
      acc[r * NV + v] = accumulate ? hn::LoadU(d, out + r * ldo + v * L) : init;
    }
  }
  for (size_t k = 0; k < K; ++k) {
    V b[NV];
    HWY_UNROLL(2)
    for (size_t v = 0; v < NV; ++v) b[v] = hn::LoadU(d, panel + (k * NV + v) * L);
    HWY_UNROLL(12)
    for (size_t r = 0; r < MR; ++r) {
      const V x = hn::Set(d, a[r * lda + k]);
      HWY_UNROLL(2)
      for (size_t v = 0; v < NV; ++v) acc[r * NV + v] = hn::MulAdd(x, b[v], acc[r * NV + v]);
    }
  }
  HWY_UNROLL(12)
  for (size_t r = 0; r < MR; ++r) {
    HWY_UNROLL(2)
    for (size_t v = 0; v < NV; ++v) hn::StoreU(acc[r * NV + v], d, out + r * ldo + v * L);
  }
}

// Tile<MR, NV> for MR == rows, MR from kMaxRows down to 1.
template <size_t MR, size_t NV, class D, typename T = hn::TFromD<D>>
HWY_INLINE void TileOf(size_t rows, D d, const T* a, size_t lda, size_t K, const T* panel,
                       const T* bias, bool accumulate, T* out, size_t ldo) {
  if constexpr (MR > 0) {
    if (rows == MR) return Tile<MR, NV>(d, a, lda, K, panel, bias, accumulate, out, ldo);
    TileOf<MR - 1, NV>(rows, d, a, lda, K, panel, bias, accumulate, out, ldo);
  }
}

// out (B, N) = [bias or out +] a[:, :K] w[:K, :]. Panels outside: a panel stays in L1/L2 while
// every row strip passes over it (the backward: K = 4H, a 64 KiB panel at H 128). Strips outside: a
// strip of a stays in L1 while the panels stream from L2 (the forward: K = I + H; faster than
// panels outside by 6-16% at H 256-512 with AVX-512 and AVX2 and 2-11% at H 128 natively, mixed
// at H 128 with AVX2, 1-6% slower at H 32; B 64 and 128).
template <typename T>
void PanelProduct(const WeightPanels<T>& w, const T* a, size_t lda, size_t K, const T* bias,
                  bool accumulate, T* out, size_t B, bool strips_outside) {
  const hn::ScalableTag<T> d;
  const size_t L = hn::Lanes(d), N = static_cast<size_t>(w.cols),
               rows = static_cast<size_t>(w.rows);
  SEQ_CHECK(static_cast<size_t>(w.lanes) == L && N % L == 0 && K <= rows &&
            w.data.size() == rows * N && !(bias && accumulate));
  auto tile = [&](size_t j, size_t m) {
    const T* panel = w.data.data() + j * rows;
    const size_t strip = std::min(kMaxRows, B - m);
    const T* tile_bias = bias ? bias + j : nullptr;
    if (j + 2 * L <= N) {
      TileOf<kMaxRows, 2>(strip, d, a + m * lda, lda, K, panel, tile_bias, accumulate,
                          out + m * N + j, N);
    } else {
      TileOf<kMaxRows, 1>(strip, d, a + m * lda, lda, K, panel, tile_bias, accumulate,
                          out + m * N + j, N);
    }
  };
  if (strips_outside) {
    for (size_t m = 0; m < B; m += kMaxRows) {
      for (size_t j = 0; j < N; j += 2 * L) tile(j, m);
    }
  } else {
    for (size_t j = 0; j < N; j += 2 * L) {
      for (size_t m = 0; m < B; m += kMaxRows) tile(j, m);
    }
  }
}

template <typename T>
void BackwardRows(const WeightPanels<T>& w, const T* dgates, T* dh, int batch, bool accumulate) {
  SEQ_CHECK(w.cols > 0 && w.rows % w.cols == 0);
  PanelProduct<T>(w, dgates, static_cast<size_t>(w.rows), static_cast<size_t>(w.rows), nullptr,
                  accumulate, dh, static_cast<size_t>(batch), false);
}

template <typename T>
void ForwardRows(const WeightPanels<T>& w, const T* inputs, int stride, int k, const T* bias,
                 T* gates, int batch) {
  SEQ_CHECK(bias != nullptr && k >= 0 && stride >= k);
  PanelProduct<T>(w, inputs, static_cast<size_t>(stride), static_cast<size_t>(k), bias, false,
                  gates, static_cast<size_t>(batch), true);
}

template <typename T>
bool Supports(int hidden) {
  return hidden > 0 && hidden % static_cast<int>(hn::Lanes(hn::ScalableTag<T>())) == 0;
}

template <typename T>
void PackBackward(const T* w_h, int hidden, int gates, WeightPanels<T>* out) {
  const size_t L = hn::Lanes(hn::ScalableTag<T>()), H = static_cast<size_t>(hidden);
  SEQ_CHECK(Supports<T>(hidden) && gates > 0);
  const size_t G = static_cast<size_t>(gates) * H;
  out->data.resize(G * H);
  out->rows = static_cast<int>(G);
  out->cols = hidden;
  out->lanes = static_cast<int>(L);
  for (size_t j = 0; j < H; j += 2 * L) {
    const size_t width = std::min(2 * L, H - j);
    T* panel = out->data.data() + j * G;
    // In blocks of 16 k: a cache line of each of the panel's rows of W_h in, 16 x width values
    // out to one L1-resident stretch of the panel (whole rows or whole panel rows at a time were
    // 1.5-3x slower at H 512).
    const T* rows = w_h + j * G;
    for (size_t k0 = 0; k0 < G; k0 += 16) {
      const size_t k1 = std::min(G, k0 + 16);
      for (size_t col = 0; col < width; ++col) {
        for (size_t k = k0; k < k1; ++k) panel[k * width + col] = rows[col * G + k];
      }
    }
  }
}

template <typename T>
void PackForward(const T* w, int rows, int cols, WeightPanels<T>* out) {
  const size_t L = hn::Lanes(hn::ScalableTag<T>()), K = static_cast<size_t>(rows);
  const size_t N = static_cast<size_t>(cols);
  SEQ_CHECK(rows > 0 && Supports<T>(cols));
  out->data.resize(K * N);
  out->rows = rows;
  out->cols = cols;
  out->lanes = static_cast<int>(L);
  // Row by row of w: each row read once, front to back, in pieces of one panel's width.
  for (size_t k = 0; k < K; ++k) {
    for (size_t j = 0; j < N; j += 2 * L) {
      const size_t width = std::min(2 * L, N - j);
      std::copy(w + k * N + j, w + k * N + j + width, out->data.data() + j * K + k * width);
    }
  }
}

constexpr bool kVectorTarget = HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128;

template <typename T>
bool Pays(int hidden) {
  return kVectorTarget && Supports<T>(hidden);
}

#else  // sizeless vectors: the layer keeps OpenBLAS

template <typename T>
bool Pays(int) {
  return false;
}
template <typename T>
bool Supports(int) {
  return false;
}
template <typename T>
void PackBackward(const T*, int, int, WeightPanels<T>*) {
  SEQ_CHECK(false);
}
template <typename T>
void PackForward(const T*, int, int, WeightPanels<T>*) {
  SEQ_CHECK(false);
}
template <typename T>
void BackwardRows(const WeightPanels<T>&, const T*, T*, int, bool) {
  SEQ_CHECK(false);
}
template <typename T>
void ForwardRows(const WeightPanels<T>&, const T*, int, int, const T*, T*, int) {
  SEQ_CHECK(false);
}

#endif

// HWY_EXPORT takes plain functions: one per lane type.
bool SupportsF32(int hidden) { return Supports<float>(hidden); }
bool SupportsF64(int hidden) { return Supports<double>(hidden); }
bool PaysF32(int hidden) { return Pays<float>(hidden); }
bool PaysF64(int hidden) { return Pays<double>(hidden); }
void PackBackwardF32(const float* w, int hidden, int gates, WeightPanels<float>* out) {
  PackBackward(w, hidden, gates, out);
}
void PackBackwardF64(const double* w, int hidden, int gates, WeightPanels<double>* out) {
  PackBackward(w, hidden, gates, out);
}
void PackForwardF32(const float* w, int rows, int cols, WeightPanels<float>* out) {
  PackForward(w, rows, cols, out);
}
void PackForwardF64(const double* w, int rows, int cols, WeightPanels<double>* out) {
  PackForward(w, rows, cols, out);
}
void BackwardF32(const WeightPanels<float>& w, const float* dgates, float* dh, int batch,
                 bool accumulate) {
  BackwardRows(w, dgates, dh, batch, accumulate);
}
void BackwardF64(const WeightPanels<double>& w, const double* dgates, double* dh, int batch,
                 bool accumulate) {
  BackwardRows(w, dgates, dh, batch, accumulate);
}
void ForwardF32(const WeightPanels<float>& w, const float* inputs, int stride, int k,
                const float* bias, float* gates, int batch) {
  ForwardRows(w, inputs, stride, k, bias, gates, batch);
}
void ForwardF64(const WeightPanels<double>& w, const double* inputs, int stride, int k,
                const double* bias, double* gates, int batch) {
  ForwardRows(w, inputs, stride, k, bias, gates, batch);
}

}  // namespace HWY_NAMESPACE
}  // namespace seqtrain::nn
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace seqtrain::nn {

HWY_EXPORT(SupportsF32);
HWY_EXPORT(SupportsF64);
HWY_EXPORT(PaysF32);
HWY_EXPORT(PaysF64);
HWY_EXPORT(PackBackwardF32);
HWY_EXPORT(PackBackwardF64);
HWY_EXPORT(PackForwardF32);
HWY_EXPORT(PackForwardF64);
HWY_EXPORT(BackwardF32);
HWY_EXPORT(BackwardF64);
HWY_EXPORT(ForwardF32);
HWY_EXPORT(ForwardF64);

bool RecurrentKernelSupports(int hidden, bool double_precision) {
  return double_precision ? HWY_DYNAMIC_DISPATCH(SupportsF64)(hidden)
                          : HWY_DYNAMIC_DISPATCH(SupportsF32)(hidden);
}

bool RecurrentKernelPays(int hidden, bool double_precision) {
  return double_precision ? HWY_DYNAMIC_DISPATCH(PaysF64)(hidden)
                          : HWY_DYNAMIC_DISPATCH(PaysF32)(hidden);
}

void PackRecurrentBackward(const float* w_h, int hidden, int gates, WeightPanels<float>* out) {
  HWY_DYNAMIC_DISPATCH(PackBackwardF32)(w_h, hidden, gates, out);
}
void PackRecurrentBackward(const double* w_h, int hidden, int gates, WeightPanels<double>* out) {
  HWY_DYNAMIC_DISPATCH(PackBackwardF64)(w_h, hidden, gates, out);
}

void RecurrentStepBackward(const WeightPanels<float>& w_h_t, const float* dgates, float* dh,
                           int batch, bool accumulate) {
  HWY_DYNAMIC_DISPATCH(BackwardF32)(w_h_t, dgates, dh, batch, accumulate);
}
void RecurrentStepBackward(const WeightPanels<double>& w_h_t, const double* dgates, double* dh,
                           int batch, bool accumulate) {
  HWY_DYNAMIC_DISPATCH(BackwardF64)(w_h_t, dgates, dh, batch, accumulate);
}

void PackStepForward(const float* w, int rows, int cols, WeightPanels<float>* out) {
  HWY_DYNAMIC_DISPATCH(PackForwardF32)(w, rows, cols, out);
}
void PackStepForward(const double* w, int rows, int cols, WeightPanels<double>* out) {
  HWY_DYNAMIC_DISPATCH(PackForwardF64)(w, rows, cols, out);
}

void RecurrentStepForward(const WeightPanels<float>& w, const float* inputs, int stride, int k,
                          const float* bias, float* out, int batch) {
  HWY_DYNAMIC_DISPATCH(ForwardF32)(w, inputs, stride, k, bias, out, batch);
}
void RecurrentStepForward(const WeightPanels<double>& w, const double* inputs, int stride, int k,
                          const double* bias, double* out, int batch) {
  HWY_DYNAMIC_DISPATCH(ForwardF64)(w, inputs, stride, k, bias, out, batch);
}

}  // namespace seqtrain::nn
#endif  // HWY_ONCE
