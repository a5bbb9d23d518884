// One GRU layer run over a whole sequence, time-major (a RecurrentLayer, registered as "gru").
// Legend: T steps, B batch, I inputs, H hidden. Gate order in every 3H block: r (reset),
// z (update), n (candidate), as PyTorch's nn.GRU and ONNX GRU with linear_before_reset = 1:
//   r = sigmoid(x W_x[r] + b_x[r] + h W_h[r] + b_h[r]), z likewise,
//   n = tanh(x W_x[n] + b_x[n] + r * (h W_h[n] + b_h[n])), h' = (1 - z) n + z h; h_0 = 0.
// Parameters: "w_x" (I, 3H), "w_h" (H, 3H), "b_x" (3H), "b_h" (3H), in that order: PyTorch's
// weight_ih_l{k} is w_x transposed, weight_hh_l{k} w_h transposed, bias_ih b_x, bias_hh b_h.
//
// The input projection of all T steps is one GEMM (the n gate keeps x W_x and h W_h apart, so
// the LSTM's one [x_t | h_{t-1}] GEMM per step does not apply); per step the recurrent product
// (nn/step_products.h: on our own step kernel where it pays) and the gate math remain;
// backward computes dW_x and dW_h as one GEMM each over all steps.
// With lengths, a padded row's h is copied on after each step and its gate gradients zeroed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "config.pb.h"
#include "nn/padded_batch.h"
#include "nn/recurrent_layer.h"
#include "nn/step_products.h"

namespace seqtrain::nn {

template <typename T>
class GruLayer final : public RecurrentLayer<T> {
 public:
  // Reads hidden_size.
  GruLayer(const ModelConfig& model, int input_size);

  int input_size() const override { return input_size_; }
  int output_size() const override { return hidden_size_; }
  std::vector<ParamSpec> Params() const override;
  // One Glorot range for the stacked [W_x; W_h] kernel, as the LSTM; zero biases.
  void Initialize(Rng& rng, T* params) const override;
  void Forward(const T* params, const T* x, const int32_t* lengths, int steps, int batch) override;
  const T* output() const override { return hidden_.data() + hidden_block(); }
  void Backward(const T* params, const T* dy_seq, const T* dy_last, T* grads, T* dx) override;

 private:
  // The tensors inside the layer's block, in Params() order.
  template <typename P>
  struct Tensors {
    P* w_x;
    P* w_h;
    P* b_x;
    P* b_h;
  };
  template <typename P>
  Tensors<P> Split(P* block) const;
  size_t hidden_block() const { return static_cast<size_t>(shape_.batch()) * hidden_size_; }

  int input_size_;
  int hidden_size_;
  PaddedBatch shape_;  // of the last Forward
  const T* x_ = nullptr;
  std::vector<T> gates_;     // (T, B, 3H) r, z, n; Backward: the gradients on x W_x + b_x
  std::vector<T> dgates_h_;  // (T, B, 3H) Backward: the gradients on h W_h + b_h
  std::vector<T> hproj_;     // (B, 3H) h_{t-1} W_h + b_h of the step being run
  std::vector<T> hn_;        // (T, B, H) the n block of h_{t-1} W_h + b_h
  std::vector<T> hidden_;    // (T+1, B, H) h_0 = 0, h_1 .. h_T
  std::vector<T> dh_;        // (B, H) gradient reaching h_t
  std::vector<T> dh_prev_;   // (B, H) gradient reaching h_{t-1}
  StepForwardProduct<T> step_forward_;    // b_h + h_{t-1} W_h, prepared once per Forward
  StepBackwardProduct<T> step_backward_;  // dh_{t-1} += dhproj W_h^T, once per Backward
};

extern template class GruLayer<float>;
extern template class GruLayer<double>;

}  // namespace seqtrain::nn
