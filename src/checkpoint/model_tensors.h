// The model's flat buffers <-> named checkpoint tensors, and the check that a
// checkpoint was written by a model of the configured shape.
#pragma once

#include <string>

#include "checkpoint.pb.h"
#include "config.pb.h"
#include "nn/param_layout.h"

namespace seqtrain::checkpoint {

// "[28, 512]"
std::string ShapeOf(const Tensor& tensor);

void PackTensors(const nn::ParamLayout& layout, const float* data,
                 google::protobuf::RepeatedPtrField<Tensor>* out);

// Throws seqtrain::Error "path: <what> ..." when names, shapes or byte sizes differ from layout.
void CheckTensorsFit(const google::protobuf::RepeatedPtrField<Tensor>& tensors,
                     const nn::ParamLayout& layout, const std::string& path,
                     const std::string& what);

// Checks as CheckTensorsFit, then copies the values to out (layout.total_size() floats).
void UnpackTensors(const google::protobuf::RepeatedPtrField<Tensor>& tensors,
                   const nn::ParamLayout& layout, float* out, const std::string& path,
                   const std::string& what);

// The model a checkpoint describes, validated like a config (so a damaged or
// hostile checkpoint cannot size buffers). Throws seqtrain::Error "path: ...".
const ModelConfig& ModelConfigOf(const Checkpoint& checkpoint, const std::string& path);

// The tensors a model of this shape has: nn::ModelLayout, the classifier's own layout.
nn::ParamLayout LayoutOf(const ModelConfig& shape);

// Checks the params tensors (and, with optimizer_state, the optimizer's state:
// checkpoint/optimizer_state.h) against the layout of shape: names, counts, shapes and
// byte sizes, before anything of that size is allocated. Throws seqtrain::Error "path: ...".
void CheckTensors(const Checkpoint& checkpoint, const ModelConfig& shape, bool optimizer_state,
                  const std::string& path);

// Throws seqtrain::Error "path: model.hidden_size = 64 in the checkpoint, 128 in the config".
void CheckModelMatches(const ModelConfig& saved, const ModelConfig& configured,
                       const std::string& path);

}  // namespace seqtrain::checkpoint
