#include "nn/lstm_recurrent.h"

#include <algorithm>
#include <cstddef>

#include "util/error.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "nn/lstm_recurrent.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

// Panels (L = the target's vector length, G = 4H): W_h^T in column blocks of 2L hidden units
// (the last one L wide when H / L is odd), each G x width, k-major, so the kernel reads a panel
// front to back. A tile is MR rows x NV vectors of dh: MR NV accumulators, NV loads and MR
// broadcasts per k. Panels outside, row strips inside: a panel (64 KiB at H 128) stays in L2
// while every strip of dgates passes over it.

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

template <size_t MR, size_t NV, class D, typename T = hn::TFromD<D>>
HWY_NOINLINE void Tile(D d, const T* HWY_RESTRICT dgates, const T* HWY_RESTRICT panel,
                       T* HWY_RESTRICT dh, size_t H) {
  using V = hn::Vec<D>;
  const size_t L = hn::Lanes(d), G = 4 * H;
  V acc[MR * NV];
  for (size_t i = 0; i < MR * NV; ++i) acc[i] = hn::Zero(d);
  for (size_t k = 0; k < G; ++k) {
    V b[NV];
    HWY_UNROLL(2)
    for (size_t v = 0; v < NV; ++v) b[v] = hn::LoadU(d, panel + (k * NV + v) * L);
    HWY_UNROLL(12)
    for (size_t r = 0; r < MR; ++r) {
      const V x = hn::Set(d, dgates[r * G + k]);
      HWY_UNROLL(2)
      for (size_t v = 0; v < NV; ++v) acc[r * NV + v] = hn::MulAdd(x, b[v], acc[r * NV + v]);
    }
  }
  HWY_UNROLL(12)
  for (size_t r = 0; r < MR; ++r) {
    HWY_UNROLL(2)
    for (size_t v = 0; v < NV; ++v) hn::StoreU(acc[r * NV + v], d, dh + r * H + v * L);
  }
}

// Tile<MR, NV> for MR == rows, MR from kMaxRows down to 1.
template <size_t MR, size_t NV, class D, typename T = hn::TFromD<D>>
HWY_INLINE void TileOf(size_t rows, D d, const T* dgates, const T* panel, T* dh, size_t H) {
  if constexpr (MR > 0) {
    if (rows == MR) return Tile<MR, NV>(d, dgates, panel, dh, H);
    TileOf<MR - 1, NV>(rows, d, dgates, panel, dh, H);
  }
}

template <typename T>
void BackwardRows(const RecurrentPanels<T>& w, const T* dgates, T* dh, int batch) {
  const hn::ScalableTag<T> d;
  const size_t L = hn::Lanes(d), H = static_cast<size_t>(w.hidden), G = 4 * H;
  SEQ_CHECK(static_cast<size_t>(w.lanes) == L && H % L == 0 && w.data.size() == G * H);
  const size_t B = static_cast<size_t>(batch);
  for (size_t j = 0; j < H; j += 2 * L) {
    const T* panel = w.data.data() + j * G;
    const bool pair = j + 2 * L <= H;
    for (size_t m = 0; m < B; m += kMaxRows) {
      const size_t rows = std::min(kMaxRows, B - m);
      if (pair) {
        TileOf<kMaxRows, 2>(rows, d, dgates + m * G, panel, dh + m * H + j, H);
      } else {
        TileOf<kMaxRows, 1>(rows, d, dgates + m * G, panel, dh + m * H + j, H);
      }
    }
  }
}

template <typename T>
bool Supports(int hidden) {
  return hidden > 0 && hidden % static_cast<int>(hn::Lanes(hn::ScalableTag<T>())) == 0;
}

template <typename T>
void Pack(const T* w_h, int hidden, RecurrentPanels<T>* out) {
  const size_t L = hn::Lanes(hn::ScalableTag<T>()), H = static_cast<size_t>(hidden), G = 4 * H;
  SEQ_CHECK(Supports<T>(hidden));
  out->data.resize(G * H);
  out->hidden = hidden;
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

// With 16 registers (6-row tiles) the kernel was no faster than OpenBLAS in the training step at
// H 512 (bench/README.md); it was at H 128 and, in bench/recurrent_bench, from H 32 to 256.
constexpr int kMaxHiddenWith16Registers = 256;

template <typename T>
bool Pays(int hidden) {
  if (HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128) return false;
  return Supports<T>(hidden) && (kMaxRows > 6 || hidden <= kMaxHiddenWith16Registers);
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
void Pack(const T*, int, RecurrentPanels<T>*) {
  SEQ_CHECK(false);
}
template <typename T>
void BackwardRows(const RecurrentPanels<T>&, const T*, T*, int) {
  SEQ_CHECK(false);
}

#endif

// HWY_EXPORT takes plain functions: one per lane type.
bool SupportsF32(int hidden) { return Supports<float>(hidden); }
bool SupportsF64(int hidden) { return Supports<double>(hidden); }
bool PaysF32(int hidden) { return Pays<float>(hidden); }
bool PaysF64(int hidden) { return Pays<double>(hidden); }
void PackF32(const float* w, int hidden, RecurrentPanels<float>* out) { Pack(w, hidden, out); }
void PackF64(const double* w, int hidden, RecurrentPanels<double>* out) { Pack(w, hidden, out); }
void BackwardF32(const RecurrentPanels<float>& w, const float* dgates, float* dh, int batch) {
  BackwardRows(w, dgates, dh, batch);
}
void BackwardF64(const RecurrentPanels<double>& w, const double* dgates, double* dh, int batch) {
  BackwardRows(w, dgates, dh, batch);
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
HWY_EXPORT(PackF32);
HWY_EXPORT(PackF64);
HWY_EXPORT(BackwardF32);
HWY_EXPORT(BackwardF64);

bool RecurrentKernelSupports(int hidden, bool double_precision) {
  return double_precision ? HWY_DYNAMIC_DISPATCH(SupportsF64)(hidden)
                          : HWY_DYNAMIC_DISPATCH(SupportsF32)(hidden);
}

bool RecurrentKernelPays(int hidden, bool double_precision) {
  return double_precision ? HWY_DYNAMIC_DISPATCH(PaysF64)(hidden)
                          : HWY_DYNAMIC_DISPATCH(PaysF32)(hidden);
}

void PackRecurrentBackward(const float* w_h, int hidden, RecurrentPanels<float>* out) {
  HWY_DYNAMIC_DISPATCH(PackF32)(w_h, hidden, out);
}
void PackRecurrentBackward(const double* w_h, int hidden, RecurrentPanels<double>* out) {
  HWY_DYNAMIC_DISPATCH(PackF64)(w_h, hidden, out);
}

void LstmRecurrentBackward(const RecurrentPanels<float>& w_h_t, const float* dgates, float* dh,
                           int batch) {
  HWY_DYNAMIC_DISPATCH(BackwardF32)(w_h_t, dgates, dh, batch);
}
void LstmRecurrentBackward(const RecurrentPanels<double>& w_h_t, const double* dgates, double* dh,
                           int batch) {
  HWY_DYNAMIC_DISPATCH(BackwardF64)(w_h_t, dgates, dh, batch);
}

}  // namespace seqtrain::nn
#endif  // HWY_ONCE
