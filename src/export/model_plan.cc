#include "export/model_plan.h"

#include <google/protobuf/text_format.h>

#include <set>

#include "nn/sequence_classifier.h"
#include "util/error.h"

namespace seqtrain::exporting {
namespace {

// The ModelConfig fields the mappings below read (forget_bias only sets the initial weights).
const std::set<std::string> kMappedFields = {"input_size", "time_steps",  "hidden_size",
                                             "num_layers", "num_classes", "forget_bias"};

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
    // A field added after the exporters (a new cell, direction or head): at its default it
    // describes today's model; otherwise the model has parts no mapping knows.
    const std::string value = FieldText(model, field);
    if (field->is_repeated() || value != FieldText(defaults, field)) {
      throw Error("model." + field->name() + " = " + value +
                  ": the exporters map only LSTM layers and the last-step softmax head yet");
    }
  }
  ExportPlan plan;
  plan.layers.assign(static_cast<size_t>(model.num_layers()), LayerKind::kLstm);
  plan.head = HeadKind::kLastStepSoftmax;
  plan.layout = nn::ModelLayout(model);
  return plan;
}

}  // namespace seqtrain::exporting
