#include "nn/param_layout.h"

#include "util/error.h"

namespace seqtrain::nn {

size_t ParamLayout::Add(const std::string& name, std::vector<int> shape) {
  size_t size = 1;
  for (int dim : shape) {
    SEQ_CHECK(dim > 0);
    size *= static_cast<size_t>(dim);
  }
  tensors_.push_back({name, std::move(shape), total_size_, size});
  total_size_ += size;
  return tensors_.back().offset;
}

const TensorSpec& ParamLayout::Find(const std::string& name) const {
  for (const auto& t : tensors_) {
    if (t.name == name) return t;
  }
  throw Error("no parameter tensor named '" + name + "'");
}

}  // namespace seqtrain::nn
