// Data-parallel training of the LSTM classifier. Every rank holds the whole
// model. Each step takes the next global batch of the epoch's permutation
// (drawn from the run seed and the epoch, identical on every rank); rank r
// takes its ShardRange of that batch, computes the gradient sum of its slice,
// and the allreduce of the gradients and of the step's control (StepControl)
// gives every rank the global-batch mean and the same decisions, so every rank
// makes the optimizer step one rank would make on the whole batch. Run is the loop
// of that step plus the periodic actions between steps.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint.pb.h"
#include "config.pb.h"
#include "data/data_source.h"
#include "dist/communicator.h"
#include "nn/sequence_classifier.h"
#include "optim/lr_schedule.h"
#include "optim/optimizer.h"
#include "optim/weight_ema.h"
#include "tensor/gemm_profile.h"
#include "train/batch_targets.h"
#include "train/evaluate.h"
#include "train/metrics_log.h"
#include "train/step_control.h"
#include "util/error.h"
#include "util/fault_injection.h"
#include "util/phase_timer.h"

namespace seqtrain::train {

struct TrainResult {
  int64_t steps = 0;
  bool stopped_by_signal = false;  // stopped early on SIGTERM/SIGINT/SIGUSR1 (no final evaluation)
  int64_t skipped_steps = 0;       // steps whose gradient was not finite on some rank
  EvalResult test;
  EvalResult ema_test;         // on the moving average of the weights (count 0 without one)
  double wall_seconds = 0;     // this run's training loop plus final evaluation
  double samples_per_sec = 0;  // training samples over training time
};

// The weights a fresh run of config starts from (drawn from config.seed()), also for
// `seqtrain init`.
void InitializeModel(const TrainConfig& config, nn::SequenceClassifier<float>* model);

class Trainer {
 public:
  // Makes no collective calls, so it can run inside dist::RunAgreed. Throws
  // seqtrain::Error when the data does not fit the model. The config is validated (for this
  // world size) where it is loaded (config/config_loader.h). The sets must outlive the trainer.
  Trainer(const TrainConfig& config, dist::Communicator& comm, const data::DataSource& train,
          const data::DataSource& test);

  // Continues from a checkpoint. Every rank must pass the same checkpoint.
  // Throws seqtrain::Error "path: ..." when it does not fit this model.
  void Restore(const Checkpoint& checkpoint, const std::string& path);

  // Trains to the configured end, saving checkpoints as configured, then
  // evaluates and reports to log.
  TrainResult Run(MetricsLog& log);

  // Accuracy and loss over the whole set, sharded over the ranks.
  EvalResult Evaluate(const data::DataSource& set);
  // The same on the moving average of the weights; requires ema().
  EvalResult EvaluateEma(const data::DataSource& set);
  // The moving average of the weights; nullptr when optimizer.ema_decay is 0.
  const optim::WeightEma* ema() const { return ema_.get(); }

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
  // The loop's bookkeeping across steps of one Run.
  struct RunProgress {
    int64_t first_step = 0, last_step = 0;
    double display_start = 0, last_save = 0;
    int64_t display_samples = 0, total_samples = 0, saved_step = -1, skipped_steps = 0;
    double first_step_seconds = 0;
    // Step time only: evaluations and saves between steps are not part of it.
    PhaseTotals step_phases;
    tensor::GemmProfile step_gemms;
  };

  // One step, its phase times added to progress; the control summed over the ranks.
  StepControl TimedStep(RunProgress& progress, StepRecord* record);
  StepControl TrainStep(bool request_save, StepRecord* record);
  // Fills this rank's ShardRange of samples [begin, begin + size) of the epoch's order into
  // batch_x_, batch_lengths_ and batch_targets_; returns how many that is.
  int FillShare(int64_t begin, int64_t size);
  // The gradient sum of this rank's share of the global batch in model_.grads(), computed
  // over schedule.accumulation_steps micro-batches (train/gradient_accumulation.cc) with no
  // communication; returns the share's statistics and sets *samples to the share's size.
  nn::BatchStats LocalGradient(int64_t global_batch, int* samples);
  void AdvanceEpochPosition(int64_t global_batch);
  // The periodic actions after a step, in this order.
  void CountSkip(const StepControl& control, const StepRecord& record, RunProgress& progress,
                 MetricsLog& log);
  void Display(const StepControl& control, StepRecord& record, RunProgress& progress,
               MetricsLog& log);
  void Remember(const StepRecord& record, MetricsLog& log);
  void CheckReplicasIfDue();
  // Every eval_every steps, but not at the last step, which Finish evaluates.
  bool EvalDue(const RunProgress& progress) const;
  void EvaluateAndLog(MetricsLog& log);
  // Saves when asked or due; returns whether the step ends the loop (a stop signal).
  bool SaveAndStop(const StepControl& control, bool eval_now, RunProgress& progress,
                   MetricsLog& log);
  TrainResult FinishStopped(const StepControl& control, const RunProgress& progress,
                            MetricsLog& log);
  TrainResult Finish(const RunProgress& progress, MetricsLog& log);
  void LogFinalRecord(const TrainResult& result, const RunProgress& progress, MetricsLog& log);

  const std::vector<int64_t>& EpochOrder(int64_t epoch);
  // Throws unless the checkpoint's inputs (data.pixel_order) are this config's and, saved
  // mid-epoch, its bucketed order can be continued.
  void CheckSameInputsAndOrder(const Checkpoint& checkpoint, const std::string& path) const;
  void ClipGradient(double count);
  void Save(MetricsLog& log);
  // Before a save or an evaluation, on every rank alike (see dist::Watchdog::Pause).
  void PauseWatchdogTiming();

  // Every replica_check_every steps: all ranks compare a CRC32C of their parameters.
  void CheckReplicas();

  TrainConfig config_;
  StepFaults faults_;
  dist::Communicator& comm_;
  const data::DataSource& train_;
  const data::DataSource& test_;
  nn::SequenceClassifier<float> model_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<optim::LrSchedule> lr_schedule_;  // set by Run, which knows the last step
  std::unique_ptr<optim::WeightEma> ema_;           // with optimizer.ema_decay > 0
  bool ema_restored_ = false;
  std::vector<float> grad_sum_;  // accumulation over micro-batches
  int64_t step_ = 0;
  int64_t epoch_ = 0;           // epoch of the next batch
  int64_t epoch_position_ = 0;  // samples of that epoch's permutation already used
  double wall_before_ = 0;      // training seconds of earlier runs (from the checkpoint)
  double run_start_ = 0;
  int64_t consecutive_skips_ = 0;
  int64_t order_epoch_ = -1;
  std::vector<int64_t> order_;    // permutation of the training set for order_epoch_
  std::vector<int32_t> lengths_;  // of the training samples, with data.bucket_window only
  std::vector<float> batch_x_;    // (T, B, I)
  std::vector<int32_t> batch_lengths_;
  BatchTargets batch_targets_;
  std::vector<uint64_t> dropout_keys_;  // (B) model.dropout > 0 only
  std::vector<StepRecord> history_;
  std::string lineage_;
};

}  // namespace seqtrain::train
