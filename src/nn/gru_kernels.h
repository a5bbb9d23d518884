// The elementwise part of one GRU time step, over a batch of rows laid out as in GruLayer:
// gate blocks (B, 3H) in order r, z, n; states (B, H). As PyTorch's nn.GRU (ONNX GRU with
// linear_before_reset = 1):
//   r = sigmoid(xr + hr), z = sigmoid(xz + hz), n = tanh(xn + r * hn), h = (1 - z) n + z h_prev
// where x* = W_x x + b_x and h* = W_h h_prev + b_h. One Highway implementation for float and
// double, dispatched at run time, with the LSTM kernels' sigmoid and tanh (activations-inl.h).
#pragma once

namespace seqtrain::nn {

// In: gates = x W_x + b_x, hproj = h_prev W_h + b_h (both (B, 3H)), h_prev (B, H).
// Out: gates holds r, z, n; hn (B, H) keeps hproj's n block (the backward needs it); h (B, H).
void GruGatesForward(float* gates, const float* hproj, const float* h_prev, float* hn, float* h,
                     int batch, int hidden);
void GruGatesForward(double* gates, const double* hproj, const double* h_prev, double* hn,
                     double* h, int batch, int hidden);

// In: gates (r, z, n), hn, h_prev, dh = dLoss/dh_t. Out: dgates_x = dLoss/d(x W_x + b_x),
// dgates_h = dLoss/d(h_prev W_h + b_h) (both (B, 3H); dgates_x may be gates: in place), and
// dh_prev = the part of dLoss/dh_prev that does not pass through W_h (dh * z).
void GruGatesBackward(const float* gates, const float* hn, const float* h_prev, const float* dh,
                      float* dgates_x, float* dgates_h, float* dh_prev, int batch, int hidden);
void GruGatesBackward(const double* gates, const double* hn, const double* h_prev, const double* dh,
                      double* dgates_x, double* dgates_h, double* dh_prev, int batch, int hidden);

}  // namespace seqtrain::nn
