// Rank 0's report of a run: human-readable lines on stdout and, optionally,
// JSON lines in a file (one object per display step, evaluation and the end).
// On other ranks every call does nothing.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace seqtrain::train {

struct StepRecord {
  int64_t step = 0;   // 1-based count of optimizer steps done
  int64_t epoch = 0;  // 0-based epoch the step's batch came from
  double loss = 0;    // mean over the global batch, before the update
  double train_accuracy = 0;
  double samples_per_sec = 0;  // since the previous display
};

struct EvalRecord {
  int64_t step = 0;
  double test_accuracy = 0;
  double test_loss = 0;
  int64_t count = 0;
};

struct FinalRecord {
  int64_t step = 0;
  double test_accuracy = 0;
  double wall_seconds = 0;
  int world_size = 1;
  double samples_per_sec = 0;
  // For benchmarks.
  double first_step_seconds = 0;         // process start to end of the first step, rank 0
  std::vector<double> peak_rss_mib;      // per rank
  std::vector<double> phase_ms_per_step; // per Phase, mean over ranks
  int64_t skipped_steps = 0;
};

class MetricsLog {
 public:
  // Opens (truncates) jsonl_path on rank 0 when it is not empty; throws
  // seqtrain::Error when it cannot.
  MetricsLog(bool is_root, const std::string& jsonl_path, std::FILE* console = stdout);

  void Info(const std::string& line);
  // "seqtrain: warning: ..." on stderr.
  void Warn(const std::string& line);
  void Step(const StepRecord& r);
  void Eval(const EvalRecord& r);
  void Final(const FinalRecord& r);

 private:
  void WriteJson(const std::string& line);

  bool is_root_;
  std::string jsonl_path_;
  std::FILE* console_;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> jsonl_{nullptr, &std::fclose};
};

}  // namespace seqtrain::train
