// seqtrain's parameters <-> a PyTorch state dict of
//   class Model(nn.Module): lstm = nn.LSTM(I, H, num_layers=L, batch_first=True,
//                                          bidirectional=D == 2)       (or gru = nn.GRU(...))
//                           fc = nn.Linear(D * H, K)
// The recurrent module is named by the cell, "lstm" or "gru". Per layer l and direction (the
// reverse one with the suffix "_reverse"): <module>.weight_ih_l<l> [G, in],
// <module>.weight_hh_l<l> [G, H], <module>.bias_ih_l<l> [G], <module>.bias_hh_l<l> [G], G = 4H
// (LSTM) or 3H (GRU); then fc.weight [K, F], fc.bias [K] for every head. PyTorch's gate orders
// (LSTM i, f, g, o; GRU r, z, n) are seqtrain's; its weights are seqtrain's transposed.
// seqtrain's LSTM has one bias per gate: it is written as bias_ih with bias_hh zero, and a read
// one is bias_ih + bias_hh. Its GRU has both (the n gate needs both), kept as they are.
#pragma once

#include <string>

#include "config.pb.h"
#include "export/safetensors.h"

namespace seqtrain::exporting {

// params: the model's flat buffer (nn::ModelLayout(model)). Throws as PlanExport.
std::vector<NamedTensor> ToTorchStateDict(const ModelConfig& model, const float* params);

// Writes the model's flat buffer from a state dict. Throws seqtrain::Error "path: tensor
// 'lstm.weight_ih_l0': ..." for a missing or extra tensor (saying so when it is another cell's
// or direction's) or a shape the config does not have.
void FromTorchStateDict(const std::vector<NamedTensor>& tensors, const ModelConfig& model,
                        float* params, const std::string& path);

}  // namespace seqtrain::exporting
