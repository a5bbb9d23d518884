#include "data/sine_forecast_source.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::testing {
namespace {

double Normal(Rng& rng) {
  const double u1 = 1.0 - rng.Uniform01(), u2 = rng.Uniform01();  // Box-Muller, u1 in (0, 1]
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

}  // namespace

SineForecast::SineForecast(int64_t count, int steps, int min_length, bool per_step, double noise,
                           uint64_t seed)
    : count_(count),
      steps_(steps),
      min_length_(min_length),
      per_step_(per_step),
      noise_(noise),
      seed_(seed) {
  SEQ_CHECK(count_ >= 1 && min_length_ >= 1 && min_length_ <= steps_);
}

data::TargetSpec SineForecast::target_spec() const {
  return {per_step_ ? data::TargetKind::kStepValue : data::TargetKind::kValue, 1};
}

int SineForecast::Read(int64_t index, float* sequence, const data::TargetsOut& targets) const {
  SEQ_CHECK(index >= 0 && index < count_);
  Rng rng(DeriveSeed(seed_, 3, static_cast<uint64_t>(index)));
  const int length = min_length_ + static_cast<int>(rng.Below(steps_ - min_length_ + 1));
  const double amplitude = rng.Uniform(0.5, 1.5);
  const double frequency = rng.Uniform(0.02, 0.12);  // cycles per step
  const double phase = rng.Uniform(0, 2 * M_PI);
  // length + 1 values: the inputs, then the value after the last.
  std::vector<float> series(static_cast<size_t>(length) + 1);
  for (int t = 0; t <= length; ++t) {
    series[t] = static_cast<float>(amplitude * std::sin(2 * M_PI * frequency * t + phase) +
                                   noise_ * Normal(rng));
  }
  std::fill_n(sequence, steps_, 0.0f);
  std::copy_n(series.begin(), length, sequence);
  if (per_step_) {
    std::fill_n(targets.values, steps_, 0.0f);
    std::copy_n(series.begin() + 1, length, targets.values);
  } else {
    targets.values[0] = series[length];
  }
  return length;
}

data::SetFacts SineForecast::Facts() const {
  data::SetFacts f;
  f.noun = "sequences";
  f.count = count_;
  f.shape[0] = steps_;
  f.shape[1] = 1;
  return f;
}

double SineForecast::NaiveRmse() const {
  std::vector<float> x(static_cast<size_t>(steps_)), y(static_cast<size_t>(steps_));
  double sum = 0;
  int64_t n = 0;
  for (int64_t i = 0; i < count_; ++i) {
    const int length = Read(i, x.data(), {nullptr, y.data()});
    for (int t = per_step_ ? 0 : length - 1; t < length; ++t) {
      const double error = double{y[per_step_ ? t : 0]} - x[t];
      sum += error * error;
      ++n;
    }
  }
  return std::sqrt(sum / n);
}

}  // namespace seqtrain::testing
