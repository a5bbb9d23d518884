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

// "_l0", "_l0_reverse": PyTorch's suffix of layer l's direction d.
std::string TorchSuffix(int l, size_t d) {
  return "_l" + std::to_string(l) + (d == 1 ? "_reverse" : "");
}

using Given = std::map<std::string, const NamedTensor*>;

// One pair per kind and direction of mapping: a new layer or head kind adds its pair here.
void LayerToTorch(const ExportPlan& plan, int l, const float* params,
                  std::vector<NamedTensor>* out) {
  const LayerPlan& layer = plan.layers[static_cast<size_t>(l)];
  for (size_t d = 0; d < layer.directions.size(); ++d) {
    const std::string& from = layer.directions[d];
    const std::string to = plan.module + ".", suffix = TorchSuffix(l, d);
    const nn::TensorSpec& w_x = plan.layout.Find(from + "w_x");
    const int64_t in = w_x.shape[0], gates = w_x.shape[1], hidden = layer.hidden_size;
    out->push_back(
        {to + "weight_ih" + suffix, {gates, in}, Transposed(params + w_x.offset, in, gates)});
    out->push_back({to + "weight_hh" + suffix,
                    {gates, hidden},
                    Transposed(TensorAt(plan, params, from + "w_h"), hidden, gates)});
    const float* b_x = TensorAt(plan, params, from + (layer.kind == LayerKind::kGru ? "b_x" : "b"));
    out->push_back({to + "bias_ih" + suffix, {gates}, std::vector<float>(b_x, b_x + gates)});
    if (layer.kind == LayerKind::kGru) {
      const float* b_h = TensorAt(plan, params, from + "b_h");
      out->push_back({to + "bias_hh" + suffix, {gates}, std::vector<float>(b_h, b_h + gates)});
    } else {
      out->push_back({to + "bias_hh" + suffix, {gates}, std::vector<float>(gates, 0.0f)});
    }
  }
}

void LayerFromTorch(const ExportPlan& plan, int l, const Given& in, float* params) {
  const LayerPlan& layer = plan.layers[static_cast<size_t>(l)];
  for (size_t d = 0; d < layer.directions.size(); ++d) {
    const std::string& to = layer.directions[d];
    const std::string from = plan.module + ".", suffix = TorchSuffix(l, d);
    const nn::TensorSpec& w_x = plan.layout.Find(to + "w_x");
    const int64_t inputs = w_x.shape[0], gates = w_x.shape[1], hidden = layer.hidden_size;
    const std::vector<float> wx =
        Transposed(in.at(from + "weight_ih" + suffix)->values.data(), gates, inputs);
    const std::vector<float> wh =
        Transposed(in.at(from + "weight_hh" + suffix)->values.data(), gates, hidden);
    std::copy(wx.begin(), wx.end(), params + w_x.offset);
    std::copy(wh.begin(), wh.end(), TensorAt(plan, params, to + "w_h"));
    const std::vector<float>& b_ih = in.at(from + "bias_ih" + suffix)->values;
    const std::vector<float>& b_hh = in.at(from + "bias_hh" + suffix)->values;
    if (layer.kind == LayerKind::kGru) {
      std::copy(b_ih.begin(), b_ih.end(), TensorAt(plan, params, to + "b_x"));
      std::copy(b_hh.begin(), b_hh.end(), TensorAt(plan, params, to + "b_h"));
    } else {
      float* b = TensorAt(plan, params, to + "b");
      for (int64_t j = 0; j < gates; ++j) b[j] = b_ih[j] + b_hh[j];
    }
  }
}

// Every head is one linear layer.
void HeadToTorch(const ExportPlan& plan, const float* params, std::vector<NamedTensor>* out) {
  const nn::TensorSpec& w = plan.layout.Find("out/w");
  const int64_t features = w.shape[0], outputs = w.shape[1];
  const float* b = TensorAt(plan, params, "out/b");
  out->push_back(
      {"fc.weight", {outputs, features}, Transposed(params + w.offset, features, outputs)});
  out->push_back({"fc.bias", {outputs}, std::vector<float>(b, b + outputs)});
}

void HeadFromTorch(const ExportPlan& plan, const Given& in, float* params) {
  const nn::TensorSpec& w = plan.layout.Find("out/w");
  const int64_t features = w.shape[0], outputs = w.shape[1];
  const std::vector<float> wt = Transposed(in.at("fc.weight")->values.data(), outputs, features);
  std::copy(wt.begin(), wt.end(), params + w.offset);
  const std::vector<float>& b = in.at("fc.bias")->values;
  std::copy(b.begin(), b.end(), TensorAt(plan, params, "out/b"));
}

std::vector<NamedTensor> ToStateDict(const ExportPlan& plan, const float* params) {
  std::vector<NamedTensor> out;
  for (size_t l = 0; l < plan.layers.size(); ++l)
    LayerToTorch(plan, static_cast<int>(l), params, &out);
  HeadToTorch(plan, params, &out);
  return out;
}

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}
bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string CellArticle(const std::string& module) { return module == "gru" ? "a GRU" : "an LSTM"; }

// Why a file's tensor names differ from the model's, when it is another cell or direction.
std::string CellOrDirectionHint(const std::string& name, const ExportPlan& plan,
                                const ModelConfig& model, const Given& given) {
  const std::string other = plan.module == "lstm" ? "gru" : "lstm";
  for (const auto& [file_name, unused] : given) {
    if (StartsWith(file_name, other + ".") && !StartsWith(name, other + ".")) {
      return "; the file holds '" + file_name + "', " + CellArticle(other) +
             "'s tensor, but model.cell = " + ModelConfig::Cell_Name(model.cell());
    }
  }
  if (EndsWith(name, "_reverse")) {
    return model.bidirectional()
               ? "; the file has no reverse direction, but model.bidirectional = true"
               : "; a reverse direction's tensor, but model.bidirectional = false";
  }
  if (StartsWith(name, other + ".")) {
    return "; " + CellArticle(other) +
           "'s tensor, but model.cell = " + ModelConfig::Cell_Name(model.cell());
  }
  return "";
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
  Given given;
  for (const NamedTensor& t : tensors) given[t.name] = &t;
  std::string expected_names;
  for (const NamedTensor& w : wanted)
    expected_names += (expected_names.empty() ? "" : ", ") + w.name;
  // Names first, so another cell's or direction's file is named as such before any shape.
  for (const NamedTensor& w : wanted) {
    if (!given.count(w.name)) {
      throw Error(path + ": tensor '" + w.name + "' is missing (the model's tensors: " +
                  expected_names + ")" + CellOrDirectionHint(w.name, plan, model, given));
    }
  }
  if (given.size() != wanted.size()) {
    for (const NamedTensor& t : tensors) {
      bool known = false;
      for (const NamedTensor& w : wanted) known = known || w.name == t.name;
      if (!known) {
        throw Error(path + ": tensor '" + t.name + "' is not one of the model's (" +
                    expected_names + ")" + CellOrDirectionHint(t.name, plan, model, {}));
      }
    }
  }
  for (const NamedTensor& w : wanted) {
    const NamedTensor& t = *given.at(w.name);
    if (t.shape != w.shape) {
      throw Error(path + ": tensor '" + w.name + "' has shape " + ShapeText(t.shape) +
                  ", the config's model (" + ModelSummary(model) + ") has " + ShapeText(w.shape));
    }
  }
  for (size_t l = 0; l < plan.layers.size(); ++l)
    LayerFromTorch(plan, static_cast<int>(l), given, params);
  HeadFromTorch(plan, given, params);
}

}  // namespace seqtrain::exporting
