// The optimizers this build knows, by name, and the one a config selects.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "config.pb.h"
#include "optim/optimizer.h"

namespace seqtrain::optim {

struct OptimizerInfo {
  std::string name;
  // What its state() holds, in order: known without building one, so a checkpoint's
  // state can be checked before anything is allocated by it.
  std::vector<std::string> state_names;
  std::unique_ptr<Optimizer> (*create)(const OptimizerConfig& config, size_t num_params);
};

const std::vector<OptimizerInfo>& Optimizers();
// nullptr when no optimizer has that name.
const OptimizerInfo* FindOptimizer(const std::string& name);
// "adam, sgd": for error messages.
std::string OptimizerNames();

// The optimizer's name config selects (OptimizerConfig.name); callers ask here, never name
// an optimizer themselves.
std::string SelectedOptimizer(const OptimizerConfig& config);
// The selected optimizer for num_params parameters, its state all zero.
std::unique_ptr<Optimizer> CreateOptimizer(const OptimizerConfig& config, size_t num_params);

}  // namespace seqtrain::optim
