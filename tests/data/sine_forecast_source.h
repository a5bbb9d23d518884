// A test-only forecasting set: sample i is a noisy sine of random amplitude, frequency and
// phase, computed from (seed, i) alone, read one value per step. The target is the next value
// of the series: after the last step (one value per sequence), or after every step (per step).
// NaiveRmse gives the last-value baseline a model must beat.
#pragma once

#include <cstdint>

#include "data/data_source.h"

namespace seqtrain::testing {

class SineForecast final : public data::DataSource {
 public:
  // Lengths from min_length to steps (min_length == steps: all full); noise: the standard
  // deviation of the Gaussian noise on every value.
  SineForecast(int64_t count, int steps, int min_length, bool per_step, double noise,
               uint64_t seed);

  int64_t count() const override { return count_; }
  int steps() const override { return steps_; }
  int inputs() const override { return 1; }
  int num_classes() const override { return 0; }
  bool variable_length() const override { return min_length_ < steps_; }
  data::TargetSpec target_spec() const override;
  int Read(int64_t index, float* sequence, const data::TargetsOut& targets) const override;
  data::SetFacts Facts() const override;

  // The RMSE of predicting each target by the value just before it.
  double NaiveRmse() const;

 private:
  int64_t count_;
  int steps_, min_length_;
  bool per_step_;
  double noise_;
  uint64_t seed_;
};

}  // namespace seqtrain::testing
