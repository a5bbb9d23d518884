// A batch's targets as a data source writes them (data::TargetsOut) and the model reads them
// (nn::HeadTargets), and the target a model of a config needs from its data.
#pragma once

#include <cstdint>
#include <vector>

#include "config.pb.h"
#include "data/data_source.h"
#include "nn/head_registry.h"
#include "nn/output_head.h"

namespace seqtrain::train {

// The kind and width of the targets model.head reads.
inline data::TargetSpec TargetSpecOf(const ModelConfig& model) {
  const nn::HeadEntry& head = nn::FindHead(model.head());
  data::TargetSpec spec;
  if (head.regression) {
    spec.kind = head.per_step ? data::TargetKind::kStepValue : data::TargetKind::kValue;
    spec.width = model.output_size();
  } else {
    spec.kind = head.per_step ? data::TargetKind::kStepClass : data::TargetKind::kClass;
  }
  return spec;
}

class BatchTargets {
 public:
  explicit BatchTargets(data::TargetSpec spec) : spec_(spec) {}

  // Room for batch samples of steps (time_steps) each; only the spec's kind is allocated.
  void Resize(int steps, int batch) {
    const size_t size = spec_.PerSample(steps) * static_cast<size_t>(batch);
    if (spec_.is_class()) {
      classes_.resize(size);
    } else {
      values_.resize(size);
    }
  }
  data::TargetsOut out() { return {classes_.data(), values_.data()}; }
  nn::HeadTargets<float> in() const {
    return {spec_.is_class() ? classes_.data() : nullptr,
            spec_.is_class() ? nullptr : values_.data()};
  }

 private:
  data::TargetSpec spec_;
  std::vector<int32_t> classes_;
  std::vector<float> values_;
};

}  // namespace seqtrain::train
