// Elementwise and reduction loops over flat arrays, used by the training step.
// The float versions are Highway SIMD code dispatched at run time (see
// simd_target.h); the double versions are plain loops, the reference the
// gradient check runs on. Per element, AddTo, AddRowsTo and SumRows add in the same
// order as the plain loops, so their float results do not depend on the target.
#pragma once

#include <cstddef>

namespace seqtrain::simd {

// y[i] += x[i].
void AddTo(float* y, const float* x, size_t n);
void AddTo(double* y, const double* x, size_t n);

// y[j] += m[r * cols + j] for r = 0, 1, ... in order (a bias gradient accumulated over steps).
void AddRowsTo(float* y, const float* m, size_t rows, size_t cols);
void AddRowsTo(double* y, const double* m, size_t rows, size_t cols);

// out[j] = sum over r of m[r * cols + j], rows added in order (a bias gradient).
void SumRows(const float* m, size_t rows, size_t cols, float* out);
void SumRows(const double* m, size_t rows, size_t cols, double* out);

// x[i] *= factor.
void Scale(float* x, size_t n, float factor);

// Sum of x[i]^2, accumulated in double; the same bits on every target.
double SumOfSquares(const float* x, size_t n);

// False when any of x[0..n) is NaN or +-Inf.
bool AllFinite(const float* x, size_t n);

}  // namespace seqtrain::simd
