#include "nn/step_products.h"

#include <type_traits>

#include "tensor/blas.h"
#include "tensor/gemm_profile.h"
#include "tensor/rows.h"
#include "tensor/transpose.h"

namespace seqtrain::nn {

template <typename T>
void StepForwardProduct<T>::Prepare(const T* w, int rows, int cols, int hidden) {
  w_ = w;
  cols_ = cols;
  own_kernel_ = RecurrentKernelPays(hidden, std::is_same_v<T, double>);
  if (own_kernel_) PackStepForward(w, rows, cols, &panels_);
}

template <typename T>
void StepForwardProduct<T>::Apply(const T* inputs, int stride, int k, const T* bias, T* out,
                                  int batch) const {
  if (own_kernel_) {
    // The accumulators start from the bias: no copy onto the output first.
    auto run = [&] { RecurrentStepForward(panels_, inputs, stride, k, bias, out, batch); };
    if (k > 0) {
      tensor::TimeAsGemm(batch, cols_, k, run);
    } else {
      run();
    }
    return;
  }
  tensor::BroadcastRow(bias, static_cast<size_t>(cols_), static_cast<size_t>(batch), out);
  if (k > 0) {
    tensor::Gemm(false, false, batch, cols_, k, T(1), inputs, stride, w_, cols_, T(1), out, cols_);
  }
}

template <typename T>
void StepBackwardProduct<T>::Prepare(const T* w_h, int hidden, int gates) {
  hidden_ = hidden;
  cols_ = gates * hidden;
  own_kernel_ = RecurrentKernelPays(hidden, std::is_same_v<T, double>);
  if (own_kernel_) {
    PackRecurrentBackward(w_h, hidden, gates, &panels_);
  } else {
    // dgates W_h^T made OpenBLAS pack W_h transposed in each of the T - 1 steps (sgemm_incopy,
    // 2.5% of a step in perf); W_h^T made once here (~20 us at H 128) packs as a plain operand:
    // same bits, faster GEMM.
    w_h_t_.resize(static_cast<size_t>(cols_) * hidden);
    tensor::Transpose(w_h, hidden, cols_, w_h_t_.data());
  }
}

template <typename T>
void StepBackwardProduct<T>::Apply(const T* dgates, T* dh, int batch, bool accumulate) const {
  if (own_kernel_) {
    tensor::TimeAsGemm(batch, hidden_, cols_,
                       [&] { RecurrentStepBackward(panels_, dgates, dh, batch, accumulate); });
  } else {
    tensor::Gemm(false, false, batch, hidden_, cols_, T(1), dgates, cols_, w_h_t_.data(), hidden_,
                 accumulate ? T(1) : T(0), dh, hidden_);
  }
}

template class StepForwardProduct<float>;
template class StepForwardProduct<double>;
template class StepBackwardProduct<float>;
template class StepBackwardProduct<double>;

}  // namespace seqtrain::nn
