#include "nn/head_registry.h"

#include <type_traits>

#include "nn/linear_head.h"
#include "util/error.h"

namespace seqtrain::nn {
namespace {

template <bool kRegression>
constexpr HeadLoss kLossOf = kRegression ? HeadLoss::kSquaredError : HeadLoss::kSoftmaxCrossEntropy;

template <bool kPerStep, bool kRegression>
HeadEntry LinearEntry(ModelConfig::Head head) {
  return {head, kPerStep, kRegression,
          [](const ModelConfig& m, int in) -> std::unique_ptr<OutputHead<float>> {
            return std::make_unique<LinearHead<float>>(in, HeadOutputs(m), kPerStep,
                                                       kLossOf<kRegression>);
          },
          [](const ModelConfig& m, int in) -> std::unique_ptr<OutputHead<double>> {
            return std::make_unique<LinearHead<double>>(in, HeadOutputs(m), kPerStep,
                                                        kLossOf<kRegression>);
          }};
}

const std::vector<HeadEntry>& Entries() {
  static const std::vector<HeadEntry> entries = {
      LinearEntry<false, false>(ModelConfig::LAST_STEP_CLASSIFIER),
      LinearEntry<false, true>(ModelConfig::LAST_STEP_REGRESSION),
      LinearEntry<true, false>(ModelConfig::PER_STEP_CLASSIFIER),
      LinearEntry<true, true>(ModelConfig::PER_STEP_REGRESSION),
  };
  return entries;
}

}  // namespace

const HeadEntry& FindHead(ModelConfig::Head head) {
  for (const HeadEntry& e : Entries()) {
    if (e.head == head) return e;
  }
  throw Error("model.head = " + std::to_string(static_cast<int>(head)) +
              ": not a head this build has");
}

std::string HeadName(ModelConfig::Head head) {
  const std::string name = ModelConfig::Head_Name(head);
  return name.empty() ? std::to_string(static_cast<int>(head)) : name;
}

int HeadOutputs(const ModelConfig& model) {
  return FindHead(model.head()).regression ? model.output_size() : model.num_classes();
}

template <typename T>
std::unique_ptr<OutputHead<T>> MakeOutputHead(const ModelConfig& model, int input_size) {
  const HeadEntry& entry = FindHead(model.head());
  if constexpr (std::is_same_v<T, float>) {
    return entry.make_float(model, input_size);
  } else {
    return entry.make_double(model, input_size);
  }
}

template std::unique_ptr<OutputHead<float>> MakeOutputHead<float>(const ModelConfig&, int);
template std::unique_ptr<OutputHead<double>> MakeOutputHead<double>(const ModelConfig&, int);

}  // namespace seqtrain::nn
