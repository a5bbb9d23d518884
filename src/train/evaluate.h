// Accuracy and mean loss of a model over a whole data set, sharded over the
// ranks without padding or duplicates and combined with one allreduce.
#pragma once

#include <cstdint>
#include <string>

#include "data/data_source.h"
#include "dist/communicator.h"
#include "metrics/metrics_records.h"
#include "nn/sequence_classifier.h"

namespace seqtrain::train {

struct EvalResult {
  double accuracy = 0;  // classifiers: over the real targets
  double loss = 0;      // mean over the real targets: cross-entropy, or squared error
  double rmse = 0;      // regression heads: sqrt(loss)
  bool regression = false;
  int64_t count = 0;             // samples
  std::string noun = "samples";  // the set's word for them (DataSource::Facts), for messages
};

// Throws seqtrain::Error "ROLE: ..." unless the set's samples are what the model reads:
// model.time_steps steps (padded past each sample's length) of model.input_size, targets of
// the kind model.head reads (train/batch_targets.h), classes below model.num_classes, values
// model.output_size wide.
void CheckFitsModel(const data::DataSource& set, const ModelConfig& model, const std::string& role);

// Adds the evaluation of the moving average of the weights to record: accuracy or RMSE (as
// the head scores), and loss.
void AddEmaResult(const EvalResult& average, metrics::EvalRecord* record);

// The metrics record of an evaluation at step.
metrics::EvalRecord EvalRecordOf(int64_t step, const EvalResult& result);

// batch_size: samples per forward pass on each rank (memory, not results).
EvalResult EvaluateModel(nn::SequenceClassifier<float>& model, const data::DataSource& set,
                         dist::Communicator& comm, int64_t batch_size);

}  // namespace seqtrain::train
