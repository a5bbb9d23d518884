#include "nn/sequence_classifier.h"

#include <algorithm>

#include "nn/bidirectional_layer.h"
#include "nn/dropout_mask.h"
#include "util/error.h"

namespace seqtrain::nn {
namespace {

template <typename T>
struct Parts {
  std::vector<std::unique_ptr<RecurrentLayer<T>>> layers;
  std::unique_ptr<OutputHead<T>> head;
};

template <typename T>
Parts<T> MakeParts(const ModelConfig& c, const std::string& cell) {
  SEQ_CHECK(c.input_size() > 0 && c.time_steps() > 0 && c.hidden_size() > 0 && c.num_layers() > 0 &&
            HeadOutputs(c) > 0);
  Parts<T> parts;
  int input_size = c.input_size();
  for (int l = 0; l < c.num_layers(); ++l) {
    std::unique_ptr<RecurrentLayer<T>> layer = MakeRecurrentLayer<T>(cell, c, input_size);
    if (c.bidirectional()) {
      layer = std::make_unique<BidirectionalLayer<T>>(std::move(layer),
                                                      MakeRecurrentLayer<T>(cell, c, input_size));
    }
    parts.layers.push_back(std::move(layer));
    SEQ_CHECK(parts.layers.back()->input_size() == input_size);
    input_size = parts.layers.back()->output_size();
  }
  parts.head = MakeOutputHead<T>(c, input_size);
  return parts;
}

// Appends a part's tensors under prefix and returns the offset of its first.
size_t AddPart(const std::vector<ParamSpec>& specs, const std::string& prefix,
               ParamLayout* layout) {
  const size_t start = layout->total_size();
  for (const ParamSpec& spec : specs) layout->Add(prefix + spec.name, spec.shape);
  return start;
}

// The one place the model's layout is decided: "<cell><index>/" per layer (a bidirectional
// layer's reverse direction right after it as "<cell><index>_reverse/"), then "out/".
template <typename T>
ParamLayout LayoutOf(const Parts<T>& parts, const std::string& cell,
                     std::vector<size_t>* layer_offsets, size_t* head_offset) {
  ParamLayout layout;
  for (size_t l = 0; l < parts.layers.size(); ++l) {
    const std::string prefix = cell + std::to_string(l);
    const auto* both = dynamic_cast<const BidirectionalLayer<T>*>(parts.layers[l].get());
    if (!both) {
      layer_offsets->push_back(AddPart(parts.layers[l]->Params(), prefix + "/", &layout));
      continue;
    }
    layer_offsets->push_back(AddPart(both->forward().Params(), prefix + "/", &layout));
    AddPart(both->reverse().Params(), prefix + "_reverse/", &layout);
  }
  *head_offset = AddPart(parts.head->Params(), "out/", &layout);
  return layout;
}

}  // namespace

ParamLayout ModelLayout(const ModelConfig& config, const std::string& cell) {
  const std::string name = cell.empty() ? CellName(config) : cell;
  std::vector<size_t> layer_offsets;
  size_t head_offset = 0;
  return LayoutOf(MakeParts<float>(config, name), name, &layer_offsets, &head_offset);
}

template <typename T>
SequenceClassifier<T>::SequenceClassifier(const ModelConfig& config, const std::string& cell)
    : config_(config), cell_(cell.empty() ? CellName(config) : cell) {
  Parts<T> parts = MakeParts<T>(config, cell_);
  layout_ = LayoutOf(parts, cell_, &layer_offsets_, &head_offset_);
  layers_ = std::move(parts.layers);
  head_ = std::move(parts.head);
  dropout_masks_.resize(layers_.size());
  dropped_.resize(layers_.size());
  params_.assign(layout_.total_size(), T(0));
  grads_.assign(layout_.total_size(), T(0));
}

template <typename T>
void SequenceClassifier<T>::Initialize(uint64_t seed) {
  Rng rng(seed);
  for (size_t l = 0; l < layers_.size(); ++l)
    layers_[l]->Initialize(rng, params_.data() + layer_offsets_[l]);
  head_->Initialize(rng, params_.data() + head_offset_);
}

template <typename T>
LayerOutputs<T> SequenceClassifier<T>::RunLayers(const T* x, const int32_t* lengths, int batch,
                                                 bool training) {
  const int time_steps = config_.time_steps(), input_size = config_.input_size();
  int steps = time_steps;
  bool padded = false;
  if (lengths) {
    // Time-major, so the first steps of x are a batch of that many steps.
    steps = 0;
    for (int b = 0; b < batch; ++b) {
      if (lengths[b] < 1 || lengths[b] > time_steps) {
        throw Error("sequence length " + std::to_string(lengths[b]) + " of batch row " +
                    std::to_string(b) + " is outside 1.." + std::to_string(time_steps) +
                    " (model.time_steps)");
      }
      steps = std::max(steps, static_cast<int>(lengths[b]));
    }
    for (int b = 0; b < batch && !padded; ++b) padded = lengths[b] < steps;
  }
  if (padded) {
    // Padding is never read: a layer sees zeros there, whatever the caller left in it.
    const size_t row = static_cast<size_t>(input_size);
    x_zero_padded_.assign(x, x + static_cast<size_t>(steps) * batch * row);
    for (int t = 0; t < steps; ++t) {
      for (int b = 0; b < batch; ++b) {
        if (t < lengths[b]) continue;
        std::fill_n(x_zero_padded_.data() + (static_cast<size_t>(t) * batch + b) * row, row, T(0));
      }
    }
    x = x_zero_padded_.data();
  }
  const int32_t* layer_lengths = padded ? lengths : nullptr;
  const T* input = x;
  for (size_t l = 0; l < layers_.size(); ++l) {
    layers_[l]->Forward(params_.data() + layer_offsets_[l], input, layer_lengths, steps, batch);
    input = layers_[l]->output();
    if (training && l + 1 < layers_.size() && config_.dropout() > 0) {
      const size_t values = static_cast<size_t>(steps) * batch * layers_[l]->output_size();
      dropout_masks_[l].resize(values);
      FillDropoutMask(dropout_keys_.data(), static_cast<int>(l), steps, batch,
                      layers_[l]->output_size(), config_.dropout(), dropout_masks_[l].data());
      dropped_[l].resize(values);
      for (size_t i = 0; i < values; ++i) dropped_[l][i] = input[i] * dropout_masks_[l][i];
      input = dropped_[l].data();
    }
  }
  return {input, layer_lengths, steps, batch, layers_.back()->final_state()};
}

template <typename T>
void SequenceClassifier<T>::SetDropoutKeys(const uint64_t* keys, int batch) {
  dropout_keys_.assign(keys, keys + batch);
}

template <typename T>
BatchStats SequenceClassifier<T>::Forward(const T* x, const HeadTargets<T>& targets, int batch,
                                          T* predictions, const int32_t* lengths) {
  if (batch == 0) return {};
  const LayerOutputs<T> top = RunLayers(x, lengths, batch, false);
  const BatchStats stats = head_->Forward(params_.data() + head_offset_, top, targets, predictions);
  if (predictions && head_->per_step()) {
    // Steps past the longest sequence were not run: nothing was predicted there.
    const size_t row = static_cast<size_t>(batch) * head_->num_outputs();
    std::fill(predictions + top.steps * row, predictions + config_.time_steps() * row, T(0));
  }
  return stats;
}

template <typename T>
BatchStats SequenceClassifier<T>::ForwardBackward(const T* x, const HeadTargets<T>& targets,
                                                  int batch, T* dx, const int32_t* lengths) {
  if (batch == 0) {
    std::fill(grads_.begin(), grads_.end(), T(0));
    return {};
  }
  const bool dropout = config_.dropout() > 0 && layers_.size() > 1;
  if (dropout && dropout_keys_.size() != static_cast<size_t>(batch)) {
    throw Error("model.dropout needs one dropout key per batch row (SetDropoutKeys): " +
                std::to_string(dropout_keys_.size()) + " keys for " + std::to_string(batch) +
                " rows");
  }
  const LayerOutputs<T> top = RunLayers(x, lengths, batch, true);
  dropout_keys_.clear();  // each batch brings its own
  OutputGradient<T> d_top;
  const BatchStats stats = head_->ForwardBackward(params_.data() + head_offset_, top, targets,
                                                  grads_.data() + head_offset_, &d_top);

  // Each layer's dx is the gradient on the outputs of the layer below.
  const int steps = top.steps;
  const T* dh_seq = d_top.seq;
  const T* dh_last = d_top.last;
  for (size_t l = layers_.size(); l-- > 0;) {
    T* layer_dx = dx;
    if (l > 0) {
      dh_below_.resize(static_cast<size_t>(steps) * batch * layers_[l]->input_size());
      layer_dx = dh_below_.data();
    }
    layers_[l]->Backward(params_.data() + layer_offsets_[l], dh_seq, dh_last,
                         grads_.data() + layer_offsets_[l], layer_dx);
    if (l > 0) {
      dh_seq_.swap(dh_below_);
      dh_seq = dh_seq_.data();
      dh_last = nullptr;
      if (dropout) {
        // The gradient on the dropped outputs of layer l - 1, onto its outputs.
        const std::vector<T>& mask = dropout_masks_[l - 1];
        for (size_t i = 0; i < mask.size(); ++i) dh_seq_[i] *= mask[i];
      }
    }
  }
  if (dx && steps < config_.time_steps()) {
    // Steps past the longest sequence were not run: nothing depends on them.
    const size_t ran = static_cast<size_t>(steps) * batch * config_.input_size();
    std::fill(dx + ran,
              dx + static_cast<size_t>(config_.time_steps()) * batch * config_.input_size(), T(0));
  }
  return stats;
}

template class SequenceClassifier<float>;
template class SequenceClassifier<double>;

}  // namespace seqtrain::nn
