// The elementwise part of one LSTM time step, over a batch of rows laid out
// as in LstmLayer: gates (B, 4H) in order i, f, g, o; states (B, H).
// One Highway implementation for float and double, built for every target in
// simd/simd_target.h and dispatched at run time: sigmoid and tanh from one
// exp polynomial (float: relative error below 2e-7; double: near its rounding,
// see lstm_kernels_test), so the gradient check (double) checks the float
// kernels' formulas too.
#pragma once

namespace seqtrain::nn {

// In: gates holds pre-activations. Out: gates holds i, f, g, o after their
// nonlinearities; c = f * c_prev + i * g; tanh_c = tanh(c); h = o * tanh_c.
// c_prev may be null (c_0 = 0).
void LstmGatesForward(float* gates, const float* c_prev, float* c, float* tanh_c, float* h,
                      int batch, int hidden);
void LstmGatesForward(double* gates, const double* c_prev, double* c, double* tanh_c, double* h,
                      int batch, int hidden);

// In: gates (after nonlinearities), c_prev (may be null), tanh_c, dh = dLoss/dh_t,
// dc = dLoss/dc_t arriving from step t+1. Out: dgates = dLoss/d(pre-activations),
// dc = dLoss/dc_{t-1}. dgates may be gates (in place): then the backward reads and writes
// one (B, 4H) block instead of two, the gates being dead after their step's backward.
void LstmGatesBackward(const float* gates, const float* c_prev, const float* tanh_c,
                       const float* dh, float* dc, float* dgates, int batch, int hidden);
void LstmGatesBackward(const double* gates, const double* c_prev, const double* tanh_c,
                       const double* dh, double* dc, double* dgates, int batch, int hidden);

// Elementwise sigmoid and tanh of n values, the same approximations the kernels use.
void FastSigmoid(const float* x, float* y, int n);
void FastSigmoid(const double* x, double* y, int n);
void FastTanh(const float* x, float* y, int n);
void FastTanh(const double* x, double* y, int n);

}  // namespace seqtrain::nn
