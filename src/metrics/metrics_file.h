// The metrics JSON lines (docs/metrics.md), written and read through the
// records' Schema (metrics/metrics_records.h). Each line is one JSON object with
// a string "event"; "step", "eval" and "final" lines are read into their
// records, other events are skipped and unknown fields ignored, so newer files
// still plot. Besides strict JSON, the bare tokens nan, -nan, inf and -inf are
// numbers: printf writes them for a diverged loss, and the writer keeps today's
// printf formats so that every line stays byte-identical to earlier versions.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <vector>

#include "metrics/metrics_records.h"

namespace seqtrain::metrics {

// One line, without its newline.
std::string JsonLine(const StepRecord& record);
std::string JsonLine(const EvalRecord& record);
std::string JsonLine(const FinalRecord& record);

struct MetricsHistory {
  std::vector<StepRecord> steps;  // in file order
  std::vector<EvalRecord> evals;
  std::vector<FinalRecord> finals;
};

// Longer lines are refused: the longest MetricsLog writes is a few KiB.
constexpr size_t kMaxMetricsLineBytes = size_t{1} << 20;

// Throws seqtrain::Error "name:line: reason" for the first malformed line; the
// reason names the field, or the column of a syntax error.
MetricsHistory ParseMetrics(std::istream& in, const std::string& name);
// Same for a file; also "path: cannot read ..." when it cannot be opened or is not a regular file.
MetricsHistory ReadMetricsFile(const std::string& path);

}  // namespace seqtrain::metrics
