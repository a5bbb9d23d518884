// out (cols, rows) = in (rows, cols)^T, in tiles that stay in L1 on both sides.
#pragma once

#include <algorithm>
#include <cstddef>

namespace seqtrain::tensor {

template <typename T>
void Transpose(const T* in, int rows, int cols, T* out) {
  constexpr int kTile = 16;
  for (int r0 = 0; r0 < rows; r0 += kTile) {
    for (int c0 = 0; c0 < cols; c0 += kTile) {
      const int r1 = std::min(rows, r0 + kTile), c1 = std::min(cols, c0 + kTile);
      for (int r = r0; r < r1; ++r) {
        for (int c = c0; c < c1; ++c) {
          out[static_cast<size_t>(c) * rows + r] = in[static_cast<size_t>(r) * cols + c];
        }
      }
    }
  }
}

}  // namespace seqtrain::tensor
