// The seam between the top recurrent layer and the loss: a head reads the layer's outputs
// (steps, B, F) -- the last step, or every step -- and gives loss, quality counts and the
// gradient flowing back into those outputs. Lengths are as in recurrent_layer.h: the layers carry
// each sequence's state past its length, so the last step holds every sequence's own last state,
// and a per-step head must mask steps t >= lengths[b] out of its loss.
#pragma once

#include <cstdint>
#include <vector>

#include "nn/recurrent_layer.h"
#include "nn/softmax_xent.h"

namespace seqtrain::nn {

// The top layer's outputs as a head sees them.
template <typename T>
struct LayerOutputs {
  const T* data = nullptr;           // (steps, batch, F)
  const int32_t* lengths = nullptr;  // (batch) in 1..steps; null: all steps
  int steps = 0;
  int batch = 0;
  const T* last = nullptr;  // (batch, F) each sequence's final state; null: data's last step
};

// Where a head's gradient enters the top layer (RecurrentLayer::Backward); either may be null.
template <typename T>
struct OutputGradient {
  const T* seq = nullptr;   // (steps, batch, F)
  const T* last = nullptr;  // (batch, F)
};

// A batch's targets, time-major as the inputs: a classifier head reads classes, a regression
// head values (K = num_outputs()). Last step: classes (B), values (B, K); per step: classes
// (steps, B), values (steps, B, K), where only steps t < lengths[b] are read. Both null:
// prediction (loss_sum and correct stay 0).
template <typename T>
struct HeadTargets {
  const int32_t* classes = nullptr;
  const T* values = nullptr;
};

template <typename T>
class OutputHead {
 public:
  virtual ~OutputHead() = default;

  // As RecurrentLayer::Params / Initialize.
  virtual std::vector<ParamSpec> Params() const = 0;
  virtual void Initialize(Rng& rng, T* params) const = 0;

  // Columns of the predictions per target: classes, or values.
  virtual int num_outputs() const = 0;
  // Whether it predicts at every step rather than at each sequence's last.
  virtual bool per_step() const = 0;

  // BatchStats: loss_sum is the sum over the real targets (classes: cross-entropy; values:
  // squared error of each value), count the targets it sums over (values: each of the K),
  // correct the classes predicted right (0 for regression). Writes predictions when not null:
  // probabilities or values, (batch, num_outputs()), per step (outputs.steps, batch,
  // num_outputs()) with 0 at padded steps.
  virtual BatchStats Forward(const T* params, const LayerOutputs<T>& outputs,
                             const HeadTargets<T>& targets, T* predictions) = 0;

  // Also overwrites grads with d(loss_sum)/d(head params) and sets *d_outputs to the gradient
  // on the outputs (valid until the next call).
  virtual BatchStats ForwardBackward(const T* params, const LayerOutputs<T>& outputs,
                                     const HeadTargets<T>& targets, T* grads,
                                     OutputGradient<T>* d_outputs) = 0;
};

}  // namespace seqtrain::nn
