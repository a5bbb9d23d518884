// Accuracy and mean loss of a model over a whole labeled set, sharded over the
// ranks without padding or duplicates and combined with one allreduce.
#pragma once

#include <cstdint>

#include "data/labeled_images.h"
#include "dist/communicator.h"
#include "nn/sequence_classifier.h"

namespace seqtrain::train {

struct EvalResult {
  double accuracy = 0;
  double loss = 0;  // mean cross-entropy
  int64_t count = 0;
};

// batch_size: images per forward pass on each rank (memory, not results).
EvalResult EvaluateModel(nn::SequenceClassifier<float>& model, const data::LabeledImages& set,
                         dist::Communicator& comm, int64_t batch_size);

}  // namespace seqtrain::train
