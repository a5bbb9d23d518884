#include "nn/lstm_layer.h"

#include <algorithm>
#include <cmath>

#include "nn/lstm_kernels.h"
#include "simd/array_kernels.h"
#include "tensor/blas.h"
#include "tensor/rows.h"
#include "util/error.h"
#include "util/phase_timer.h"

namespace seqtrain::nn {

using tensor::Gemm;

template <typename T>
LstmLayer<T>::LstmLayer(const ModelConfig& model, int input_size)
    : input_size_(input_size),
      hidden_size_(model.hidden_size()),
      forget_bias_(model.forget_bias()) {
  SEQ_CHECK(input_size_ > 0 && hidden_size_ > 0);
}

template <typename T>
std::vector<ParamSpec> LstmLayer<T>::Params() const {
  const int H = hidden_size_;
  return {{"w_x", {input_size_, 4 * H}}, {"w_h", {H, 4 * H}}, {"b", {4 * H}}};
}

template <typename T>
template <typename P>
typename LstmLayer<T>::template Tensors<P> LstmLayer<T>::Split(P* block) const {
  const size_t G = 4 * static_cast<size_t>(hidden_size_);
  P* w_h = block + input_size_ * G;
  return {block, w_h, w_h + hidden_size_ * G};
}

template <typename T>
void LstmLayer<T>::Initialize(Rng& rng, T* params) const {
  const int H = hidden_size_, I = input_size_;
  const Tensors<T> p = Split(params);
  auto glorot = [&](T* out, int fan_in, int fan_out, size_t count) {
    const double limit = std::sqrt(6.0 / (fan_in + fan_out));
    for (size_t i = 0; i < count; ++i) out[i] = static_cast<T>(rng.Uniform(-limit, limit));
  };
  glorot(p.w_x, I + H, 4 * H, static_cast<size_t>(I) * 4 * H);
  glorot(p.w_h, I + H, 4 * H, static_cast<size_t>(H) * 4 * H);
  for (int j = 0; j < 4 * H; ++j) {
    p.b[j] = (j >= H && j < 2 * H) ? static_cast<T>(forget_bias_) : T(0);
  }
}

template <typename T>
void LstmLayer<T>::Forward(const T* params, const T* x, const int32_t* lengths, int steps,
                           int batch) {
  shape_.Set(lengths, steps, batch);
  const Tensors<const T> w = Split(params);
  const int H = hidden_size_, G = 4 * hidden_size_, I = input_size_, IH = I + H;
  const size_t rows = static_cast<size_t>(steps) * batch;
  gates_.resize(rows * G);
  cell_.resize(rows * H);
  tanh_cell_.resize(rows * H);
  hidden_.resize(rows * H + hidden_block());
  std::fill(hidden_.begin(), hidden_.begin() + hidden_block(), T(0));
  inputs_hidden_.resize(rows * IH);
  {
    ScopedPhase timer(Phase::kForwardGemm);  // the GEMMs' operand
    tensor::CopyRows(x, I, rows, I, inputs_hidden_.data(), IH);
  }

  {
    ScopedPhase timer(Phase::kForwardGemm);
    step_forward_.Prepare(w.w_x, IH, G, H);
  }

  const size_t step_hidden = hidden_block();
  const size_t step_gates = static_cast<size_t>(batch) * G;
  const size_t step_inputs_hidden = static_cast<size_t>(batch) * IH;
  for (int t = 0; t < steps; ++t) {
    T* gates = gates_.data() + t * step_gates;
    const T* h_prev = hidden_.data() + t * step_hidden;
    {
      // [x_t | h_{t-1}] [W_x; W_h] (the two are one (I+H, 4H) block in the parameters): one
      // product per step on an L2-resident output, where a projection of all steps at once wrote
      // (T, B, 4H) to L3 first (76-91% of its sgemm rate in the step). h_0 = 0 adds nothing.
      ScopedPhase timer(Phase::kForwardGemm);
      const T* inputs = inputs_hidden_.data() + t * step_inputs_hidden;
      step_forward_.Apply(inputs, IH, t > 0 ? IH : I, w.b, gates, batch);
    }
    T* h = hidden_.data() + (t + 1) * step_hidden;
    {
      ScopedPhase timer(Phase::kGateMath);
      const T* c_prev = t > 0 ? cell_.data() + (t - 1) * step_hidden : nullptr;
      LstmGatesForward(gates, c_prev, cell_.data() + t * step_hidden,
                       tanh_cell_.data() + t * step_hidden, h, batch, H);
      // t >= 1 on a padded row: every length is at least 1.
      if (t > 0) {
        shape_.CarryPaddedRows(t, h_prev, h, H);
        shape_.CarryPaddedRows(t, c_prev, cell_.data() + t * step_hidden, H);
      }
    }
    if (t + 1 < steps) {
      ScopedPhase timer(Phase::kForwardGemm);  // the next step's GEMM operand
      tensor::CopyRows(h, H, static_cast<size_t>(batch), H,
                       inputs_hidden_.data() + (t + 1) * step_inputs_hidden + I, IH);
    }
  }
}

template <typename T>
void LstmLayer<T>::Backward(const T* params, const T* dh_seq, const T* dh_last, T* grads_out,
                            T* dx) {
  const Tensors<const T> w = Split(params);
  const Tensors<T> grads = Split(grads_out);
  const int H = hidden_size_, G = 4 * hidden_size_, I = input_size_;
  const int steps = shape_.steps(), batch = shape_.batch();
  const size_t rows = static_cast<size_t>(steps) * batch;
  SEQ_CHECK(rows > 0);
  const size_t step_hidden = hidden_block();
  const size_t step_gates = static_cast<size_t>(batch) * G;
  dh_.assign(step_hidden, T(0));
  dc_.assign(step_hidden, T(0));
  std::fill(grads.b, grads.b + G, T(0));
  if (steps > 1) {
    ScopedPhase timer(Phase::kBackwardGemm);
    step_backward_.Prepare(w.w_h, H, 4);
  }

  // The gate gradients overwrite the activations step by step (the kernel runs in place): a
  // (T, B, 4H) buffer less to fill, 3.6 MiB per rank at the reference shape.
  for (int t = steps - 1; t >= 0; --t) {
    const T* gates = gates_.data() + t * step_gates;
    T* dgates = gates_.data() + t * step_gates;
    const T* c_prev = t > 0 ? cell_.data() + (t - 1) * step_hidden : nullptr;
    {
      ScopedPhase timer(Phase::kGateMath);
      // dh_ holds the part arriving through the recurrence; add what flows into h_t from above.
      // A padded row's dh_ and dc_ are 0 here (its gate gradients below are).
      shape_.AddArrivingGradient(t, dh_seq, dh_last, H, dh_.data());
      LstmGatesBackward(gates, c_prev, tanh_cell_.data() + t * step_hidden, dh_.data(), dc_.data(),
                        dgates, batch, H);
      shape_.ZeroPaddedRows(t, dgates, G);
      shape_.ZeroPaddedRows(t, dc_.data(), H);
      // db while the step's dgates is in L2: a pass over all of them after the loop read 3.6 MiB
      // back from L3 (~2% of a step at 1 rank).
      simd::AddRowsTo(grads.b, dgates, static_cast<size_t>(batch), static_cast<size_t>(G));
    }
    // Gradient reaching h_{t-1} through W_h.
    if (t > 0) {
      ScopedPhase timer(Phase::kBackwardGemm);
      step_backward_.Apply(dgates, dh_.data(), batch, false);
    }
  }

  {
    // [dW_x; dW_h] = [x_t | h_{t-1}]^T dgates over all steps as one GEMM (dgates read from L3
    // once for both), then dW_x of the first step, whose h_0 = 0 adds nothing to dW_h.
    ScopedPhase timer(Phase::kBackwardGemm);
    const int IH = I + H;
    const size_t step_inputs_hidden = static_cast<size_t>(batch) * IH;
    if (steps > 1) {
      Gemm(true, false, IH, G, static_cast<int>(rows) - batch, T(1),
           inputs_hidden_.data() + step_inputs_hidden, IH, gates_.data() + step_gates, G, T(0),
           grads.w_x, G);
    } else {
      std::fill(grads.w_x, grads.w_x + static_cast<size_t>(IH) * G, T(0));
    }
    Gemm(true, false, I, G, batch, T(1), inputs_hidden_.data(), IH, gates_.data(), G, T(1),
         grads.w_x, G);
    if (dx) {
      Gemm(false, true, static_cast<int>(rows), I, G, T(1), gates_.data(), G, w.w_x, G, T(0), dx,
           I);
    }
  }
}

template class LstmLayer<float>;
template class LstmLayer<double>;

}  // namespace seqtrain::nn
