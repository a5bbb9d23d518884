// Gate nonlinearities, in one place so a faster vectorized form can replace
// them without touching the LSTM.
#pragma once

#include <cmath>

namespace seqtrain::nn {

template <typename T>
inline T Sigmoid(T x) {
  return T(1) / (T(1) + std::exp(-x));
}

template <typename T>
inline T Tanh(T x) {
  return std::tanh(x);
}

}  // namespace seqtrain::nn
