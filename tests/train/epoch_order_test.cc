// The epoch order: every sample once, a pure function of (seed, epoch, batch, window), and with
// data.bucket_window the batches are cut from length-sorted windows and then shuffled.
#include "train/epoch_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "util/rng.h"

namespace seqtrain::train {
namespace {

std::vector<int32_t> SkewedLengths(int64_t count, uint64_t seed) {
  Rng rng(seed);
  std::vector<int32_t> lengths(static_cast<size_t>(count));
  for (auto& l : lengths) {
    const double u = rng.Uniform01();
    l = 1 + static_cast<int32_t>(99 * u * u * u);  // many short, few long
  }
  return lengths;
}

EpochOrderSpec Spec(int64_t batch, int64_t window, bool shuffle = true) {
  EpochOrderSpec s;
  s.seed = 9;
  s.shuffle = shuffle;
  s.batch_size = batch;
  s.bucket_window = window;
  return s;
}

void ExpectPermutation(const std::vector<int64_t>& order, int64_t count) {
  ASSERT_EQ(static_cast<int64_t>(order.size()), count);
  std::vector<int64_t> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < count; ++i) ASSERT_EQ(sorted[static_cast<size_t>(i)], i);
}

TEST(EpochOrder, EverySampleOncePerEpoch) {
  for (int64_t count : {1, 7, 100, 1000, 1003}) {
    const std::vector<int32_t> lengths = SkewedLengths(count, 1);
    for (int64_t batch : {1, 3, 32, 2000}) {
      for (int64_t window : {0, 1, 4, 1000}) {
        for (bool shuffle : {true, false}) {
          SCOPED_TRACE(std::to_string(count) + " " + std::to_string(batch) + " " +
                       std::to_string(window) + " " + std::to_string(shuffle));
          ExpectPermutation(MakeEpochOrder(count, 2, Spec(batch, window, shuffle), lengths), count);
        }
      }
    }
  }
}

TEST(EpochOrder, APureFunctionOfSeedAndEpoch) {
  const std::vector<int32_t> lengths = SkewedLengths(500, 2);
  const EpochOrderSpec spec = Spec(16, 4);
  EXPECT_EQ(MakeEpochOrder(500, 3, spec, lengths), MakeEpochOrder(500, 3, spec, lengths));
  EXPECT_NE(MakeEpochOrder(500, 3, spec, lengths), MakeEpochOrder(500, 4, spec, lengths));
  EpochOrderSpec other = spec;
  other.seed = 10;
  EXPECT_NE(MakeEpochOrder(500, 3, spec, lengths), MakeEpochOrder(500, 3, other, lengths));
  // Without bucketing the lengths play no part.
  EXPECT_EQ(MakeEpochOrder(500, 3, Spec(16, 0), lengths), MakeEpochOrder(500, 3, Spec(16, 0), {}));
}

// Each full batch is a slice of its window sorted by length: its samples come from one window
// of the epoch's permutation, and the batches of a window do not overlap in length.
TEST(EpochOrder, BatchesAreCutFromLengthSortedWindowsThenShuffled) {
  const int64_t count = 1000, batch = 16, window = 4;  // 62 full batches, remainder 8
  const std::vector<int32_t> lengths = SkewedLengths(count, 3);
  const std::vector<int64_t> base = MakeEpochOrder(count, 5, Spec(batch, 0), lengths);
  const std::vector<int64_t> order = MakeEpochOrder(count, 5, Spec(batch, window), lengths);
  std::vector<int64_t> window_of(static_cast<size_t>(count));
  for (int64_t i = 0; i < count; ++i)
    window_of[static_cast<size_t>(base[static_cast<size_t>(i)])] = i / (batch * window);
  const int64_t batches = count / batch;
  std::vector<std::vector<std::pair<int32_t, int32_t>>> ranges(
      static_cast<size_t>(batches / window + 1));  // per window: (min, max) of its batches
  std::vector<int64_t> batch_windows;
  for (int64_t b = 0; b < batches; ++b) {
    const auto first = order.begin() + b * batch;
    const int64_t w = window_of[static_cast<size_t>(*first)];
    int32_t lo = 1 << 30, hi = 0;
    for (auto it = first; it != first + batch; ++it) {
      ASSERT_EQ(window_of[static_cast<size_t>(*it)], w) << "batch " << b << " spans windows";
      lo = std::min(lo, lengths[static_cast<size_t>(*it)]);
      hi = std::max(hi, lengths[static_cast<size_t>(*it)]);
    }
    ranges[static_cast<size_t>(w)].push_back({lo, hi});
    batch_windows.push_back(w);
  }
  for (auto& r : ranges) {
    std::sort(r.begin(), r.end());
    for (size_t i = 1; i < r.size(); ++i) EXPECT_LE(r[i - 1].second, r[i].first);
  }
  // The batches were shuffled: the windows do not come in order.
  EXPECT_FALSE(std::is_sorted(batch_windows.begin(), batch_windows.end()));
  // The remainder is the permutation's last samples, last.
  EXPECT_EQ(std::set<int64_t>(order.begin() + batches * batch, order.end()),
            std::set<int64_t>(base.begin() + batches * batch, base.end()));
}

// What bucketing is for: the batches' longest sequences sum to much less (the steps run).
TEST(EpochOrder, BucketingCutsTheStepsRun) {
  const int64_t count = 4096, batch = 32;
  const std::vector<int32_t> lengths = SkewedLengths(count, 4);
  auto steps_run = [&](int64_t window) {
    const std::vector<int64_t> order = MakeEpochOrder(count, 0, Spec(batch, window), lengths);
    int64_t total = 0;
    for (int64_t b = 0; b < count; b += batch) {
      int32_t longest = 0;
      for (int64_t i = b; i < std::min(count, b + batch); ++i)
        longest = std::max(longest, lengths[static_cast<size_t>(order[static_cast<size_t>(i)])]);
      total += longest;
    }
    return total;
  };
  const int64_t plain = steps_run(0), bucketed = steps_run(16);
  RecordProperty("steps_run_plain_bucketed",
                 std::to_string(plain) + " " + std::to_string(bucketed));
  EXPECT_LT(bucketed * 2, plain);
}

TEST(EpochOrder, WithoutShuffleBucketingIsTheSortedFileOrder) {
  const std::vector<int32_t> lengths = {5, 1, 4, 2, 3, 9, 8, 7};
  const std::vector<int64_t> order = MakeEpochOrder(8, 0, Spec(2, 2, false), lengths);
  // Windows {0..3} and {4..7} sorted by length, the batches kept in place.
  EXPECT_EQ(order, (std::vector<int64_t>{1, 3, 2, 0, 4, 7, 6, 5}));
}

}  // namespace
}  // namespace seqtrain::train
