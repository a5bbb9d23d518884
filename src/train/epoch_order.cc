#include "train/epoch_order.h"

#include <algorithm>
#include <numeric>

#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::train {
namespace {

// Purposes for DeriveSeed (train/trainer.cc has 1: initialization, 3: dropout).
constexpr uint64_t kEpochOrderStream = 2;
constexpr uint64_t kBatchShuffleStream = 4;

void SortByLength(std::vector<int64_t>::iterator begin, std::vector<int64_t>::iterator end,
                  const std::vector<int32_t>& lengths) {
  std::stable_sort(begin, end, [&lengths](int64_t a, int64_t b) {
    return lengths[static_cast<size_t>(a)] < lengths[static_cast<size_t>(b)];
  });
}

}  // namespace

EpochOrderSpec EpochOrderSpecOf(const TrainConfig& config) {
  EpochOrderSpec spec;
  spec.seed = config.seed();
  spec.shuffle = config.data().shuffle();
  spec.batch_size = config.schedule().batch_size();
  spec.bucket_window = config.data().bucket_window();
  return spec;
}

std::vector<int64_t> MakeEpochOrder(int64_t count, int64_t epoch, const EpochOrderSpec& spec,
                                    const std::vector<int32_t>& lengths) {
  std::vector<int64_t> order;
  if (spec.shuffle) {
    order = RandomPermutation(
        count, DeriveSeed(spec.seed, kEpochOrderStream, static_cast<uint64_t>(epoch)));
  } else {
    order.resize(static_cast<size_t>(count));
    std::iota(order.begin(), order.end(), int64_t{0});
  }
  if (spec.bucket_window == 0) return order;
  SEQ_CHECK(spec.batch_size > 0 && static_cast<int64_t>(lengths.size()) == count);
  const int64_t batch = spec.batch_size;
  const int64_t batches = count / batch, full = batches * batch;
  // Windows of at most K batches; the last window of full batches may be shorter.
  const int64_t window = spec.bucket_window > batches ? full : spec.bucket_window * batch;
  for (int64_t w = 0; w < full; w += window) {
    SortByLength(order.begin() + w, order.begin() + std::min(full, w + window), lengths);
  }
  SortByLength(order.begin() + full, order.end(), lengths);
  if (!spec.shuffle || batches < 2) return order;
  const std::vector<int64_t> batch_order = RandomPermutation(
      batches, DeriveSeed(spec.seed, kBatchShuffleStream, static_cast<uint64_t>(epoch)));
  std::vector<int64_t> shuffled(order.size());
  for (int64_t b = 0; b < batches; ++b) {
    const auto from = order.begin() + batch_order[static_cast<size_t>(b)] * batch;
    std::copy(from, from + batch, shuffled.begin() + b * batch);
  }
  std::copy(order.begin() + full, order.end(), shuffled.begin() + full);
  return shuffled;
}

}  // namespace seqtrain::train
