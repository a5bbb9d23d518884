#include "train/trainer.h"

#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <numeric>
#include "train/build_info.h"
#include "train/epoch_order.h"

#include "checkpoint/checkpoint_file.h"
#include "checkpoint/model_tensors.h"
#include "checkpoint/optimizer_state.h"
#include "config/data_path.h"
#include "data/shard.h"
#include "dist/agreement.h"
#include "dist/watchdog.h"
#include "optim/registry.h"
#include "simd/array_kernels.h"
#include "simd/simd_target.h"
#include "tensor/gemm_profile.h"
#include "train/stop_signal.h"
#include "util/crc32c.h"
#include "util/error.h"
#include "util/exit_codes.h"
#include "util/phase_timer.h"
#include "util/process_stats.h"
#include "util/rng.h"

namespace seqtrain::train {
namespace {

// Purposes for DeriveSeed, so each random stream is independent of the others (the data order's
// are in train/epoch_order.cc).
constexpr uint64_t kInitStream = 1;
constexpr uint64_t kDropoutStream = 3;

double Now() {
  using Clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

}  // namespace

void InitializeModel(const TrainConfig& config, nn::SequenceClassifier<float>* model) {
  model->Initialize(DeriveSeed(config.seed(), kInitStream, 0));
}

Trainer::Trainer(const TrainConfig& config, dist::Communicator& comm, const data::DataSource& train,
                 const data::DataSource& test)
    : config_(config),
      faults_(FaultPlan::FromEnvironment(), comm.rank()),
      comm_(comm),
      train_(train),
      test_(test),
      model_(config.model()),
      optimizer_(optim::CreateOptimizer(config.optimizer(), model_.num_params())),
      batch_targets_(TargetSpecOf(config.model())) {
  if (config_.optimizer().ema_decay() > 0) {
    ema_ = std::make_unique<optim::WeightEma>(config_.optimizer().ema_decay());
  }
  const auto& m = config_.model();
  CheckFitsModel(train_, m, "training set");
  CheckFitsModel(test_, m, "test set");
  InitializeModel(config_, &model_);
  final_step();  // throws when the schedule's step count overflows
  if (config_.data().bucket_window() > 0) {
    lengths_.resize(static_cast<size_t>(train_.count()));
    for (int64_t i = 0; i < train_.count(); ++i)
      lengths_[static_cast<size_t>(i)] = train_.length(i);
  }
}

int64_t Trainer::steps_per_epoch() const {
  return (train_.count() + config_.schedule().batch_size() - 1) / config_.schedule().batch_size();
}

int64_t Trainer::final_step() const {
  if (config_.schedule().max_steps() > 0) return config_.schedule().max_steps();
  if (epoch_ >= config_.schedule().epochs()) return step_;
  const int64_t batch = config_.schedule().batch_size();
  const int64_t rest_of_epoch = (train_.count() - epoch_position_ + batch - 1) / batch;
  int64_t later_epochs = 0, last = 0;
  if (__builtin_mul_overflow(config_.schedule().epochs() - epoch_ - 1, steps_per_epoch(),
                             &later_epochs) ||
      __builtin_add_overflow(step_ + rest_of_epoch, later_epochs, &last)) {
    throw Error("schedule.epochs = " + std::to_string(config_.schedule().epochs()) + " x " +
                std::to_string(steps_per_epoch()) +
                " steps per epoch (schedule.batch_size = " + std::to_string(batch) + ", " +
                std::to_string(train_.count()) + " training " + train_.Facts().noun + ")" +
                (step_ > 0 ? " from step " + std::to_string(step_) : std::string()) +
                " is beyond the step counter (2^63 - 1); use fewer epochs or schedule.max_steps");
  }
  return last;
}

const std::vector<int64_t>& Trainer::EpochOrder(int64_t epoch) {
  if (epoch != order_epoch_) {
    order_ = MakeEpochOrder(train_.count(), epoch, EpochOrderSpecOf(config_), lengths_);
    order_epoch_ = epoch;
  }
  return order_;
}

void Trainer::ClipGradient(double count) {
  // The reduced buffer is identical on every rank, so every rank clips alike.
  const double norm = std::sqrt(simd::SumOfSquares(model_.grads(), model_.num_params())) / count;
  if (norm > config_.optimizer().clip_grad_norm()) {
    const auto scale = static_cast<float>(config_.optimizer().clip_grad_norm() / norm);
    simd::Scale(model_.grads(), model_.num_params(), scale);
  }
}

int Trainer::FillShare(int64_t begin, int64_t size) {
  const auto& m = config_.model();
  const data::Range mine = data::ShardRange(size, comm_.size(), comm_.rank());
  const auto& order = EpochOrder(epoch_);
  const int batch = static_cast<int>(mine.size);
  batch_x_.resize(static_cast<size_t>(m.time_steps()) * batch * m.input_size());
  batch_lengths_.resize(static_cast<size_t>(batch));
  batch_targets_.Resize(m.time_steps(), batch);
  ScopedPhase timer(Phase::kData);
  train_.Fill(order.data() + begin + mine.begin, batch, batch_x_.data(), batch_lengths_.data(),
              batch_targets_.out());
  if (m.dropout() > 0) {
    // A sample's masks follow from the seed, the epoch and its index in the set alone.
    const uint64_t epoch_seed =
        DeriveSeed(config_.seed(), kDropoutStream, static_cast<uint64_t>(epoch_));
    dropout_keys_.resize(static_cast<size_t>(batch));
    for (int b = 0; b < batch; ++b) {
      dropout_keys_[b] =
          DeriveSeed(epoch_seed, 0, static_cast<uint64_t>(order[begin + mine.begin + b]));
    }
    model_.SetDropoutKeys(dropout_keys_.data(), batch);
  }
  return batch;
}

void Trainer::AdvanceEpochPosition(int64_t global_batch) {
  epoch_position_ += global_batch;
  if (epoch_position_ >= train_.count()) {
    ++epoch_;
    epoch_position_ = 0;
  }
}

StepControl Trainer::TrainStep(bool request_save, StepRecord* record) {
  const int64_t this_step = step_ + 1;
  comm_.set_step(this_step);
  faults_.BeforeStep(this_step);
  const int64_t global_batch =
      std::min(config_.schedule().batch_size(), train_.count() - epoch_position_);
  int batch = 0;
  const nn::BatchStats local = LocalGradient(global_batch, &batch);
  faults_.AfterGradient(this_step, model_.grads());

  StepControl mine;
  mine.sample_count = batch;
  mine.target_count = static_cast<double>(local.count);
  mine.loss_sum = local.loss_sum;
  mine.correct_count = static_cast<double>(local.correct);
  mine.save_requests = request_save ? 1 : 0;
  mine.stop_signals = StopSignalReceived() != 0 ? 1 : 0;  // summed: how many ranks were signalled
  {
    ScopedPhase timer(Phase::kOptimizer);
    const bool finite =
        simd::AllFinite(model_.grads(), model_.num_params()) && std::isfinite(local.loss_sum);
    mine.nonfinite_ranks = finite ? 0 : 1;
  }
  StepControl all;
  {
    ScopedPhase timer(Phase::kAllreduce);
    comm_.AllreduceSum(model_.grads(), model_.num_params());
    all = mine.SumOverRanks(comm_);
  }
  SEQ_CHECK(all.sample_count == static_cast<double>(global_batch));
  // The mean over the global batch's real targets, whatever their split over the ranks.
  const double count = all.target_count;

  // The decision is taken on reduced values, so every rank takes the same one.
  if (all.apply_update()) {
    ScopedPhase timer(Phase::kOptimizer);
    if (config_.optimizer().clip_grad_norm() > 0) ClipGradient(count);
    optimizer_->set_learning_rate(lr_schedule_->At(this_step));
    optimizer_->Step(model_.params(), model_.grads(), static_cast<float>(1.0 / count));
    if (ema_) ema_->Update(model_.params());
  }
  faults_.AfterUpdate(this_step, model_.params());
  record->step = ++step_;
  record->epoch = epoch_;
  record->loss = all.mean_loss();
  if (nn::FindHead(config_.model().head()).regression) {
    record->quality = metrics::Quality::kRmse;
    record->train_rmse = all.rmse();
  } else {
    record->train_accuracy = all.accuracy();
  }
  if (optim::LrSchedule::Varies(config_.optimizer()))
    record->learning_rate = lr_schedule_->At(step_);
  AdvanceEpochPosition(global_batch);
  return all;
}

EvalResult Trainer::Evaluate(const data::DataSource& set) {
  return EvaluateModel(model_, set, comm_, config_.schedule().eval_batch_size());
}

EvalResult Trainer::EvaluateEma(const data::DataSource& set) {
  SEQ_CHECK(ema_ != nullptr);
  // The model evaluates its own buffer: the average goes in for the evaluation and out again.
  float* params = model_.params();
  std::vector<float>& average = ema_->values();
  std::swap_ranges(average.begin(), average.end(), params);
  struct SwapBack {
    std::vector<float>& average;
    float* params;
    ~SwapBack() { std::swap_ranges(average.begin(), average.end(), params); }
  } swap_back{average, params};
  return Evaluate(set);
}

Checkpoint Trainer::MakeCheckpoint() const {
  Checkpoint c;
  c.set_format_version(checkpoint::kFormatVersion);
  *c.mutable_config() = config_;
  c.set_global_step(step_);
  c.set_epoch(epoch_);
  c.set_epoch_position(epoch_position_);
  c.set_data_order_seed(config_.seed());
  const nn::ParamLayout& layout = model_.layout();
  checkpoint::PackTensors(layout, model_.params(), c.mutable_params());
  checkpoint::PackOptimizerState(*optimizer_, layout, c.mutable_optimizer());
  if (ema_) checkpoint::PackTensors(layout, ema_->values().data(), c.mutable_ema_params());
  c.set_wall_seconds(wall_before_ + (run_start_ > 0 ? Now() - run_start_ : 0));
  c.set_world_size(comm_.size());
  c.set_saved_unix_time(static_cast<int64_t>(std::time(nullptr)));
  c.set_lineage(lineage_);
  *c.mutable_build() = CurrentBuildInfo();
  return c;
}

void Trainer::Restore(const Checkpoint& c, const std::string& path) {
  checkpoint::CheckModelMatches(c.config().model(), config_.model(), path);
  CheckSameInputsAndOrder(c, path);
  if (c.global_step() < 0 || c.epoch() < 0 || c.epoch_position() < 0) {
    throw Error(path + ": negative step, epoch or position");
  }
  if (c.epoch_position() >= train_.count()) {
    throw Error(path + ": epoch_position = " + std::to_string(c.epoch_position()) +
                " is beyond the training set's " + std::to_string(train_.count()) + " " +
                train_.Facts().noun);
  }
  checkpoint::CheckTensors(c, config_.model(), true, path);  // before sizing anything by it
  const nn::ParamLayout& layout = model_.layout();
  checkpoint::UnpackTensors(c.params(), layout, model_.params(), path, "params");
  checkpoint::RestoreOptimizerState(c.optimizer(), layout, optimizer_.get(), path);
  // A checkpoint without an average (ema_decay turned on now) starts it at its weights (Run).
  ema_restored_ = ema_ && c.ema_params_size() > 0;
  if (ema_restored_) {
    ema_->values().resize(model_.num_params());
    checkpoint::UnpackTensors(c.ema_params(), layout, ema_->values().data(), path, "ema_params");
  }
  step_ = c.global_step();
  epoch_ = c.epoch();
  epoch_position_ = c.epoch_position();
  wall_before_ = c.wall_seconds();
  order_epoch_ = -1;
}

void Trainer::CheckSameInputsAndOrder(const Checkpoint& c, const std::string& path) const {
  const DataConfig &saved = c.config().data(), &now = config_.data();
  const auto order_name = [](const DataConfig& d) {
    std::string name = DataConfig::PixelOrder_Name(d.pixel_order());
    if (d.pixel_order() == DataConfig::PERMUTED_PIXELS)
      name += " (permutation_seed " + std::to_string(d.permutation_seed()) + ")";
    return name;
  };
  if (order_name(saved) != order_name(now)) {
    throw Error(path + ": data.pixel_order = " + order_name(saved) + " in the checkpoint but " +
                order_name(now) + " in the config: the checkpoint learned another input order");
  }
  // Mid-epoch, epoch_position indexes the saved order; a bucketed order depends on these.
  const bool bucketed = saved.bucket_window() > 0 || now.bucket_window() > 0;
  const int64_t saved_batch = c.config().schedule().batch_size();
  const int64_t batch = config_.schedule().batch_size();
  if (c.epoch_position() > 0 && bucketed &&
      (saved.bucket_window() != now.bucket_window() || saved_batch != batch)) {
    throw Error(path + ": saved mid-epoch with data.bucket_window = " +
                std::to_string(saved.bucket_window()) +
                " and schedule.batch_size = " + std::to_string(saved_batch) + ", resumed with " +
                std::to_string(now.bucket_window()) + " and " + std::to_string(batch) +
                ": the rest of the epoch would skip or repeat samples (keep both until the epoch "
                "ends)");
  }
}

void Trainer::CheckReplicas() {
  const uint32_t mine = Crc32c(model_.params(), model_.num_params() * sizeof(float));
  const std::vector<uint64_t> all = comm_.AllGather(mine);
  std::string differing;
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r] != all[0]) differing += (differing.empty() ? "" : ", ") + std::to_string(r);
  }
  if (differing.empty()) return;
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08llX", static_cast<unsigned long long>(all[0]));
  // Every rank holds the same gathered values, so every rank stops here alike.
  throw AgreedError("replica mismatch at step " + std::to_string(step_) +
                        ": the parameters of rank(s) " + differing +
                        " differ from rank 0's (CRC32C " + crc + ")",
                    kExitReplicaMismatch);
}

