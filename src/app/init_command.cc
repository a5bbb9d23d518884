// `seqtrain init`: the weights a run starts from, written without training
// (docs/export_formats.md).
#include <cstdio>

#include "app/commands.h"
#include "config/config_loader.h"
#include "dist/agreement.h"
#include "export/init_weights.h"
#include "export/safetensors.h"
#include "export/torch_state_dict.h"
#include "nn/sequence_classifier.h"
#include "train/build_info.h"
#include "train/trainer.h"
#include "util/atomic_file.h"

namespace seqtrain::app {

int RunInit(const InitRequest& request, dist::Communicator& comm) {
  TrainConfig config;
  dist::RunAgreed(comm, [&] {
    config = config::LoadTrainConfig(request.config_path, request.overrides, comm.size(),
                                     config::DataUse::kNoData);
  });
  std::unique_ptr<nn::SequenceClassifier<float>> model;
  dist::RunAgreed(comm, [&] {
    model = std::make_unique<nn::SequenceClassifier<float>>(config.model());
    train::InitializeModel(config, model.get());
  });
  // As train starts: given weights replace the drawn ones.
  if (!config.init_from().empty()) {
    exporting::LoadInitialWeights(comm, config.init_from(), config.model(), model->params());
  }
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    exporting::Safetensors file;
    file.tensors = exporting::ToTorchStateDict(config.model(), model->params());
    file.metadata = {{"format", "pt"},
                     {"seqtrain_config", config::ToText(config)},
                     {"seqtrain_step", "0"},
                     {"seqtrain_version", train::CurrentBuildInfo().version()}};
    const std::string bytes = exporting::EncodeSafetensors(file);
    WriteFileAtomically(request.out, bytes);
    std::printf("%s: the initial weights of seed %llu (%zu parameters, %zu bytes)\n",
                request.out.c_str(), static_cast<unsigned long long>(config.seed()),
                model->num_params(), bytes.size());
  });
  return kExitOk;
}

}  // namespace seqtrain::app
