#include "data/toy_sequence_source.h"

#include <algorithm>
#include <memory>

#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::testing {

const char kToyFormat[] = "toy_sequences";

ToySequences::ToySequences(int64_t count, int steps, int inputs, int num_classes, bool vary_lengths,
                           uint64_t seed)
    : count_(count),
      steps_(steps),
      inputs_(inputs),
      num_classes_(num_classes),
      vary_lengths_(vary_lengths),
      seed_(seed) {}

data::Sample ToySequences::Read(int64_t index, float* sequence) const {
  SEQ_CHECK(index >= 0 && index < count_);
  Rng rng(DeriveSeed(seed_, 1, static_cast<uint64_t>(index)));
  data::Sample s;
  s.target = static_cast<int32_t>(rng.Below(static_cast<uint64_t>(num_classes_)));
  s.length =
      vary_lengths_ ? 1 + static_cast<int>(rng.Below(static_cast<uint64_t>(steps_))) : steps_;
  std::fill_n(sequence, static_cast<size_t>(steps_) * inputs_, 0.0f);
  for (int t = 0; t < s.length; ++t) {
    float* step = sequence + static_cast<size_t>(t) * inputs_;
    for (int j = 0; j < inputs_; ++j) step[j] = static_cast<float>(rng.Uniform(-0.1, 0.1));
    step[s.target % inputs_] += 1.0f;
  }
  return s;
}

data::SetFacts ToySequences::Facts() const {
  data::SetFacts f;
  f.noun = "sequences";
  f.count = count_;
  f.shape[0] = steps_;
  f.shape[1] = inputs_;
  return f;
}

namespace {

std::unique_ptr<data::DataSource> OpenToy(const data::OpenRequest& r) {
  const bool train = r.split == data::Split::kTrain;
  const uint64_t seed = r.config.dir().size() + (train ? 0 : 1000);
  return std::make_unique<ToySequences>(train ? 512 : 128, r.steps, r.inputs, r.num_classes, false,
                                        seed);
}

}  // namespace

// The one registration line.
const bool kToyRegistered = data::RegisterDataSource(kToyFormat, &OpenToy);

}  // namespace seqtrain::testing