void Trainer::PauseWatchdogTiming() {
  if (dist::Watchdog* watchdog = comm_.watchdog()) watchdog->Pause();
}

void Trainer::Save(MetricsLog& log) {
  // Agreed, so a save that fails on rank 0 (a full disk) ends every rank with its one line.
  std::string path;
  dist::RunAgreed(comm_, [&] {
    if (!comm_.is_root()) return;
    try {
      path = checkpoint::SaveCheckpoint(config_.checkpoint().dir(), MakeCheckpoint(),
                                        config_.checkpoint().keep(), faults_.SaveHook(step_));
    } catch (const Error& e) {
      throw Error(
          std::string(e.what()) + "; step " + std::to_string(step_) +
          " not saved, the earlier checkpoints are intact: once fixed, rerun with --resume auto");
    }
  });
  log.Info("Saved checkpoint " + path + " (step " + std::to_string(step_) + ")");
}

TrainResult Trainer::Run(MetricsLog& log) {
  // Every rank derived (or restored) the same weights; the broadcast makes that a fact.
  comm_.Broadcast(model_.params(), model_.num_params(), 0);
  RunProgress progress;
  progress.first_step = step_;
  progress.last_step = final_step();
  lr_schedule_ = std::make_unique<optim::LrSchedule>(
      config_.optimizer(), config_.schedule().batch_size(), progress.last_step);
  if (ema_ && !ema_restored_) ema_->Reset(model_.params(), model_.num_params());
  run_start_ = Now();
  progress.display_start = progress.last_save = run_start_;
  while (step_ < progress.last_step) {
    StepRecord record;
    const StepControl control = TimedStep(progress, &record);
    CountSkip(control, record, progress, log);
    Display(control, record, progress, log);
    Remember(record, log);
    CheckReplicasIfDue();
    const double pause_start = Now();  // saving and evaluating are not training time
    const bool eval_now = EvalDue(progress);
    if (SaveAndStop(control, eval_now, progress, log)) return FinishStopped(control, progress, log);
    if (eval_now) EvaluateAndLog(log);
    progress.display_start += Now() - pause_start;
  }
  return Finish(progress, log);
}

