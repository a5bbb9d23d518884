// The recurrent layers' per-step products as register-tiled kernels of our own (Highway, every
// target), each on weights packed into panels once per pass:
//   forward   LSTM gates_t = b + [x_t | h_{t-1}] [W_x; W_h]   (B x 4H, K = I + H)
//             GRU  hproj_t = b_h + h_{t-1} W_h               (B x 3H, K = H)
//   backward  LSTM dh_{t-1} = dgates_t W_h^T                  (B x H,  K = 4H)
//             GRU  dh_{t-1} += dhproj_t W_h^T                 (B x H,  K = 3H)
// OpenBLAS 0.3.21 has no pack-once API, so each of its T calls a pass repacked the weights (and,
// forward, needed the bias copied onto the output first): at the reference shape it ran these at
// ~85 and ~75-80 GFLOP/s against ~100 here (bench/recurrent_bench). The gate math stays a separate
// pass: fused into the forward tile's epilogue it spilled (bench/README.md, "Tried and dropped").
// Each output element is one multiply-add chain over k in order (onto the bias, forward), so the
// result depends neither on the target's vector width (the targets with FMA agree bit for bit)
// nor on the batch: a row gets the same bits at any rank count.
#pragma once

#include <vector>

namespace seqtrain::nn {

// A K x N weight operand laid out for one SIMD target: column panels two of that target's vectors
// wide (the last one vector wide when N / L is odd), each K x width, k-major.
template <typename T>
struct WeightPanels {
  std::vector<T> data;
  int rows = 0;   // K
  int cols = 0;   // N
  int lanes = 0;  // the packing target's vector length; the kernels check that theirs agrees
};

// Whether the kernels run on the dispatched target at this hidden size: H a multiple of the
// target's vector length (of T), and not a target with sizeless vectors (SVE, RVV).
bool RecurrentKernelSupports(int hidden, bool double_precision);

// Whether a layer should use these kernels (forward and backward): on every vector target where
// RecurrentKernelSupports(H), not on the scalar baseline (3x slower there). Measured faster than
// OpenBLAS at H 32-1024, B 16-128, with AVX-512, AVX2 and SSE4 (bench/README.md).
bool RecurrentKernelPays(int hidden, bool double_precision);

// w_h is (H, gates H) row-major (4 gates for an LSTM, 3 for a GRU); packs W_h^T. Call again
// whenever W_h or the target changes.
void PackRecurrentBackward(const float* w_h, int hidden, int gates, WeightPanels<float>* out);
void PackRecurrentBackward(const double* w_h, int hidden, int gates, WeightPanels<double>* out);

// dh (B, H) = [dh +] dgates (B, gates H) W_h^T: overwritten, or added to with `accumulate` (each
// element's chain then starts from dh's value).
void RecurrentStepBackward(const WeightPanels<float>& w_h_t, const float* dgates, float* dh,
                           int batch, bool accumulate);
void RecurrentStepBackward(const WeightPanels<double>& w_h_t, const double* dgates, double* dh,
                           int batch, bool accumulate);

// w is (rows, cols) row-major ([W_x; W_h] of an LSTM, W_h of a GRU), cols a multiple of the
// target's vector length (4H and 3H are where RecurrentKernelPays(H)). Call again whenever w or
// the target changes.
void PackStepForward(const float* w, int rows, int cols, WeightPanels<float>* out);
void PackStepForward(const double* w, int rows, int cols, WeightPanels<double>* out);

// out (B, cols) = bias + inputs[:, :k] w[:k, :], out overwritten; inputs has row stride `stride`,
// k <= w.rows (an LSTM's first step passes k = I, a GRU's k = 0: h_0 = 0 adds nothing).
void RecurrentStepForward(const WeightPanels<float>& w, const float* inputs, int stride, int k,
                          const float* bias, float* out, int batch);
void RecurrentStepForward(const WeightPanels<double>& w, const double* inputs, int stride, int k,
                          const double* bias, double* out, int batch);

}  // namespace seqtrain::nn
