// Accuracy and mean loss of a model over a whole data set, sharded over the
// ranks without padding or duplicates and combined with one allreduce.
#pragma once

#include <cstdint>
#include <string>

#include "data/data_source.h"
#include "dist/communicator.h"
#include "nn/sequence_classifier.h"

namespace seqtrain::train {

struct EvalResult {
  double accuracy = 0;
  double loss = 0;  // mean cross-entropy
  int64_t count = 0;
};

// Throws seqtrain::Error "ROLE: ..." unless the set's samples are what the model reads:
// model.time_steps steps (padded past each sample's length) of model.input_size, targets
// below model.num_classes.
void CheckFitsModel(const data::DataSource& set, const ModelConfig& model, const std::string& role);

// batch_size: samples per forward pass on each rank (memory, not results).
EvalResult EvaluateModel(nn::SequenceClassifier<float>& model, const data::DataSource& set,
                         dist::Communicator& comm, int64_t batch_size);

}  // namespace seqtrain::train
