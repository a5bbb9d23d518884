#include "optim/optimizer.h"

#include "util/error.h"

namespace seqtrain::optim {

Optimizer::Optimizer(std::string name, size_t num_params,
                     const std::vector<std::string>& state_names, double learning_rate)
    : name_(std::move(name)), num_params_(num_params), learning_rate_(learning_rate) {
  for (const std::string& state_name : state_names) {
    state_.push_back({state_name, std::vector<float>(num_params, 0.0f)});
  }
}

void Optimizer::Step(float* params, const float* grads, float grad_scale) {
  ++step_;
  Update(params, grads, grad_scale, step_);
}

const std::vector<float>& Optimizer::state_values(const std::string& state_name) const {
  for (const StateTensor& s : state_) {
    if (s.name == state_name) return s.values;
  }
  throw Error("optimizer " + name_ + " keeps no state '" + state_name + "'");
}

void Optimizer::Restore(int64_t step, std::vector<StateTensor> state) {
  if (step < 0) {
    throw Error("optimizer " + name_ + ": step " + std::to_string(step) + " is negative");
  }
  if (state.size() != state_.size()) {
    throw Error("optimizer " + name_ + " keeps " + std::to_string(state_.size()) +
                " state tensors, not " + std::to_string(state.size()));
  }
  for (size_t i = 0; i < state.size(); ++i) {
    if (state[i].name != state_[i].name || state[i].values.size() != num_params_) {
      throw Error("optimizer " + name_ + ": state " + std::to_string(i) + " is '" + state[i].name +
                  "' of " + std::to_string(state[i].values.size()) + " values, not '" +
                  state_[i].name + "' of " + std::to_string(num_params_));
    }
  }
  step_ = step;
  state_ = std::move(state);
}

}  // namespace seqtrain::optim