StepControl Trainer::TimedStep(RunProgress& progress, StepRecord* record) {
  // Only rank 0's clock decides, through the reduced control, so all ranks save together.
  const auto& k = config_.checkpoint();
  const bool time_to_save = !k.dir().empty() && k.every_seconds() > 0 && comm_.is_root() &&
                            Now() - progress.last_save >= k.every_seconds();
  const PhaseTotals phases_before = GlobalPhaseTotals();
  const bool profile = tensor::GemmProfileEnabled();
  const tensor::GemmProfile gemms_before =
      profile ? tensor::GlobalGemmProfile() : tensor::GemmProfile();
  const StepControl control = TrainStep(time_to_save, record);
  for (int p = 0; p < static_cast<int>(Phase::kCount); ++p) {
    progress.step_phases.seconds[p] += GlobalPhaseTotals().seconds[p] - phases_before.seconds[p];
  }
  if (profile) progress.step_gemms.Add(tensor::GlobalGemmProfile().Since(gemms_before));
  if (dist::Watchdog* watchdog = comm_.watchdog()) watchdog->StepDone();
  if (step_ == progress.first_step + 1) progress.first_step_seconds = SecondsSinceProcessStart();
  return control;
}

void Trainer::CountSkip(const StepControl& control, const StepRecord& record, RunProgress& progress,
                        MetricsLog& log) {
  if (control.apply_update()) {
    consecutive_skips_ = 0;
    return;
  }
  ++progress.skipped_steps;
  ++consecutive_skips_;
  log.Warn("step " + std::to_string(record.step) + ": loss or gradient is NaN/Inf on " +
           std::to_string(static_cast<int64_t>(control.nonfinite_ranks)) +
           " rank(s); update skipped (" + std::to_string(consecutive_skips_) + " in a row)");
  const int64_t most = config_.failure().max_consecutive_nonfinite();
  if (consecutive_skips_ < most) return;
  throw AgreedError("training diverged: " + std::to_string(consecutive_skips_) +
                        " steps in a row had a NaN/Inf loss or gradient (last: step " +
                        std::to_string(record.step) +
                        "; failure.max_consecutive_nonfinite = " + std::to_string(most) + ")",
                    kExitDiverged);
}

