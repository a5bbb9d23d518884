// The recurrent layers' per-step products, each on our own step kernels (nn/lstm_recurrent.h)
// where RecurrentKernelPays and on OpenBLAS elsewhere. A layer prepares one per pass from that
// pass's parameters, so no pass sees stale weights, and applies it at every step.
#pragma once

#include <vector>

#include "nn/lstm_recurrent.h"

namespace seqtrain::nn {

// out (B, cols) = bias + inputs[:, :k] w[:k, :] (an LSTM's gates, a GRU's hproj).
template <typename T>
class StepForwardProduct {
 public:
  // w is (rows, cols) row-major, cols = gates x hidden.
  void Prepare(const T* w, int rows, int cols, int hidden);
  // inputs has row stride `stride`; k <= rows (0: the bias alone).
  void Apply(const T* inputs, int stride, int k, const T* bias, T* out, int batch) const;

 private:
  const T* w_ = nullptr;
  int cols_ = 0;
  bool own_kernel_ = false;
  WeightPanels<T> panels_;
};

// dh (B, H) = [dh +] dgates (B, gates H) W_h^T (accumulate: added to).
template <typename T>
class StepBackwardProduct {
 public:
  // w_h is (H, gates H) row-major.
  void Prepare(const T* w_h, int hidden, int gates);
  void Apply(const T* dgates, T* dh, int batch, bool accumulate) const;

 private:
  int hidden_ = 0;
  int cols_ = 0;  // gates H
  bool own_kernel_ = false;
  WeightPanels<T> panels_;  // W_h^T for the kernel
  std::vector<T> w_h_t_;    // (gates H, H) W_h^T for OpenBLAS
};

extern template class StepForwardProduct<float>;
extern template class StepForwardProduct<double>;
extern template class StepBackwardProduct<float>;
extern template class StepBackwardProduct<double>;

}  // namespace seqtrain::nn
