// Every built-in head: a linear layer from the top layer's outputs to K columns, at each
// sequence's last step or at every real step, then softmax cross-entropy (K classes) or squared
// error (K values). Parameters "w" (F, K) and "b" (K) (the model names them "out/w", "out/b").
#pragma once

#include <vector>

#include "nn/output_head.h"

namespace seqtrain::nn {

enum class HeadLoss { kSoftmaxCrossEntropy, kSquaredError };

template <typename T>
class LinearHead final : public OutputHead<T> {
 public:
  // input_size: the top layer's output_size(); outputs: K.
  LinearHead(int input_size, int outputs, bool per_step, HeadLoss loss);

  std::vector<ParamSpec> Params() const override;
  // Classifiers: N(0, 1), bias included, as the reference tutorial (over seeds 1 and 2 that
  // ended 10 epochs 0.05-0.2% higher than Glorot + zero bias). Regression: N(0, 1/F) weights
  // and zero bias, so the first predictions are of the targets' scale rather than sqrt(F) times.
  void Initialize(Rng& rng, T* params) const override;
  int num_outputs() const override { return outputs_; }
  bool per_step() const override { return per_step_; }
  BatchStats Forward(const T* params, const LayerOutputs<T>& outputs, const HeadTargets<T>& targets,
                     T* predictions) override;
  BatchStats ForwardBackward(const T* params, const LayerOutputs<T>& outputs,
                             const HeadTargets<T>& targets, T* grads,
                             OutputGradient<T>* d_outputs) override;

 private:
  // The rows the head reads: the last step (B, F), or every step (steps * B, F).
  const T* Rows(const LayerOutputs<T>& outputs, int* rows) const;
  void ComputeLogits(const T* params, const T* rows_data, int rows);
  // Loss over the real rows; dlogits (rows, K) and predictions when not null, 0 on padded rows.
  BatchStats Loss(const LayerOutputs<T>& outputs, const HeadTargets<T>& targets, int rows,
                  T* dlogits, T* predictions) const;

  int input_size_;
  int outputs_;
  bool per_step_;
  HeadLoss loss_;

  std::vector<T> logits_;   // (rows, K)
  std::vector<T> dlogits_;  // (rows, K)
  std::vector<T> d_rows_;   // (rows, F)
};

extern template class LinearHead<float>;
extern template class LinearHead<double>;

}  // namespace seqtrain::nn