void Trainer::Display(const StepControl& control, StepRecord& record, RunProgress& progress,
                      MetricsLog& log) {
  const auto batch_samples = static_cast<int64_t>(control.sample_count);
  progress.display_samples += batch_samples;
  progress.total_samples += batch_samples;
  const int64_t step = record.step;
  if (step != 1 && step % config_.schedule().display_step() != 0 && step != progress.last_step)
    return;
  const double now = Now();
  record.samples_per_sec = progress.display_samples / std::max(now - progress.display_start, 1e-9);
  progress.display_start = now;
  progress.display_samples = 0;
  log.Step(record);
}

void Trainer::Remember(const StepRecord& record, MetricsLog& log) {
  // Bounded: a run of 10^12 steps must not grow with its step count.
  if (history_.size() >= 2 * kHistoryKept)
    history_.erase(history_.begin(), history_.end() - kHistoryKept);
  history_.push_back(record);
  log.Progress(record);
}

void Trainer::CheckReplicasIfDue() {
  const int64_t every = config_.failure().replica_check_every();
  if (every > 0 && step_ % every == 0) CheckReplicas();
}

bool Trainer::EvalDue(const RunProgress& progress) const {
  const int64_t every = config_.schedule().eval_every();
  return every > 0 && step_ % every == 0 && step_ != progress.last_step;  // the last: Finish
}

