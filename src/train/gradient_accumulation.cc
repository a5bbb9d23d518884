// Trainer::LocalGradient: the global batch of one optimizer step in
// schedule.accumulation_steps micro-batches. Micro-batch k is ShardRange k of the global
// batch, and each rank takes its ShardRange of that, so every rank holds a slice of every
// micro-batch and the sum over ranks and micro-batches covers the global batch once. The
// gradients add up in grad_sum_ on each rank; nothing is communicated until the step's one
// allreduce, which is also where stop signals and save requests are gathered: a step is
// never split by a checkpoint.
#include <algorithm>

#include "data/shard.h"
#include "simd/array_kernels.h"
#include "train/trainer.h"

namespace seqtrain::train {

nn::BatchStats Trainer::LocalGradient(int64_t global_batch, int* samples) {
  const int64_t micro_steps = config_.schedule().accumulation_steps();
  // Without varying lengths the model runs its unmasked path, as before lengths existed.
  const auto forward_backward = [&](int batch) {
    const int32_t* lengths = train_.variable_length() ? batch_lengths_.data() : nullptr;
    return model_.ForwardBackward(batch_x_.data(), batch_targets_.in(), batch, nullptr, lengths);
  };
  if (micro_steps <= 1) {
    *samples = FillShare(epoch_position_, global_batch);
    return forward_backward(*samples);
  }
  *samples = 0;
  const size_t n = model_.num_params();
  grad_sum_.assign(n, 0.0f);
  nn::BatchStats total{};
  for (int64_t k = 0; k < micro_steps; ++k) {
    const data::Range micro =
        data::ShardRange(global_batch, static_cast<int>(micro_steps), static_cast<int>(k));
    // A slice this rank does not hold (a short last batch) adds nothing.
    if (data::ShardRange(micro.size, comm_.size(), comm_.rank()).size == 0) continue;
    const int batch = FillShare(epoch_position_ + micro.begin, micro.size);
    *samples += batch;
    const nn::BatchStats stats = forward_backward(batch);
    simd::AddTo(grad_sum_.data(), model_.grads(), n);
    total.loss_sum += stats.loss_sum;
    total.correct += stats.correct;
    total.count += stats.count;
  }
  std::copy(grad_sum_.begin(), grad_sum_.end(), model_.grads());
  return total;
}

}  // namespace seqtrain::train
