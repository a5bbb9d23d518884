// Row-wise copies the layers share: a bias laid on every row of an output a GEMM then adds onto
// (beta 1), and rows moved between matrices of different row strides.
#pragma once

#include <algorithm>
#include <cstddef>

namespace seqtrain::tensor {

// out (rows, width) = row on every row.
template <typename T>
void BroadcastRow(const T* row, size_t width, size_t rows, T* out) {
  for (size_t r = 0; r < rows; ++r) std::copy(row, row + width, out + r * width);
}

// The first width values of each of rows rows, from a matrix of row stride from_stride into one
// of to_stride.
template <typename T>
void CopyRows(const T* from, size_t from_stride, size_t rows, size_t width, T* to,
              size_t to_stride) {
  for (size_t r = 0; r < rows; ++r) {
    std::copy(from + r * from_stride, from + r * from_stride + width, to + r * to_stride);
  }
}

}  // namespace seqtrain::tensor
