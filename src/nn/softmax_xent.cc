#include "nn/softmax_xent.h"

#include <cmath>
#include <vector>

namespace seqtrain::nn {

template <typename T>
BatchStats SoftmaxCrossEntropy(const T* logits, const int32_t* labels, int batch, int classes,
                               T* dlogits, T* probs) {
  BatchStats stats;
  stats.count = batch;
  for (int b = 0; b < batch; ++b) {
    const T* z = logits + static_cast<size_t>(b) * classes;
    int argmax = 0;
    for (int k = 1; k < classes; ++k) {
      if (z[k] > z[argmax]) argmax = k;
    }
    // Shift by the maximum so exp never overflows; sum in double for accuracy.
    const double z_max = static_cast<double>(z[argmax]);
    double sum = 0;
    for (int k = 0; k < classes; ++k) sum += std::exp(static_cast<double>(z[k]) - z_max);
    const double log_sum = std::log(sum);
    if (labels) {
      const int label = labels[b];
      stats.loss_sum += log_sum - (static_cast<double>(z[label]) - z_max);
      if (argmax == label) ++stats.correct;
    }
    for (int k = 0; k < classes; ++k) {
      const double p = std::exp(static_cast<double>(z[k]) - z_max - log_sum);
      if (probs) probs[static_cast<size_t>(b) * classes + k] = static_cast<T>(p);
      if (dlogits) {
        const double target = (labels && labels[b] == k) ? 1.0 : 0.0;
        dlogits[static_cast<size_t>(b) * classes + k] = static_cast<T>(p - target);
      }
    }
  }
  return stats;
}

template BatchStats SoftmaxCrossEntropy<float>(const float*, const int32_t*, int, int, float*,
                                               float*);
template BatchStats SoftmaxCrossEntropy<double>(const double*, const int32_t*, int, int, double*,
                                                double*);

}  // namespace seqtrain::nn
