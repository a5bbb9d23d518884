// seqtrain's parameters <-> a PyTorch state dict of
//   class Model(nn.Module): lstm = nn.LSTM(I, H, num_layers=L, batch_first=True)
//                           fc = nn.Linear(H, K)
// named lstm.weight_ih_l<l> [4H, in], lstm.weight_hh_l<l> [4H, H], lstm.bias_ih_l<l> [4H],
// lstm.bias_hh_l<l> [4H], fc.weight [K, H], fc.bias [K]. PyTorch's gate order (i, f, g, o) is
// seqtrain's; its weights are seqtrain's transposed. seqtrain has one bias per gate: it is
// written as bias_ih with bias_hh zero, and a read bias is bias_ih + bias_hh.
#pragma once

#include <string>

#include "config.pb.h"
#include "export/safetensors.h"

namespace seqtrain::exporting {

// params: the model's flat buffer (nn::ModelLayout(model)). Throws as PlanExport.
std::vector<NamedTensor> ToTorchStateDict(const ModelConfig& model, const float* params);

// Writes the model's flat buffer from a state dict. Throws seqtrain::Error "path: tensor
// 'lstm.weight_ih_l0': ..." for a missing or extra tensor or a shape the config does not have.
void FromTorchStateDict(const std::vector<NamedTensor>& tensors, const ModelConfig& model,
                        float* params, const std::string& path);

}  // namespace seqtrain::exporting
