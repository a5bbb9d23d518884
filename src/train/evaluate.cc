#include "train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "data/shard.h"
#include "train/batch_targets.h"
#include "util/error.h"

namespace seqtrain::train {

void CheckFitsModel(const data::DataSource& set, const ModelConfig& m, const std::string& role) {
  if (set.steps() != m.time_steps() || set.inputs() != m.input_size()) {
    throw Error(role + ": samples are " + std::to_string(set.steps()) + " steps of " +
                std::to_string(set.inputs()) +
                " inputs but model.time_steps = " + std::to_string(m.time_steps()) +
                " and model.input_size = " + std::to_string(m.input_size()));
  }
  const data::TargetSpec wanted = TargetSpecOf(m), has = set.target_spec();
  if (has != wanted) {
    throw Error(role + ": targets are " + data::Describe(has) +
                " but model.head = " + nn::HeadName(m.head()) + " reads " + data::Describe(wanted) +
                (wanted.is_class() || has.is_class()
                     ? std::string()
                     : " (model.output_size = " + std::to_string(m.output_size()) + ")"));
  }
  if (wanted.is_class() && set.num_classes() > m.num_classes()) {
    throw Error(role + ": targets go up to " + std::to_string(set.num_classes() - 1) +
                " but model.num_classes = " + std::to_string(m.num_classes()));
  }
}

metrics::EvalRecord EvalRecordOf(int64_t step, const EvalResult& result) {
  metrics::EvalRecord r;
  r.step = step;
  r.test_accuracy = result.accuracy;
  r.test_loss = result.loss;
  r.count = result.count;
  r.noun = result.noun;
  if (result.regression) {
    r.quality = metrics::Quality::kRmse;
    r.test_rmse = result.rmse;
  }
  return r;
}

void AddEmaResult(const EvalResult& average, metrics::EvalRecord* record) {
  record->ema_test_accuracy = average.regression ? average.rmse : average.accuracy;
  record->ema_test_loss = average.loss;
}

EvalResult EvaluateModel(nn::SequenceClassifier<float>& model, const data::DataSource& set,
                         dist::Communicator& comm, int64_t batch_size) {
  const ModelConfig& m = model.config();
  const data::Range mine = data::ShardRange(set.count(), comm.size(), comm.rank());
  std::vector<int64_t> indices;
  std::vector<float> x;
  std::vector<int32_t> lengths;
  BatchTargets targets(TargetSpecOf(m));
  double sums[4] = {0, 0, 0, 0};  // loss, correct, targets, samples
  for (int64_t done = 0; done < mine.size; done += batch_size) {
    const int batch = static_cast<int>(std::min(batch_size, mine.size - done));
    indices.resize(static_cast<size_t>(batch));
    std::iota(indices.begin(), indices.end(), mine.begin + done);
    x.resize(static_cast<size_t>(m.time_steps()) * batch * m.input_size());
    lengths.resize(static_cast<size_t>(batch));
    targets.Resize(m.time_steps(), batch);
    set.Fill(indices.data(), batch, x.data(), lengths.data(), targets.out());
    const nn::BatchStats s = model.Forward(x.data(), targets.in(), batch, nullptr,
                                           set.variable_length() ? lengths.data() : nullptr);
    sums[0] += s.loss_sum;
    sums[1] += static_cast<double>(s.correct);
    sums[2] += static_cast<double>(s.count);
    sums[3] += batch;
  }
  comm.AllreduceSum(sums, 4);
  SEQ_CHECK(sums[3] == static_cast<double>(set.count()));
  EvalResult r;
  r.accuracy = sums[1] / sums[2];
  r.loss = sums[0] / sums[2];
  r.regression = nn::FindHead(m.head()).regression;
  r.rmse = r.regression ? std::sqrt(r.loss) : 0;
  r.count = static_cast<int64_t>(sums[3]);
  r.noun = set.Facts().noun;
  return r;
}

}  // namespace seqtrain::train
