#include <algorithm>
#include <cstdio>

#include "app/commands.h"
#include "app/data_loading.h"
#include "checkpoint/model_tensors.h"
#include "checkpoint/shared_load.h"
#include "config/config_convert.h"
#include "dist/agreement.h"
#include "train/evaluate.h"

namespace seqtrain::app {

int RunEval(const EvalRequest& request, dist::Communicator& comm) {
  ConfigureBlasThreads(request.blas_threads, comm);
  const checkpoint::Loaded loaded = checkpoint::LoadOnAllRanks(comm, request.checkpoint);
  train::RunConfig config = config::ToRunConfig(loaded.checkpoint.config());
  if (!request.data_dir.empty()) config.data.dir = request.data_dir;
  // Before anything is allocated: a crafted file cannot make a model it does not hold.
  dist::RunAgreed(comm, [&] {
    config.model = checkpoint::ModelShapeOf(loaded.checkpoint, loaded.path);
    checkpoint::CheckTensors(loaded.checkpoint, config.model, false, loaded.path);
  });
  config.schedule.eval_batch_size = std::max<int64_t>(1, config.schedule.eval_batch_size);

  const LoadedData data = LoadOnEveryRank(comm, TestDataOf(config));
  const data::DataSource& test_set = *data.test;
  std::unique_ptr<nn::LstmClassifier<float>> model;
  dist::RunAgreed(comm, [&] {
    train::CheckFitsModel(test_set, config.model, "test set");
    model = std::make_unique<nn::LstmClassifier<float>>(config.model);
    checkpoint::UnpackTensors(loaded.checkpoint.params(), model->layout(), model->params(), loaded.path,
                              "params");
  });
  const train::EvalResult result = train::EvaluateModel(*model, test_set, comm, config.schedule.eval_batch_size);
  if (comm.is_root()) {
    std::printf("%s: step %lld, test accuracy %.4f, test loss %.4f (%lld images, %d ranks)\n",
                loaded.path.c_str(), static_cast<long long>(loaded.checkpoint.global_step()), result.accuracy,
                result.loss, static_cast<long long>(result.count), comm.size());
  }
  return kExitOk;
}

}  // namespace seqtrain::app
