// What every rank contributes to a training step's decisions: its share of the
// global batch's statistics and its requests. Summed over the ranks in double
// (counts exact to 2^53, loss sums without float rounding), so every rank holds
// the same totals and takes the same decisions from them.
#pragma once

#include <array>
#include <cstddef>

#include "dist/communicator.h"

namespace seqtrain::train {

struct StepControl {
  double sample_count = 0;
  double loss_sum = 0;
  double correct_count = 0;
  // Targets the loss sums over (nn::BatchStats::count): the samples for a last-step
  // classifier, real steps per step, each of the K values for regression. The loss and the
  // update are means over them.
  double save_requests = 0;    // > 0: save after this step (rank 0's timer)
  double stop_signals = 0;     // ranks that received a stop signal: save and stop after this step
  double nonfinite_ranks = 0;  // ranks whose loss or gradient is NaN/Inf: skip this update
  double target_count = 0;

  static constexpr size_t kSlots = 7;
  using Slots = std::array<double, kSlots>;

  Slots Pack() const;
  static StepControl Unpack(const Slots& slots);

  // The sum over every rank of comm (one allreduce of kSlots doubles).
  StepControl SumOverRanks(dist::Communicator& comm) const;

  // Decisions, on summed values.
  bool apply_update() const { return nonfinite_ranks == 0; }
  bool save_requested() const { return save_requests > 0; }
  bool stop_requested() const { return stop_signals > 0; }
  double mean_loss() const { return loss_sum / target_count; }
  double accuracy() const { return correct_count / target_count; }
  // For squared error: the root of the mean loss.
  double rmse() const;
};

}  // namespace seqtrain::train
