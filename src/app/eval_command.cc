#include <algorithm>
#include <cstdio>

#include "app/commands.h"
#include "app/data_loading.h"
#include "checkpoint/model_tensors.h"
#include "checkpoint/shared_load.h"
#include "checkpoint/weight_choice.h"
#include "config/data_path.h"
#include "dist/agreement.h"
#include "nn/sequence_classifier.h"
#include "train/evaluate.h"

namespace seqtrain::app {

int RunEval(const EvalRequest& request, dist::Communicator& comm) {
  ConfigureBlasThreads(request.blas_threads, comm);
  const checkpoint::Loaded loaded = checkpoint::LoadOnAllRanks(comm, request.checkpoint);
  TrainConfig config = loaded.checkpoint.config();
  if (!request.data_dir.empty()) config.mutable_data()->set_dir(request.data_dir);
  // Before anything is allocated: a crafted file cannot make a model it does not hold.
  dist::RunAgreed(comm, [&] {
    checkpoint::ModelConfigOf(loaded.checkpoint, loaded.path);  // validates it
    checkpoint::CheckTensors(loaded.checkpoint, config.model(), false, loaded.path);
  });
  const int64_t eval_batch_size = std::max<int64_t>(1, config.schedule().eval_batch_size());

  const LoadedData data = LoadOnEveryRank(comm, TestDataOf(config));
  const data::DataSource& test_set = *data.test;
  std::unique_ptr<nn::SequenceClassifier<float>> model;
  dist::RunAgreed(comm, [&] {
    train::CheckFitsModel(test_set, config.model(), "test set");
    model = std::make_unique<nn::SequenceClassifier<float>>(config.model());
    checkpoint::UnpackTensors(
        checkpoint::ChosenWeights(loaded.checkpoint,
                                  *checkpoint::WeightChoiceNamed(request.weights), loaded.path),
        model->layout(), model->params(), loaded.path,
        request.weights == "ema" ? "ema_params" : "params");
  });
  const train::EvalResult result = train::EvaluateModel(*model, test_set, comm, eval_batch_size);
  if (comm.is_root()) {
    std::printf("%s: step %lld, test %s %.4f, test loss %.4f (%lld %s, %d ranks)\n",
                loaded.path.c_str(), static_cast<long long>(loaded.checkpoint.global_step()),
                result.regression ? "RMSE" : "accuracy",
                result.regression ? result.rmse : result.accuracy, result.loss,
                static_cast<long long>(result.count), result.noun.c_str(), comm.size());
  }
  return kExitOk;
}

}  // namespace seqtrain::app
