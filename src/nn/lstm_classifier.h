// The sequence classifier: stacked LSTM -> last step's h -> linear -> softmax
// cross-entropy. Owns one flat parameter buffer and one flat gradient buffer
// (see ParamLayout); the gradient buffer has room for extra trailing slots so
// the trainer can reduce its statistics in the same allreduce.
#pragma once

#include <cstdint>
#include <vector>

#include "config.pb.h"
#include "nn/lstm_layer.h"
#include "nn/param_layout.h"
#include "nn/softmax_xent.h"

namespace seqtrain::nn {

template <typename T>
class LstmClassifier {
 public:
  explicit LstmClassifier(const ModelConfig& shape, size_t grad_tail_slots = 0);

  // Glorot-uniform LSTM weights, zero LSTM biases except the forget gate's,
  // N(0, 1) output layer (as the reference tutorial).
  void Initialize(uint64_t seed, double forget_bias);

  // x: (T, B, I), labels: (B). Overwrites the gradient with d(sum of losses)/dparams
  // and, when dx is not null, writes dx (T, B, I).
  BatchStats ForwardBackward(const T* x, const int32_t* labels, int batch, T* dx = nullptr);

  // Loss and accuracy only. probs (B, K) is written when not null; labels may
  // be null for pure prediction.
  BatchStats Forward(const T* x, const int32_t* labels, int batch, T* probs = nullptr);

  const ModelConfig& shape() const { return shape_; }
  const ParamLayout& layout() const { return layout_; }
  size_t num_params() const { return layout_.total_size(); }
  T* params() { return params_.data(); }
  const T* params() const { return params_.data(); }
  // num_params() gradient values followed by grad_tail_slots free slots.
  T* grads() { return grads_.data(); }
  const T* grads() const { return grads_.data(); }
  T* grad_tail() { return grads_.data() + num_params(); }

 private:
  struct LayerOffsets {
    size_t w_x, w_h, b;
  };
  LstmWeights<T> Weights(int layer) const;
  LstmGrads<T> Grads(int layer);
  void RunLayers(const T* x, int batch);

  ModelConfig shape_;
  ParamLayout layout_;
  std::vector<LayerOffsets> layer_offsets_;
  size_t out_w_ = 0, out_b_ = 0;
  std::vector<T> params_;
  std::vector<T> grads_;
  std::vector<LstmLayer<T>> layers_;
  std::vector<T> logits_;   // (B, K)
  std::vector<T> dlogits_;  // (B, K)
  std::vector<T> dh_last_;  // (B, H)
  std::vector<T> dh_seq_;   // (T, B, H) gradient on the outputs of the layer being run
  std::vector<T> dh_below_; // (T, B, H) gradient it passes to the layer below
};

extern template class LstmClassifier<float>;
extern template class LstmClassifier<double>;

}  // namespace seqtrain::nn
