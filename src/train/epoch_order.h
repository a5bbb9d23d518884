// The order in which an epoch visits the training set: a permutation drawn from (seed, epoch)
// (or the file order without data.shuffle), cut into global batches in order. With
// data.bucket_window K > 0 the full batches are length-bucketed: the samples of each window of
// K batches are sorted by length (ties keep the permutation's order), cut into batches, and the
// batches of the whole epoch are shuffled (seed, epoch); the remainder batch (count % batch
// samples) stays last, sorted too. A pure function of its arguments, so every rank derives the
// same order and a resumed run continues it at epoch_position.
#pragma once

#include <cstdint>
#include <vector>

#include "config.pb.h"

namespace seqtrain::train {

struct EpochOrderSpec {
  uint64_t seed = 0;
  bool shuffle = true;
  int64_t batch_size = 1;
  int64_t bucket_window = 0;  // 0: no bucketing, lengths unused
};

EpochOrderSpec EpochOrderSpecOf(const TrainConfig& config);

// A permutation of [0, lengths.size() or count): with bucketing, lengths (one per sample, count
// of them) decide it; without, lengths may be empty.
std::vector<int64_t> MakeEpochOrder(int64_t count, int64_t epoch, const EpochOrderSpec& spec,
                                    const std::vector<int32_t>& lengths);

}  // namespace seqtrain::train
