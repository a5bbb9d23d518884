// The live progress line rank 0 keeps at the bottom of an interactive
// terminal: redrawn in place with "\r", erased before each ordinary line so
// the plain "Step N, ..." lines stay exactly as in a batch log.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace seqtrain::metrics {

struct ProgressState {
  int64_t epoch = 0;         // 0-based, as in the metrics; shown 1-based
  int64_t total_epochs = 0;  // 0: unknown
  int64_t step = 0;          // steps done in total
  int64_t first_step = 0;    // step at which this run (or resume) started
  int64_t final_step = 0;
  double loss = 0;
  double samples_per_sec = 0;  // 0: not measured yet
  double elapsed_seconds = 0;  // since first_step
};

// "1:05" below an hour, "2:03:04" from an hour on, "--:--" when unknown
// (negative, infinite or NaN).
std::string FormatDuration(double seconds);

// Seconds left at this run's mean rate so far; NaN before the first step.
double EstimateEtaSeconds(const ProgressState& s);

// "epoch 2/10 | step 600/4690 (12.8%) | loss 0.3124 | 5120 samples/s | ETA 1:23"
// (under 80 columns for the reference workload).
std::string FormatProgress(const ProgressState& s);

// Whether out is a terminal a person watches. Under Open MPI every rank's
// stdout is a pseudo-terminal even when mpirun's own output goes to a file, so
// there isatty() is asked of mpirun's stdout (the parent process's) instead.
bool IsInteractive(std::FILE* out);

class ProgressLine {
 public:
  // enabled false: every call does nothing.
  ProgressLine(std::FILE* out, bool enabled) : out_(out), enabled_(enabled && out != nullptr) {}
  ~ProgressLine() { Clear(); }

  void Draw(const ProgressState& s);
  // Erases the line if one is shown; call before printing anything else.
  void Clear();
  bool enabled() const { return enabled_; }

 private:
  std::FILE* out_;
  bool enabled_;
  bool shown_ = false;
};

}  // namespace seqtrain::metrics
