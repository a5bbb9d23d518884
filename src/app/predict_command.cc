#include <algorithm>
#include <cstdio>
#include <memory>
#include <numeric>

#include "app/commands.h"
#include "checkpoint/model_tensors.h"
#include "checkpoint/shared_load.h"
#include "checkpoint/weight_choice.h"
#include "data/idx_source.h"
#include "data/npy_source.h"
#include "dist/agreement.h"
#include "nn/sequence_classifier.h"
#include "train/batch_targets.h"
#include "util/atomic_file.h"

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
    const DataConfig& data = loaded.checkpoint.config().data();
    const std::unique_ptr<data::DataSource> set =
        request.inputs.empty()
            ? data::OpenIdxImages(request.images, request.limit, shape.time_steps(),
                                  shape.input_size(), shape.num_classes(), data)
            : data::OpenNpyInputs(request.inputs, request.lengths, shape.time_steps(),
                                  shape.input_size(), train::TargetSpecOf(shape),
                                  data.uint8_scale());
    nn::SequenceClassifier<float> model(shape);
    checkpoint::UnpackTensors(
        checkpoint::ChosenWeights(loaded.checkpoint,
                                  *checkpoint::WeightChoiceNamed(request.weights), loaded.path),
        model.layout(), model.params(), loaded.path,
        request.weights == "ema" ? "ema_params" : "params");
    const int64_t total = request.limit > 0 ? std::min(request.limit, set->count()) : set->count();
    const int64_t chunk = 256;
    const nn::HeadEntry& head = nn::FindHead(shape.head());
    const int K = model.head().num_outputs(), T = shape.time_steps();
    std::vector<int64_t> indices;
    std::vector<float> x, predictions;
    std::vector<int32_t> lengths;
    std::string all_outputs;  // --probabilities: the K outputs per line
    train::BatchTargets unused_targets(set->target_spec());
    // One line per sequence, or per real step of each: the class and its probability, or the
    // K values.
    std::printf("index\t%s%s\n", head.per_step ? "step\t" : "",
                head.regression ? "value" : "label\tprobability");
    auto print = [&](const float* p) {
      if (head.regression) {
        for (int k = 0; k < K; ++k) std::printf("%s%.6g", k ? "\t" : "", p[k]);
        std::printf("\n");
        return;
      }
      const int best = static_cast<int>(std::max_element(p, p + K) - p);
      std::printf("%d\t%.4f\n", best, p[best]);
    };
    auto keep = [&](const float* p) {
      if (request.probabilities.empty()) return;
      for (int k = 0; k < K; ++k) {
        char value[32];
        std::snprintf(value, sizeof value, "%.9g%c", p[k], k + 1 == K ? '\n' : '\t');
        all_outputs += value;
      }
    };
    for (int64_t done = 0; done < total; done += chunk) {
      const int batch = static_cast<int>(std::min(chunk, total - done));
      indices.resize(static_cast<size_t>(batch));
      std::iota(indices.begin(), indices.end(), done);
      x.resize(static_cast<size_t>(T) * batch * shape.input_size());
      lengths.resize(static_cast<size_t>(batch));
      unused_targets.Resize(T, batch);
      predictions.resize(static_cast<size_t>(head.per_step ? T : 1) * batch * K);
      set->Fill(indices.data(), batch, x.data(), lengths.data(), unused_targets.out());
      model.Forward(x.data(), nn::HeadTargets<float>{}, batch, predictions.data(),
                    set->variable_length() ? lengths.data() : nullptr);
      for (int b = 0; b < batch; ++b) {
        const auto index = static_cast<long long>(done + b);
        if (!head.per_step) {
          std::printf("%lld\t", index);
          print(predictions.data() + static_cast<size_t>(b) * K);
          keep(predictions.data() + static_cast<size_t>(b) * K);
          continue;
        }
        for (int t = 0; t < lengths[b]; ++t) {
          std::printf("%lld\t%d\t", index, t);
          print(predictions.data() + (static_cast<size_t>(t) * batch + b) * K);
          keep(predictions.data() + (static_cast<size_t>(t) * batch + b) * K);
        }
      }
    }
    if (!request.probabilities.empty()) {
      WriteFileAtomically(request.probabilities, all_outputs);
    }
  });
  return kExitOk;
}

}  // namespace seqtrain::app
