// The sequence model: recurrent layers of one registered cell ("lstm", "gru"; each layer
// bidirectional or not), stacked so each reads the outputs of the one below (through dropout
// in training when model.dropout > 0), then the output head model.head names
// (head_registry.h; by default last step -> linear -> softmax cross-entropy). Owns one flat
// parameter buffer and one flat gradient buffer with the same
// layout (param_layout.h): each layer's tensors, bottom to top, then the head's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config.pb.h"
#include "nn/head_registry.h"
#include "nn/output_head.h"
#include "nn/param_layout.h"
#include "nn/recurrent_layer.h"
#include "nn/recurrent_layer_registry.h"
#include "nn/softmax_xent.h"

namespace seqtrain::nn {

// The tensors a model of this config has, named and ordered as SequenceClassifier lays them out
// ("lstm0/w_x", "lstm0/w_h", "lstm0/b", ..., "out/w", "out/b"), without allocating the model.
// The config must be valid (train::ValidateModel); throws seqtrain::Error for an unknown cell.
// cell "" is the one config.cell names (CellName); tests pass other registered cells.
ParamLayout ModelLayout(const ModelConfig& config, const std::string& cell = "");

template <typename T>
class SequenceClassifier {
 public:
  // Uses every field of the ModelConfig; cell as ModelLayout.
  explicit SequenceClassifier(const ModelConfig& config, const std::string& cell = "");

  // Each part draws its initial weights from one generator seeded by seed, bottom to top.
  void Initialize(uint64_t seed);

  // x: (time_steps, B, input_size); targets as HeadTargets says (per-step targets have
  // time_steps rows). lengths: (B) in 1..time_steps, or null when every sequence is time_steps
  // long; steps past a length are padding, never read, and the time loop stops at the longest
  // sequence. Overwrites the gradient with d(sum of losses)/dparams and, when dx is not null,
  // writes dx (time_steps, B, input_size), 0 at padded steps. Throws seqtrain::Error for a
  // length out of range.
  BatchStats ForwardBackward(const T* x, const HeadTargets<T>& targets, int batch, T* dx = nullptr,
                             const int32_t* lengths = nullptr);
  // A classifier's: labels (B), or (time_steps, B) for a per-step one.
  BatchStats ForwardBackward(const T* x, const int32_t* labels, int batch, T* dx = nullptr,
                             const int32_t* lengths = nullptr) {
    return ForwardBackward(x, HeadTargets<T>{labels, nullptr}, batch, dx, lengths);
  }

  // With model.dropout > 0 (and more than one layer) the next ForwardBackward needs one key per
  // batch row: a row's masks are drawn from its key alone (dropout_mask.h), so a sample gets the
  // same masks whatever batch or rank it is in. Used by that one call. Forward never drops.
  void SetDropoutKeys(const uint64_t* keys, int batch);

  // Loss and quality counts only; targets may be empty for pure prediction. predictions, when
  // not null, gets (B, num_outputs()) or, per step, (time_steps, B, num_outputs()) with 0 past
  // each length: probabilities for a classifier, values for a regression head.
  BatchStats Forward(const T* x, const HeadTargets<T>& targets, int batch, T* predictions = nullptr,
                     const int32_t* lengths = nullptr);
  BatchStats Forward(const T* x, const int32_t* labels, int batch, T* probs = nullptr,
                     const int32_t* lengths = nullptr) {
    return Forward(x, HeadTargets<T>{labels, nullptr}, batch, probs, lengths);
  }

  const OutputHead<T>& head() const { return *head_; }
  const ModelConfig& config() const { return config_; }
  const std::string& cell() const { return cell_; }
  const ParamLayout& layout() const { return layout_; }
  size_t num_params() const { return layout_.total_size(); }
  T* params() { return params_.data(); }
  const T* params() const { return params_.data(); }
  T* grads() { return grads_.data(); }
  const T* grads() const { return grads_.data(); }

 private:
  // Runs every layer; returns the outputs of the top one.
  LayerOutputs<T> RunLayers(const T* x, const int32_t* lengths, int batch, bool training);

  ModelConfig config_;
  std::string cell_;
  std::vector<std::unique_ptr<RecurrentLayer<T>>> layers_;
  std::unique_ptr<OutputHead<T>> head_;
  ParamLayout layout_;
  std::vector<size_t> layer_offsets_;  // where each layer's block starts
  size_t head_offset_ = 0;
  std::vector<T> params_;
  std::vector<T> grads_;
  std::vector<T> x_zero_padded_;  // (steps, B, I): x with its padding zeroed (padded batches only)
  std::vector<T> dh_seq_;         // (steps, B, H) gradient on the outputs of the layer being run
  std::vector<T> dh_below_;       // (steps, B, H) gradient it passes to the layer below
  std::vector<uint64_t> dropout_keys_;         // (B) for the next ForwardBackward
  std::vector<std::vector<T>> dropout_masks_;  // per layer (steps, B, H): 0 or 1 / (1 - p)
  std::vector<std::vector<T>> dropped_;        // per layer: its outputs times the mask
};

extern template class SequenceClassifier<float>;
extern template class SequenceClassifier<double>;

}  // namespace seqtrain::nn
