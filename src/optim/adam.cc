#include "optim/adam.h"

#include <cmath>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "optim/adam.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

// foreach_target.h includes this file once per target; define this only the first time.
#ifndef SEQTRAIN_OPTIM_ADAM_SCALARS
#define SEQTRAIN_OPTIM_ADAM_SCALARS
namespace seqtrain::optim {

// The per-step constants, each computed in double and rounded to float once.
struct AdamScalars {
  float grad_scale;
  float beta1, one_minus_beta1;
  float beta2, one_minus_beta2;
  float step_size;       // learning_rate / (1 - beta1^t)
  float inv_sqrt_bias2;  // 1 / sqrt(1 - beta2^t)
  float epsilon;
  float keep;  // 1 - learning_rate * weight_decay (adamw); exactly 1 without decay
  float l2;    // weight_decay (adam), added times p to the gradient; used only when > 0
};

}  // namespace seqtrain::optim
#endif  // SEQTRAIN_OPTIM_ADAM_SCALARS

HWY_BEFORE_NAMESPACE();
namespace seqtrain::optim {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

struct AdamArrays {
  float* HWY_RESTRICT params;
  const float* HWY_RESTRICT grads;
  float* HWY_RESTRICT m;
  float* HWY_RESTRICT v;
};

// Whole vectors from i, then the rest one lane at a time with the same operations.
// Only correctly rounded multiplies, adds, divides and square roots, no FMA (and
// the file is built with -ffp-contract=off): every target computes the same bits,
// so the replicas of a job that spans AVX2 and AVX-512 nodes stay identical.
template <bool kL2, class D>
void UpdateFrom(D d, const AdamArrays& a, const AdamScalars& k, size_t& i, size_t n) {
  const auto grad_scale = hn::Set(d, k.grad_scale), beta1 = hn::Set(d, k.beta1);
  const auto one_minus_beta1 = hn::Set(d, k.one_minus_beta1), beta2 = hn::Set(d, k.beta2);
  const auto one_minus_beta2 = hn::Set(d, k.one_minus_beta2), step_size = hn::Set(d, k.step_size);
  const auto inv_sqrt_bias2 = hn::Set(d, k.inv_sqrt_bias2), epsilon = hn::Set(d, k.epsilon);
  const auto keep = hn::Set(d, k.keep), l2 = hn::Set(d, k.l2);
  for (const size_t lanes = hn::Lanes(d); i + lanes <= n; i += lanes) {
    auto g = hn::Mul(hn::LoadU(d, a.grads + i), grad_scale);
    if (kL2) g = hn::Add(g, hn::Mul(l2, hn::LoadU(d, a.params + i)));
    const auto m = hn::Add(hn::Mul(beta1, hn::LoadU(d, a.m + i)), hn::Mul(one_minus_beta1, g));
    const auto v =
        hn::Add(hn::Mul(beta2, hn::LoadU(d, a.v + i)), hn::Mul(hn::Mul(one_minus_beta2, g), g));
    const auto denominator = hn::Add(hn::Mul(hn::Sqrt(v), inv_sqrt_bias2), epsilon);
    // Decay applies to the old parameter (AdamW); times exactly 1 it changes nothing.
    const auto decayed = hn::Mul(hn::LoadU(d, a.params + i), keep);
    hn::StoreU(m, d, a.m + i);
    hn::StoreU(v, d, a.v + i);
    hn::StoreU(hn::Sub(decayed, hn::Div(hn::Mul(step_size, m), denominator)), d, a.params + i);
  }
}

void AdamUpdateImpl(float* params, const float* grads, float* m, float* v, size_t n,
                    const AdamScalars& k) {
  const AdamArrays arrays{params, grads, m, v};
  size_t i = 0;
  if (k.l2 > 0) {
    UpdateFrom<true>(hn::ScalableTag<float>(), arrays, k, i, n);
    UpdateFrom<true>(hn::CappedTag<float, 1>(), arrays, k, i, n);
  } else {
    UpdateFrom<false>(hn::ScalableTag<float>(), arrays, k, i, n);
    UpdateFrom<false>(hn::CappedTag<float, 1>(), arrays, k, i, n);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace seqtrain::optim
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace seqtrain::optim {

HWY_EXPORT(AdamUpdateImpl);

const std::vector<std::string>& Adam::StateNames() {
  static const std::vector<std::string> names = {"m", "v"};
  return names;
}

Adam::Adam(const char* name, bool decoupled_decay, const OptimizerConfig& config, size_t num_params)
    : Optimizer(name, num_params, StateNames(), config.learning_rate()),
      config_(config),
      decoupled_decay_(decoupled_decay) {}

void Adam::Update(float* params, const float* grads, float grad_scale, int64_t step) {
  const double t = static_cast<double>(step);
  AdamScalars k;
  k.grad_scale = grad_scale;
  k.beta1 = static_cast<float>(config_.beta1());
  k.beta2 = static_cast<float>(config_.beta2());
  // From the double betas: 1 - float(0.999) would be 0.00099998713, not 0.001.
  k.one_minus_beta1 = static_cast<float>(1.0 - config_.beta1());
  k.one_minus_beta2 = static_cast<float>(1.0 - config_.beta2());
  const double lr = learning_rate();
  k.step_size = static_cast<float>(lr / (1.0 - std::pow(config_.beta1(), t)));
  k.inv_sqrt_bias2 = static_cast<float>(1.0 / std::sqrt(1.0 - std::pow(config_.beta2(), t)));
  k.epsilon = static_cast<float>(config_.epsilon());
  const bool decay = config_.weight_decay() > 0;
  k.keep = decay && decoupled_decay_ ? static_cast<float>(1.0 - lr * config_.weight_decay()) : 1.0f;
  k.l2 = decay && !decoupled_decay_ ? static_cast<float>(config_.weight_decay()) : 0.0f;
  HWY_DYNAMIC_DISPATCH(AdamUpdateImpl)
  (params, grads, state_data(0), state_data(1), num_params(), k);
}

}  // namespace seqtrain::optim
#endif  // HWY_ONCE
