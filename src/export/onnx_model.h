// A seqtrain model as an ONNX graph (opset 14, standard ops only):
//   input [batch, T, I] -> Transpose -> LSTM per layer (Squeeze between layers)
//   -> the top layer's final state Y_h -> Squeeze -> Gemm -> Softmax -> probabilities [batch, K]
// ONNX's LSTM gate order is i, o, f, c (seqtrain's: i, f, g, o); W [1, 4H, in] and R [1, 4H, H]
// are seqtrain's w_x and w_h transposed and reordered, B [1, 8H] holds seqtrain's bias in the W
// half and zeros in the R half.
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
