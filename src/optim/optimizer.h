// The optimizer seam. An optimizer updates the model's one flat parameter buffer from the
// reduced gradient, and keeps its state as a step counter and named state tensors, each
// with one value per parameter (laid out like the parameters, nn/param_layout.h), so a
// checkpoint saves and restores any optimizer without knowing it
// (checkpoint/optimizer_state.h).
//
// Adding an optimizer: a class deriving from Optimizer in src/optim/<name>.{h,cc} (its
// update in Update, its state names passed to the constructor), its tests, and one line in
// the table of src/optim/registry.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace seqtrain::optim {

struct StateTensor {
  std::string name;
  std::vector<float> values;  // one per parameter
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Its registry name ("adam"), saved with its state.
  const std::string& name() const { return name_; }
  size_t num_params() const { return num_params_; }

  // One update: grads * grad_scale is the gradient to apply (e.g. scale = 1 / batch size).
  // Counts the step first, so the update sees step() >= 1.
  void Step(float* params, const float* grads, float grad_scale);

  // The learning rate of the next Step: OptimizerConfig.learning_rate until set (a schedule,
  // optim/lr_schedule.h, sets it before each step).
  double learning_rate() const { return learning_rate_; }
  void set_learning_rate(double learning_rate) { learning_rate_ = learning_rate; }

  // Updates made, including those of restored runs.
  int64_t step() const { return step_; }
  // Every state tensor, in the optimizer's order, all zero before the first step.
  const std::vector<StateTensor>& state() const { return state_; }
  // The values of one state tensor; throws seqtrain::Error for a name it does not keep.
  const std::vector<float>& state_values(const std::string& state_name) const;

  // For resuming: the step count and state as saved. Throws seqtrain::Error unless step >= 0
  // and state has the names of state(), in that order, each with num_params() values.
  void Restore(int64_t step, std::vector<StateTensor> state);

 protected:
  Optimizer(std::string name, size_t num_params, const std::vector<std::string>& state_names,
            double learning_rate);

  // The update of step `step` (1-based); state_data(i) is state()[i]'s values.
  virtual void Update(float* params, const float* grads, float grad_scale, int64_t step) = 0;
  float* state_data(size_t i) { return state_[i].values.data(); }

 private:
  std::string name_;
  size_t num_params_;
  int64_t step_ = 0;
  double learning_rate_;
  std::vector<StateTensor> state_;
};

}  // namespace seqtrain::optim
