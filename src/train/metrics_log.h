// Rank 0's report of a run: human-readable lines on stdout and, optionally,
// JSON lines in a file (one object per display step, evaluation and the end)
// and TensorBoard event files (the same scalars). On an interactive terminal a
// live progress line sits below the plain lines (docs/metrics.md).
// On other ranks every call does nothing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "metrics/metrics_records.h"
#include "metrics/progress_line.h"
#include "metrics/tfevents_writer.h"

namespace seqtrain::train {

// The records are the metrics layer's, which writes and reads their JSON lines.
using metrics::EvalRecord;
using metrics::FinalRecord;
using metrics::StepRecord;

struct MetricsOutputs {
  std::string jsonl_path;       // JSON lines; empty: none
  std::string tensorboard_dir;  // TensorBoard event files; empty: none
  // Reported as a scalar with each display step: Adam's rate is constant here.
  double learning_rate = 0;
  // The live progress line: kAuto shows it when the console is interactive.
  enum class Progress { kAuto, kOn, kOff };
  Progress progress = Progress::kAuto;
};

class MetricsLog {
 public:
  // On rank 0, opens (truncates) outputs.jsonl_path and creates an event file
  // in outputs.tensorboard_dir when they are not empty; throws seqtrain::Error
  // naming the path when it cannot.
  MetricsLog(bool is_root, const MetricsOutputs& outputs, std::FILE* console = stdout);
  // JSON lines only, progress line when the console is interactive.
  MetricsLog(bool is_root, const std::string& jsonl_path, std::FILE* console = stdout)
      : MetricsLog(is_root, MetricsOutputs{jsonl_path, "", 0, MetricsOutputs::Progress::kAuto},
                   console) {}
  ~MetricsLog();

  // The run's extent, for the progress line's step/total, epoch and ETA.
  void BeginRun(int64_t first_step, int64_t final_step, int64_t steps_per_epoch);
  // Refreshes the progress line (at most 10 times a second); meant for every
  // step, and cheap when there is no progress line.
  void Progress(const StepRecord& r);

  void Info(const std::string& line);
  // "seqtrain: warning: ..." on stderr.
  void Warn(const std::string& line);
  void Step(const StepRecord& r);
  void Eval(const EvalRecord& r);
  void Final(const FinalRecord& r);

 private:
  void WriteJson(const std::string& line);
  void UpdateProgress(const StepRecord& r);

  bool is_root_;
  std::string jsonl_path_;
  std::FILE* console_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> jsonl_{nullptr, &std::fclose};
  std::unique_ptr<metrics::TfEventsWriter> tensorboard_;
  double learning_rate_;
  metrics::ProgressLine progress_;
  metrics::ProgressState progress_state_;
  double run_start_ = 0;         // steady clock, seconds
  double last_draw_ = -1e30;     // steady clock, seconds
  bool progress_drawn_ = false;  // redraw after an ordinary line only once one was shown
  bool finished_ = false;
};

}  // namespace seqtrain::train
