// The DataSource contract (data/data_source.h) as test assertions, for every
// implementation: metadata, Read against Fill, padding, determinism, threads.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>
#include <vector>

#include "data/data_source.h"

namespace seqtrain::testing {

struct ReadSample {
  std::vector<float> x;  // (T, I)
  int length = 0;
  std::vector<int32_t> classes;  // class kinds: 1 or T
  std::vector<float> values;     // value kinds: width or T * width
};

inline ReadSample ReadOne(const data::DataSource& source, int64_t index) {
  const data::TargetSpec spec = source.target_spec();
  const size_t per_sample = spec.PerSample(source.steps());
  ReadSample r;
  r.x.assign(static_cast<size_t>(source.steps()) * source.inputs(),
             -7.0f);  // every value overwritten
  r.classes.assign(spec.is_class() ? per_sample : 0, -7);
  r.values.assign(spec.is_class() ? 0 : per_sample, -7.0f);
  r.length = source.Read(index, r.x.data(), {r.classes.data(), r.values.data()});
  return r;
}

inline void ExpectDataSourceContract(const data::DataSource& source) {
  const int64_t n = source.count();
  const int T = source.steps(), I = source.inputs(), K = source.num_classes();
  const data::TargetSpec spec = source.target_spec();
  const int width = spec.width;
  ASSERT_GE(n, 1);
  ASSERT_GE(T, 1);
  ASSERT_GE(I, 1);
  ASSERT_GE(width, 1);
  if (spec.is_class()) {
    ASSERT_GE(K, 1);
    ASSERT_EQ(width, 1);
  }
  // Every sample when few, else a spread of them.
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < n; i += std::max<int64_t>(1, n / 200)) indices.push_back(i);
  indices.push_back(n - 1);
  bool some_shorter = false;
  std::vector<ReadSample> read;
  for (int64_t i : indices) {
    ReadSample r = ReadOne(source, i);
    ASSERT_GE(r.length, 1) << "sample " << i;
    ASSERT_LE(r.length, T) << "sample " << i;
    // Per step: the real steps' targets are valid, the padding's are 0.
    const size_t real = spec.per_step() ? static_cast<size_t>(r.length) : 1;
    for (size_t k = 0; k < r.classes.size(); ++k) {
      if (k < real) {
        ASSERT_GE(r.classes[k], 0) << "sample " << i << " target " << k;
        ASSERT_LT(r.classes[k], K) << "sample " << i << " target " << k;
      } else {
        ASSERT_EQ(r.classes[k], 0) << "padding target of sample " << i << " at " << k;
      }
    }
    for (size_t k = 0; k < r.values.size(); ++k) {
      if (k < real * width) {
        ASSERT_TRUE(std::isfinite(r.values[k])) << "sample " << i << " target " << k;
      } else {
        ASSERT_EQ(r.values[k], 0.0f) << "padding target of sample " << i << " at " << k;
      }
    }
    some_shorter = some_shorter || r.length < T;
    for (size_t k = static_cast<size_t>(r.length) * I; k < r.x.size(); ++k) {
      ASSERT_EQ(r.x[k], 0.0f) << "padding of sample " << i << " at " << k;
    }
    const ReadSample again = ReadOne(source, i);
    ASSERT_EQ(again.length, r.length);
    ASSERT_EQ(again.classes, r.classes);
    // memcmp compares bits (-0 vs 0); never on an empty vector's null data().
    if (!r.values.empty()) {
      ASSERT_EQ(std::memcmp(again.values.data(), r.values.data(), r.values.size() * sizeof(float)),
                0)
          << "sample " << i;
    }
    ASSERT_EQ(std::memcmp(again.x.data(), r.x.data(), r.x.size() * sizeof(float)), 0)
        << "sample " << i;
    read.push_back(std::move(r));
  }
  // (A source may say true and still have every sample read here at full length.)
  if (!source.variable_length()) EXPECT_FALSE(some_shorter) << "variable_length() is false";

  // A batch in reversed order with a repeat, filled from two threads at once.
  std::vector<int64_t> batch_indices(indices.rbegin(), indices.rend());
  batch_indices.push_back(indices[0]);
  const int B = static_cast<int>(batch_indices.size());
  const size_t batch_targets = spec.PerSample(T) * static_cast<size_t>(B);
  struct Batch {
    std::vector<float> x;
    std::vector<int32_t> lengths, classes;
    std::vector<float> values;
  };
  auto fill = [&](Batch* out) {
    out->x.assign(static_cast<size_t>(T) * B * I, -7.0f);
    out->lengths.assign(static_cast<size_t>(B), -1);
    out->classes.assign(spec.is_class() ? batch_targets : 0, -1);
    out->values.assign(spec.is_class() ? 0 : batch_targets, -7.0f);
    source.Fill(batch_indices.data(), B, out->x.data(), out->lengths.data(),
                {out->classes.data(), out->values.data()});
  };
  Batch one, two;
  std::thread other([&] { fill(&two); });
  fill(&one);
  other.join();
  EXPECT_EQ(one.x, two.x);
  EXPECT_EQ(one.lengths, two.lengths);
  EXPECT_EQ(one.classes, two.classes);
  EXPECT_EQ(one.values, two.values);
  const int target_steps = spec.per_step() ? T : 1;
  for (int b = 0; b < B; ++b) {
    const size_t k = static_cast<size_t>(
        std::find(indices.begin(), indices.end(), batch_indices[b]) - indices.begin());
    const ReadSample& r = read[k];
    ASSERT_EQ(one.lengths[b], r.length) << "batch row " << b;
    for (int t = 0; t < target_steps; ++t) {
      for (int j = 0; j < width; ++j) {
        const size_t in_batch = (static_cast<size_t>(t) * B + b) * width + j;
        const size_t in_sample = static_cast<size_t>(t) * width + j;
        if (spec.is_class()) {
          ASSERT_EQ(one.classes[in_batch], r.classes[in_sample])
              << "batch row " << b << " target step " << t;
        } else {
          ASSERT_EQ(one.values[in_batch], r.values[in_sample])
              << "batch row " << b << " target step " << t << " value " << j;
        }
      }
    }
    for (int t = 0; t < T; ++t) {
      for (int j = 0; j < I; ++j) {
        ASSERT_EQ(one.x[(static_cast<size_t>(t) * B + b) * I + j],
                  r.x[static_cast<size_t>(t) * I + j])
            << "batch row " << b << " step " << t << " input " << j;
      }
    }
  }

  const data::SetFacts facts = source.Facts();
  EXPECT_EQ(facts.count, n);
  EXPECT_LE(facts.files.size(), data::kMaxAgreedFiles);
  EXPECT_FALSE(facts.noun.empty());
}

}  // namespace seqtrain::testing
