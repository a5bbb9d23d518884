// One LSTM layer run over a whole sequence, time-major (a RecurrentLayer, registered as "lstm").
// Legend: T steps, B batch, I inputs, H hidden. Gate order in every 4H block:
// i (input), f (forget), g (cell candidate), o (output). h_0 = c_0 = 0.
// Parameters: "w_x" (I, 4H), "w_h" (H, 4H), "b" (4H), in that order.
//
// Each step is one product, [x_t | h_{t-1}] [W_x; W_h] onto the bias, and the gate math. Backward
// mirrors forward in reverse, adding each step's db while its gate gradients are in cache, and
// computes [dW_x; dW_h] as one GEMM over all steps. Both per-step products (the forward's and
// dh = dgates W_h^T) run on our own kernels (nn/lstm_recurrent.h) where they pay, on weights
// packed once per pass; elsewhere on OpenBLAS. With lengths, a
// padded row's h and c are copied on after each step and its gate gradients
// zeroed, so the GEMMs stay whole-batch.
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
class LstmLayer final : public RecurrentLayer<T> {
 public:
  // Reads hidden_size and forget_bias.
  LstmLayer(const ModelConfig& model, int input_size);

  int input_size() const override { return input_size_; }
  int output_size() const override { return hidden_size_; }
  std::vector<ParamSpec> Params() const override;
  // Like TF's LSTM cell: one Glorot range for the stacked [W_x; W_h] kernel; zero biases
  // except the forget gate's.
  void Initialize(Rng& rng, T* params) const override;
  void Forward(const T* params, const T* x, const int32_t* lengths, int steps, int batch) override;
  const T* output() const override { return hidden_.data() + hidden_block(); }
  void Backward(const T* params, const T* dy_seq, const T* dy_last, T* grads, T* dx) override;

 private:
  // The tensors inside the layer's block, in Params() order: (I, 4H), (H, 4H), (4H).
  template <typename P>
  struct Tensors {
    P* w_x;
    P* w_h;
    P* b;
  };
  template <typename P>
  Tensors<P> Split(P* block) const;
  size_t hidden_block() const { return static_cast<size_t>(shape_.batch()) * hidden_size_; }

  int input_size_;
  int hidden_size_;
  double forget_bias_;
  PaddedBatch shape_;             // of the last Forward
  std::vector<T> gates_;          // (T, B, 4H) after the nonlinearities; Backward: their gradients
  std::vector<T> cell_;           // (T, B, H)  c_t
  std::vector<T> tanh_cell_;      // (T, B, H)  tanh(c_t)
  std::vector<T> hidden_;         // (T+1, B, H) h_0 = 0, h_1 .. h_T
  std::vector<T> inputs_hidden_;  // (T, B, I+H) [x_t | h_{t-1}], the h part unset at t = 0
  std::vector<T> dh_;             // (B, H) gradient reaching h_t through the recurrence
  std::vector<T> dc_;             // (B, H) gradient reaching c_t from step t+1
  StepForwardProduct<T> step_forward_;    // on [W_x; W_h], prepared once per Forward
  StepBackwardProduct<T> step_backward_;  // dh = dgates W_h^T, prepared once per Backward
};

extern template class LstmLayer<float>;
extern template class LstmLayer<double>;

}  // namespace seqtrain::nn
