// `seqtrain export`: a checkpoint's model as ONNX or safetensors (docs/export_formats.md).
#include <cstdio>

#include "app/commands.h"
#include "checkpoint/model_tensors.h"
#include "checkpoint/shared_load.h"
#include "checkpoint/weight_choice.h"
#include "config/config_loader.h"
#include "dist/agreement.h"
#include "export/onnx_model.h"
#include "export/safetensors.h"
#include "export/torch_state_dict.h"
#include "nn/sequence_classifier.h"
#include "train/build_info.h"
#include "util/atomic_file.h"

namespace seqtrain::app {

// Rank 0 writes; other ranks only take part in the agreed loading.
int RunExport(const ExportRequest& request, dist::Communicator& comm) {
  const checkpoint::Loaded loaded = checkpoint::LoadOnAllRanks(comm, request.checkpoint);
  const ModelConfig& shape = loaded.checkpoint.config().model();
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    checkpoint::ModelConfigOf(loaded.checkpoint, loaded.path);               // validates it
    checkpoint::CheckTensors(loaded.checkpoint, shape, false, loaded.path);  // before allocating
    const nn::ParamLayout layout = checkpoint::LayoutOf(shape);
    std::vector<float> params(layout.total_size());
    const checkpoint::WeightChoice weights = *checkpoint::WeightChoiceNamed(request.weights);
    checkpoint::UnpackTensors(checkpoint::ChosenWeights(loaded.checkpoint, weights, loaded.path),
                              layout, params.data(), loaded.path,
                              weights == checkpoint::WeightChoice::kEma ? "ema_params" : "params");
    const std::string config_text = config::ToText(loaded.checkpoint.config());
    const std::string built_by = train::CurrentBuildInfo().version();
    std::string bytes;
    if (request.format == "onnx") {
      exporting::OnnxOptions options;
      options.sequence_lens = request.sequence_lens;
      options.producer_version = built_by;
      options.doc = "seqtrain model from " + loaded.path + " (step " +
                    std::to_string(loaded.checkpoint.global_step()) + "); inputs are the data " +
                    "source's features (MNIST: pixel/255). Config:\n" + config_text;
      bytes = exporting::ExportOnnx(shape, params.data(), options);
    } else {
      exporting::Safetensors file;
      file.tensors = exporting::ToTorchStateDict(shape, params.data());
      file.metadata = {{"format", "pt"},
                       {"seqtrain_config", config_text},
                       {"seqtrain_step", std::to_string(loaded.checkpoint.global_step())},
                       {"seqtrain_weights", request.weights},
                       {"seqtrain_version", built_by}};
      bytes = exporting::EncodeSafetensors(file);
    }
    WriteFileAtomically(request.out, bytes);
    std::printf("%s: %s of %s (step %lld, %zu bytes)\n", request.out.c_str(),
                request.format.c_str(), loaded.path.c_str(),
                static_cast<long long>(loaded.checkpoint.global_step()), bytes.size());
  });
  return kExitOk;
}

}  // namespace seqtrain::app
