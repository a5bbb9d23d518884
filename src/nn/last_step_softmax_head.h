// The classification head: the top layer's last step, a linear layer to K classes, softmax
// cross-entropy. Parameters "w" (F, K) and "b" (K) (the model names them "out/w", "out/b").
#pragma once

#include <vector>

#include "config.pb.h"
#include "nn/output_head.h"

namespace seqtrain::nn {

template <typename T>
class LastStepSoftmaxHead final : public OutputHead<T> {
 public:
  // Reads num_classes; input_size is the top layer's output_size().
  LastStepSoftmaxHead(const ModelConfig& model, int input_size);

  std::vector<ParamSpec> Params() const override;
  // N(0, 1), bias included, as the reference tutorial: over seeds 1 and 2 that ended 10 epochs
  // 0.05-0.2% higher than Glorot + zero bias.
  void Initialize(Rng& rng, T* params) const override;
  int num_outputs() const override { return classes_; }
  BatchStats Forward(const T* params, const LayerOutputs<T>& outputs, const int32_t* labels,
                     T* probs) override;
  BatchStats ForwardBackward(const T* params, const LayerOutputs<T>& outputs, const int32_t* labels,
                             T* grads, OutputGradient<T>* d_outputs) override;

 private:
  // The outputs' last step (batch, F) -> logits_ (batch, K).
  void ComputeLogits(const T* params, const LayerOutputs<T>& outputs);

  int input_size_;
  int classes_;

  std::vector<T> logits_;   // (B, K)
  std::vector<T> dlogits_;  // (B, K)
  std::vector<T> d_last_;   // (B, F)
};

extern template class LastStepSoftmaxHead<float>;
extern template class LastStepSoftmaxHead<double>;

}  // namespace seqtrain::nn
