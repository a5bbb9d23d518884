// What the exporters see of a model: its recurrent layers bottom to top and its head, each a
// kind that every format maps through one function (onnx_model.cc, torch_state_dict.cc). A
// config the exporters do not know yet is refused here with one line, before any format is
// written.
#pragma once

#include <string>
#include <vector>

#include "config.pb.h"
#include "nn/param_layout.h"

namespace seqtrain::exporting {

enum class LayerKind { kLstm, kGru };

struct LayerPlan {
  LayerKind kind = LayerKind::kLstm;
  bool bidirectional = false;
  int input_size = 0;  // the model's input_size for layer 0, else the width of the layer below
  int hidden_size = 0;
  // seqtrain's tensors of the directions, "lstm0/" and "lstm0_reverse/" (param_layout names).
  std::vector<std::string> directions;
  int output_size() const { return bidirectional ? 2 * hidden_size : hidden_size; }
};

struct HeadPlan {
  bool per_step = false;    // a prediction at every step rather than at each sequence's last
  bool regression = false;  // K values (no softmax) rather than K class probabilities
  int input_size = 0;       // F: the top layer's output width (H, or 2H when bidirectional)
  int outputs = 0;          // K
};

struct ExportPlan {
  std::string module;  // PyTorch's name of the recurrent module: "lstm" or "gru" (the cell's)
  std::vector<LayerPlan> layers;  // bottom to top; layer l reads the outputs of l - 1
  HeadPlan head;
  nn::ParamLayout layout;  // seqtrain's tensors ("lstm0/w_x", ..., "out/b")
};

// Throws seqtrain::Error "model.<field> = <value>: the exporters do not map ... yet" for a
// ModelConfig field they do not know that is not at its default (one added after them).
ExportPlan PlanExport(const ModelConfig& model);

// "input_size 28, hidden_size 8, num_layers 1, num_classes 10", and the cell, direction and head
// when they are not the defaults: the model a file is checked against, for messages.
std::string ModelSummary(const ModelConfig& model);

}  // namespace seqtrain::exporting
