#include "export/model_plan.h"

#include <google/protobuf/text_format.h>

#include <set>

#include "nn/head_registry.h"
#include "nn/sequence_classifier.h"
#include "util/error.h"

namespace seqtrain::exporting {
namespace {

// The ModelConfig fields the mappings below read (forget_bias only sets the initial weights;
// dropout is the identity at inference).
const std::set<std::string> kMappedFields = {
    "input_size", "time_steps",    "hidden_size", "num_layers", "num_classes", "forget_bias",
    "cell",       "bidirectional", "dropout",     "head",       "output_size"};

std::string FieldText(const ModelConfig& model, const google::protobuf::FieldDescriptor* field) {
  std::string text;
  google::protobuf::TextFormat::PrintFieldValueToString(model, field, -1, &text);
  return text;
}

}  // namespace

ExportPlan PlanExport(const ModelConfig& model) {
  const google::protobuf::Descriptor* descriptor = model.GetDescriptor();
  const ModelConfig defaults;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    if (kMappedFields.count(field->name())) continue;
    // A field added after the exporters: at its default it describes a model they know;
    // otherwise the model has parts no mapping knows.
    const std::string value = FieldText(model, field);
    if (field->is_repeated() || value != FieldText(defaults, field)) {
      throw Error("model." + field->name() + " = " + value +
                  ": the exporters do not map this field yet");
    }
  }
  ExportPlan plan;
  const bool gru = model.cell() == ModelConfig::GRU;
  if (!gru && model.cell() != ModelConfig::LSTM) {
    throw Error("model.cell = " + std::to_string(static_cast<int>(model.cell())) +
                ": the exporters map LSTM and GRU cells only");
  }
  plan.module = gru ? "gru" : "lstm";
  int input_size = model.input_size();
  for (int l = 0; l < model.num_layers(); ++l) {
    LayerPlan layer;
    layer.kind = gru ? LayerKind::kGru : LayerKind::kLstm;
    layer.bidirectional = model.bidirectional();
    layer.input_size = input_size;
    layer.hidden_size = model.hidden_size();
    const std::string prefix = plan.module + std::to_string(l);
    layer.directions.push_back(prefix + "/");
    if (layer.bidirectional) layer.directions.push_back(prefix + "_reverse/");
    input_size = layer.output_size();
    plan.layers.push_back(layer);
  }
  const nn::HeadEntry& head = nn::FindHead(model.head());
  plan.head.per_step = head.per_step;
  plan.head.regression = head.regression;
  plan.head.input_size = input_size;
  plan.head.outputs = nn::HeadOutputs(model);
  plan.layout = nn::ModelLayout(model);
  // The plan and the model's own layout must describe the same tensors.
  SEQ_CHECK(plan.layout.Find(plan.layers[0].directions[0] + "w_x").shape[0] == model.input_size());
  SEQ_CHECK(plan.layout.Find("out/w").shape[0] == plan.head.input_size);
  SEQ_CHECK(plan.layout.Find("out/w").shape[1] == plan.head.outputs);
  return plan;
}

std::string ModelSummary(const ModelConfig& model) {
  std::string text;
  if (model.cell() != ModelConfig::LSTM)
    text += "cell " + ModelConfig::Cell_Name(model.cell()) + ", ";
  text += "input_size " + std::to_string(model.input_size()) + ", hidden_size " +
          std::to_string(model.hidden_size()) + ", num_layers " +
          std::to_string(model.num_layers());
  if (model.bidirectional()) text += ", bidirectional";
  if (model.head() != ModelConfig::LAST_STEP_CLASSIFIER) {
    text += ", head " + nn::HeadName(model.head());
  }
  if (nn::FindHead(model.head()).regression) {
    text += ", output_size " + std::to_string(model.output_size());
  } else {
    text += ", num_classes " + std::to_string(model.num_classes());
  }
  return text;
}

}  // namespace seqtrain::exporting
