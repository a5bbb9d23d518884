// A toy data source, added the way any new format is: this file and its .cc
// plus one registration line. Sample i is a synthetic sequence computed from
// (seed, i) alone: its class k lights input k % inputs at every step it has,
// over small noise, so a few steps of training learn it.
#pragma once

#include <cstdint>

#include "data/data_source.h"

namespace seqtrain::testing {

class ToySequences final : public data::DataSource {
 public:
  // vary_lengths: lengths from 1 to steps, else every sample has steps.
  ToySequences(int64_t count, int steps, int inputs, int num_classes, bool vary_lengths,
               uint64_t seed);

  int64_t count() const override { return count_; }
  int steps() const override { return steps_; }
  int inputs() const override { return inputs_; }
  int num_classes() const override { return num_classes_; }
  bool variable_length() const override { return vary_lengths_ && steps_ > 1; }
  data::Sample Read(int64_t index, float* sequence) const override;
  data::SetFacts Facts() const override;

 private:
  int64_t count_;
  int steps_, inputs_, num_classes_;
  bool vary_lengths_;
  uint64_t seed_;
};

// The format name it is registered under ("toy_sequences"): 512 training and 128 test
// samples of the model's shape, seeded by data.dir's length (any dir works).
extern const char kToyFormat[];

}  // namespace seqtrain::testing
