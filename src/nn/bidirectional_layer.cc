#include "nn/bidirectional_layer.h"

#include <algorithm>

#include "util/error.h"

namespace seqtrain::nn {
namespace {

size_t SizeOf(const std::vector<ParamSpec>& specs) {
  size_t total = 0;
  for (const ParamSpec& s : specs) {
    size_t size = 1;
    for (int d : s.shape) size *= static_cast<size_t>(d);
    total += size;
  }
  return total;
}

}  // namespace

template <typename T>
BidirectionalLayer<T>::BidirectionalLayer(std::unique_ptr<RecurrentLayer<T>> forward,
                                          std::unique_ptr<RecurrentLayer<T>> reverse)
    : forward_(std::move(forward)),
      reverse_(std::move(reverse)),
      hidden_(forward_->output_size()),
      forward_size_(SizeOf(forward_->Params())) {
  SEQ_CHECK(reverse_->input_size() == forward_->input_size() && reverse_->output_size() == hidden_);
}

template <typename T>
std::vector<ParamSpec> BidirectionalLayer<T>::Params() const {
  std::vector<ParamSpec> specs = forward_->Params();
  for (ParamSpec s : reverse_->Params()) {
    s.name = "reverse/" + s.name;
    specs.push_back(std::move(s));
  }
  return specs;
}

template <typename T>
void BidirectionalLayer<T>::Initialize(Rng& rng, T* params) const {
  forward_->Initialize(rng, params);
  reverse_->Initialize(rng, params + forward_size_);
}

template <typename T>
void BidirectionalLayer<T>::Reverse(const T* in, size_t in_stride, size_t in_offset, size_t width,
                                    T* out) const {
  for (int t = 0; t < steps_; ++t) {
    for (int b = 0; b < batch_; ++b) {
      T* to = out + (static_cast<size_t>(t) * batch_ + b) * width;
      const int len = Length(b);
      if (t >= len) {
        std::fill_n(to, width, T(0));
        continue;
      }
      const T* from = in + (static_cast<size_t>(len - 1 - t) * batch_ + b) * in_stride + in_offset;
      std::copy(from, from + width, to);
    }
  }
}

template <typename T>
void BidirectionalLayer<T>::Forward(const T* params, const T* x, const int32_t* lengths, int steps,
                                    int batch) {
  SEQ_CHECK(steps > 0 && batch > 0);
  steps_ = steps;
  batch_ = batch;
  if (lengths) {
    lengths_.assign(lengths, lengths + batch);
  } else {
    lengths_.clear();
  }
  const size_t I = static_cast<size_t>(input_size()), H = static_cast<size_t>(hidden_);
  const size_t cells = static_cast<size_t>(steps) * batch;
  forward_->Forward(params, x, lengths, steps, batch);
  x_reversed_.resize(cells * I);
  Reverse(x, I, 0, I, x_reversed_.data());
  reverse_->Forward(params + forward_size_, x_reversed_.data(), lengths, steps, batch);

  // [forward h_t, reverse h_(len-1-t)], 0 past the length; final [forward h_(len-1), reverse h_0].
  const T* fwd = forward_->output();
  const T* rev = reverse_->output();
  output_.resize(cells * 2 * H);
  for (int t = 0; t < steps; ++t) {
    for (int b = 0; b < batch; ++b) {
      const size_t cell = static_cast<size_t>(t) * batch + b;
      T* to = output_.data() + cell * 2 * H;
      const int len = Length(b);
      if (t >= len) {
        std::fill_n(to, 2 * H, T(0));
        continue;
      }
      std::copy(fwd + cell * H, fwd + (cell + 1) * H, to);
      const T* r = rev + (static_cast<size_t>(len - 1 - t) * batch + b) * H;
      std::copy(r, r + H, to + H);
    }
  }
  final_.resize(static_cast<size_t>(batch) * 2 * H);
  for (int b = 0; b < batch; ++b) {
    const size_t last = static_cast<size_t>(Length(b) - 1) * batch + b;
    std::copy(fwd + last * H, fwd + (last + 1) * H, final_.data() + b * 2 * H);
    std::copy(rev + last * H, rev + (last + 1) * H, final_.data() + b * 2 * H + H);
  }
}

template <typename T>
void BidirectionalLayer<T>::Backward(const T* params, const T* dy_seq, const T* dy_last, T* grads,
                                     T* dx) {
  const size_t I = static_cast<size_t>(input_size()), H = static_cast<size_t>(hidden_);
  const size_t cells = static_cast<size_t>(steps_) * batch_;
  const T* dy_f = nullptr;
  const T* dy_r = nullptr;
  if (dy_seq) {
    dy_forward_.resize(cells * H);
    for (size_t c = 0; c < cells; ++c) {
      std::copy(dy_seq + c * 2 * H, dy_seq + c * 2 * H + H, dy_forward_.data() + c * H);
    }
    dy_reverse_.resize(cells * H);
    Reverse(dy_seq, 2 * H, H, H, dy_reverse_.data());
    dy_f = dy_forward_.data();
    dy_r = dy_reverse_.data();
  }
  const T* dl_f = nullptr;
  const T* dl_r = nullptr;
  if (dy_last) {
    dlast_forward_.resize(static_cast<size_t>(batch_) * H);
    dlast_reverse_.resize(static_cast<size_t>(batch_) * H);
    for (int b = 0; b < batch_; ++b) {
      const T* from = dy_last + static_cast<size_t>(b) * 2 * H;
      std::copy(from, from + H, dlast_forward_.data() + b * H);
      std::copy(from + H, from + 2 * H, dlast_reverse_.data() + b * H);
    }
    dl_f = dlast_forward_.data();
    dl_r = dlast_reverse_.data();
  }
  forward_->Backward(params, dy_f, dl_f, grads, dx);
  T* dx_r = nullptr;
  if (dx) {
    dx_reverse_.resize(cells * I);
    dx_r = dx_reverse_.data();
  }
  reverse_->Backward(params + forward_size_, dy_r, dl_r, grads + forward_size_, dx_r);
  if (!dx) return;
  for (int t = 0; t < steps_; ++t) {
    for (int b = 0; b < batch_; ++b) {
      const int len = Length(b);
      if (t >= len) continue;
      T* to = dx + (static_cast<size_t>(t) * batch_ + b) * I;
      const T* from = dx_r + (static_cast<size_t>(len - 1 - t) * batch_ + b) * I;
      for (size_t k = 0; k < I; ++k) to[k] += from[k];
    }
  }
}

template class BidirectionalLayer<float>;
template class BidirectionalLayer<double>;

}  // namespace seqtrain::nn
