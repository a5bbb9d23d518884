// Starting a run from given weights (train.init_from): a safetensors file with PyTorch's names,
// read on rank 0 and broadcast, so the ranks need no shared filesystem and all start alike.
#pragma once

#include <string>

#include "config.pb.h"
#include "dist/communicator.h"

namespace seqtrain::exporting {

// Writes the model's flat buffer (nn::ModelLayout(model)) on every rank. Collective; a bad file
// ends every rank with one line naming it (dist::RunAgreed).
void LoadInitialWeights(dist::Communicator& comm, const std::string& path, const ModelConfig& model,
                        float* params);

}  // namespace seqtrain::exporting
