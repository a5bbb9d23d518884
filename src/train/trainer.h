// Data-parallel training of the LSTM classifier. Every rank holds the whole
// model. Step s uses the next global batch of the epoch's permutation (drawn
// from the run seed, identical on every rank); rank r takes its ShardRange of
// that batch, computes the gradient sum of its slice, and one allreduce of
// [gradients..., count, loss sum, correct] gives every rank the global-batch
// mean, so every rank makes the Adam step one rank would make on the whole batch.
#pragma once

#include <cstdint>
#include <vector>

#include "data/labeled_images.h"
#include "dist/communicator.h"
#include "nn/lstm_classifier.h"
#include "optim/adam.h"
#include "train/metrics_log.h"
#include "train/run_config.h"

namespace seqtrain::train {

struct EvalResult {
  double accuracy = 0;
  double loss = 0;  // mean cross-entropy
  int64_t count = 0;
};

struct TrainResult {
  int64_t steps = 0;
  EvalResult test;
  double wall_seconds = 0;     // training loop plus final evaluation
  double samples_per_sec = 0;  // training samples over training time
};

class Trainer {
 public:
  // Makes no collective calls, so it can run inside dist::RunAgreed. Throws
  // seqtrain::Error when the config is invalid or the data does not fit the model.
  Trainer(const RunConfig& config, dist::Communicator& comm, const data::LabeledImages& train,
          const data::LabeledImages& test);

  // Trains to the configured number of steps, evaluates, reports to log.
  TrainResult Run(MetricsLog& log);

  // Accuracy and loss over the whole set, sharded over the ranks.
  EvalResult Evaluate(const data::LabeledImages& set);

  int64_t total_steps() const { return total_steps_; }
  int64_t steps_per_epoch() const { return steps_per_epoch_; }
  const nn::LstmClassifier<float>& model() const { return model_; }
  nn::LstmClassifier<float>& model() { return model_; }
  // One record per step done, in order (loss and accuracy of the global batch).
  const std::vector<StepRecord>& history() const { return history_; }

 private:
  // Tail slots of the reduced gradient buffer.
  enum TailSlot { kSampleCount, kLossSum, kCorrectCount, kTailSlots };

  StepRecord TrainStep();
  const std::vector<int64_t>& EpochOrder(int64_t epoch);

  RunConfig config_;
  dist::Communicator& comm_;
  const data::LabeledImages& train_;
  const data::LabeledImages& test_;
  nn::LstmClassifier<float> model_;
  optim::Adam adam_;
  int64_t steps_per_epoch_ = 0;
  int64_t total_steps_ = 0;
  int64_t step_ = 0;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;      // this epoch's permutation of the training set
  std::vector<float> batch_x_;      // (T, B, I)
  std::vector<int32_t> batch_labels_;
  std::vector<int64_t> eval_indices_;
  std::vector<StepRecord> history_;
};

}  // namespace seqtrain::train
