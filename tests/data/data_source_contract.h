// The DataSource contract (data/data_source.h) as test assertions, for every
// implementation: metadata, Read against Fill, padding, determinism, threads.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "data/data_source.h"

namespace seqtrain::testing {

struct ReadSample {
  std::vector<float> x;  // (T, I)
  data::Sample sample;
};

inline ReadSample ReadOne(const data::DataSource& source, int64_t index) {
  ReadSample r;
  r.x.assign(static_cast<size_t>(source.steps()) * source.inputs(),
             -7.0f);  // every value overwritten
  r.sample = source.Read(index, r.x.data());
  return r;
}

inline void ExpectDataSourceContract(const data::DataSource& source) {
  const int64_t n = source.count();
  const int T = source.steps(), I = source.inputs(), K = source.num_classes();
  ASSERT_GE(n, 1);
  ASSERT_GE(T, 1);
  ASSERT_GE(I, 1);
  ASSERT_GE(K, 1);
  // Every sample when few, else a spread of them.
  std::vector<int64_t> indices;
  for (int64_t i = 0; i < n; i += std::max<int64_t>(1, n / 200)) indices.push_back(i);
  indices.push_back(n - 1);
  bool some_shorter = false;
  std::vector<ReadSample> read;
  for (int64_t i : indices) {
    ReadSample r = ReadOne(source, i);
    ASSERT_GE(r.sample.length, 1) << "sample " << i;
    ASSERT_LE(r.sample.length, T) << "sample " << i;
    ASSERT_GE(r.sample.target, 0) << "sample " << i;
    ASSERT_LT(r.sample.target, K) << "sample " << i;
    some_shorter = some_shorter || r.sample.length < T;
    for (size_t k = static_cast<size_t>(r.sample.length) * I; k < r.x.size(); ++k) {
      ASSERT_EQ(r.x[k], 0.0f) << "padding of sample " << i << " at " << k;
    }
    const ReadSample again = ReadOne(source, i);
    ASSERT_EQ(again.sample.length, r.sample.length);
    ASSERT_EQ(again.sample.target, r.sample.target);
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
  auto fill = [&](std::vector<float>* x, std::vector<int32_t>* lengths,
                  std::vector<int32_t>* targets) {
    x->assign(static_cast<size_t>(T) * B * I, -7.0f);
    lengths->assign(static_cast<size_t>(B), -1);
    targets->assign(static_cast<size_t>(B), -1);
    source.Fill(batch_indices.data(), B, x->data(), lengths->data(), targets->data());
  };
  std::vector<float> x, x2;
  std::vector<int32_t> lengths, lengths2, targets, targets2;
  std::thread other([&] { fill(&x2, &lengths2, &targets2); });
  fill(&x, &lengths, &targets);
  other.join();
  EXPECT_EQ(x, x2);
  EXPECT_EQ(lengths, lengths2);
  EXPECT_EQ(targets, targets2);
  for (int b = 0; b < B; ++b) {
    const size_t k = static_cast<size_t>(
        std::find(indices.begin(), indices.end(), batch_indices[b]) - indices.begin());
    const ReadSample& r = read[k];
    ASSERT_EQ(lengths[b], r.sample.length) << "batch row " << b;
    ASSERT_EQ(targets[b], r.sample.target) << "batch row " << b;
    for (int t = 0; t < T; ++t) {
      for (int j = 0; j < I; ++j) {
        ASSERT_EQ(x[(static_cast<size_t>(t) * B + b) * I + j], r.x[static_cast<size_t>(t) * I + j])
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
