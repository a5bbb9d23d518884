#include "nn/gru_layer.h"

#include <algorithm>
#include <cmath>

#include "nn/gru_kernels.h"
#include "nn/input_projection.h"
#include "simd/array_kernels.h"
#include "tensor/blas.h"
#include "util/error.h"
#include "util/phase_timer.h"

namespace seqtrain::nn {

using tensor::Gemm;

template <typename T>
GruLayer<T>::GruLayer(const ModelConfig& model, int input_size)
    : input_size_(input_size), hidden_size_(model.hidden_size()) {
  SEQ_CHECK(input_size_ > 0 && hidden_size_ > 0);
}

template <typename T>
std::vector<ParamSpec> GruLayer<T>::Params() const {
  const int H = hidden_size_;
  return {{"w_x", {input_size_, 3 * H}}, {"w_h", {H, 3 * H}}, {"b_x", {3 * H}}, {"b_h", {3 * H}}};
}

template <typename T>
template <typename P>
typename GruLayer<T>::template Tensors<P> GruLayer<T>::Split(P* block) const {
  const size_t G = 3 * static_cast<size_t>(hidden_size_);
  P* w_h = block + input_size_ * G;
  P* b_x = w_h + hidden_size_ * G;
  return {block, w_h, b_x, b_x + G};
}

template <typename T>
void GruLayer<T>::Initialize(Rng& rng, T* params) const {
  const int H = hidden_size_, I = input_size_;
  const Tensors<T> p = Split(params);
  const double limit = std::sqrt(6.0 / (I + H + 3 * H));
  for (size_t i = 0; i < static_cast<size_t>(I + H) * 3 * H; ++i) {
    p.w_x[i] = static_cast<T>(rng.Uniform(-limit, limit));  // w_h follows w_x
  }
  std::fill(p.b_x, p.b_x + 6 * static_cast<size_t>(H), T(0));  // b_x, b_h
}

template <typename T>
void GruLayer<T>::Forward(const T* params, const T* x, const int32_t* lengths, int steps,
                          int batch) {
  shape_.Set(lengths, steps, batch);
  const Tensors<const T> w = Split(params);
  const int H = hidden_size_, G = 3 * hidden_size_, I = input_size_;
  const size_t rows = static_cast<size_t>(steps) * batch;
  x_ = x;
  gates_.resize(rows * G);
  hn_.resize(rows * H);
  hproj_.resize(static_cast<size_t>(batch) * G);
  hidden_.resize(rows * H + hidden_block());
  std::fill(hidden_.begin(), hidden_.begin() + hidden_block(), T(0));

  ProjectInputs(x, w.w_x, w.b_x, rows, I, G, gates_.data());
  {
    ScopedPhase timer(Phase::kForwardGemm);
    step_forward_.Prepare(w.w_h, H, G, H);
  }

  const size_t step_hidden = hidden_block();
  const size_t step_gates = static_cast<size_t>(batch) * G;
  for (int t = 0; t < steps; ++t) {
    const T* h_prev = hidden_.data() + t * step_hidden;
    T* h = hidden_.data() + (t + 1) * step_hidden;
    {
      ScopedPhase timer(Phase::kForwardGemm);
      // h_0 = 0: the bias alone at the first step.
      step_forward_.Apply(h_prev, H, t > 0 ? H : 0, w.b_h, hproj_.data(), batch);
    }
    ScopedPhase timer(Phase::kGateMath);
    GruGatesForward(gates_.data() + t * step_gates, hproj_.data(), h_prev,
                    hn_.data() + t * step_hidden, h, batch, H);
    shape_.CarryPaddedRows(t, h_prev, h, H);
  }
}

template <typename T>
void GruLayer<T>::Backward(const T* params, const T* dh_seq, const T* dh_last, T* grads_out,
                           T* dx) {
  const Tensors<const T> w = Split(params);
  const Tensors<T> grads = Split(grads_out);
  const int H = hidden_size_, G = 3 * hidden_size_, I = input_size_;
  const int steps = shape_.steps(), batch = shape_.batch();
  const size_t rows = static_cast<size_t>(steps) * batch;
  SEQ_CHECK(rows > 0);
  const size_t step_hidden = hidden_block();
  const size_t step_gates = static_cast<size_t>(batch) * G;
  dh_.assign(step_hidden, T(0));
  dh_prev_.resize(step_hidden);
  dgates_h_.resize(rows * G);
  if (steps > 1) {
    ScopedPhase timer(Phase::kBackwardGemm);
    step_backward_.Prepare(w.w_h, H, 3);
  }

  for (int t = steps - 1; t >= 0; --t) {
    T* dgx = gates_.data() + t * step_gates;  // in place over r, z, n
    T* dgh = dgates_h_.data() + t * step_gates;
    {
      ScopedPhase timer(Phase::kGateMath);
      // A padded row's dh_ is 0 here: its gradient enters at its own last step.
      shape_.AddArrivingGradient(t, dh_seq, dh_last, H, dh_.data());
      GruGatesBackward(dgx, hn_.data() + t * step_hidden, hidden_.data() + t * step_hidden,
                       dh_.data(), dgx, dgh, dh_prev_.data(), batch, H);
      shape_.ZeroPaddedRows(t, dgx, G);
      shape_.ZeroPaddedRows(t, dgh, G);
      shape_.ZeroPaddedRows(t, dh_prev_.data(), H);
    }
    if (t > 0) {
      ScopedPhase timer(Phase::kBackwardGemm);
      step_backward_.Apply(dgh, dh_prev_.data(), batch, true);
    }
    dh_.swap(dh_prev_);
  }

  {
    ScopedPhase timer(Phase::kBackwardGemm);
    const int all_rows = static_cast<int>(rows);
    Gemm(true, false, I, G, all_rows, T(1), x_, I, gates_.data(), G, T(0), grads.w_x, G);
    if (steps > 1) {
      // h_{t-1} for t = 1..T-1 is hidden_[1..T-1]; h_0 = 0 adds nothing.
      Gemm(true, false, H, G, all_rows - batch, T(1), hidden_.data() + step_hidden, H,
           dgates_h_.data() + step_gates, G, T(0), grads.w_h, G);
    } else {
      std::fill(grads.w_h, grads.w_h + static_cast<size_t>(H) * G, T(0));
    }
    if (dx) Gemm(false, true, all_rows, I, G, T(1), gates_.data(), G, w.w_x, G, T(0), dx, I);
  }
  ScopedPhase timer(Phase::kGateMath);
  simd::SumRows(gates_.data(), rows, static_cast<size_t>(G), grads.b_x);
  simd::SumRows(dgates_h_.data(), rows, static_cast<size_t>(G), grads.b_h);
}

template class GruLayer<float>;
template class GruLayer<double>;

}  // namespace seqtrain::nn
