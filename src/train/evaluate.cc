#include "train/evaluate.h"

#include <algorithm>
#include <numeric>
#include <vector>

#include "data/shard.h"
#include "util/error.h"

namespace seqtrain::train {

EvalResult EvaluateModel(nn::LstmClassifier<float>& model, const data::LabeledImages& set,
                         dist::Communicator& comm, int64_t batch_size) {
  const ModelConfig& m = model.shape();
  const data::Range mine = data::ShardRange(set.count, comm.size(), comm.rank());
  std::vector<int64_t> indices;
  std::vector<float> x;
  std::vector<int32_t> labels;
  double sums[3] = {0, 0, 0};  // loss, correct, count
  for (int64_t done = 0; done < mine.size; done += batch_size) {
    const int batch = static_cast<int>(std::min(batch_size, mine.size - done));
    indices.resize(static_cast<size_t>(batch));
    std::iota(indices.begin(), indices.end(), mine.begin + done);
    x.resize(static_cast<size_t>(m.time_steps()) * batch * m.input_size());
    labels.resize(static_cast<size_t>(batch));
    data::FillTimeMajor(set, indices.data(), batch, m.time_steps(), m.input_size(), x.data(), labels.data());
    const nn::BatchStats s = model.Forward(x.data(), labels.data(), batch);
    sums[0] += s.loss_sum;
    sums[1] += static_cast<double>(s.correct);
    sums[2] += static_cast<double>(s.count);
  }
  comm.AllreduceSum(sums, 3);
  SEQ_CHECK(sums[2] == static_cast<double>(set.count));
  return {sums[1] / sums[2], sums[0] / sums[2], static_cast<int64_t>(sums[2])};
}

}  // namespace seqtrain::train
