// The output heads by their config value (model.head), so the model, the trainer and the
// commands learn from one table what a head reads and predicts.
//
// Adding a head: a value in ModelConfig.Head (proto/seqtrain/config.proto), a class
// implementing OutputHead<T> (or a LinearHead configuration), and ONE line in the table of
// head_registry.cc.
#pragma once

#include <memory>
#include <string>

#include "config.pb.h"
#include "nn/output_head.h"

namespace seqtrain::nn {

template <typename T>
using OutputHeadFactory = std::unique_ptr<OutputHead<T>> (*)(const ModelConfig& model,
                                                             int input_size);

struct HeadEntry {
  ModelConfig::Head head;
  bool per_step;    // predicts at every real step rather than at each sequence's last
  bool regression;  // output_size values with squared error, rather than classes
  OutputHeadFactory<float> make_float;
  OutputHeadFactory<double> make_double;
};

// The head's entry; throws seqtrain::Error for a value no entry has (a checkpoint of a newer
// build).
const HeadEntry& FindHead(ModelConfig::Head head);

// "LAST_STEP_CLASSIFIER", as the config spells it.
std::string HeadName(ModelConfig::Head head);

// Columns a head of this config predicts per target: num_classes or output_size.
int HeadOutputs(const ModelConfig& model);

template <typename T>
std::unique_ptr<OutputHead<T>> MakeOutputHead(const ModelConfig& model, int input_size);

}  // namespace seqtrain::nn
