// One LSTM layer run over a whole sequence, time-major.
// Legend: T steps, B batch, I inputs, H hidden. Gate order in every 4H block:
// i (input), f (forget), g (cell candidate), o (output). h_0 = c_0 = 0.
//
// The input projection of all T steps is one GEMM; per step only the
// recurrent GEMM and the gate math remain. Backward mirrors forward in reverse
// and computes dW_x and dW_h as one GEMM each over all steps.
// Buffers are kept between calls, so steady-state training allocates nothing.
#pragma once

#include <cstddef>
#include <vector>

namespace seqtrain::nn {

template <typename T>
struct LstmWeights {
  const T* w_x;  // (I, 4H)
  const T* w_h;  // (H, 4H)
  const T* b;    // (4H)
};

template <typename T>
struct LstmGrads {
  T* w_x;
  T* w_h;
  T* b;
};

template <typename T>
class LstmLayer {
 public:
  LstmLayer(int input_size, int hidden_size);

  // x: (T, B, I), must stay valid until Backward returns.
  void Forward(const LstmWeights<T>& w, const T* x, int steps, int batch);

  // (T, B, H): h_1 .. h_T of the last Forward.
  const T* output() const { return hidden_.data() + hidden_block(); }

  // dh_seq (T, B, H) and dh_last (B, H) are gradients flowing into the outputs
  // (either may be null). Overwrites grads with this batch's gradient and, when
  // dx is not null, writes dx (T, B, I).
  void Backward(const LstmWeights<T>& w, const T* dh_seq, const T* dh_last,
                const LstmGrads<T>& grads, T* dx);

  int input_size() const { return input_size_; }
  int hidden_size() const { return hidden_size_; }

 private:
  size_t hidden_block() const { return static_cast<size_t>(batch_) * hidden_size_; }

  int input_size_;
  int hidden_size_;
  int steps_ = 0;
  int batch_ = 0;
  const T* x_ = nullptr;
  std::vector<T> gates_;      // (T, B, 4H) after the nonlinearities
  std::vector<T> cell_;       // (T, B, H)  c_t
  std::vector<T> tanh_cell_;  // (T, B, H)  tanh(c_t)
  std::vector<T> hidden_;     // (T+1, B, H) h_0 = 0, h_1 .. h_T
  std::vector<T> dgates_;     // (T, B, 4H) gradient w.r.t. gate pre-activations
  std::vector<T> dh_;         // (B, H) gradient reaching h_t through the recurrence
  std::vector<T> dc_;         // (B, H) gradient reaching c_t from step t+1
  std::vector<T> w_h_t_;      // (4H, H) W_h transposed, so dh = dgates W_h^T is a no-transpose GEMM
};

extern template class LstmLayer<float>;
extern template class LstmLayer<double>;

}  // namespace seqtrain::nn
