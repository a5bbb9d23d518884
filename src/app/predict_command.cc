#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>

#include "app/commands.h"
#include "checkpoint/model_tensors.h"
#include "checkpoint/shared_load.h"
#include "checkpoint/weight_choice.h"
#include "data/idx_source.h"
#include "dist/agreement.h"
#include "nn/sequence_classifier.h"

namespace seqtrain::app {

// Rank 0 predicts; other ranks only take part in the agreed loading.
int RunPredict(const PredictRequest& request, dist::Communicator& comm) {
  ConfigureBlasThreads(request.blas_threads, comm);
  const checkpoint::Loaded loaded = checkpoint::LoadOnAllRanks(comm, request.checkpoint);
  const ModelConfig& shape = loaded.checkpoint.config().model();
  dist::RunAgreed(comm, [&] {
    checkpoint::ModelConfigOf(loaded.checkpoint, loaded.path);               // validates it
    checkpoint::CheckTensors(loaded.checkpoint, shape, false, loaded.path);  // before allocating
  });
  dist::RunAgreed(comm, [&] {
    if (!comm.is_root()) return;
    const std::unique_ptr<data::DataSource> set = data::OpenIdxImages(
        request.images, request.limit, shape.time_steps(), shape.input_size(), shape.num_classes());
    nn::SequenceClassifier<float> model(shape);
    checkpoint::UnpackTensors(
        checkpoint::ChosenWeights(loaded.checkpoint,
                                  *checkpoint::WeightChoiceNamed(request.weights), loaded.path),
        model.layout(), model.params(), loaded.path,
        request.weights == "ema" ? "ema_params" : "params");
    const int64_t total = set->count();
    const int64_t chunk = 256;
    const int K = shape.num_classes();
    std::vector<int64_t> indices;
    std::vector<float> x, probs;
    std::vector<int32_t> lengths, unused_targets;
    std::printf("index\tlabel\tprobability\n");
    for (int64_t done = 0; done < total; done += chunk) {
      const int batch = static_cast<int>(std::min(chunk, total - done));
      indices.resize(static_cast<size_t>(batch));
      std::iota(indices.begin(), indices.end(), done);
      x.resize(static_cast<size_t>(shape.time_steps()) * batch * shape.input_size());
      lengths.resize(static_cast<size_t>(batch));
      unused_targets.resize(static_cast<size_t>(batch));
      probs.resize(static_cast<size_t>(batch) * K);
      set->Fill(indices.data(), batch, x.data(), lengths.data(), unused_targets.data());
      model.Forward(x.data(), nullptr, batch, probs.data());
      for (int b = 0; b < batch; ++b) {
        const float* p = probs.data() + static_cast<size_t>(b) * K;
        const int best = static_cast<int>(std::max_element(p, p + K) - p);
        std::printf("%lld\t%d\t%.4f\n", static_cast<long long>(done + b), best, p[best]);
      }
    }
  });
  return kExitOk;
}

}  // namespace seqtrain::app
