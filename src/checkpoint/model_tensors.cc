#include "checkpoint/model_tensors.h"

#include <cstring>

#include "checkpoint/optimizer_state.h"
#include "config/config_validator.h"
#include "nn/sequence_classifier.h"
#include "util/error.h"

namespace seqtrain::checkpoint {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "checkpoint tensors are stored little-endian; add byte swapping for this platform");

std::string ShapeText(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

}  // namespace

std::string ShapeOf(const Tensor& tensor) {
  return ShapeText(std::vector<int64_t>(tensor.shape().begin(), tensor.shape().end()));
}

void PackTensors(const nn::ParamLayout& layout, const float* data,
                 google::protobuf::RepeatedPtrField<Tensor>* out) {
  out->Clear();
  for (const nn::TensorSpec& spec : layout.tensors()) {
    Tensor* t = out->Add();
    t->set_name(spec.name);
    for (int d : spec.shape) t->add_shape(d);
    t->set_data(reinterpret_cast<const char*>(data + spec.offset), spec.size * sizeof(float));
  }
}

void CheckTensorsFit(const google::protobuf::RepeatedPtrField<Tensor>& tensors,
                     const nn::ParamLayout& layout, const std::string& path,
                     const std::string& what) {
  const auto& specs = layout.tensors();
  if (static_cast<size_t>(tensors.size()) != specs.size()) {
    throw Error(path + ": " + what + " holds " + std::to_string(tensors.size()) +
                " tensors, the model has " + std::to_string(specs.size()));
  }
  for (size_t i = 0; i < specs.size(); ++i) {
    const Tensor& t = tensors[static_cast<int>(i)];
    const nn::TensorSpec& spec = specs[i];
    if (t.name() != spec.name) {
      throw Error(path + ": " + what + " tensor " + std::to_string(i) + " is '" + t.name() +
                  "', the model expects '" + spec.name + "'");
    }
    const std::vector<int64_t> saved(t.shape().begin(), t.shape().end());
    const std::vector<int64_t> wanted(spec.shape.begin(), spec.shape.end());
    if (saved != wanted) {
      throw Error(path + ": " + what + " tensor '" + spec.name + "' has shape " + ShapeText(saved) +
                  ", the model has " + ShapeText(wanted));
    }
    if (t.data().size() != spec.size * sizeof(float)) {
      throw Error(path + ": " + what + " tensor '" + spec.name + "' holds " +
                  std::to_string(t.data().size()) + " bytes, its shape needs " +
                  std::to_string(spec.size * sizeof(float)));
    }
  }
}

void UnpackTensors(const google::protobuf::RepeatedPtrField<Tensor>& tensors,
                   const nn::ParamLayout& layout, float* out, const std::string& path,
                   const std::string& what) {
  CheckTensorsFit(tensors, layout, path, what);
  for (size_t i = 0; i < layout.tensors().size(); ++i) {
    const std::string& data = tensors[static_cast<int>(i)].data();
    std::memcpy(out + layout.tensors()[i].offset, data.data(), data.size());
  }
}

nn::ParamLayout LayoutOf(const ModelConfig& shape) { return nn::ModelLayout(shape); }

void CheckTensors(const Checkpoint& checkpoint, const ModelConfig& shape, bool optimizer_state,
                  const std::string& path) {
  const nn::ParamLayout layout = LayoutOf(shape);
  CheckTensorsFit(checkpoint.params(), layout, path, "params");
  if (optimizer_state) {
    if (!checkpoint.has_optimizer()) {
      throw Error(path + ": optimizer is missing: no optimizer state to resume");
    }
    CheckOptimizerState(checkpoint.optimizer(), layout, path);
  }
}

const ModelConfig& ModelConfigOf(const Checkpoint& checkpoint, const std::string& path) {
  const ModelConfig& model = checkpoint.config().model();
  try {
    config::ValidateFields(model, "model.", 0);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
  return model;
}

void CheckModelMatches(const ModelConfig& saved, const ModelConfig& configured,
                       const std::string& path) {
  auto check = [&](const char* field, int64_t in_checkpoint, int64_t in_config) {
    if (in_checkpoint != in_config) {
      throw Error(path + ": model." + field + " = " + std::to_string(in_checkpoint) +
                  " in the checkpoint but " + std::to_string(in_config) +
                  " in the config: the checkpoint is for another model");
    }
  };
  check("input_size", saved.input_size(), configured.input_size());
  check("time_steps", saved.time_steps(), configured.time_steps());
  check("hidden_size", saved.hidden_size(), configured.hidden_size());
  check("num_layers", saved.num_layers(), configured.num_layers());
  check("num_classes", saved.num_classes(), configured.num_classes());
  if (saved.head() != configured.head()) {
    throw Error(path + ": model.head = " + nn::HeadName(saved.head()) + " in the checkpoint but " +
                nn::HeadName(configured.head()) +
                " in the config: the checkpoint is for another model");
  }
  check("output_size", saved.output_size(), configured.output_size());
  auto check_text = [&](const char* field, const std::string& in_checkpoint,
                        const std::string& in_config) {
    if (in_checkpoint != in_config) {
      throw Error(path + ": model." + field + " = " + in_checkpoint + " in the checkpoint but " +
                  in_config + " in the config: the checkpoint is for another model");
    }
  };
  check_text("cell", ModelConfig::Cell_Name(saved.cell()),
             ModelConfig::Cell_Name(configured.cell()));
  auto yes_no = [](bool b) { return std::string(b ? "true" : "false"); };
  check_text("bidirectional", yes_no(saved.bidirectional()), yes_no(configured.bidirectional()));
}

}  // namespace seqtrain::checkpoint
