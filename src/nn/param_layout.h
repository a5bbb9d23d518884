// Where each named tensor lives in the model's one flat parameter buffer.
// The gradient buffer uses the same offsets, so the whole gradient is one
// allreduce, Adam is one loop, and a checkpoint is one blob plus this table.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace seqtrain::nn {

struct TensorSpec {
  std::string name;
  std::vector<int> shape;
  size_t offset = 0;
  size_t size = 0;
};

class ParamLayout {
 public:
  // Appends a tensor and returns its offset.
  size_t Add(const std::string& name, std::vector<int> shape);

  const std::vector<TensorSpec>& tensors() const { return tensors_; }
  const TensorSpec& Find(const std::string& name) const;
  size_t total_size() const { return total_size_; }

 private:
  std::vector<TensorSpec> tensors_;
  size_t total_size_ = 0;
};

}  // namespace seqtrain::nn
