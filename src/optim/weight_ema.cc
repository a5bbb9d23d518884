#include "optim/weight_ema.h"

namespace seqtrain::optim {

// Built with -ffp-contract=off and no dispatch: the same bits on every rank's CPU.
void WeightEma::Update(const float* params) {
  const auto keep = static_cast<float>(decay_);
  const auto take = static_cast<float>(1.0 - decay_);
  for (size_t i = 0; i < values_.size(); ++i) values_[i] = keep * values_[i] + take * params[i];
}

}  // namespace seqtrain::optim
