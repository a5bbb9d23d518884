// Fused softmax + cross-entropy over a batch of logits (B, K).
#pragma once

#include <cstdint>

namespace seqtrain::nn {

struct BatchStats {
  double loss_sum = 0;  // sum over the batch of -log p(label)
  int64_t correct = 0;  // argmax == label (first maximum wins ties)
  int64_t count = 0;
};

// When dlogits is not null, writes d(loss_sum)/dlogits = softmax - onehot.
// When probs is not null, writes the softmax probabilities. labels may be
// null (prediction only); then loss_sum and correct stay 0.
template <typename T>
BatchStats SoftmaxCrossEntropy(const T* logits, const int32_t* labels, int batch, int classes,
                               T* dlogits, T* probs);

}  // namespace seqtrain::nn
