#include "train/metrics_log.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstring>

#include "metrics/metrics_file.h"
#include "util/error.h"
#include "util/phase_timer.h"

namespace seqtrain::train {
namespace {
std::string Format(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
std::string Format(const char* fmt, ...) {
  char buf[512];
  va_list args;
  va_start(args, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, args);
  va_end(args);
  return buf;
}

double SteadySeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

bool ShowProgress(bool is_root, MetricsOutputs::Progress mode, std::FILE* console) {
  if (!is_root || console == nullptr) return false;
  if (mode == MetricsOutputs::Progress::kAuto) return metrics::IsInteractive(console);
  return mode == MetricsOutputs::Progress::kOn;
}
}  // namespace

MetricsLog::MetricsLog(bool is_root, const MetricsOutputs& outputs, std::FILE* console)
    : is_root_(is_root),
      jsonl_path_(outputs.jsonl_path),
      console_(console),
      learning_rate_(outputs.learning_rate),
      progress_(console, ShowProgress(is_root, outputs.progress, console)),
      run_start_(SteadySeconds()) {
  if (!is_root_) return;
  if (!jsonl_path_.empty()) {
    jsonl_.reset(std::fopen(jsonl_path_.c_str(), "w"));
    if (!jsonl_) throw Error(jsonl_path_ + ": cannot write metrics file: " + std::strerror(errno));
  }
  if (!outputs.tensorboard_dir.empty()) {
    tensorboard_ = std::make_unique<metrics::TfEventsWriter>(outputs.tensorboard_dir);
  }
}

// Leaves the terminal's cursor at the start of an empty line, whatever ends the run.
MetricsLog::~MetricsLog() { progress_.Clear(); }

void MetricsLog::BeginRun(int64_t first_step, int64_t final_step, int64_t steps_per_epoch) {
  progress_state_.first_step = first_step;
  progress_state_.step = first_step;
  progress_state_.final_step = final_step;
  progress_state_.total_epochs =
      steps_per_epoch > 0 ? (final_step + steps_per_epoch - 1) / steps_per_epoch : 0;
  run_start_ = SteadySeconds();
}

void MetricsLog::UpdateProgress(const StepRecord& r) {
  progress_state_.step = r.step;
  progress_state_.epoch = r.epoch;
  progress_state_.loss = r.loss;
  if (r.samples_per_sec > 0) progress_state_.samples_per_sec = r.samples_per_sec;
  last_draw_ = SteadySeconds();
  progress_state_.elapsed_seconds = last_draw_ - run_start_;
  progress_drawn_ = true;
}

void MetricsLog::Progress(const StepRecord& r) {
  if (!progress_.enabled() || finished_) return;
  // A redraw per step (tens a second) would only make the terminal flicker.
  if (SteadySeconds() - last_draw_ < 0.1) return;
  UpdateProgress(r);
  progress_.Draw(progress_state_);
}

void MetricsLog::Info(const std::string& line) {
  if (!is_root_ || !console_) return;
  progress_.Clear();
  std::fprintf(console_, "%s\n", line.c_str());
  std::fflush(console_);
  if (progress_drawn_ && !finished_) progress_.Draw(progress_state_);
}

void MetricsLog::Warn(const std::string& line) {
  if (!is_root_) return;
  progress_.Clear();  // stderr usually shares the terminal
  std::fprintf(stderr, "seqtrain: warning: %s\n", line.c_str());
  std::fflush(stderr);
  if (progress_drawn_ && !finished_) progress_.Draw(progress_state_);
}

void MetricsLog::WriteJson(const std::string& line) {
  if (!jsonl_) return;
  // Flushed per line so a run that dies still leaves every line it reported.
  if (std::fprintf(jsonl_.get(), "%s\n", line.c_str()) < 0 || std::fflush(jsonl_.get()) != 0) {
    throw Error(jsonl_path_ + ": cannot write metrics file: " + std::strerror(errno));
  }
}

void MetricsLog::Step(const StepRecord& r) {
  if (!is_root_) return;
  // Info() redraws the progress line below the plain line, already with this step.
  if (progress_.enabled() && !finished_) UpdateProgress(r);
  const bool rmse = r.quality == metrics::Quality::kRmse;
  if (rmse) {
    Info(Format("Step %lld, Minibatch Loss= %.4f, Training RMSE= %.4f, %.0f samples/s",
                static_cast<long long>(r.step), r.loss, r.train_rmse, r.samples_per_sec));
  } else {
    Info(Format("Step %lld, Minibatch Loss= %.4f, Training Accuracy= %.3f, %.0f samples/s",
                static_cast<long long>(r.step), r.loss, r.train_accuracy, r.samples_per_sec));
  }
  WriteJson(metrics::JsonLine(r));
  if (tensorboard_) {
    tensorboard_->WriteScalars(
        r.step,
        {{"train/loss", r.loss},
         {rmse ? "train/rmse" : "train/accuracy", rmse ? r.train_rmse : r.train_accuracy},
         {"train/learning_rate", std::isnan(r.learning_rate) ? learning_rate_ : r.learning_rate},
         {"train/samples_per_sec", r.samples_per_sec}});
  }
}

void MetricsLog::Eval(const EvalRecord& r) {
  if (!is_root_) return;
  const bool rmse = r.quality == metrics::Quality::kRmse;
  Info(Format("Step %lld, Test %s= %.4f, Test Loss= %.4f (%lld %s)", static_cast<long long>(r.step),
              rmse ? "RMSE" : "Accuracy", rmse ? r.test_rmse : r.test_accuracy, r.test_loss,
              static_cast<long long>(r.count), r.noun.c_str()));
  if (!std::isnan(r.ema_test_loss)) {
    Info(Format("Step %lld, EMA Test %s= %.4f, EMA Test Loss= %.4f", static_cast<long long>(r.step),
                rmse ? "RMSE" : "Accuracy", r.ema_test_accuracy, r.ema_test_loss));
  }
  WriteJson(metrics::JsonLine(r));
  if (tensorboard_) {
    tensorboard_->WriteScalars(
        r.step, {{rmse ? "test/rmse" : "test/accuracy", rmse ? r.test_rmse : r.test_accuracy},
                 {"test/loss", r.test_loss}});
    if (!std::isnan(r.ema_test_loss)) {
      tensorboard_->WriteScalars(
          r.step, {{rmse ? "test/ema_rmse" : "test/ema_accuracy", r.ema_test_accuracy},
                   {"test/ema_loss", r.ema_test_loss}});
    }
  }
}

void MetricsLog::Final(const FinalRecord& r) {
  if (!is_root_) return;
  finished_ = true;
  const bool rmse = r.quality == metrics::Quality::kRmse;
  Info(
      Format("Optimization Finished! Testing %s: %.4f (%lld steps, %d rank%s, %.1f s, %.0f "
             "samples/s)",
             rmse ? "RMSE" : "Accuracy", rmse ? r.test_rmse : r.test_accuracy,
             static_cast<long long>(r.step), r.world_size, r.world_size == 1 ? "" : "s",
             r.wall_seconds, r.samples_per_sec));
  std::string phases;
  double total = 0;
  for (double ms : r.phase_ms_per_step) total += ms;
  for (size_t i = 0; i < r.phase_ms_per_step.size(); ++i) {
    const char* name = PhaseName(static_cast<Phase>(i));
    const double ms = r.phase_ms_per_step[i];
    phases += Format("%s%s %.3f ms (%.0f%%)", i ? ", " : "", name, ms,
                     total > 0 ? 100 * ms / total : 0.0);
  }
  std::string rss;
  for (size_t i = 0; i < r.peak_rss_mib.size(); ++i) {
    rss += Format("%s%.1f", i ? " " : "", r.peak_rss_mib[i]);
  }
  Info("Time per step: " + phases + "; peak RSS MiB per rank: " + rss +
       Format("; first step done %.2f s after launch", r.first_step_seconds));
  WriteJson(metrics::JsonLine(r));
}

}  // namespace seqtrain::train
