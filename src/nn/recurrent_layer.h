// The seam every recurrent cell implements (LSTM today; see recurrent_layer_registry.h to add one).
//
// A layer runs over a padded time-major batch: x (steps, B, input_size()) with per-sequence
// lengths (int32 [B], each in 1..steps; null means every sequence is steps long). Contract:
// - Steps t >= lengths[b] are padding. They change neither row b's state nor its gradient:
//   the state (h, and c for an LSTM) is carried unchanged past the length, so output() at the
//   last step holds each sequence's state at its own last step.
// - The gradient flowing into padded outputs (dy_seq at t >= lengths[b]) is ignored; dy_last is
//   the gradient on that final state and reaches step lengths[b] - 1.
// - x at padded steps must be finite; its values change no result, and dx there is 0.
// - Without lengths the layer must cost nothing extra (no masking work at all).
// - Buffers live between calls, so steady-state training allocates nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "util/rng.h"

namespace seqtrain::nn {

// A parameter tensor as a part of the model declares it; the model prefixes the name
// ("w_x" of the first LSTM layer is "lstm0/w_x") and places it in its flat buffer.
struct ParamSpec {
  std::string name;
  std::vector<int> shape;
};

template <typename T>
class RecurrentLayer {
 public:
  virtual ~RecurrentLayer() = default;

  virtual int input_size() const = 0;
  virtual int output_size() const = 0;

  // The layer's tensors in the order they lie, back to back, in the model's flat buffers; the
  // params and grads pointers below point at the first. Checkpoints depend on names and order.
  virtual std::vector<ParamSpec> Params() const = 0;

  // Draws the initial parameters from the model's generator (the model's draws are in order, so
  // a seed gives the same weights on every machine).
  virtual void Initialize(Rng& rng, T* params) const = 0;

  // x must stay valid until Backward returns. steps >= 1, batch >= 1.
  virtual void Forward(const T* params, const T* x, const int32_t* lengths, int steps,
                       int batch) = 0;

  // (steps, B, output_size()) of the last Forward.
  virtual const T* output() const = 0;

  // Each sequence's final state (B, output_size()), which dy_last is the gradient on; null: the
  // last step of output() (where a layer keeping the contract above carries it).
  virtual const T* final_state() const { return nullptr; }

  // dy_seq (steps, B, output_size()) and dy_last (B, output_size()) are gradients flowing into
  // the outputs (either may be null). Overwrites grads with this batch's gradient and, when dx
  // is not null, writes dx (steps, B, input_size()). At most once per Forward: a layer may reuse
  // the forward's activations as scratch.
  virtual void Backward(const T* params, const T* dy_seq, const T* dy_last, T* grads, T* dx) = 0;
};

}  // namespace seqtrain::nn
