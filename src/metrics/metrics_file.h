// Reading back the JSON lines MetricsLog writes (docs/metrics.md), for
// `seqtrain plot`. Each line must be one JSON object with a string "event";
// "step" and "eval" lines must carry their numbers, other events are skipped
// so newer files still plot. Besides strict JSON, the bare tokens nan, inf and
// -inf are read as numbers: printf writes them for a diverged loss.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

namespace seqtrain::metrics {

struct StepPoint {
  int64_t step = 0;
  double loss = 0;
  double train_accuracy = 0;
};

struct EvalPoint {
  int64_t step = 0;
  double test_accuracy = 0;
  double test_loss = 0;
};

struct MetricsHistory {
  std::vector<StepPoint> steps;  // in file order
  std::vector<EvalPoint> evals;
};

// Longer lines are refused: the longest MetricsLog writes is a few KiB.
constexpr size_t kMaxMetricsLineBytes = size_t{1} << 20;

// Throws seqtrain::Error "name:line: reason" for the first malformed line.
MetricsHistory ParseMetrics(std::istream& in, const std::string& name);
// Same for a file; also "path: cannot read ..." when it cannot be opened or is not a regular file.
MetricsHistory ReadMetricsFile(const std::string& path);

}  // namespace seqtrain::metrics
