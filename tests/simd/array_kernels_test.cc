// The flat-array kernels of the training step on every SIMD target, against
// plain loops (bit for bit where the order of additions is the same) and double.
#include "simd/array_kernels.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <vector>

#include "support/simd_targets.h"
#include "util/rng.h"

namespace seqtrain::simd {
namespace {

using seqtrain::testing::ForEachSimdTarget;

std::vector<float> RandomFloats(size_t n, uint64_t seed, double limit = 3) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(rng.Uniform(-limit, limit));
  return v;
}

TEST(AllFinite, FindsNanAndInfAtEveryPositionAndTailLength) {
  ForEachSimdTarget([&](const Target&) {
    EXPECT_TRUE(AllFinite(nullptr, 0));
    for (size_t n = 1; n <= 70; ++n) {
      // The largest, smallest and subnormal floats, and -0, are all finite.
      std::vector<float> x = RandomFloats(n, n);
      const float edge[] = {FLT_MAX, -FLT_MAX, FLT_MIN, FLT_TRUE_MIN, -0.0f};
      for (size_t k = 0; k < n && k < 5; ++k) x[n - 1 - k] = edge[k];
      ASSERT_TRUE(AllFinite(x.data(), n)) << n;
      for (size_t at = 0; at < n; ++at) {
        for (const float bad : {NAN, -NAN, INFINITY, -INFINITY}) {
          std::vector<float> y = x;
          y[at] = bad;
          ASSERT_FALSE(AllFinite(y.data(), n)) << "n " << n << " at " << at << " value " << bad;
          // Only [0, at] is looked at: the bad value just past the end goes unseen.
          ASSERT_TRUE(AllFinite(y.data(), at)) << "n " << at << " reads past its end";
        }
      }
    }
  });
}

TEST(AddTo, IsThePlainLoopBitForBit) {
  ForEachSimdTarget([&](const Target&) {
    for (size_t n : {0, 1, 7, 16, 33, 1000}) {
      std::vector<float> y = RandomFloats(n + 1, 1), x = RandomFloats(n + 1, 2), want = y;
      for (size_t i = 0; i < n; ++i) want[i] += x[i];
      AddTo(y.data(), x.data(), n);
      ASSERT_EQ(y, want) << n;  // and y[n] untouched
    }
  });
}

TEST(SumRows, AddsRowsInOrderBitForBit) {
  ForEachSimdTarget([&](const Target&) {
    for (const auto [rows, cols] :
         {std::pair<size_t, size_t>{1, 1}, {5, 10}, {64, 37}, {1792, 512}}) {
      const std::vector<float> m = RandomFloats(rows * cols, rows + cols);
      std::vector<float> want(cols, 0.0f), got(cols + 1, 42.0f);
      std::vector<double> exact(cols, 0.0);
      for (size_t r = 0; r < rows; ++r) {
        for (size_t j = 0; j < cols; ++j) {
          want[j] += m[r * cols + j];
          exact[j] += m[r * cols + j];
        }
      }
      SumRows(m.data(), rows, cols, got.data());
      ASSERT_EQ(got[cols], 42.0f);
      got.pop_back();
      ASSERT_EQ(got, want) << rows << "x" << cols;
      std::vector<double> got_d(cols);
      const std::vector<double> m_d(m.begin(), m.end());
      SumRows(m_d.data(), rows, cols, got_d.data());
      ASSERT_EQ(got_d, exact);
    }
  });
}

// Onto a non-zero y, columns past a block of 4 vectors and past whole vectors included.
TEST(AddRowsTo, IsRepeatedAddToBitForBit) {
  ForEachSimdTarget([&](const Target&) {
    for (const auto [rows, cols] : {std::pair<size_t, size_t>{0, 9}, {1, 1}, {3, 70}, {64, 512}}) {
      const std::vector<float> m = RandomFloats(rows * cols, 3 * rows + cols);
      std::vector<float> got = RandomFloats(cols + 1, cols), want = got;
      for (size_t r = 0; r < rows; ++r) {
        for (size_t j = 0; j < cols; ++j) want[j] += m[r * cols + j];
      }
      AddRowsTo(got.data(), m.data(), rows, cols);
      ASSERT_EQ(got, want) << rows << "x" << cols;  // and got[cols] untouched
      const std::vector<double> m_d(m.begin(), m.end());
      std::vector<double> got_d(cols, 1.0), want_d(cols, 1.0);
      for (size_t r = 0; r < rows; ++r) {
        for (size_t j = 0; j < cols; ++j) want_d[j] += m_d[r * cols + j];
      }
      AddRowsTo(got_d.data(), m_d.data(), rows, cols);
      ASSERT_EQ(got_d, want_d);
    }
  });
}

TEST(SumOfSquares, MatchesDoubleAndScaleMatchesThePlainLoop) {
  ForEachSimdTarget([&](const Target&) {
    for (size_t n : {0, 1, 3, 8, 17, 100003}) {
      std::vector<float> x = RandomFloats(n, n + 5, 100);
      long double exact = 0;
      for (float v : x) exact += static_cast<long double>(v) * v;
      // Any order of n double additions of positive terms is within n ulps.
      ASSERT_NEAR(SumOfSquares(x.data(), n), static_cast<double>(exact), n * DBL_EPSILON * exact)
          << n;
      std::vector<float> want = x;
      for (float& v : want) v *= 0.3f;
      Scale(x.data(), n, 0.3f);
      ASSERT_EQ(x, want) << n;
    }
  });
}

// The clip norm scales the replicated gradient: it must not depend on the node's target.
TEST(SumOfSquares, EveryTargetGivesTheSameBits) {
  for (size_t n : {5, 16, 47, 100003}) {
    const std::vector<float> x = RandomFloats(n, n, 1e3);
    std::vector<double> sums;
    ForEachSimdTarget([&](const Target&) { sums.push_back(SumOfSquares(x.data(), n)); });
    for (double s : sums) ASSERT_EQ(s, sums[0]) << n;
  }
}

}  // namespace
}  // namespace seqtrain::simd
