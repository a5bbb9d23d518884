// A toy data source, added the way any new format is: this file and its .cc
// plus one registration line. Sample i is a synthetic sequence computed from
// (seed, i) alone: its class k lights input k % inputs at every step it has,
// over small noise, so a few steps of training learn it. The other target kinds
// are as learnable: per step, each step lights its own class; a value target is
// the mean over the sample's steps of input k % inputs (per step: the running mean).
#pragma once

#include <cstdint>

#include "data/data_source.h"

namespace seqtrain::testing {

class ToySequences final : public data::DataSource {
 public:
  // vary_lengths: lengths from 1 to steps, else every sample has steps.
  ToySequences(int64_t count, int steps, int inputs, int num_classes, bool vary_lengths,
               uint64_t seed, data::TargetSpec targets = {});

  int64_t count() const override { return count_; }
  int steps() const override { return steps_; }
  int inputs() const override { return inputs_; }
  int num_classes() const override { return targets_.is_class() ? num_classes_ : 0; }
  bool variable_length() const override { return vary_lengths_ && steps_ > 1; }
  data::TargetSpec target_spec() const override { return targets_; }
  int Read(int64_t index, float* sequence, const data::TargetsOut& targets) const override;
  data::SetFacts Facts() const override;

 private:
  int64_t count_;
  int steps_, inputs_, num_classes_;
  bool vary_lengths_;
  uint64_t seed_;
  data::TargetSpec targets_;
};

// The format name it is registered under ("toy_sequences"): 512 training and 128 test
// samples of the model's shape, seeded by data.dir's length (any dir works).
extern const char kToyFormat[];
// The same with the other target kinds: 2 values per sequence, a class per step, 2 values per
// step.
extern const char kToyValuesFormat[];
extern const char kToyStepClassesFormat[];
extern const char kToyStepValuesFormat[];

}  // namespace seqtrain::testing
