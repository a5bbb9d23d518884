// The LSTM backward's per-step recurrent product dh_{t-1} = dgates_t W_h^T as a register-tiled
// kernel of our own (Highway, every target), on W_h^T packed into panels once per Backward.
// OpenBLAS 0.3.21 has no pack-once API, so each of its T - 1 calls a step repacked all of W_h
// (and ran this 64 x 128 x 512 shape at ~75-80 GFLOP/s in bench/recurrent_bench, against ~95-100
// here). The forward's h_{t-1} W_h stays on OpenBLAS: the same kernel, with or without the gate
// math fused into it, was no faster there (bench/README.md, "Tried and dropped").
// Each output element is one multiply-add chain over k in order, so the result does not depend
// on the target's vector width (the targets with FMA agree bit for bit) or on the batch.
#pragma once

#include <vector>

namespace seqtrain::nn {

// W_h^T laid out for one SIMD target: panels as wide as two of that target's vectors.
template <typename T>
struct RecurrentPanels {
  std::vector<T> data;
  int hidden = 0;
  int lanes = 0;  // the packing target's vector length; the kernel checks that its own agrees
};

// Whether the kernel runs on the dispatched target at this hidden size: H a multiple of the
// target's vector length (of T), and not a target with sizeless vectors (SVE, RVV).
bool RecurrentKernelSupports(int hidden, bool double_precision);

// Whether LstmLayer should use it: where it measured faster than OpenBLAS (bench/README.md). On
// AVX-512 at every H tried (32-1024, B 16-128); on the 16-register targets (AVX2, SSE4) up to
// H 256 (at 512 it tied in the training step); never on the scalar baseline (3x slower there).
bool RecurrentKernelPays(int hidden, bool double_precision);

// w_h is (H, 4H) row-major. out is resized; call again whenever W_h or the target changes.
void PackRecurrentBackward(const float* w_h, int hidden, RecurrentPanels<float>* out);
void PackRecurrentBackward(const double* w_h, int hidden, RecurrentPanels<double>* out);

// dh (B, H) = dgates (B, 4H) W_h^T, dh overwritten.
void LstmRecurrentBackward(const RecurrentPanels<float>& w_h_t, const float* dgates, float* dh,
                           int batch);
void LstmRecurrentBackward(const RecurrentPanels<double>& w_h_t, const double* dgates, double* dh,
                           int batch);

}  // namespace seqtrain::nn
