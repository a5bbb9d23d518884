#include "export/torch_state_dict.h"

#include <map>

#include "export/model_plan.h"
#include "util/error.h"

namespace seqtrain::exporting {
namespace {

// (rows, cols) row-major -> (cols, rows).
std::vector<float> Transposed(const float* in, int64_t rows, int64_t cols) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = in[r * cols + c];
  }
  return out;
}

const float* TensorAt(const ExportPlan& plan, const float* params, const std::string& name) {
  return params + plan.layout.Find(name).offset;
}
float* TensorAt(const ExportPlan& plan, float* params, const std::string& name) {
  return params + plan.layout.Find(name).offset;
}

// One function per kind and direction: a new layer or head kind adds its pair here.
void LstmToTorch(const ExportPlan& plan, int l, const float* params,
                 std::vector<NamedTensor>* out) {
  const std::string prefix = "lstm" + std::to_string(l) + "/", suffix = "_l" + std::to_string(l);
  const nn::TensorSpec& w_x = plan.layout.Find(prefix + "w_x");
  const int64_t in = w_x.shape[0], gates = w_x.shape[1], hidden = gates / 4;
  const float* b = TensorAt(plan, params, prefix + "b");
  out->push_back(
      {"lstm.weight_ih" + suffix, {gates, in}, Transposed(params + w_x.offset, in, gates)});
  out->push_back({"lstm.weight_hh" + suffix,
                  {gates, hidden},
                  Transposed(TensorAt(plan, params, prefix + "w_h"), hidden, gates)});
  out->push_back({"lstm.bias_ih" + suffix, {gates}, std::vector<float>(b, b + gates)});
  out->push_back({"lstm.bias_hh" + suffix, {gates}, std::vector<float>(gates, 0.0f)});
}

void LstmFromTorch(const ExportPlan& plan, int l,
                   const std::map<std::string, const NamedTensor*>& in, float* params) {
  const std::string prefix = "lstm" + std::to_string(l) + "/", suffix = "_l" + std::to_string(l);
  const nn::TensorSpec& w_x = plan.layout.Find(prefix + "w_x");
  const int64_t inputs = w_x.shape[0], gates = w_x.shape[1], hidden = gates / 4;
  const std::vector<float> wx =
      Transposed(in.at("lstm.weight_ih" + suffix)->values.data(), gates, inputs);
  const std::vector<float> wh =
      Transposed(in.at("lstm.weight_hh" + suffix)->values.data(), gates, hidden);
  std::copy(wx.begin(), wx.end(), params + w_x.offset);
  std::copy(wh.begin(), wh.end(), TensorAt(plan, params, prefix + "w_h"));
  const std::vector<float>& b_ih = in.at("lstm.bias_ih" + suffix)->values;
  const std::vector<float>& b_hh = in.at("lstm.bias_hh" + suffix)->values;
  float* b = TensorAt(plan, params, prefix + "b");
  for (int64_t j = 0; j < gates; ++j) b[j] = b_ih[j] + b_hh[j];
}

void SoftmaxHeadToTorch(const ExportPlan& plan, const float* params,
                        std::vector<NamedTensor>* out) {
  const nn::TensorSpec& w = plan.layout.Find("out/w");
  const int64_t features = w.shape[0], classes = w.shape[1];
  const float* b = TensorAt(plan, params, "out/b");
  out->push_back(
      {"fc.weight", {classes, features}, Transposed(params + w.offset, features, classes)});
  out->push_back({"fc.bias", {classes}, std::vector<float>(b, b + classes)});
}

void SoftmaxHeadFromTorch(const ExportPlan& plan,
                          const std::map<std::string, const NamedTensor*>& in, float* params) {
  const nn::TensorSpec& w = plan.layout.Find("out/w");
  const int64_t features = w.shape[0], classes = w.shape[1];
  const std::vector<float> wt = Transposed(in.at("fc.weight")->values.data(), classes, features);
  std::copy(wt.begin(), wt.end(), params + w.offset);
  const std::vector<float>& b = in.at("fc.bias")->values;
  std::copy(b.begin(), b.end(), TensorAt(plan, params, "out/b"));
}

std::vector<NamedTensor> ToStateDict(const ExportPlan& plan, const float* params) {
  std::vector<NamedTensor> out;
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    switch (plan.layers[l]) {
      case LayerKind::kLstm:
        LstmToTorch(plan, static_cast<int>(l), params, &out);
        break;
    }
  }
  switch (plan.head) {
    case HeadKind::kLastStepSoftmax:
      SoftmaxHeadToTorch(plan, params, &out);
      break;
  }
  return out;
}

}  // namespace

std::vector<NamedTensor> ToTorchStateDict(const ModelConfig& model, const float* params) {
  return ToStateDict(PlanExport(model), params);
}

void FromTorchStateDict(const std::vector<NamedTensor>& tensors, const ModelConfig& model,
                        float* params, const std::string& path) {
  const ExportPlan plan = PlanExport(model);
  // The names and shapes this config has: those of its own export.
  const std::vector<float> zeros(plan.layout.total_size(), 0.0f);
  const std::vector<NamedTensor> wanted = ToStateDict(plan, zeros.data());
  std::map<std::string, const NamedTensor*> given;
  for (const NamedTensor& t : tensors) given[t.name] = &t;
  std::string expected_names;
  for (const NamedTensor& w : wanted)
    expected_names += (expected_names.empty() ? "" : ", ") + w.name;
  for (const NamedTensor& w : wanted) {
    const auto it = given.find(w.name);
    if (it == given.end()) {
      throw Error(path + ": tensor '" + w.name +
                  "' is missing (the model's tensors: " + expected_names + ")");
    }
    if (it->second->shape != w.shape) {
      throw Error(path + ": tensor '" + w.name + "' has shape " + ShapeText(it->second->shape) +
                  ", the config's model (input_size " + std::to_string(model.input_size()) +
                  ", hidden_size " + std::to_string(model.hidden_size()) + ", num_layers " +
                  std::to_string(model.num_layers()) + ", num_classes " +
                  std::to_string(model.num_classes()) + ") has " + ShapeText(w.shape));
    }
  }
  if (given.size() != wanted.size()) {
    for (const NamedTensor& t : tensors) {
      bool known = false;
      for (const NamedTensor& w : wanted) known = known || w.name == t.name;
      if (!known) {
        throw Error(path + ": tensor '" + t.name + "' is not one of the model's (" +
                    expected_names + ")");
      }
    }
  }
  for (size_t l = 0; l < plan.layers.size(); ++l) {
    switch (plan.layers[l]) {
      case LayerKind::kLstm:
        LstmFromTorch(plan, static_cast<int>(l), given, params);
        break;
    }
  }
  switch (plan.head) {
    case HeadKind::kLastStepSoftmax:
      SoftmaxHeadFromTorch(plan, given, params);
      break;
  }
}

}  // namespace seqtrain::exporting
