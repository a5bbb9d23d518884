#include "train/evaluate.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "data/shard.h"
#include "util/error.h"

namespace seqtrain::train {

void CheckFitsModel(const data::DataSource& set, const ModelConfig& m, const std::string& role) {
  if (set.steps() != m.time_steps() || set.inputs() != m.input_size()) {
    throw Error(role + ": samples are " + std::to_string(set.steps()) + " steps of " +
                std::to_string(set.inputs()) +
                " inputs but model.time_steps = " + std::to_string(m.time_steps()) +
                " and model.input_size = " + std::to_string(m.input_size()));
  }
  if (set.num_classes() > m.num_classes()) {
    throw Error(role + ": targets go up to " + std::to_string(set.num_classes() - 1) +
                " but model.num_classes = " + std::to_string(m.num_classes()));
  }
}

EvalResult EvaluateModel(nn::SequenceClassifier<float>& model, const data::DataSource& set,
                         dist::Communicator& comm, int64_t batch_size) {
  const ModelConfig& m = model.config();
  const data::Range mine = data::ShardRange(set.count(), comm.size(), comm.rank());
  std::vector<int64_t> indices;
  std::vector<float> x;
  std::vector<int32_t> lengths, labels;
  double sums[3] = {0, 0, 0};  // loss, correct, count
  for (int64_t done = 0; done < mine.size; done += batch_size) {
    const int batch = static_cast<int>(std::min(batch_size, mine.size - done));
    indices.resize(static_cast<size_t>(batch));
    std::iota(indices.begin(), indices.end(), mine.begin + done);
    x.resize(static_cast<size_t>(m.time_steps()) * batch * m.input_size());
    lengths.resize(static_cast<size_t>(batch));
    labels.resize(static_cast<size_t>(batch));
    set.Fill(indices.data(), batch, x.data(), lengths.data(), labels.data());
    const nn::BatchStats s = model.Forward(x.data(), labels.data(), batch, nullptr,
                                           set.variable_length() ? lengths.data() : nullptr);
    sums[0] += s.loss_sum;
    sums[1] += static_cast<double>(s.correct);
    sums[2] += static_cast<double>(s.count);
  }
  comm.AllreduceSum(sums, 3);
  SEQ_CHECK(sums[2] == static_cast<double>(set.count()));
  return {sums[1] / sums[2], sums[0] / sums[2], static_cast<int64_t>(sums[2])};
}

}  // namespace seqtrain::train
