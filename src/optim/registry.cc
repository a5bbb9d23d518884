#include "optim/registry.h"

#include "optim/adam.h"
#include "optim/sgd.h"
#include "util/error.h"

namespace seqtrain::optim {
namespace {

template <class T>
std::unique_ptr<Optimizer> Make(const OptimizerConfig& config, size_t num_params) {
  return std::make_unique<T>(config, num_params);
}

}  // namespace

const std::vector<OptimizerInfo>& Optimizers() {
  static const std::vector<OptimizerInfo> known = {
      {Adam::kName, Adam::StateNames(), &Make<Adam>},
      {AdamW::kName, Adam::StateNames(), &Make<AdamW>},
      {Sgd::kName, Sgd::StateNames(), &Make<Sgd>},
  };
  return known;
}

const OptimizerInfo* FindOptimizer(const std::string& name) {
  for (const OptimizerInfo& info : Optimizers()) {
    if (info.name == name) return &info;
  }
  return nullptr;
}

std::string OptimizerNames() {
  std::string names;
  for (const OptimizerInfo& info : Optimizers()) names += (names.empty() ? "" : ", ") + info.name;
  return names;
}

std::string SelectedOptimizer(const OptimizerConfig& config) { return config.name(); }

std::unique_ptr<Optimizer> CreateOptimizer(const OptimizerConfig& config, size_t num_params) {
  const std::string name = SelectedOptimizer(config);
  const OptimizerInfo* info = FindOptimizer(name);
  if (!info) {
    throw Error("optimizer.name = '" + name + "' is not an optimizer of this seqtrain (" +
                OptimizerNames() + ")");
  }
  return info->create(config, num_params);
}

}  // namespace seqtrain::optim
