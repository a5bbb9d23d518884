// A toy recurrent cell, the Elman RNN h_t = tanh(x_t W_x + h_{t-1} W_h + b), written as plain
// loops in this one file plus its registration line: the proof that a cell plugs into the model
// without touching src/. Parameters "w_x" (I, H), "w_h" (H, H), "b" (H).
#include <cmath>
#include <vector>

#include "nn/recurrent_layer.h"
#include "nn/recurrent_layer_registry.h"

namespace seqtrain::nn::testing {
namespace {

template <typename T>
class ElmanLayer final : public RecurrentLayer<T> {
 public:
  ElmanLayer(const ModelConfig& model, int input_size)
      : input_size_(input_size), hidden_size_(model.hidden_size()) {}

  int input_size() const override { return input_size_; }
  int output_size() const override { return hidden_size_; }
  std::vector<ParamSpec> Params() const override {
    return {{"w_x", {input_size_, hidden_size_}},
            {"w_h", {hidden_size_, hidden_size_}},
            {"b", {hidden_size_}}};
  }

  // PyTorch's nn.RNN: every parameter uniform in +-1/sqrt(H).
  void Initialize(Rng& rng, T* params) const override {
    const double limit = 1.0 / std::sqrt(static_cast<double>(hidden_size_));
    for (size_t i = 0; i < Size(); ++i) params[i] = static_cast<T>(rng.Uniform(-limit, limit));
  }

  void Forward(const T* params, const T* x, const int32_t* lengths, int steps, int batch) override {
    const int I = input_size_, H = hidden_size_;
    x_ = x;
    steps_ = steps;
    batch_ = batch;
    lengths_.assign(static_cast<size_t>(batch), steps);
    if (lengths) lengths_.assign(lengths, lengths + batch);
    hidden_.assign(static_cast<size_t>(steps + 1) * batch * H, T(0));  // h_0 = 0, then h_1 .. h_T
    const T *w_x = params, *w_h = w_x + I * H, *bias = w_h + H * H;
    for (int t = 0; t < steps; ++t) {
      for (int b = 0; b < batch; ++b) {
        const T* h_prev = H_at(t, b);
        T* h = H_at(t + 1, b);
        if (t >= lengths_[b]) {  // padding: the state is carried
          std::copy(h_prev, h_prev + H, h);
          continue;
        }
        const T* xt = x + (static_cast<size_t>(t) * batch + b) * I;
        for (int j = 0; j < H; ++j) {
          T a = bias[j];
          for (int k = 0; k < I; ++k) a += xt[k] * w_x[k * H + j];
          for (int k = 0; k < H; ++k) a += h_prev[k] * w_h[k * H + j];
          h[j] = std::tanh(a);
        }
      }
    }
  }

  const T* output() const override {
    return hidden_.data() + static_cast<size_t>(batch_) * hidden_size_;
  }

  void Backward(const T* params, const T* dy_seq, const T* dy_last, T* grads, T* dx) override {
    const int I = input_size_, H = hidden_size_, batch = batch_;
    const T *w_x = params, *w_h = w_x + I * H;
    std::fill(grads, grads + Size(), T(0));
    T *dw_x = grads, *dw_h = dw_x + I * H, *db = dw_h + H * H;
    if (dx) std::fill(dx, dx + static_cast<size_t>(steps_) * batch * I, T(0));
    std::vector<T> dh(static_cast<size_t>(batch) * H, T(0)), da(H);
    for (int t = steps_ - 1; t >= 0; --t) {
      for (int b = 0; b < batch; ++b) {
        if (t >= lengths_[b]) continue;  // nothing reaches padding; dh stays 0 there
        T* dhb = dh.data() + static_cast<size_t>(b) * H;
        const size_t row = (static_cast<size_t>(t) * batch + b) * H;
        for (int j = 0; j < H; ++j) {
          if (dy_seq) dhb[j] += dy_seq[row + j];
          if (dy_last && t == lengths_[b] - 1) dhb[j] += dy_last[static_cast<size_t>(b) * H + j];
        }
        const T* h = H_at(t + 1, b);
        const T* h_prev = H_at(t, b);
        const T* xt = x_ + (static_cast<size_t>(t) * batch + b) * I;
        for (int j = 0; j < H; ++j) da[j] = dhb[j] * (1 - h[j] * h[j]);
        for (int j = 0; j < H; ++j) {
          db[j] += da[j];
          for (int k = 0; k < I; ++k) dw_x[k * H + j] += xt[k] * da[j];
          for (int k = 0; k < H; ++k) dw_h[k * H + j] += h_prev[k] * da[j];
        }
        if (dx) {
          T* dxt = dx + (static_cast<size_t>(t) * batch + b) * I;
          for (int k = 0; k < I; ++k)
            for (int j = 0; j < H; ++j) dxt[k] += da[j] * w_x[k * H + j];
        }
        for (int k = 0; k < H; ++k) {
          T sum = 0;
          for (int j = 0; j < H; ++j) sum += da[j] * w_h[k * H + j];
          dhb[k] = sum;  // now dLoss/dh_{t-1} through the recurrence
        }
      }
    }
  }

 private:
  size_t Size() const { return static_cast<size_t>(input_size_ + hidden_size_ + 1) * hidden_size_; }
  T* H_at(int step, int b) {
    return hidden_.data() + (static_cast<size_t>(step) * batch_ + b) * hidden_size_;
  }
  const T* H_at(int step, int b) const {
    return hidden_.data() + (static_cast<size_t>(step) * batch_ + b) * hidden_size_;
  }

  int input_size_, hidden_size_;
  int steps_ = 0, batch_ = 0;
  const T* x_ = nullptr;
  std::vector<int32_t> lengths_;
  std::vector<T> hidden_;  // (T+1, B, H)
};

const RecurrentLayerRegistration<ElmanLayer> kRegistered("elman");

}  // namespace
}  // namespace seqtrain::nn::testing
