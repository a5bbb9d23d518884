#include "data/toy_sequence_source.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::testing {

const char kToyFormat[] = "toy_sequences";

ToySequences::ToySequences(int64_t count, int steps, int inputs, int num_classes, bool vary_lengths,
                           uint64_t seed, data::TargetSpec targets)
    : count_(count),
      steps_(steps),
      inputs_(inputs),
      num_classes_(num_classes),
      vary_lengths_(vary_lengths),
      seed_(seed),
      targets_(targets) {}

int ToySequences::Read(int64_t index, float* sequence, const data::TargetsOut& targets) const {
  SEQ_CHECK(index >= 0 && index < count_);
  Rng rng(DeriveSeed(seed_, 1, static_cast<uint64_t>(index)));
  const auto classes = static_cast<uint64_t>(num_classes_);
  const int32_t target = static_cast<int32_t>(rng.Below(classes));
  const int length =
      vary_lengths_ ? 1 + static_cast<int>(rng.Below(static_cast<uint64_t>(steps_))) : steps_;
  std::fill_n(sequence, static_cast<size_t>(steps_) * inputs_, 0.0f);
  const bool per_step = targets_.per_step();
  if (per_step) {
    if (targets_.is_class()) {
      std::fill_n(targets.classes, steps_, 0);
    } else {
      std::fill_n(targets.values, targets_.PerSample(steps_), 0.0f);
    }
  }
  const int width = targets_.width;
  std::vector<double> sums(static_cast<size_t>(width), 0.0);
  for (int t = 0; t < length; ++t) {
    float* step = sequence + static_cast<size_t>(t) * inputs_;
    for (int j = 0; j < inputs_; ++j) step[j] = static_cast<float>(rng.Uniform(-0.1, 0.1));
    const int32_t lit = targets_.kind == data::TargetKind::kStepClass
                            ? static_cast<int32_t>(rng.Below(classes))
                            : target;
    step[lit % inputs_] += 1.0f;
    if (targets_.kind == data::TargetKind::kStepClass) targets.classes[t] = lit;
    for (int k = 0; k < width && !targets_.is_class(); ++k) {
      sums[static_cast<size_t>(k)] += step[k % inputs_];
      if (per_step)
        targets.values[static_cast<size_t>(t) * width + k] =
            static_cast<float>(sums[static_cast<size_t>(k)] / (t + 1));
    }
  }
  if (targets_.kind == data::TargetKind::kClass) targets.classes[0] = target;
  if (targets_.kind == data::TargetKind::kValue) {
    for (int k = 0; k < width; ++k)
      targets.values[k] = static_cast<float>(sums[static_cast<size_t>(k)] / length);
  }
  return length;
}

data::SetFacts ToySequences::Facts() const {
  data::SetFacts f;
  f.noun = "sequences";
  f.count = count_;
  f.shape[0] = steps_;
  f.shape[1] = inputs_;
  return f;
}

const char kToyValuesFormat[] = "toy_values";
const char kToyStepClassesFormat[] = "toy_step_classes";
const char kToyStepValuesFormat[] = "toy_step_values";

namespace {

template <data::TargetKind kKind, int kWidth>
std::unique_ptr<data::DataSource> OpenToy(const data::OpenRequest& r) {
  const bool train = r.split == data::Split::kTrain;
  const uint64_t seed = r.config.dir().size() + (train ? 0 : 1000);
  return std::make_unique<ToySequences>(train ? 512 : 128, r.steps, r.inputs, r.num_classes, false,
                                        seed, data::TargetSpec{kKind, kWidth});
}

}  // namespace

// The registration lines.
const bool kToyRegistered =
    data::RegisterDataSource(kToyFormat, &OpenToy<data::TargetKind::kClass, 1>) &&
    data::RegisterDataSource(kToyValuesFormat, &OpenToy<data::TargetKind::kValue, 2>) &&
    data::RegisterDataSource(kToyStepClassesFormat, &OpenToy<data::TargetKind::kStepClass, 1>) &&
    data::RegisterDataSource(kToyStepValuesFormat, &OpenToy<data::TargetKind::kStepValue, 2>);

}  // namespace seqtrain::testing
