// Two layers of one cell over the same input, one forward in time and one in reverse, their
// outputs concatenated (a RecurrentLayer of output width 2H; model.bidirectional).
// With lengths, the reverse direction of sequence b reads its steps lengths[b]-1 .. 0, so it
// starts at the sequence's own last step. Output at step t < lengths[b]: [forward h_t, reverse
// h_t]; padded steps are 0. final_state(), what a last-step head reads, follows PyTorch's h_n:
// forward's h at step lengths[b]-1 beside reverse's h at step 0 (its last step).
// Parameters: the forward cell's tensors, then the reverse cell's (the model names them
// "<cell><l>/..." and "<cell><l>_reverse/...").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "nn/recurrent_layer.h"

namespace seqtrain::nn {

template <typename T>
class BidirectionalLayer final : public RecurrentLayer<T> {
 public:
  // Both of the same input and output size.
  BidirectionalLayer(std::unique_ptr<RecurrentLayer<T>> forward,
                     std::unique_ptr<RecurrentLayer<T>> reverse);

  const RecurrentLayer<T>& forward() const { return *forward_; }
  const RecurrentLayer<T>& reverse() const { return *reverse_; }

  int input_size() const override { return forward_->input_size(); }
  int output_size() const override { return 2 * hidden_; }
  // Forward's tensors, then reverse's with "reverse/" before their names.
  std::vector<ParamSpec> Params() const override;
  void Initialize(Rng& rng, T* params) const override;
  void Forward(const T* params, const T* x, const int32_t* lengths, int steps, int batch) override;
  const T* output() const override { return output_.data(); }
  const T* final_state() const override { return final_.data(); }
  void Backward(const T* params, const T* dy_seq, const T* dy_last, T* grads, T* dx) override;

 private:
  // Row b's step t of the reversed sequence is its step Length(b) - 1 - t.
  int Length(int b) const { return lengths_.empty() ? steps_ : lengths_[b]; }
  // out (steps, B, width) = in reversed within each row's length, 0 past it; in has in_stride
  // values per (step, row), of which it reads width from in_offset.
  void Reverse(const T* in, size_t in_stride, size_t in_offset, size_t width, T* out) const;

  std::unique_ptr<RecurrentLayer<T>> forward_, reverse_;
  int hidden_;
  size_t forward_size_ = 0;  // values in the forward cell's tensors
  int steps_ = 0;
  int batch_ = 0;
  std::vector<int32_t> lengths_;                  // empty: every sequence is steps_ long
  std::vector<T> x_reversed_;                     // (steps, B, I)
  std::vector<T> output_;                         // (steps, B, 2H)
  std::vector<T> final_;                          // (B, 2H)
  std::vector<T> dy_forward_, dy_reverse_;        // (steps, B, H)
  std::vector<T> dlast_forward_, dlast_reverse_;  // (B, H)
  std::vector<T> dx_reverse_;                     // (steps, B, I) in reversed time
};

extern template class BidirectionalLayer<float>;
extern template class BidirectionalLayer<double>;

}  // namespace seqtrain::nn
