// What the exporters see of a model: its layers bottom to top and its head, each a kind that
// every format maps through one function (onnx_model.cc, torch_state_dict.cc). A config the
// exporters do not know yet is refused here with one line, before any format is written.
#pragma once

#include <string>
#include <vector>

#include "config.pb.h"
#include "nn/param_layout.h"

namespace seqtrain::exporting {

enum class LayerKind { kLstm };
enum class HeadKind { kLastStepSoftmax };

struct ExportPlan {
  std::vector<LayerKind> layers;  // bottom to top; layer l reads the outputs of l - 1
  HeadKind head = HeadKind::kLastStepSoftmax;
  nn::ParamLayout layout;  // seqtrain's tensors ("lstm0/w_x", ..., "out/b")
};

// Throws seqtrain::Error "model.cell = GRU: the exporters map only ... yet" for a ModelConfig
// field they do not know that is not at its default (a cell, direction or head added later).
ExportPlan PlanExport(const ModelConfig& model);

}  // namespace seqtrain::exporting
