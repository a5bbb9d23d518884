// A seqtrain model as an ONNX graph (opset 14, standard ops only), docs/export_formats.md:
//   input [batch, T, I] -> Transpose -> one LSTM or GRU node per layer (direction
//   "bidirectional" when the model is; Squeeze, or Transpose + Reshape to [T, batch, 2H],
//   between layers) -> the head:
//   last step: the top layer's Y_h -> [batch, F] -> Gemm -> Softmax -> probabilities [batch, K]
//              (regression: the Gemm's output, values [batch, K]);
//   per step:  the top layer's Y -> [batch * T, F] -> Gemm -> [batch, T, K] -> Softmax over K
//              -> probabilities (regression: values), 0 past each length with sequence_lens.
// LSTM: ONNX gate order i, o, f, c (seqtrain's i, f, g, o), seqtrain's bias in B's W half and
// zeros in its R half. GRU: linear_before_reset = 1, gate order z, r, h (seqtrain's r, z, n),
// B = b_x then b_h. Weights are seqtrain's transposed; the forward direction before the reverse.
#pragma once

#include <string>

#include "config.pb.h"

namespace seqtrain::exporting {

struct OnnxOptions {
  // Adds the input sequence_lens (int32 [batch], each in 1..T): steps past a sequence's length
  // are padding, and its last state is the one at its own last step, as in seqtrain.
  bool sequence_lens = false;
  std::string producer_version;  // the build that wrote it
  std::string doc;               // the model's doc_string (the effective config)
};

// The serialized onnx.ModelProto. params: the model's flat buffer. Throws as PlanExport.
std::string ExportOnnx(const ModelConfig& model, const float* params, const OnnxOptions& options);

}  // namespace seqtrain::exporting
