#include "nn/lstm_layer.h"

#include <algorithm>

#include "nn/lstm_kernels.h"
#include "simd/array_kernels.h"
#include "tensor/blas.h"
#include "util/phase_timer.h"

namespace seqtrain::nn {

using tensor::Gemm;

namespace {
// out (cols, rows) = in (rows, cols)^T, in tiles that stay in L1 on both sides.
template <typename T>
void Transpose(const T* in, int rows, int cols, T* out) {
  constexpr int kTile = 16;
  for (int r0 = 0; r0 < rows; r0 += kTile) {
    for (int c0 = 0; c0 < cols; c0 += kTile) {
      const int r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
      for (int r = r0; r < r1; ++r) {
        for (int c = c0; c < c1; ++c) {
          out[static_cast<size_t>(c) * rows + r] = in[static_cast<size_t>(r) * cols + c];
        }
      }
    }
  }
}
}  // namespace

template <typename T>
LstmLayer<T>::LstmLayer(int input_size, int hidden_size)
    : input_size_(input_size), hidden_size_(hidden_size) {}

template <typename T>
void LstmLayer<T>::Forward(const LstmWeights<T>& w, const T* x, int steps, int batch) {
  const int H = hidden_size_, G = 4 * hidden_size_, I = input_size_;
  const size_t rows = static_cast<size_t>(steps) * batch;
  steps_ = steps;
  batch_ = batch;
  x_ = x;
  gates_.resize(rows * G);
  cell_.resize(rows * H);
  tanh_cell_.resize(rows * H);
  hidden_.resize(rows * H + hidden_block());
  if (rows == 0) return;
  std::fill(hidden_.begin(), hidden_.begin() + hidden_block(), T(0));

  {
    // Pre-activations of every step at once: x W_x + b.
    ScopedPhase timer(Phase::kForwardGemm);
    for (size_t r = 0; r < rows; ++r) std::copy(w.b, w.b + G, gates_.data() + r * G);
    Gemm(false, false, static_cast<int>(rows), G, I, T(1), x, I, w.w_x, G, T(1),
         gates_.data(), G);
  }

  const size_t step_hidden = hidden_block();
  const size_t step_gates = static_cast<size_t>(batch) * G;
  for (int t = 0; t < steps; ++t) {
    T* gates = gates_.data() + t * step_gates;
    const T* h_prev = hidden_.data() + t * step_hidden;
    if (t > 0) {
      ScopedPhase timer(Phase::kForwardGemm);
      Gemm(false, false, batch, G, H, T(1), h_prev, H, w.w_h, G, T(1), gates, G);
    }
    ScopedPhase timer(Phase::kGateMath);
    const T* c_prev = t > 0 ? cell_.data() + (t - 1) * step_hidden : nullptr;
    LstmGatesForward(gates, c_prev, cell_.data() + t * step_hidden, tanh_cell_.data() + t * step_hidden,
                     hidden_.data() + (t + 1) * step_hidden, batch, H);
  }
}

template <typename T>
void LstmLayer<T>::Backward(const LstmWeights<T>& w, const T* dh_seq, const T* dh_last,
                            const LstmGrads<T>& grads, T* dx) {
  const int H = hidden_size_, G = 4 * hidden_size_, I = input_size_;
  const int steps = steps_, batch = batch_;
  const size_t rows = static_cast<size_t>(steps) * batch;
  if (rows == 0) {
    std::fill(grads.w_x, grads.w_x + static_cast<size_t>(I) * G, T(0));
    std::fill(grads.w_h, grads.w_h + static_cast<size_t>(H) * G, T(0));
    std::fill(grads.b, grads.b + G, T(0));
    return;
  }
  const size_t step_hidden = hidden_block();
  const size_t step_gates = static_cast<size_t>(batch) * G;
  dgates_.resize(rows * G);
  dh_.assign(step_hidden, T(0));
  dc_.assign(step_hidden, T(0));
  if (steps > 1) {
    // dgates W_h^T made OpenBLAS pack W_h transposed in each of the 27 steps (sgemm_incopy, 2.5% of a
    // step in perf); W_h^T made once here (~20 us) packs as a plain operand: same bits, faster GEMM.
    ScopedPhase timer(Phase::kBackwardGemm);
    w_h_t_.resize(static_cast<size_t>(G) * H);
    Transpose(w.w_h, H, G, w_h_t_.data());
  }

  for (int t = steps - 1; t >= 0; --t) {
    const T* gates = gates_.data() + t * step_gates;
    T* dgates = dgates_.data() + t * step_gates;
    const T* c_prev = t > 0 ? cell_.data() + (t - 1) * step_hidden : nullptr;
    {
      ScopedPhase timer(Phase::kGateMath);
      // dh_ holds the part arriving through the recurrence; add what flows into h_t from above.
      if (dh_seq) simd::AddTo(dh_.data(), dh_seq + t * step_hidden, step_hidden);
      if (t == steps - 1 && dh_last) simd::AddTo(dh_.data(), dh_last, step_hidden);
      LstmGatesBackward(gates, c_prev, tanh_cell_.data() + t * step_hidden, dh_.data(), dc_.data(), dgates,
                        batch, H);
    }
    // Gradient reaching h_{t-1} through W_h.
    if (t > 0) {
      ScopedPhase timer(Phase::kBackwardGemm);
      Gemm(false, false, batch, H, G, T(1), dgates, G, w_h_t_.data(), H, T(0), dh_.data(), H);
    }
  }

  {
    ScopedPhase timer(Phase::kBackwardGemm);
    const int all_rows = static_cast<int>(rows);
    Gemm(true, false, I, G, all_rows, T(1), x_, I, dgates_.data(), G, T(0), grads.w_x, G);
    if (steps > 1) {
      // h_{t-1} for t = 1..T-1 is hidden_[1..T-1]; h_0 = 0 adds nothing.
      Gemm(true, false, H, G, all_rows - batch, T(1), hidden_.data() + step_hidden, H,
           dgates_.data() + step_gates, G, T(0), grads.w_h, G);
    } else {
      std::fill(grads.w_h, grads.w_h + static_cast<size_t>(H) * G, T(0));
    }
    if (dx) Gemm(false, true, all_rows, I, G, T(1), dgates_.data(), G, w.w_x, G, T(0), dx, I);
  }
  // Elementwise, so it is gate math rather than GEMM time.
  ScopedPhase timer(Phase::kGateMath);
  simd::SumRows(dgates_.data(), rows, static_cast<size_t>(G), grads.b);
}

template class LstmLayer<float>;
template class LstmLayer<double>;

}  // namespace seqtrain::nn
