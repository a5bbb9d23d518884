#include "export/init_weights.h"

#include "dist/agreement.h"
#include "export/safetensors.h"
#include "export/torch_state_dict.h"
#include "util/atomic_file.h"

namespace seqtrain::exporting {

void LoadInitialWeights(dist::Communicator& comm, const std::string& path, const ModelConfig& model,
                        float* params) {
  std::string bytes;
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    bytes = ReadWholeFile(path, kMaxSafetensorsFileBytes);
    DecodeSafetensors(bytes, path);  // fail here, on rank 0, with the file's name
  });
  comm.BroadcastBytes(&bytes, 0);
  dist::RunAgreed(comm, [&] {
    FromTorchStateDict(DecodeSafetensors(bytes, path).tensors, model, params, path);
  });
}

}  // namespace seqtrain::exporting
