#include "nn/last_step_softmax_head.h"

#include <algorithm>
#include <cmath>

#include "simd/array_kernels.h"
#include "tensor/blas.h"
#include "util/error.h"
#include "util/phase_timer.h"

namespace seqtrain::nn {

using tensor::Gemm;

namespace {
template <typename T>
const T* LastStep(const LayerOutputs<T>& outputs, int features) {
  if (outputs.last) return outputs.last;
  return outputs.data + static_cast<size_t>(outputs.steps - 1) * outputs.batch * features;
}
}  // namespace

template <typename T>
LastStepSoftmaxHead<T>::LastStepSoftmaxHead(const ModelConfig& model, int input_size)
    : input_size_(input_size), classes_(model.num_classes()) {
  SEQ_CHECK(input_size_ > 0 && classes_ > 1);
}

template <typename T>
std::vector<ParamSpec> LastStepSoftmaxHead<T>::Params() const {
  return {{"w", {input_size_, classes_}}, {"b", {classes_}}};
}

template <typename T>
void LastStepSoftmaxHead<T>::Initialize(Rng& rng, T* params) const {
  auto normal = [&] {
    const double u1 = 1.0 - rng.Uniform01(), u2 = rng.Uniform01();  // Box-Muller, u1 in (0, 1]
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
  };
  const size_t count = static_cast<size_t>(input_size_) * classes_ + classes_;  // w, then b
  for (size_t i = 0; i < count; ++i) params[i] = static_cast<T>(normal());
}

template <typename T>
void LastStepSoftmaxHead<T>::ComputeLogits(const T* params, const LayerOutputs<T>& outputs) {
  // Every sequence's state at its own last step is at the last step (the layers carry it).
  const int K = classes_, F = input_size_, batch = outputs.batch;
  const T* w = params;
  const T* bias = params + static_cast<size_t>(F) * K;
  ScopedPhase timer(Phase::kForwardGemm);
  logits_.resize(static_cast<size_t>(batch) * K);
  for (int b = 0; b < batch; ++b)
    std::copy(bias, bias + K, logits_.data() + static_cast<size_t>(b) * K);
  Gemm(false, false, batch, K, F, T(1), LastStep(outputs, F), F, w, K, T(1), logits_.data(), K);
}

template <typename T>
BatchStats LastStepSoftmaxHead<T>::Forward(const T* params, const LayerOutputs<T>& outputs,
                                           const int32_t* labels, T* probs) {
  ComputeLogits(params, outputs);
  ScopedPhase timer(Phase::kLoss);
  return SoftmaxCrossEntropy<T>(logits_.data(), labels, outputs.batch, classes_, nullptr, probs);
}

template <typename T>
BatchStats LastStepSoftmaxHead<T>::ForwardBackward(const T* params, const LayerOutputs<T>& outputs,
                                                   const int32_t* labels, T* grads,
                                                   OutputGradient<T>* d_outputs) {
  const int K = classes_, F = input_size_, batch = outputs.batch;
  ComputeLogits(params, outputs);
  dlogits_.resize(static_cast<size_t>(batch) * K);
  BatchStats stats;
  {
    ScopedPhase timer(Phase::kLoss);
    stats = SoftmaxCrossEntropy<T>(logits_.data(), labels, batch, K, dlogits_.data(), nullptr);
  }
  ScopedPhase timer(Phase::kBackwardGemm);
  const T* w = params;
  T* dw = grads;
  T* db = grads + static_cast<size_t>(F) * K;
  Gemm(true, false, F, K, batch, T(1), LastStep(outputs, F), F, dlogits_.data(), K, T(0), dw, K);
  simd::SumRows(dlogits_.data(), static_cast<size_t>(batch), static_cast<size_t>(K), db);
  d_last_.resize(static_cast<size_t>(batch) * F);
  Gemm(false, true, batch, F, K, T(1), dlogits_.data(), K, w, K, T(0), d_last_.data(), F);
  *d_outputs = {nullptr, d_last_.data()};
  return stats;
}

template class LastStepSoftmaxHead<float>;
template class LastStepSoftmaxHead<double>;

}  // namespace seqtrain::nn
