#include "nn/linear_head.h"

#include <algorithm>
#include <cmath>

#include "simd/array_kernels.h"
#include "tensor/blas.h"
#include "tensor/rows.h"
#include "util/error.h"
#include "util/phase_timer.h"

namespace seqtrain::nn {

using tensor::Gemm;

namespace {

template <typename T>
bool IsReal(const LayerOutputs<T>& outputs, int row) {
  return outputs.lengths == nullptr || row / outputs.batch < outputs.lengths[row % outputs.batch];
}

double Normal(Rng& rng) {
  const double u1 = 1.0 - rng.Uniform01(), u2 = rng.Uniform01();  // Box-Muller, u1 in (0, 1]
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

}  // namespace

template <typename T>
LinearHead<T>::LinearHead(int input_size, int outputs, bool per_step, HeadLoss loss)
    : input_size_(input_size), outputs_(outputs), per_step_(per_step), loss_(loss) {
  SEQ_CHECK(input_size_ > 0 && outputs_ > 0);
  SEQ_CHECK(loss_ != HeadLoss::kSoftmaxCrossEntropy || outputs_ > 1);
}

template <typename T>
std::vector<ParamSpec> LinearHead<T>::Params() const {
  return {{"w", {input_size_, outputs_}}, {"b", {outputs_}}};
}

template <typename T>
void LinearHead<T>::Initialize(Rng& rng, T* params) const {
  const size_t weights = static_cast<size_t>(input_size_) * outputs_;
  if (loss_ == HeadLoss::kSoftmaxCrossEntropy) {
    for (size_t i = 0; i < weights + outputs_; ++i) params[i] = static_cast<T>(Normal(rng));
    return;
  }
  const double scale = 1.0 / std::sqrt(static_cast<double>(input_size_));
  for (size_t i = 0; i < weights; ++i) params[i] = static_cast<T>(scale * Normal(rng));
  std::fill_n(params + weights, outputs_, T(0));
}

template <typename T>
const T* LinearHead<T>::Rows(const LayerOutputs<T>& outputs, int* rows) const {
  if (per_step_) {
    *rows = outputs.steps * outputs.batch;
    return outputs.data;
  }
  // Every sequence's final state: the layer's own (a bidirectional one), else the last step's
  // (the layers carry each sequence's state past its length).
  *rows = outputs.batch;
  if (outputs.last) return outputs.last;
  return outputs.data + static_cast<size_t>(outputs.steps - 1) * outputs.batch * input_size_;
}

template <typename T>
void LinearHead<T>::ComputeLogits(const T* params, const T* rows_data, int rows) {
  const int K = outputs_, F = input_size_;
  const T* w = params;
  const T* bias = params + static_cast<size_t>(F) * K;
  ScopedPhase timer(Phase::kForwardGemm);
  logits_.resize(static_cast<size_t>(rows) * K);
  tensor::BroadcastRow(bias, static_cast<size_t>(K), static_cast<size_t>(rows), logits_.data());
  Gemm(false, false, rows, K, F, T(1), rows_data, F, w, K, T(1), logits_.data(), K);
}

template <typename T>
BatchStats LinearHead<T>::Loss(const LayerOutputs<T>& outputs, const HeadTargets<T>& targets,
                               int rows, T* dlogits, T* predictions) const {
  ScopedPhase timer(Phase::kLoss);
  const int K = outputs_;
  const bool masked = per_step_ && outputs.lengths != nullptr;
  if (loss_ == HeadLoss::kSoftmaxCrossEntropy && !masked) {
    return SoftmaxCrossEntropy<T>(logits_.data(), targets.classes, rows, K, dlogits, predictions);
  }
  BatchStats stats;
  for (int r = 0; r < rows; ++r) {
    const size_t at = static_cast<size_t>(r) * K;
    if (masked && !IsReal(outputs, r)) {
      if (dlogits) std::fill_n(dlogits + at, K, T(0));
      if (predictions) std::fill_n(predictions + at, K, T(0));
      continue;
    }
    if (loss_ == HeadLoss::kSoftmaxCrossEntropy) {
      const BatchStats row = SoftmaxCrossEntropy<T>(
          logits_.data() + at, targets.classes ? targets.classes + r : nullptr, 1, K,
          dlogits ? dlogits + at : nullptr, predictions ? predictions + at : nullptr);
      stats.loss_sum += row.loss_sum;
      stats.correct += row.correct;
      stats.count += row.count;
      continue;
    }
    stats.count += K;
    for (int k = 0; k < K; ++k) {
      const T predicted = logits_[at + k];
      if (predictions) predictions[at + k] = predicted;
      if (!targets.values) continue;
      const double error = static_cast<double>(predicted) - targets.values[at + k];
      stats.loss_sum += error * error;
      if (dlogits) dlogits[at + k] = static_cast<T>(2 * error);
    }
  }
  return stats;
}

template <typename T>
BatchStats LinearHead<T>::Forward(const T* params, const LayerOutputs<T>& outputs,
                                  const HeadTargets<T>& targets, T* predictions) {
  int rows = 0;
  const T* rows_data = Rows(outputs, &rows);
  ComputeLogits(params, rows_data, rows);
  return Loss(outputs, targets, rows, nullptr, predictions);
}

template <typename T>
BatchStats LinearHead<T>::ForwardBackward(const T* params, const LayerOutputs<T>& outputs,
                                          const HeadTargets<T>& targets, T* grads,
                                          OutputGradient<T>* d_outputs) {
  const int K = outputs_, F = input_size_;
  int rows = 0;
  const T* rows_data = Rows(outputs, &rows);
  ComputeLogits(params, rows_data, rows);
  dlogits_.resize(static_cast<size_t>(rows) * K);
  const BatchStats stats = Loss(outputs, targets, rows, dlogits_.data(), nullptr);
  ScopedPhase timer(Phase::kBackwardGemm);
  const T* w = params;
  T* dw = grads;
  T* db = grads + static_cast<size_t>(F) * K;
  Gemm(true, false, F, K, rows, T(1), rows_data, F, dlogits_.data(), K, T(0), dw, K);
  simd::SumRows(dlogits_.data(), static_cast<size_t>(rows), static_cast<size_t>(K), db);
  d_rows_.resize(static_cast<size_t>(rows) * F);
  Gemm(false, true, rows, F, K, T(1), dlogits_.data(), K, w, K, T(0), d_rows_.data(), F);
  *d_outputs = per_step_ ? OutputGradient<T>{d_rows_.data(), nullptr}
                         : OutputGradient<T>{nullptr, d_rows_.data()};
  return stats;
}

template class LinearHead<float>;
template class LinearHead<double>;

}  // namespace seqtrain::nn
