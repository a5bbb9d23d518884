// A recurrent layer's input pre-activations of every step at once, one GEMM for the whole
// sequence: only the recurrent product is left per step.
#pragma once

#include <cstddef>

#include "tensor/blas.h"
#include "tensor/rows.h"
#include "util/phase_timer.h"

namespace seqtrain::nn {

// out (rows, gates) = x (rows, inputs) w_x (inputs, gates) + bias (gates) on every row.
template <typename T>
void ProjectInputs(const T* x, const T* w_x, const T* bias, size_t rows, int inputs, int gates,
                   T* out) {
  ScopedPhase timer(Phase::kForwardGemm);
  tensor::BroadcastRow(bias, static_cast<size_t>(gates), rows, out);
  tensor::Gemm(false, false, static_cast<int>(rows), gates, inputs, T(1), x, inputs, w_x, gates,
               T(1), out, gates);
}

}  // namespace seqtrain::nn
