// An optimizer's state <-> Checkpoint.optimizer (checkpoint.proto's OptimizerState), for
// any optimizer of the registry (optim/registry.h), and the reading of versions 1 and 2,
// which kept Adam's state in fields of their own.
#pragma once

#include <string>

#include "checkpoint.pb.h"
#include "nn/param_layout.h"
#include "optim/optimizer.h"

namespace seqtrain::checkpoint {

// Name, step and every state tensor, each packed as one Tensor per entry of layout.
void PackOptimizerState(const optim::Optimizer& optimizer, const nn::ParamLayout& layout,
                        OptimizerState* out);

// Checks state before anything is sized by it: a known optimizer, a step >= 0, each of its
// state tensors once and nothing else, each fitting layout. Throws seqtrain::Error, e.g.
// "path: optimizer.name = 'lion' is not an optimizer of this seqtrain (adam)".
void CheckOptimizerState(const OptimizerState& state, const nn::ParamLayout& layout,
                         const std::string& path);

// Checks state, that it is optimizer's, then restores optimizer from it. Throws
// seqtrain::Error "path: ..."; optimizer is unchanged then.
void RestoreOptimizerState(const OptimizerState& state, const nn::ParamLayout& layout,
                           optim::Optimizer* optimizer, const std::string& path);

// A checkpoint of format version 1 or 2 as version 3 holds it: adam_m, adam_v and adam_step
// moved (not copied) into optimizer { name: "adam" state "m", "v" }, the format_version
// kept. Nothing when it has none of them. Throws seqtrain::Error "path: ..." when a version
// sets the fields of the other. A checkpoint saved before optimizer.name existed with
// weight_decay > 0 becomes "adamw"'s (config and state): what its update was.
void UpgradeOptimizerFields(Checkpoint* checkpoint, const std::string& path);

}  // namespace seqtrain::checkpoint
