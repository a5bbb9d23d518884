// Data-parallel training of the LSTM classifier. Every rank holds the whole
// model. Each step takes the next global batch of the epoch's permutation
// (drawn from the run seed and the epoch, identical on every rank); rank r
// takes its ShardRange of that batch, computes the gradient sum of its slice,
// and an allreduce of the gradients and one of the control slots give every rank the
// global-batch mean and the same decisions, so every rank makes the optimizer step
// one rank would make on the whole batch.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint.pb.h"
#include "config.pb.h"
#include "data/labeled_images.h"
#include "dist/communicator.h"
#include "nn/sequence_classifier.h"
#include "optim/optimizer.h"
#include "train/evaluate.h"
#include "train/metrics_log.h"
#include "util/error.h"
#include "util/fault_injection.h"

namespace seqtrain::train {

struct TrainResult {
  int64_t steps = 0;
  bool stopped_by_signal = false;  // stopped early on SIGTERM/SIGINT/SIGUSR1 (no final evaluation)
  int64_t skipped_steps = 0;   // steps whose gradient was not finite on some rank
  EvalResult test;
  double wall_seconds = 0;     // this run's training loop plus final evaluation
  double samples_per_sec = 0;  // training samples over training time
};

class Trainer {
 public:
  // Makes no collective calls, so it can run inside dist::RunAgreed. Throws
  // seqtrain::Error when the data does not fit the model. The config is validated (for this
  // world size) where it is loaded (config/config_loader.h).
  Trainer(const TrainConfig& config, dist::Communicator& comm, const data::LabeledImages& train,
          const data::LabeledImages& test);

  // Continues from a checkpoint. Every rank must pass the same checkpoint.
  // Throws seqtrain::Error "path: ..." when it does not fit this model.
  void Restore(const Checkpoint& checkpoint, const std::string& path);

  // Trains to the configured end, saving checkpoints as configured, then
  // evaluates and reports to log.
  TrainResult Run(MetricsLog& log);

  // Accuracy and loss over the whole set, sharded over the ranks.
  EvalResult Evaluate(const data::LabeledImages& set);

  // The full training state, with the effective config.
  Checkpoint MakeCheckpoint() const;
  // The lineage its checkpoints carry (checkpoint/shared_load.h decides it); "" : legacy names.
  void set_lineage(const std::string& lineage) { lineage_ = lineage; }

  int64_t step() const { return step_; }
  // The step at which Run stops.
  int64_t final_step() const;
  int64_t steps_per_epoch() const;
  const nn::SequenceClassifier<float>& model() const { return model_; }
  nn::SequenceClassifier<float>& model() { return model_; }
  // One record per step done by this object, in order (global-batch loss and accuracy): all of
  // them up to kHistoryKept steps, then the last kHistoryKept to 2 * kHistoryKept.
  static constexpr size_t kHistoryKept = 4096;
  const std::vector<StepRecord>& history() const { return history_; }

 private:
  // Slots reduced after the gradient.
  enum TailSlot {
    kSampleCount,
    kLossSum,
    kCorrectCount,
    kSaveRequest,     // > 0: save after this step (rank 0's timer)
    kStopSignal,      // ranks that received a stop signal; > 0: save and stop after this step
    kNonFiniteRanks,  // > 0: some rank's loss or gradient is NaN/Inf; skip this update
    kTailSlots
  };

  // Returns false when the step's update was skipped (non-finite gradient).
  bool TrainStep(bool request_save, StepRecord* record);
  const std::vector<int64_t>& EpochOrder(int64_t epoch);
  void ClipGradient(double count);
  void Save(MetricsLog& log);
  // Before a save or an evaluation, on every rank alike (see dist::Watchdog::Pause).
  void PauseWatchdogTiming();

  // Every replica_check_every steps: all ranks compare a CRC32C of their parameters.
  void CheckReplicas();

  TrainConfig config_;
  FaultPlan faults_;
  dist::Communicator& comm_;
  const data::LabeledImages& train_;
  const data::LabeledImages& test_;
  nn::SequenceClassifier<float> model_;
  std::array<float, kTailSlots> tail_{};
  std::unique_ptr<optim::Optimizer> optimizer_;
  int64_t step_ = 0;
  int64_t epoch_ = 0;           // epoch of the next batch
  int64_t epoch_position_ = 0;  // samples of that epoch's permutation already used
  double wall_before_ = 0;      // training seconds of earlier runs (from the checkpoint)
  double run_start_ = 0;
  int64_t consecutive_skips_ = 0;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;  // permutation of the training set for order_epoch_
  std::vector<float> batch_x_;  // (T, B, I)
  std::vector<int32_t> batch_labels_;
  std::vector<StepRecord> history_;
  std::string lineage_;
};

}  // namespace seqtrain::train
