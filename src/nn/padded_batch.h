// The lengths of the batch a recurrent layer last ran forward. With sequences shorter than
// steps, the layers keep the GEMMs whole-batch: a padded row's state is copied on past its
// length, the gradient arriving on its padded outputs is dropped, and the gradient on its final
// state enters at its own last step.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "simd/array_kernels.h"
#include "util/error.h"

namespace seqtrain::nn {

class PaddedBatch {
 public:
  // lengths: (batch) each in [1, steps], or null: every sequence is steps long.
  void Set(const int32_t* lengths, int steps, int batch) {
    SEQ_CHECK(steps > 0 && batch > 0);
    steps_ = steps;
    batch_ = batch;
    padded_ = false;
    if (!lengths) return;
    for (int b = 0; b < batch; ++b) {
      SEQ_CHECK(lengths[b] >= 1 && lengths[b] <= steps);
      padded_ = padded_ || lengths[b] < steps;
    }
    if (padded_) lengths_.assign(lengths, lengths + batch);
  }

  int steps() const { return steps_; }
  int batch() const { return batch_; }
  // Step t of row b lies past that sequence's length.
  bool Padded(int t, int b) const { return padded_ && t >= lengths_[b]; }

  // dh (B, H) += what flows into h_t from above: dy_seq's step t (T, B, H) on rows not padded
  // there, and dy_last (B, H) on each row at its own last step. Either may be null.
  template <typename T>
  void AddArrivingGradient(int t, const T* dy_seq, const T* dy_last, int hidden, T* dh) const {
    const size_t H = static_cast<size_t>(hidden), block = static_cast<size_t>(batch_) * H;
    if (!padded_) {
      if (dy_seq) simd::AddTo(dh, dy_seq + t * block, block);
      if (t == steps_ - 1 && dy_last) simd::AddTo(dh, dy_last, block);
      return;
    }
    for (int b = 0; b < batch_; ++b) {
      if (Padded(t, b)) continue;
      const size_t row = static_cast<size_t>(b) * H;
      if (dy_seq) simd::AddTo(dh + row, dy_seq + t * block + row, H);
      if (dy_last && t == lengths_[b] - 1) simd::AddTo(dh + row, dy_last + row, H);
    }
  }

  // Zeroes the rows (each width long) of a (B, width) block that are padding at step t.
  template <typename T>
  void ZeroPaddedRows(int t, T* block, size_t width) const {
    if (!padded_) return;
    for (int b = 0; b < batch_; ++b) {
      if (Padded(t, b)) std::fill_n(block + static_cast<size_t>(b) * width, width, T(0));
    }
  }

  // Copies the rows of from (B, width) that are padding at step t into to: the state carried on.
  template <typename T>
  void CarryPaddedRows(int t, const T* from, T* to, size_t width) const {
    if (!padded_) return;
    for (int b = 0; b < batch_; ++b) {
      if (!Padded(t, b)) continue;
      const size_t row = static_cast<size_t>(b) * width;
      std::copy(from + row, from + row + width, to + row);
    }
  }

 private:
  int steps_ = 0;
  int batch_ = 0;
  bool padded_ = false;
  std::vector<int32_t> lengths_;  // (B) when padded_
};

}  // namespace seqtrain::nn
