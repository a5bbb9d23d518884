#include "train/trainer.h"

#include <chrono>
#include <numeric>

#include "data/shard.h"
#include "util/error.h"
#include "util/rng.h"

namespace seqtrain::train {
namespace {

// Purposes for DeriveSeed, so each random stream is independent of the others.
constexpr uint64_t kInitStream = 1;
constexpr uint64_t kEpochOrderStream = 2;

double Now() {
  using Clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
}

void CheckFits(const data::LabeledImages& set, const std::string& what, const RunConfig& c) {
  const int64_t needed = int64_t{c.model.time_steps} * c.model.input_size;
  if (set.pixels_per_image() != needed) {
    throw Error(c.data.PathOf(what) + ": images are " + std::to_string(set.rows) + "x" +
                std::to_string(set.cols) + " but model.time_steps * model.input_size = " +
                std::to_string(c.model.time_steps) + " * " + std::to_string(c.model.input_size) +
                " = " + std::to_string(needed));
  }
}

}  // namespace

Trainer::Trainer(const RunConfig& config, dist::Communicator& comm,
                 const data::LabeledImages& train, const data::LabeledImages& test)
    : config_(config),
      comm_(comm),
      train_(train),
      test_(test),
      model_(config.model, kTailSlots),
      adam_(model_.num_params(), config.optimizer) {
  Validate(config_, comm_.size());
  CheckFits(train_, config_.data.train_images, config_);
  CheckFits(test_, config_.data.test_images, config_);
  const int64_t batch = config_.schedule.batch_size;
  steps_per_epoch_ = (train_.count + batch - 1) / batch;
  total_steps_ = config_.schedule.max_steps > 0 ? config_.schedule.max_steps
                                                 : config_.schedule.epochs * steps_per_epoch_;
  model_.Initialize(DeriveSeed(config_.seed, kInitStream, 0), config_.forget_bias);
}

const std::vector<int64_t>& Trainer::EpochOrder(int64_t epoch) {
  if (epoch != order_epoch_) {
    if (config_.data.shuffle) {
      order_ = RandomPermutation(train_.count, DeriveSeed(config_.seed, kEpochOrderStream,
                                                          static_cast<uint64_t>(epoch)));
    } else {
      order_.resize(static_cast<size_t>(train_.count));
      std::iota(order_.begin(), order_.end(), int64_t{0});
    }
    order_epoch_ = epoch;
  }
  return order_;
}

StepRecord Trainer::TrainStep() {
  const auto& m = config_.model;
  const int64_t epoch = step_ / steps_per_epoch_;
  const int64_t begin = (step_ % steps_per_epoch_) * config_.schedule.batch_size;
  const int64_t global_batch = std::min(config_.schedule.batch_size, train_.count - begin);
  const data::Range mine = data::ShardRange(global_batch, comm_.size(), comm_.rank());
  const auto& order = EpochOrder(epoch);
  const int batch = static_cast<int>(mine.size);
  batch_x_.resize(static_cast<size_t>(m.time_steps) * batch * m.input_size);
  batch_labels_.resize(static_cast<size_t>(batch));
  data::FillTimeMajor(train_, order.data() + begin + mine.begin, batch, m.time_steps,
                      m.input_size, batch_x_.data(), batch_labels_.data());

  const nn::BatchStats local = model_.ForwardBackward(batch_x_.data(), batch_labels_.data(), batch);
  float* tail = model_.grad_tail();
  tail[kSampleCount] = static_cast<float>(local.count);
  tail[kLossSum] = static_cast<float>(local.loss_sum);
  tail[kCorrectCount] = static_cast<float>(local.correct);
  comm_.AllreduceSum(model_.grads(), model_.num_params() + kTailSlots);
  const double count = tail[kSampleCount];
  SEQ_CHECK(count == static_cast<double>(global_batch));
  adam_.Step(model_.params(), model_.grads(), static_cast<float>(1.0 / count));
  ++step_;

  StepRecord record;
  record.step = step_;
  record.epoch = epoch;
  record.loss = tail[kLossSum] / count;
  record.train_accuracy = tail[kCorrectCount] / count;
  return record;
}

EvalResult Trainer::Evaluate(const data::LabeledImages& set) {
  const auto& m = config_.model;
  const data::Range mine = data::ShardRange(set.count, comm_.size(), comm_.rank());
  const int64_t chunk = config_.schedule.eval_batch_size;
  double sums[3] = {0, 0, 0};  // loss, correct, count
  for (int64_t done = 0; done < mine.size; done += chunk) {
    const int batch = static_cast<int>(std::min(chunk, mine.size - done));
    eval_indices_.resize(static_cast<size_t>(batch));
    std::iota(eval_indices_.begin(), eval_indices_.end(), mine.begin + done);
    batch_x_.resize(static_cast<size_t>(m.time_steps) * batch * m.input_size);
    batch_labels_.resize(static_cast<size_t>(batch));
    data::FillTimeMajor(set, eval_indices_.data(), batch, m.time_steps, m.input_size,
                        batch_x_.data(), batch_labels_.data());
    const nn::BatchStats s = model_.Forward(batch_x_.data(), batch_labels_.data(), batch);
    sums[0] += s.loss_sum;
    sums[1] += static_cast<double>(s.correct);
    sums[2] += static_cast<double>(s.count);
  }
  comm_.AllreduceSum(sums, 3);
  SEQ_CHECK(sums[2] == static_cast<double>(set.count));
  return {sums[1] / sums[2], sums[0] / sums[2], static_cast<int64_t>(sums[2])};
}

TrainResult Trainer::Run(MetricsLog& log) {
  const auto& s = config_.schedule;
  // Every rank derived the same weights; the broadcast makes that a fact.
  comm_.Broadcast(model_.params(), model_.num_params(), 0);
  const double start = Now();
  double display_start = start;
  int64_t display_samples = 0, total_samples = 0;
  history_.reserve(static_cast<size_t>(total_steps_ - step_));
  while (step_ < total_steps_) {
    StepRecord record = TrainStep();
    const auto batch_samples = static_cast<int64_t>(model_.grad_tail()[kSampleCount]);
    display_samples += batch_samples;
    total_samples += batch_samples;
    if (record.step == 1 || record.step % s.display_step == 0 || record.step == total_steps_) {
      const double now = Now();
      record.samples_per_sec = display_samples / std::max(now - display_start, 1e-9);
      display_start = now;
      display_samples = 0;
      log.Step(record);
    }
    history_.push_back(record);
    if (s.eval_every > 0 && record.step % s.eval_every == 0 && record.step != total_steps_) {
      const EvalResult e = Evaluate(test_);
      log.Eval({record.step, e.accuracy, e.loss, e.count});
      display_start = Now();  // keep evaluation out of the training rate
    }
  }
  const double train_seconds = Now() - start;
  TrainResult result;
  result.steps = step_;
  result.test = Evaluate(test_);
  result.wall_seconds = Now() - start;
  result.samples_per_sec = total_samples / std::max(train_seconds, 1e-9);
  log.Eval({step_, result.test.accuracy, result.test.loss, result.test.count});
  log.Final({step_, result.test.accuracy, result.wall_seconds, comm_.size(), result.samples_per_sec});
  return result;
}

}  // namespace seqtrain::train