void Trainer::EvaluateAndLog(MetricsLog& log) {
  EvalRecord record = EvalRecordOf(step_, Evaluate(test_));
  if (ema_) AddEmaResult(EvaluateEma(test_), &record);
  log.Eval(record);
}

bool Trainer::SaveAndStop(const StepControl& control, bool eval_now, RunProgress& progress,
                          MetricsLog& log) {
  const auto& k = config_.checkpoint();
  const bool checkpoints = !k.dir().empty();
  const bool save_now = checkpoints && (control.save_requested() ||
                                        (k.every_steps() > 0 && step_ % k.every_steps() == 0));
  // Rank 0's save and the evaluation take unforeseeable time: no rank times that step.
  if (save_now || eval_now || step_ == progress.last_step) PauseWatchdogTiming();
  if (save_now) {
    Save(log);
    progress.saved_step = step_;
    progress.last_save = Now();
  }
  return control.stop_requested();
}

TrainResult Trainer::FinishStopped(const StepControl& control, const RunProgress& progress,
                                   MetricsLog& log) {
  // Preemption: save at once and leave the evaluation to the resumed run.
  const bool checkpoints = !config_.checkpoint().dir().empty();
  if (checkpoints && progress.saved_step != step_) Save(log);
  TrainResult result;
  result.steps = step_;
  result.skipped_steps = progress.skipped_steps;
  result.stopped_by_signal = true;
  result.wall_seconds = Now() - run_start_;
  const int here = StopSignalReceived();
  log.Info("Stopped at step " + std::to_string(step_) + ": stop signal on " +
           std::to_string(static_cast<int64_t>(control.stop_signals)) + " rank(s)" +
           (here ? " (signal " + std::to_string(here) + " on rank 0)" : std::string()) +
           (checkpoints ? "; resume with --resume auto" : "; no checkpoint.dir, nothing saved"));
  return result;
}

