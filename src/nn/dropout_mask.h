// Dropout masks drawn per sample: the mask of batch row b depends on its key, the layer, the
// step and the unit alone, never on the row's place in a batch, so a sample is dropped alike
// on 1 rank or N. A kept value is scaled by 1 / (1 - p) (inverted dropout).
#pragma once

#include <cstddef>
#include <cstdint>

#include "util/rng.h"

namespace seqtrain::nn {

// mask (steps, batch, width): 0 with probability p, else 1 / (1 - p). keys (batch).
template <typename T>
void FillDropoutMask(const uint64_t* keys, int layer, int steps, int batch, int width, double p,
                     T* mask) {
  const T kept = static_cast<T>(1.0 / (1.0 - p));
  for (int t = 0; t < steps; ++t) {
    for (int b = 0; b < batch; ++b) {
      uint64_t state =
          DeriveSeed(keys[b], static_cast<uint64_t>(layer) + 1, static_cast<uint64_t>(t));
      T* row = mask + (static_cast<size_t>(t) * batch + b) * width;
      for (int j = 0; j < width; ++j) {
        const double u = static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;
        row[j] = u < p ? T(0) : kept;
      }
    }
  }
}

}  // namespace seqtrain::nn