TrainResult Trainer::Finish(const RunProgress& progress, MetricsLog& log) {
  const double train_seconds = Now() - run_start_;
  const auto& k = config_.checkpoint();
  if (!k.dir().empty() && k.save_final() && progress.saved_step != step_) Save(log);
  TrainResult result;
  result.steps = step_;
  result.skipped_steps = progress.skipped_steps;
  result.test = Evaluate(test_);
  EvalRecord record = EvalRecordOf(step_, result.test);
  if (ema_) {
    result.ema_test = EvaluateEma(test_);
    AddEmaResult(result.ema_test, &record);
  }
  result.wall_seconds = Now() - run_start_;
  result.samples_per_sec = progress.total_samples / std::max(train_seconds, 1e-9);
  log.Eval(record);
  LogFinalRecord(result, progress, log);
  return result;
}

void Trainer::LogFinalRecord(const TrainResult& result, const RunProgress& progress,
                             MetricsLog& log) {
  FinalRecord final_record;
  final_record.step = step_;
  final_record.test_accuracy = result.test.accuracy;
  if (result.test.regression) {
    final_record.quality = metrics::Quality::kRmse;
    final_record.test_rmse = result.test.rmse;
  }
  final_record.wall_seconds = result.wall_seconds;
  final_record.world_size = comm_.size();
  final_record.samples_per_sec = result.samples_per_sec;
  final_record.first_step_seconds = progress.first_step_seconds;
  final_record.skipped_steps = progress.skipped_steps;
  final_record.simd_target = simd::ActiveTargetName();
  // Each rank fills its own slot; a sum then gathers every rank's value.
  const auto ranks = static_cast<size_t>(comm_.size());
  std::vector<double> stats(ranks + static_cast<size_t>(Phase::kCount), 0.0);
  stats[static_cast<size_t>(comm_.rank())] = PeakRssMiB();
  const int64_t steps_done = std::max<int64_t>(1, step_ - progress.first_step);
  for (int p = 0; p < static_cast<int>(Phase::kCount); ++p) {
    const double seconds = progress.step_phases.seconds[p];
    stats[ranks + static_cast<size_t>(p)] = 1000.0 * seconds / steps_done / comm_.size();
  }
  comm_.AllreduceSum(stats.data(), stats.size());
  final_record.peak_rss_mib.assign(stats.begin(), stats.begin() + comm_.size());
  final_record.phase_ms_per_step.assign(stats.begin() + comm_.size(), stats.end());
  if (tensor::GemmProfileEnabled()) final_record.gemm_profile_json = progress.step_gemms.ToJson();
  final_record.build_json = BuildInfoJson(CurrentBuildInfo());
  log.Final(final_record);
}

}  // namespace seqtrain::train
